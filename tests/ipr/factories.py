from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from openstx.ipr.models import IPRecord, StandardRecord, TrainingCourse
from tests.factories import (  # noqa: F401  (re-exported for the ipr tests)
    MembershipFactory,
    OfficerFactory,
    OrganizationFactory,
    UserFactory,
)


class IPRecordFactory(DjangoModelFactory):
    class Meta:
        model = IPRecord

    type = "trademark"
    title = factory.Sequence(lambda n: f"Gạo thơm Hương Quê {n}")
    applicant_name = "Hộ kinh doanh Nguyễn Văn Tài"
    application_number = factory.Sequence(lambda n: f"4-2018-{n:05d}")
    application_date = dt.date(2018, 3, 15)
    classes = "30"


class StandardRecordFactory(DjangoModelFactory):
    class Meta:
        model = StandardRecord

    kind = "in_house"
    title = factory.Sequence(lambda n: f"Nước mắm cá cơm {n}")
    received_date = dt.date(2019, 5, 2)


class TrainingCourseFactory(DjangoModelFactory):
    class Meta:
        model = TrainingCourse

    title = factory.Sequence(lambda n: f"Tập huấn sở hữu trí tuệ {n}")
    start_date = dt.date(2019, 6, 1)
