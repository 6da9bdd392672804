from __future__ import annotations

import pytest

from openstx.accounts.models import User

from .factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.cache import cache

    cache.clear()  # facet counts of public lists are cached for a minute


@pytest.fixture
def research_org(db):
    return OrganizationFactory(
        name="Viện Nghiên cứu Nuôi trồng Thủy sản", type="research_institute"
    )


@pytest.fixture
def business_org(db):
    return OrganizationFactory(name="Công ty Chế biến Nông sản Hậu Giang", type="enterprise")


@pytest.fixture
def researcher(research_org):
    user = UserFactory(username="researcher")
    MembershipFactory(user=user, organization=research_org)
    return user


@pytest.fixture
def business(business_org):
    user = UserFactory(username="business")
    MembershipFactory(user=user, organization=business_org)
    return user


@pytest.fixture
def officer(db):
    return UserFactory(username="officer", role=User.Role.OFFICER)


@pytest.fixture
def broker(db):
    return UserFactory(username="broker", role=User.Role.BROKER)


@pytest.fixture
def outsider(db):
    user = UserFactory(username="outsider")
    MembershipFactory(user=user)
    return user


def publish(listing, officer):
    """Submit ``listing`` as a member of its organisation and approve it; returns it fresh."""
    from openstx.exchange import services

    member = MembershipFactory(organization=listing.organization).user
    services.submit(listing, member)
    services.approve(listing, officer)
    listing.refresh_from_db()
    return listing
