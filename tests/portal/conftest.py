from __future__ import annotations

import pytest
from django.core.cache import cache

from openstx.accounts.models import User

from .factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OPENSTX_DEPARTMENT_EMAIL = "sokhcn@example.vn"
    cache.clear()


@pytest.fixture
def business_org(db):
    return OrganizationFactory(name="Công ty TNHH Thực phẩm Mekong", type="enterprise")


@pytest.fixture
def business(business_org):
    user = UserFactory(username="doanhnghiep", full_name="Lê Thị Doanh")
    MembershipFactory(user=user, organization=business_org)
    return user


@pytest.fixture
def other_business(db):
    user = UserFactory(username="khac", full_name="Phạm Văn Khác")
    MembershipFactory(user=user, organization=OrganizationFactory(name="Công ty Khác"))
    return user


@pytest.fixture
def officer(db):
    return UserFactory(username="canbo", full_name="Trần Cán Bộ", role=User.Role.OFFICER)


@pytest.fixture
def officer2(db):
    return UserFactory(username="canbo2", full_name="Võ Cán Bộ Hai", role=User.Role.OFFICER)
