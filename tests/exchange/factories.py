"""Factories for exchange tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from openstx.directory.models import Organization
from openstx.exchange.models import Demand, ListingStatus, Offer
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience
from tests import factories as _shared
from tests.factories import PASSWORD  # noqa: F401  (re-exported for the app's tests)

# People and organisations are the shared factories (tests/factories.py); exchange tests
# default to an enterprise and to experts without an organisation.
UserFactory = _shared.UserFactory
MembershipFactory = _shared.MembershipFactory


class OrganizationFactory(_shared.OrganizationFactory):
    name = factory.Sequence(lambda n: f"Công ty Thủy sản Hậu Giang {n}")
    type = Organization.Type.ENTERPRISE


class ExpertFactory(_shared.ExpertFactory):
    organization = None


class FieldFactory(DjangoModelFactory):
    class Meta:
        model = FieldOfScience
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:02d}")
    level = 2
    name_vi = factory.Sequence(lambda n: f"Lĩnh vực {n}")
    name_en = factory.Sequence(lambda n: f"Field {n}")


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"X{n}")
    name = factory.Sequence(lambda n: f"Tỉnh {n}")
    level = 1


def future(days: int = 200) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


class OfferFactory(DjangoModelFactory):
    class Meta:
        model = Offer
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Quy trình nuôi tôm thẻ chân trắng {n}")
    summary = "Nuôi tôm mật độ cao, tuần hoàn nước, giảm 30% chi phí."
    description = "<p>Mô tả chi tiết quy trình.</p>"
    kind = Offer.Kind.TECHNOLOGY
    trl = 7
    advantages = "Giảm dịch bệnh, tiết kiệm nước."
    transfer_modes = "licence_nonexclusive,consulting_training"
    price_vnd = 500_000_000
    owner = factory.SubFactory(OrganizationFactory)
    status = ListingStatus.DRAFT
    confidential_detail = "<p>Công thức bí mật: men vi sinh 3%</p>"

    @factory.post_generation
    def fields(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.fields.set(extracted if extracted is not None else [FieldFactory(code="405")])


class DemandFactory(DjangoModelFactory):
    class Meta:
        model = Demand
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Cần công nghệ sấy khóm {n}")
    problem = "<p>Khóm sau thu hoạch hư hỏng nhiều.</p>"
    desired_outcome = "Giảm tổn thất sau thu hoạch xuống dưới 10%."
    min_trl = 6
    budget_min_vnd = 100_000_000
    budget_max_vnd = 900_000_000
    requester = factory.SubFactory(OrganizationFactory)
    status = ListingStatus.DRAFT

    @factory.post_generation
    def fields(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.fields.set(extracted if extracted is not None else [FieldFactory(code="211")])
