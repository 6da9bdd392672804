from __future__ import annotations

import json

from openstx.accounts import services as accounts
from openstx.directory.models import Expert, Organization
from tests.factories import OrganizationFactory


def _json(client, method, url, data=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(
        url, data=json.dumps(data or {}), content_type="application/json", **headers
    )


def test_list_and_detail(client, org, expert, fields):
    org.fields.set([fields["10616"]])
    OrganizationFactory(name="Công ty Khác")
    r = client.get("/api/v1/organizations", {"field": "1"})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["results"][0]["external_id"] == "ORG-CTU"
    assert body["results"][0]["fields"][0]["code"] == "10616"
    r = client.get("/api/v1/organizations", {"page_size": 1, "page": 2})
    assert r.json()["pages"] == 2 and len(r.json()["results"]) == 1
    assert client.get("/api/v1/organizations/ORG-CTU").json()["id"] == org.pk
    assert client.get(f"/api/v1/organizations/{org.pk}").json()["name"] == org.name
    assert client.get("/api/v1/organizations/nope").status_code == 404
    r = client.get("/api/v1/organizations", {"field": "Giả kim"})
    assert r.status_code == 422


def test_expert_contacts_only_for_signed_in(client, expert, member):
    anon = client.get("/api/v1/experts/EXP-1").json()
    assert anon["email"] is None and anon["phone"] is None
    assert client.get("/api/v1/experts").json()["results"][0]["email"] is None
    token = accounts.create_token(member, "script").secret
    r = client.get("/api/v1/experts/EXP-1", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.json()["email"] == "thuy@ctu.edu.vn"
    client.force_login(member)
    assert client.get(f"/api/v1/experts/{expert.pk}").json()["phone"] == "0292 3831 234"


def test_create_requires_officer(client, member, officer, fields, units):
    payload = {
        "name": "Viện Mới",
        "type": "research_institute",
        "admin_unit": "Cần Thơ",
        "fields": ["10616"],
    }
    assert _json(client, "post", "/api/v1/organizations", payload).status_code == 401
    token = accounts.create_token(member, "t").secret
    assert _json(client, "post", "/api/v1/organizations", payload, token).status_code == 403
    token = accounts.create_token(officer, "t").secret
    r = _json(client, "post", "/api/v1/organizations", payload, token)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["admin_unit"]["code"] == "92" and body["fields"][0]["code"] == "10616"
    org = Organization.objects.get(pk=body["id"])
    assert org.history.first().history_user == officer
    r = _json(client, "post", "/api/v1/organizations", {"name": "X", "tax_code": "12"}, token)
    assert r.status_code == 422 and "tax_code" in r.json()["detail"]
    r = _json(client, "post", "/api/v1/organizations", {"name": "X", "fields": ["nope"]}, token)
    assert r.status_code == 422 and "fields" in r.json()["detail"]


def test_patch_permissions_and_partial_update(client, org, org_member, member, fields):
    org.fields.set([fields["2"]])
    org.address = "Khu II"
    org.save()
    token = accounts.create_token(member, "t").secret
    assert (
        _json(
            client,
            "patch",
            "/api/v1/organizations/ORG-CTU",
            {"website": "https://ctu.edu.vn"},
            token,
        ).status_code
        == 403
    )
    token = accounts.create_token(org_member, "t").secret
    r = _json(
        client, "patch", "/api/v1/organizations/ORG-CTU", {"website": "https://ctu.edu.vn"}, token
    )
    assert r.status_code == 200, r.content
    org.refresh_from_db()
    assert org.website == "https://ctu.edu.vn"
    assert org.address == "Khu II"  # untouched
    assert [f.code for f in org.fields.all()] == ["2"]
    r = _json(client, "patch", "/api/v1/organizations/ORG-CTU", {"website": "nope"}, token)
    assert r.status_code == 422


def test_expert_create_and_patch(client, expert, expert_user, officer, org, fields):
    token = accounts.create_token(expert_user, "t").secret
    r = _json(
        client,
        "patch",
        "/api/v1/experts/EXP-1",
        {"keywords": "lúa; tôm", "open_to_consulting": True},
        token,
    )
    assert r.status_code == 200, r.content
    assert r.json()["keywords"] == ["lúa", "tôm"]
    r = _json(client, "patch", "/api/v1/experts/EXP-1", {"orcid": "0000-0002-1825-0098"}, token)
    assert r.status_code == 422 and "orcid" in r.json()["detail"]
    assert _json(client, "post", "/api/v1/experts", {"full_name": "X"}, token).status_code == 403
    officer_token = accounts.create_token(officer, "t").secret
    r = _json(
        client,
        "post",
        "/api/v1/experts",
        {
            "full_name": "Võ Thị Mới",
            "degree": "ThS",
            "organization": "ORG-CTU",
            "fields": ["Công nghệ sinh học"],
        },
        officer_token,
    )
    assert r.status_code == 201, r.content
    created = Expert.objects.get(pk=r.json()["id"])
    assert created.organization == org and created.fields.get().code == "10616"
    assert r.json()["email"] == ""


def test_session_write_needs_csrf(org, officer):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(officer)
    r = c.patch(
        "/api/v1/organizations/ORG-CTU",
        data=json.dumps({"address": "x"}),
        content_type="application/json",
    )
    assert r.status_code == 403


def test_openapi_lists_directory_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/organizations",
        "/api/v1/organizations/{ident}",
        "/api/v1/experts",
        "/api/v1/experts/{ident}",
    ):
        assert path in paths
