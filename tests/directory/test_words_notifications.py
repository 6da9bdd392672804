"""Verification notices are rendered in each member's language (lazy texts with params)."""

from __future__ import annotations

import pytest

from openstx.accounts.models import User
from openstx.core.models import Notification
from openstx.directory import services
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_verified_notice_in_each_members_language():
    org = OrganizationFactory(name="Công ty Mê Kông", verified=False, awaiting_verification=True)
    en = UserFactory(language="en")
    vi = UserFactory(language="vi")
    for user in (en, vi):
        MembershipFactory(user=user, organization=org)
    officer = UserFactory(role=User.Role.OFFICER, language="en")
    services.verify_organization(officer, org)
    assert Notification.objects.get(user=en).title == "Công ty Mê Kông is verified"
    assert Notification.objects.get(user=vi).title == "Công ty Mê Kông đã được xác minh"
