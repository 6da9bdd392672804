"""The accounts API and the shared ninja auth: bearer tokens, session + CSRF."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils import timezone

from openstx.accounts import services
from openstx.accounts.auth import optional_user
from openstx.accounts.models import ApiToken
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me"
TOKENS = "/api/v1/accounts/tokens"


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def test_me_requires_authentication(client):
    assert client.get(ME).status_code == 401


def test_me_with_token(client, member, org):
    MembershipFactory(user=member, organization=org)
    secret = services.create_token(member, "t").secret
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == member.pk and body["email"] == member.email
    assert body["memberships"][0]["organization_name"] == org.name
    assert body["expert_id"] is None
    assert ApiToken.objects.get().last_used_at is not None


def test_me_with_session(client, member):
    client.force_login(member)
    assert client.get(ME).json()["username"] == member.username


def test_invalid_bearer_is_401_even_with_session(client, member):
    client.force_login(member)
    assert client.get(ME, **bearer("ostx_nothing_here")).status_code == 401


def test_session_post_without_csrf_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = post_json(client, TOKENS, {"name": "x"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_session_post_with_csrf_works(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/accounts/profile/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = post_json(client, TOKENS, {"name": "from the browser"}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201, response.content


def test_session_delete_without_csrf_is_refused(member):
    token = services.create_token(member, "t").token
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.delete(f"{TOKENS}/{token.pk}").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_bearer_post_needs_no_csrf(member):
    client = Client(enforce_csrf_checks=True)
    secret = services.create_token(member, "root").secret
    response = post_json(client, TOKENS, {"name": "second"}, **bearer(secret))
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith(f"ostx_{body['prefix']}_")
    assert body["active"] is True
    # the new token works, and its secret is never listed
    listed = client.get(TOKENS, **bearer(body["token"])).json()["results"]
    assert {t["name"] for t in listed} == {"root", "second"}
    assert all("token" not in t for t in listed)


def test_anonymous_post_is_401_not_403():
    client = Client(enforce_csrf_checks=True)
    assert post_json(client, TOKENS, {"name": "x"}).status_code == 401


def test_create_token_validation_error(member):
    secret = services.create_token(member, "t").secret
    response = post_json(Client(), TOKENS, {"name": " "}, **bearer(secret))
    assert response.status_code == 400 and response.json()["detail"]
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = post_json(Client(), TOKENS, {"name": "x", "expires_at": past}, **bearer(secret))
    assert response.status_code == 400


def test_revoked_token_is_refused(client, member):
    new = services.create_token(member, "t")
    other = services.create_token(member, "other")
    assert client.delete(f"{TOKENS}/{new.token.pk}", **bearer(other.secret)).status_code == 204
    assert client.get(ME, **bearer(new.secret)).status_code == 401
    assert client.get(ME, **bearer(other.secret)).status_code == 200


def test_expired_token_is_refused(client, member):
    new = services.create_token(member, "t", timezone.now() + timedelta(minutes=5))
    assert client.get(ME, **bearer(new.secret)).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(ME, **bearer(new.secret)).status_code == 401


def test_cannot_revoke_or_list_others_tokens(client, member, outsider):
    mine = services.create_token(member, "mine")
    theirs = services.create_token(outsider, "theirs")
    assert client.delete(f"{TOKENS}/{theirs.token.pk}", **bearer(mine.secret)).status_code == 404
    listed = client.get(TOKENS, **bearer(mine.secret)).json()
    assert [t["name"] for t in listed["results"]] == ["mine"] and listed["count"] == 1


def test_request_membership_via_api(client, member, org, org_admin):
    secret = services.create_token(member, "t").secret
    response = post_json(
        client,
        "/api/v1/accounts/memberships",
        {"organization_id": org.pk, "message": "xin chào"},
        **bearer(secret),
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert (
        client.get("/api/v1/accounts/memberships", **bearer(secret)).json()["results"][0][
            "organization_id"
        ]
        == org.pk
    )


def test_patch_me(client, member):
    secret = services.create_token(member, "t").secret
    response = client.patch(
        ME,
        json.dumps({"phone": "0292 3 123 456", "language": "en"}),
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 200 and response.json()["language"] == "en"
    member.refresh_from_db()
    assert member.phone == "0292 3 123 456" and member.full_name  # untouched
    bad = client.patch(
        ME, json.dumps({"language": "fr"}), content_type="application/json", **bearer(secret)
    )
    assert bad.status_code == 400


def test_org_admin_decides_via_api(client, member, org, org_admin, outsider):
    m = services.request_membership(member, org, "xin vào")
    admin_secret = services.create_token(org_admin, "a").secret
    outsider_secret = services.create_token(outsider, "o").secret
    url = f"/api/v1/accounts/organizations/{org.pk}/memberships"
    assert client.get(url, **bearer(outsider_secret)).status_code == 403
    listed = client.get(url + "?status=pending", **bearer(admin_secret)).json()
    assert [row["user_email"] for row in listed["results"]] == [member.email]
    decision = f"/api/v1/accounts/memberships/{m.pk}/decision"
    assert (
        post_json(client, decision, {"approve": True}, **bearer(outsider_secret)).status_code == 404
    )
    response = post_json(client, decision, {"approve": True}, **bearer(admin_secret))
    assert response.status_code == 200 and response.json()["status"] == "approved"
    again = post_json(client, decision, {"approve": False}, **bearer(admin_secret))
    assert again.status_code == 400


def test_member_sees_but_cannot_decide_own_request(client, member, org):
    m = services.request_membership(member, org)
    secret = services.create_token(member, "t").secret
    response = post_json(
        client, f"/api/v1/accounts/memberships/{m.pk}/decision", {"approve": True}, **bearer(secret)
    )
    assert response.status_code == 403
    assert (
        client.delete(f"/api/v1/accounts/memberships/{m.pk}", **bearer(secret)).status_code == 204
    )


def test_last_admin_cannot_leave_via_api(client, org, org_admin):
    own = org_admin.memberships.get()
    secret = services.create_token(org_admin, "t").secret
    response = client.delete(f"/api/v1/accounts/memberships/{own.pk}", **bearer(secret))
    assert response.status_code == 400


# --- optional_user -------------------------------------------------------------------------


@pytest.fixture
def rf():
    return RequestFactory()


def test_optional_user_anonymous(rf):
    request = rf.get("/api/v1/x")
    request.user = AnonymousUser()
    assert not optional_user(request).is_authenticated


def test_optional_user_token(rf, member):
    secret = services.create_token(member, "t").secret
    request = rf.get("/api/v1/x", **bearer(secret))
    request.user = AnonymousUser()
    assert optional_user(request) == member and request.user == member


def test_optional_user_bad_token_is_anonymous(rf, member):
    request = rf.get("/api/v1/x", **bearer("ostx_bad_bad"))
    request.user = member
    assert not optional_user(request).is_authenticated


def test_optional_user_session_get_and_unsafe_without_csrf(rf, member):
    request = rf.get("/api/v1/x")
    request.user = member
    assert optional_user(request) == member
    request = rf.post("/api/v1/x")
    request.user = member
    assert not optional_user(request).is_authenticated  # no CSRF token: not trusted


def test_api_errors_are_translated(member):
    secret = services.create_token(member, "t").secret
    client = Client()
    body = json.dumps({"language": "xx"})
    response = client.patch(ME, body, content_type="application/json", **bearer(secret))
    assert response.status_code == 400
    assert response.json()["detail"] == "Ngôn ngữ không hợp lệ"  # the site language
    client.cookies["openstx_language"] = "en"
    response = client.patch(ME, body, content_type="application/json", **bearer(secret))
    assert response.json()["detail"] == "Unknown language"
    response = client.get(ME, **bearer("ostx_revoked_or_made_up"))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
