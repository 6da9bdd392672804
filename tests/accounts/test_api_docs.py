"""``/api/v1/docs``: "Try it out" works for a signed-in browser (CSRF header sent), CSRF is still
required for session writes, and bearer tokens still need none."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from openstx.accounts import services
from openstx.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

DOCS = "/api/v1/docs"
TOKENS = "/api/v1/accounts/tokens"


def docs_csrf(client) -> str:
    """What Swagger UI reads from the docs page: the body's data-csrf-token when data-api-csrf."""
    html = client.get(DOCS).content.decode()
    assert 'data-api-csrf="true"' in html
    token = re.search(r'data-csrf-token="([^"]+)"', html).group(1)
    assert token
    return token


def test_docs_page_hands_swagger_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-init.js" in html  # the script that reads the token
    assert "cdn.jsdelivr.net" not in html  # served from the platform itself (intranets)


def test_try_it_out_post_with_the_docs_token_succeeds(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    token = docs_csrf(client)  # also sets the CSRF cookie, as in the browser
    response = client.post(
        TOKENS,
        json.dumps({"name": "from the docs"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content
    assert ApiToken.objects.filter(user=member, name="from the docs").exists()


def test_session_write_without_the_header_is_still_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    docs_csrf(client)  # the cookie alone is not enough
    response = client.post(TOKENS, json.dumps({"name": "x"}), content_type="application/json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_session_write_with_a_wrong_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    docs_csrf(client)
    response = client.post(
        TOKENS,
        json.dumps({"name": "x"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN="A" * 64,
    )
    assert response.status_code == 403


def test_bearer_write_from_the_docs_needs_no_csrf(member):
    """Swagger sends the header for every request; a bearer token works with or without it."""
    secret = services.create_token(member, "script").secret
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        TOKENS,
        json.dumps({"name": "by token"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201
    response = client.post(
        TOKENS,
        json.dumps({"name": "by token, docs header"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_X_CSRFTOKEN="whatever",
    )
    assert response.status_code == 201


def test_anonymous_docs_page_renders(client):
    assert client.get(DOCS).status_code == 200


def test_swagger_assets_are_served_locally(client):
    response = client.get("/static/ninja/swagger-ui-init.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"X-CSRFToken" in body
