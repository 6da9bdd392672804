from __future__ import annotations

import pytest

from openstx.accounts.models import Membership, User

from .factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def org(db):
    return OrganizationFactory()


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def org_admin(org):
    user = UserFactory()
    MembershipFactory(user=user, organization=org, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def officer(db):
    return UserFactory(role=User.Role.OFFICER)


@pytest.fixture
def outsider(db):
    return UserFactory()
