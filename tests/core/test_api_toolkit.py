"""The API toolkit (openstx.core.api) and the contract of the whole /api/v1/ OpenAPI document:
one pagination style, no 5xx on hostile ids or page numbers, request bodies are JSON objects,
unique schema names, and every documented request body is accepted as documented."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from openstx.accounts import services as accounts
from openstx.accounts.models import User
from openstx.api import api
from openstx.core.api import MAX_PAGE_SIZE, paginate
from openstx.core.lookup import find_by_ident
from openstx.directory.models import Organization
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/v1/")


def _operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in openapi["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _client(user: Any = None) -> Client:
    if user is None:
        return Client()
    secret = accounts.create_token(user, "test").secret
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def officer() -> Any:
    return UserFactory(role=User.Role.OFFICER)


# --- ids -----------------------------------------------------------------------------------------


def test_unicode_and_huge_digits_are_not_platform_ids() -> None:
    org = Organization.objects.create(name="Viện A")
    qs = Organization.objects.all()
    assert find_by_ident(qs, str(org.pk)) == org
    for ident in ("¹", "²³", "٣", "１", "9" * 30, "\x00", f"{org.pk}\x00"):
        assert find_by_ident(qs, ident) is None


def test_every_route_with_an_id_answers_a_unicode_digit_or_a_huge_number_without_5xx(
    openapi: dict[str, Any], officer: Any
) -> None:
    client = _client(officer)
    seen = 0
    for path, method, _op in _operations(openapi):
        if "{" not in path:
            continue
        for ident in ("%C2%B9", "9" * 30, "%00"):
            url = re.sub(r"\{[^}]+\}", ident, path)
            if method == "get":
                response = client.get(url)
            else:
                response = getattr(client, method)(url, "{}", content_type="application/json")
            assert response.status_code < 500, (method, url, response.status_code)
        seen += 1
    assert seen > 20


# --- pagination ----------------------------------------------------------------------------------


def _list_operations(openapi: dict[str, Any]) -> list[str]:
    paths = []
    for path, method, op in _operations(openapi):
        names = {p["name"] for p in op.get("parameters", [])}
        if method == "get" and {"page", "page_size"} <= names:
            paths.append(path)
    return paths


def test_every_paginated_list_answers_the_one_page_shape(
    openapi: dict[str, Any], officer: Any
) -> None:
    lists = _list_operations(openapi)
    for path in (
        "/api/v1/offers",
        "/api/v1/demands",
        "/api/v1/events",
        "/api/v1/organizations",
        "/api/v1/experts",
        "/api/v1/articles",
        "/api/v1/ip-records",
        "/api/v1/library/documents",
        "/api/v1/projects/tasks",
        "/api/v1/service-requests",
        "/api/v1/applications",
        "/api/v1/connections",
        "/api/v1/services",
        "/api/v1/programmes",
        "/api/v1/startups",
        "/api/v1/accounts/tokens",
        "/api/v1/accounts/memberships",
        "/api/v1/accounts/organizations/{org_id}/memberships",
        "/api/v1/experts/{ident}/publications",
        "/api/v1/connections/{ident}/messages",
    ):
        assert path in lists, path
    client = _client(officer)
    for path in lists:
        if "{" in path or path == "/api/v1/search":  # own tests (search clamps, no 422)
            continue
        body = client.get(path, {"page_size": 1}).json()
        assert set(body) >= {"count", "page", "pages", "page_size", "results"}, path
        assert body["page_size"] == 1, path
        # far beyond the last page: the last page, not an SQLite overflow (was a 500)
        far = client.get(path, {"page": 10**9})
        assert far.status_code == 200 and far.json()["page"] == body["pages"], path
        for bad in ({"page": 0}, {"page": 10**20}, {"page_size": 0}, {"page_size": 10**12}):
            assert client.get(path, bad).status_code == 422, (path, bad)


def test_paginate_bounds_and_envelope() -> None:
    page = paginate(list(range(45)), page=99, page_size=10**9)
    assert page["page_size"] == MAX_PAGE_SIZE and page["page"] == 1 and page["count"] == 45
    page = paginate(list(range(45)), page=3, page_size=20)
    assert page == {
        "count": 45,
        "page": 3,
        "pages": 3,
        "page_size": 20,
        "results": [40, 41, 42, 43, 44],
    }


# --- the 5xx of issue #15 ------------------------------------------------------------------------


def test_a_year_out_of_range_is_422_not_500() -> None:
    client = Client()
    assert client.get("/api/v1/articles", {"year": -158}).status_code == 422
    assert client.get("/api/v1/articles", {"year": 2025}).status_code == 200


def test_a_repeated_external_id_on_an_event_is_a_conflict(officer: Any) -> None:
    client = _client(officer)
    body = {"title": "Techmart", "start_date": "2030-05-01", "external_id": "EV-1"}
    first = client.post("/api/v1/events", body, content_type="application/json")
    assert first.status_code == 201
    again = client.post("/api/v1/events", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["detail"]


def test_every_request_body_must_be_a_json_object(openapi: dict[str, Any], officer: Any) -> None:
    from openstx.portal.models import Article

    client = _client(officer)
    before = Article.objects.count()
    # a bare JSON string used to create an article titled "Abc" (str.title is an attribute)
    response = client.post("/api/v1/articles", '"abc"', content_type="application/json")
    assert response.status_code == 422
    assert Article.objects.count() == before
    for path, method, op in _operations(openapi):
        if "requestBody" not in op:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        if method == "get":
            continue
        for raw in ('"abc"', "42", "[]", "null"):
            response = getattr(client, method)(url, data=raw, content_type="application/json")
            assert response.status_code in (400, 404, 422), (method, url, raw)


# --- the OpenAPI contract ------------------------------------------------------------------------


def _models(annotation: Any, found: set[type]) -> None:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)
        return
    for arg in get_args(annotation):
        _models(arg, found)


def test_no_two_schemas_share_a_name() -> None:
    """Ninja names a component after the class: two classes with one name overwrite each other
    in the document (the docs described TransitionIn of the IP records on /offers/…)."""
    found: set[type] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in getattr(operation, "models", []):
                    for field in model.model_fields.values():
                        _models(field.annotation, found)
                for schema in operation.response_models.values():
                    _models(schema, found)
    by_name: dict[str, set[str]] = {}
    for model in found:
        by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: where for name, where in by_name.items() if len(where) > 1}
    assert not clashes, clashes
    assert len(found) > 50


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "example" in schema:
        return schema["example"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example(props[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "string":
        return {"date": "2030-01-01", "date-time": "2030-01-01T00:00:00Z"}.get(
            schema.get("format", ""), "x"
        )
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return "x"


def test_every_documented_request_body_is_accepted_as_documented(
    openapi: dict[str, Any], officer: Any
) -> None:
    """An example built from each documented request schema passes the server's own parsing:
    a 422 may come from a business rule, never from the body's shape (the docs once told
    clients ``to_status`` where /offers/{id}/transitions wants ``action``)."""
    components = openapi["components"]["schemas"]
    client = _client(officer)
    checked = 0
    for path, method, op in _operations(openapi):
        body_schema = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body_schema is None:
            continue
        example = _example(body_schema["schema"], components)
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = getattr(client, method)(
            url, data=json.dumps(example), content_type="application/json"
        )
        assert response.status_code < 500, (method, path, example)
        if response.status_code == 422:
            detail = response.json().get("detail")
            shape_errors = (
                [d for d in detail if isinstance(d, dict) and d.get("loc", [None])[0] == "body"]
                if isinstance(detail, list)
                else []
            )
            assert not shape_errors, (method, path, example, shape_errors)
        checked += 1
    assert checked > 20


def test_errors_are_documented(openapi: dict[str, Any]) -> None:
    """Every secured operation documents 401, every operation with an id 404, every operation
    with parameters or a body 422, all with the one ErrorOut schema."""
    assert "ErrorOut" in openapi["components"]["schemas"]
    for path, method, op in _operations(openapi):
        responses = op["responses"]
        if op.get("security"):
            assert "401" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in responses, (method, path)


def test_search_answers_the_page_envelope_too() -> None:
    body = Client().get("/api/v1/search", {"q": "x", "page_size": 5}).json()
    assert body["page_size"] == 5 and body["count"] == body["total"] and body["pages"] >= 1
    assert body["page"] == 1 and body["results"] == []


@pytest.mark.django_db
def test_the_served_document_has_no_key_twice(client) -> None:
    """JSON objects with a repeated key (Ninja's int 404 beside a documented "404") made Swagger
    UI refuse the whole document ("duplicated mapping key"): /api/v1/docs showed nothing."""
    repeated: list[str] = []

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        repeated.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(pairs)

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    json.loads(response.content, object_pairs_hook=no_repeats)
    assert repeated == []
