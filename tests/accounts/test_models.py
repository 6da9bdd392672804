from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from openstx.accounts.models import ApiToken, Membership, User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_display_name_prefers_full_name():
    assert UserFactory(full_name="Trần Thị Bích").display_name == "Trần Thị Bích"
    user = UserFactory(full_name="", first_name="", last_name="")
    assert user.display_name == user.username == str(user)


def test_user_defaults():
    user = User.objects.create_user("ab", "ab@example.vn", "x")
    assert user.role == User.Role.MEMBER
    assert user.language == "vi"
    assert user.email_verified is False


def test_email_is_unique():
    UserFactory(email="same@example.vn")
    with pytest.raises(IntegrityError):
        UserFactory(email="same@example.vn")


def test_membership_unique_per_user_and_organisation(org, member):
    MembershipFactory(user=member, organization=org)
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=member, organization=org)


def test_membership_str_and_default_status(org, member):
    m = Membership.objects.create(user=member, organization=org)
    assert m.status == Membership.Status.PENDING
    assert m.role == Membership.Role.MEMBER
    assert org.name in str(m)


def test_token_state_properties(member):
    token = ApiToken(user=member, name="t", prefix="abc", token_hash="x")
    assert token.is_usable and not token.is_expired and not token.is_revoked
    token.expires_at = timezone.now() - timedelta(seconds=1)
    assert token.is_expired and not token.is_usable
    token.expires_at = None
    token.revoked_at = timezone.now()
    assert token.is_revoked and not token.is_usable
    assert "abc" in str(token)
