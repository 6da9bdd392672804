"""The back office pages for users, memberships and tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openstx.accounts import services
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin, _pw = services.ensure_admin("root", "root@example.vn")
    client.force_login(admin)
    return client


def test_changelists_and_role_filter(admin_client, member):
    MembershipFactory(user=member)
    services.create_token(member, "script")
    for model in ("user", "membership", "apitoken"):
        response = admin_client.get(reverse(f"admin:accounts_{model}_changelist"))
        assert response.status_code == 200, model
    response = admin_client.get(reverse("admin:accounts_user_changelist") + "?role__exact=officer")
    assert response.status_code == 200
    assert member.username not in response.content.decode()


def test_user_change_page(admin_client, member):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[member.pk]))
    assert response.status_code == 200
    assert 'name="role"' in response.content.decode()


def test_token_hash_is_read_only_and_tokens_cannot_be_added(admin_client, member):
    token = services.create_token(member, "script").token
    html = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content
    assert b'name="token_hash"' not in html and token.token_hash.encode() in html
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_admin_actions(admin_client, member):
    pending = UserFactory(is_active=False, email_verified=False)
    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "mark_verified", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.is_active and pending.email_verified
    token = services.create_token(member, "script").token
    admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_labels_are_vietnamese(admin_client):
    html = admin_client.get(
        reverse("admin:accounts_user_changelist"), HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    assert "Cán bộ Sở" in html  # the role filter


def test_openapi_documents_both_auth_schemes(client):
    schema = client.get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}
    assert "/api/v1/accounts/me" in schema["paths"]
