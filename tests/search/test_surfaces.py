"""CLI --json shape, API shape, the search page and the type-ahead fragment."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ExpertFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(apply):
    org = OrganizationFactory(
        name="Viện Nghiên cứu Nuôi trồng Thủy sản",
        external_id="ORG-1",
        description="Nghiên cứu giống cá tra và tôm càng xanh.",
    )
    ExpertFactory(full_name="Nguyễn Thị Cá Tra", organization=org, keywords="cá tra")
    apply()
    return org


def test_cli_json_shape(data):
    out = io.StringIO()
    call_command("search", "ca", "tra", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert isinstance(rows, list) and len(rows) == 2
    for row in rows:
        assert set(row) == {"type", "id", "external_id", "title", "score", "snippet"}
        assert isinstance(row["score"], float)
    org_row = next(r for r in rows if r["type"] == "organization")
    assert org_row["external_id"] == "ORG-1" and org_row["id"] == str(data.pk)
    out = io.StringIO()
    call_command("search", "ca tra", "--type", "expert", "--limit", "1", "--json", stdout=out)
    assert [r["type"] for r in json.loads(out.getvalue())] == ["expert"]
    out = io.StringIO()
    call_command("search", "cá", "tra", stdout=out)
    assert "2 result(s)" in out.getvalue() and "ORG-1" in out.getvalue()


def test_api_shape(data, client):
    r = client.get("/api/v1/search", {"q": "cá tra", "type": "organization", "page": 1})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1 and body["page"] == 1
    hit = body["results"][0]
    assert {"type", "id", "external_id", "title", "score", "snippet", "url"} <= set(hit)
    assert hit["type"] == "organization" and hit["external_id"] == "ORG-1"
    assert "<mark>" in hit["snippet"]
    assert body["type_counts"] == {"organization": 1, "expert": 1}
    assert "org" in body["facets"]
    r = client.get("/api/v1/search", {"q": "cá tra", "type": "organization,expert"})
    assert r.json()["total"] == 2
    r = client.get("/api/v1/search/suggest", {"q": "vien ng"})
    assert r.status_code == 200 and r.json()[0]["title"].startswith("Viện Nghiên cứu")
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/search" in schema["paths"]


def test_search_page(data, client):
    url = reverse("search:search")
    assert url == "/search/"
    r = client.get(url, {"q": "ca tra"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "Viện Nghiên cứu Nuôi trồng Thủy sản" in html
    assert "<mark>" in html
    assert "hx-get" in html and reverse("search:suggest") in html
    r = client.get(url, {"q": "ca tra", "type": "expert"})
    assert "TS. Nguyễn Thị <mark>Cá Tra</mark>" in r.content.decode()
    assert r.content.decode().count("<h3") == 1
    r = client.get(url, {"q": "ca tra", "org": str(data.pk), "sort": "date", "page": "x"})
    assert r.status_code == 200
    assert client.get(url).status_code == 200


def test_suggest_fragment(data, client):
    r = client.get(reverse("search:suggest"), {"q": "nuoi tr"})
    assert r.status_code == 200
    assert "<mark>" in r.content.decode() and "Thủy sản" in r.content.decode()
    assert client.get(reverse("search:suggest"), {"q": "x"}).content.strip() == b""


def test_bench_search_smoke(settings, tmp_path):
    out = io.StringIO()
    call_command(
        "bench", "search", "--size", "60", "--queries", "6", "--type", "organization", stdout=out
    )
    text = out.getvalue()
    assert "bare Tantivy" in text and "p95" in text and "documents in index" in text
