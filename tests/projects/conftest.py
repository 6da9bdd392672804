from __future__ import annotations

import pytest

from .factories import ExpertFactory, MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def officer(db):
    return UserFactory(username="officer", role="officer")


@pytest.fixture
def host_org(db):
    return OrganizationFactory(name="Trường Đại học Cần Thơ", type="university")


@pytest.fixture
def host_user(host_org):
    user = UserFactory(username="hostmember")
    MembershipFactory(user=user, organization=host_org)
    return user


@pytest.fixture
def leader(host_org):
    user = UserFactory(username="leader")
    return ExpertFactory(full_name="Trần Văn Chủ Nhiệm", organization=host_org, user=user)


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")
