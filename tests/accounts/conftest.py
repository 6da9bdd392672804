from __future__ import annotations

import pytest
from django.core.cache import cache

from openstx.accounts.models import Membership, User
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


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
