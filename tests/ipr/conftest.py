from __future__ import annotations

import pytest

from .factories import MembershipFactory, OfficerFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def officer(db):
    return OfficerFactory(username="officer")


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Công ty Cổ phần Gạo sạch Đồng Tháp", short_name="DT Rice")


@pytest.fixture
def member(org):
    user = UserFactory(username="member")
    MembershipFactory(user=user, organization=org)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def eager_jobs(settings, tmp_path):
    """Background jobs run when they are queued (no worker in these tests); uploads are kept
    under a temporary data directory."""
    from openstx.celery import app

    settings.DATA_DIR = tmp_path / "data"
    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old
