"""Contracts that hold for every registered thing, checked over the small demo (every area):

- every import KIND round-trips: what a department exports it imports back unchanged (JSONL,
  CSV, XLSX) and a second export is identical to the first;
- every search type indexes its records: a record of each type is found by its title;
- every API list answers anonymous, a member and an officer, and shows each only records the
  model's policy lets them see (the count never exceeds what ``restrict`` allows).

A new importer, search type or list is covered the day it is registered; one with nothing in the
demo fails here instead of passing silently.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from openstx.core import importing
from openstx.core.permissions import VIEW, restrict


@pytest.fixture
def demo(settings, tmp_path):
    settings.OPENSTX_MATCHING_AUTO = False  # vectors are matching's business, not this test's
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("demo", scale="small")


def _jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.django_db(transaction=True)
def test_every_kind_round_trips_in_every_format(demo, tmp_path):
    problems = []
    app_kinds = [
        k
        for k in importing.kinds()
        if type(importing.get_importer(k)).__module__.startswith("openstx.")
    ]  # not the kinds other test modules register for themselves
    for kind in app_kinds:
        first = tmp_path / f"{kind}-1.jsonl"
        count = importing.run_export(kind, first)
        if count == 0:
            problems.append(f"{kind}: the demo has nothing to export")
            continue
        for ext in ("jsonl", "csv", "xlsx"):
            out = tmp_path / f"{kind}-rt.{ext}"
            importing.run_export(kind, out)
            result = importing.run_import(kind, out)
            if not result.ok:
                problems.append(f"{kind}/{ext}: rejected {result.rejected[:3]}")
            if result.created:
                problems.append(f"{kind}/{ext}: re-import created {result.created} rows")
        again = tmp_path / f"{kind}-2.jsonl"
        importing.run_export(kind, again)
        if _jsonl(again) != _jsonl(first):
            before, after = _jsonl(first), _jsonl(again)
            diff = next(
                (
                    (a.get("external_id"), k, a[k], b.get(k))
                    for a, b in zip(before, after, strict=False)
                    for k in a
                    if a[k] != b.get(k)
                ),
                ("row count", len(before), len(after), None),
            )
            problems.append(f"{kind}: a second export differs, first at {diff}")
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_every_search_type_finds_its_records_by_title(demo):
    from openstx.search import registry, service
    from tests.factories import UserFactory

    admin = UserFactory(username="contract-admin", is_superuser=True)
    problems = []
    for spec in registry.specs():
        record = next((o for o in spec.queryset().order_by("pk") if spec.should_index(o)), None)
        if record is None:
            problems.append(f"{spec.type}: the demo has no record to index")
            continue
        title = spec.title(record)
        hits = service.search(title, user=admin, types=[spec.type], per_page=50).hits
        if str(record.pk) not in {str(h.id) for h in hits}:
            problems.append(f"{spec.type}: {title!r} is not found by its title")
    assert problems == []


API_LISTS = {
    "/api/v1/organizations": "directory.Organization",
    "/api/v1/experts": "directory.Expert",
    "/api/v1/offers": "exchange.Offer",
    "/api/v1/demands": "exchange.Demand",
    "/api/v1/connections": "exchange.Connection",
    "/api/v1/events": "exchange.Event",
    "/api/v1/projects/tasks": "projects.Task",
    "/api/v1/ip-records": "ipr.IPRecord",
    "/api/v1/library/documents": "library.Document",
    "/api/v1/articles": "portal.Article",
    "/api/v1/services": "portal.Service",
    "/api/v1/service-requests": "portal.ServiceRequest",
    "/api/v1/programmes": "portal.Programme",
    "/api/v1/applications": "portal.Application",
}


@pytest.mark.django_db(transaction=True)
def test_every_api_list_shows_each_role_only_what_its_policy_allows(demo, client):
    from django.apps import apps

    from openstx.accounts.models import Membership
    from tests.factories import OfficerFactory, UserFactory

    member = UserFactory(username="contract-member")
    org_id = Membership.objects.values_list("organization_id", flat=True).first()
    Membership.objects.get_or_create(user=member, organization_id=org_id, status="approved")
    roles = {"anonymous": None, "member": member, "officer": OfficerFactory()}
    problems = []
    for role, user in roles.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for path, label in API_LISTS.items():
            model = apps.get_model(label)
            response = client.get(path, {"page_size": 100})
            if response.status_code == 401 and user is None:
                continue  # a list of one's own records: sign in first
            if response.status_code != 200:
                problems.append(f"{role} {path}: {response.status_code}")
                continue
            data = response.json()
            visible = set(restrict(model.objects.all(), user, VIEW).values_list("pk", flat=True))
            shown = {item["id"] for item in data["results"]}
            if not shown <= visible:
                problems.append(f"{role} {path}: shows {sorted(shown - visible)[:5]} it may not")
            if data["count"] > len(visible):
                problems.append(f"{role} {path}: count {data['count']} > visible {len(visible)}")
    assert problems == []
