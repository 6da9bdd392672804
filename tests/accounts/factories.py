"""Factories for accounts tests (and for other apps' tests that need users)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from openstx.accounts.models import Membership, User
from openstx.directory.models import Organization

PASSWORD = "Ch3-ph4m sinh hoc!"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    is_active = True
    email_verified = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Viện Nghiên cứu Thủy sản {n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER
    status = Membership.Status.APPROVED
