"""Shared factory-boy factories. Apps add their own factories here (keep it one place)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from openstx.accounts.models import Membership, User
from openstx.directory.models import Expert, Organization, Publication
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

PASSWORD = "Ch3-ph4m sinh hoc!"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"u{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OfficerFactory(UserFactory):
    role = User.Role.OFFICER


class FieldOfScienceFactory(DjangoModelFactory):
    class Meta:
        model = FieldOfScience
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:02d}")
    level = factory.LazyAttribute(lambda o: {1: 1, 3: 2, 5: 3}.get(len(o.code), 4))
    name_vi = factory.Sequence(lambda n: f"Lĩnh vực thử nghiệm {n}")
    name_en = factory.Sequence(lambda n: f"Test field {n}")


class AdministrativeUnitFactory(DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh Thử Nghiệm {n}")
    level = AdministrativeUnit.Level.PROVINCE


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Viện Nghiên cứu Thủy sản {n}")
    type = Organization.Type.RESEARCH_INSTITUTE


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER
    status = Membership.Status.APPROVED


class ExpertFactory(DjangoModelFactory):
    class Meta:
        model = Expert

    full_name = factory.Sequence(lambda n: f"Trần Thị Chuyên Gia {n}")
    degree = Expert.Degree.TS
    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"expert{n}@example.vn")
    phone = "0292 3831 234"


class PublicationFactory(DjangoModelFactory):
    class Meta:
        model = Publication

    title = factory.Sequence(lambda n: f"Nghiên cứu chế phẩm sinh học số {n}")
    year = 2024
