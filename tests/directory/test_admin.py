"""Back-office pages load for staff (smoke tests of the admin configuration)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openstx.accounts.models import User
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
    client.force_login(user)
    return client


def test_directory_admin_pages(admin_client, org, expert, fields, units):
    for name in ("organization", "expert", "publication"):
        assert admin_client.get(reverse(f"admin:directory_{name}_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:directory_organization_change", args=[org.pk])).status_code
        == 200
    )
    assert (
        admin_client.get(reverse("admin:directory_expert_history", args=[expert.pk])).status_code
        == 200
    )
    r = admin_client.get(reverse("admin:directory_organization_changelist"), {"q": "CTU"})
    assert org.name in r.content.decode()


def test_taxonomy_admin_pages(admin_client, fields, units):
    for name in ("fieldofscience", "technologyreadinesslevel", "administrativeunit"):
        assert admin_client.get(reverse(f"admin:taxonomy_{name}_changelist")).status_code == 200
    r = admin_client.get(reverse("admin:taxonomy_administrativeunit_changelist"), {"current": "no"})
    assert "Hậu Giang" in r.content.decode()
    assert (
        admin_client.get(
            reverse("admin:taxonomy_fieldofscience_change", args=[fields["106"].pk])
        ).status_code
        == 200
    )


def test_publication_history_in_the_admin(admin_client, expert, expert_user):
    from openstx.directory import services

    pub = services.add_publication(expert_user, expert, {"title": "Bài có lịch sử"})
    services.update_publication(expert_user, expert, pub, {"title": "Bài có lịch sử (sửa)"})
    response = admin_client.get(reverse("admin:directory_publication_history", args=[pub.pk]))
    assert response.status_code == 200
    assert expert_user.username in response.content.decode() or str(expert_user) in (
        response.content.decode()
    )
    assert pub.history.count() >= 2
