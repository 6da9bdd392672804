"""The write-path contract (issue #14): the same record written through every path — page form,
JSON API, CLI import, admin, demo/bulk loader — is found everywhere records are looked for: the
search page, the directory/exchange list keyword filters, the API list and the matching
candidates. Derived fields (``search_folded``, slug, clean HTML) come from one function per model
(``compute_derived``, ``openstx.core.derived``) whatever the path.

Each path writes a record whose marker word carries diacritics ("Giangđặc<path>"); lists and
search are asked for it without them, as a visitor types it.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from openstx.accounts import services as accounts
from openstx.accounts.models import User
from openstx.core import derived
from openstx.directory.models import Expert, Organization
from openstx.exchange import services as exchange
from openstx.exchange.models import Demand, ListingStatus, Offer

from .factories import (
    PASSWORD,
    FieldOfScienceFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PATHS = ["form", "api", "import", "admin", "bulk"]
KINDS = ["organization", "expert", "offer", "demand"]


def marker(path: str) -> tuple[str, str]:
    """(as written, as typed): accented in the record, folded in the query."""
    return f"Giangđặc{path}", f"giangdac{path}"


@pytest.fixture(autouse=True)
def _env(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.OPENSTX_MATCHING_AUTO = False  # vectors: the candidates index encodes what it lacks


@pytest.fixture
def world(db):
    field = FieldOfScienceFactory(code="405", name_vi="Thủy sản", name_en="Fisheries")
    org = OrganizationFactory(
        name="Viện Nghiên cứu Thủy sản Cần Thơ", type="research_institute", external_id="ORG-1"
    )
    member = UserFactory(username="member")
    MembershipFactory(user=member, organization=org)
    officer = UserFactory(username="officer", role=User.Role.OFFICER)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True, role=User.Role.ADMIN)
    return {"field": field, "org": org, "member": member, "officer": officer, "admin": admin}


def client_for(user: User | None = None) -> Client:
    c = Client()
    if user is not None:
        assert c.login(username=user.username, password=PASSWORD)
    return c


def listing_values(kind: str, word: str, world: dict) -> dict:
    if kind == "offer":
        return {
            "title": f"Chế phẩm vi sinh {word} xử lý đáy ao tôm",
            "kind": "technology",
            "summary": "Giảm khí độc trong ao nuôi tôm thẻ chân trắng.",
            "description": "<p>Chế phẩm vi sinh cho ao nuôi tôm<script>x</script></p>",
            "keywords": "vi sinh; ao tôm",
            "trl": 7,
            "owner": world["org"].pk,
        }
    return {
        "title": f"Cần công nghệ {word} phòng bệnh tôm nuôi",
        "problem": "<p>Tôm chết nhiều do bệnh đốm trắng</p>",
        "desired_outcome": "Giảm hao hụt dưới 15%",
        "keywords": "tôm; bệnh tôm",
        "requester": world["org"].pk,
    }


def write(path: str, kind: str, world: dict, tmp_path) -> object:
    """Write one record of ``kind`` through ``path``; return it (published, for listings)."""
    word = marker(path)[0]
    org, field = world["org"], world["field"]
    model = {"organization": Organization, "expert": Expert, "offer": Offer, "demand": Demand}[kind]
    values: dict
    if kind == "organization":
        values = {"name": f"Trung tâm {word} Ứng dụng", "type": "public_st_unit"}
    elif kind == "expert":
        values = {
            "full_name": f"Lê Thị {word}",
            # matching reads expertise (fields, keywords, biography), never the name
            "keywords": f"bệnh tôm, vi sinh, {word}",
            "organization": org.pk,
        }
    else:
        values = listing_values(kind, word, world)
    title_field = {"organization": "name", "expert": "full_name"}.get(kind, "title")

    if path == "form":
        user = world["officer"] if kind in ("organization", "expert") else world["member"]
        data = {**values, "fields": [field.pk]}
        if kind == "offer":
            data["transfer_modes"] = ["licence_nonexclusive"]
        if kind == "demand":
            data.update(budget_min_vnd="100000000", budget_max_vnd="200000000")
        url = reverse(
            {
                "organization": "directory:organization-create",
                "expert": "directory:expert-create",
                "offer": "exchange:offer-create",
                "demand": "exchange:demand-create",
            }[kind]
        )
        r = client_for(user).post(url, data)
        assert r.status_code == 302, r.context["form"].errors if r.context else r.content[:300]
    elif path == "api":
        user = world["officer"] if kind in ("organization", "expert") else world["member"]
        token = accounts.create_token(user, "contract").secret
        body = {**values, "fields": [field.code]}
        if kind == "expert":
            body["organization"] = str(org.pk)
        if kind in ("offer", "demand"):
            body[{"offer": "owner", "demand": "requester"}[kind]] = str(org.pk)
        r = Client().post(
            f"/api/v1/{kind}s",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert r.status_code == 201, r.content
    elif path == "import":
        row = {"external_id": f"IMP-{kind}", **values, "fields": [field.code]}
        if kind == "expert":
            row["organization"] = org.external_id
        if kind == "offer":
            row.update(owner=org.external_id, status="published")
        if kind == "demand":
            row.update(requester=org.external_id, status="published")
        file = tmp_path / f"{kind}.jsonl"
        file.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
        call_command("import", f"{kind}s", str(file), "--no-progress")
    elif path == "admin":
        c = client_for(world["admin"])
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        page = c.get(url)
        assert page.status_code == 200
        data = {}
        for inline in page.context.get("inline_admin_formsets", []):
            prefix = inline.formset.prefix
            data.update(
                {
                    f"{prefix}-TOTAL_FORMS": "0",
                    f"{prefix}-INITIAL_FORMS": "0",
                    f"{prefix}-MIN_NUM_FORMS": "0",
                    f"{prefix}-MAX_NUM_FORMS": "1000",
                }
            )
        data.update(values)
        data["fields"] = [field.pk]
        if kind == "offer":
            data.update(transfer_modes="licence_nonexclusive", price_negotiable="on")
        r = c.post(url, data)
        assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    elif path == "bulk":
        attrs = dict(values)
        for fk in ("organization", "owner", "requester"):
            if fk in attrs and kind != "organization":
                attrs[fk] = org
        if kind in ("offer", "demand"):
            from django.utils import timezone

            attrs.update(status=ListingStatus.PUBLISHED, published_at=timezone.now())
        obj = model(external_id=f"BULK-{kind}", **attrs)
        derived.bulk_create(model, [obj])
        model.fields.through.objects.create(**{f"{kind}_id": obj.pk, "fieldofscience_id": field.pk})
    obj = model.objects.get(**{f"{title_field}__contains": word})
    if kind in ("offer", "demand") and obj.status != ListingStatus.PUBLISHED:
        obj.status = ListingStatus.SUBMITTED
        type(obj).objects.filter(pk=obj.pk).update(status=ListingStatus.SUBMITTED)
        exchange.approve(obj, world["officer"])
        obj.refresh_from_db()
    return obj


def found_in_list(kind: str, typed: str, accented: str) -> bool:
    c = Client()
    if kind in ("organization", "expert"):
        url = reverse(f"directory:{kind}-list")
        page = c.get(url, {"q": typed})
    else:
        page = c.get(reverse(f"exchange:{kind}-list"), {"q": accented})
    assert page.status_code == 200
    return accented in page.content.decode()


def found_in_api(kind: str, typed: str, accented: str, pk: int) -> bool:
    q = typed if kind in ("organization", "expert") else accented
    r = Client().get(f"/api/v1/{kind}s", {"q": q})
    assert r.status_code == 200, r.content
    return pk in [row["id"] for row in r.json()["results"]]


def found_in_search(typed: str, accented: str) -> bool:
    from openstx.search import writer

    writer.apply_pending()
    page = Client().get(reverse("search:search"), {"q": typed})
    assert page.status_code == 200
    return accented in page.content.decode()


def found_in_matching(kind: str, obj: object) -> bool:
    from openstx.matching import services

    services.invalidate()
    index = services.get_index(kind)
    if obj.pk not in index.pos:
        return False
    return marker_folded_in(index.records[index.pos[obj.pk]].text)


def marker_folded_in(text: str) -> bool:
    from openstx.core.text import fold

    return "giangdac" in fold(text)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", KINDS)
def test_record_written_through_any_path_is_found_everywhere(kind, path, world, tmp_path):
    obj = write(path, kind, world, tmp_path)
    accented, typed = marker(path)
    # the derived fields are what save() computes, whichever path wrote the row
    fresh = type(obj).objects.get(pk=obj.pk)
    expected = type(obj).objects.get(pk=obj.pk)
    derived.fill(expected)
    for name in ("slug", "search_folded", "description", "problem"):
        if hasattr(fresh, name):
            assert getattr(fresh, name) == getattr(expected, name), (name, path)
    assert fresh.slug
    if kind in ("organization", "expert"):
        assert typed in fresh.search_folded
    assert found_in_list(kind, typed, accented), "list keyword filter"
    assert found_in_api(kind, typed, accented, obj.pk), "API list"
    assert found_in_search(typed, accented), "search page"
    if kind != "organization":  # organisations are not matched; their experts and listings are
        assert found_in_matching(kind, obj), "matching candidates"


def test_bulk_update_and_queryset_update_keep_derived_fields(world):
    org = world["org"]
    Organization.objects.filter(pk=org.pk).update(name="stale")  # the bug: folded text stays
    assert "stale" not in Organization.objects.get(pk=org.pk).search_folded
    derived.update(Organization.objects.filter(pk=org.pk), name="Viện Giangđặc Mới")
    assert "giangdac" in Organization.objects.get(pk=org.pk).search_folded
    org = Organization.objects.get(pk=org.pk)
    org.short_name = "VGĐ"
    derived.bulk_update(Organization, [org], ["short_name"])
    assert Organization.objects.get(pk=org.pk).search_folded.endswith("vgd")
    from openstx.search.models import OutboxEntry

    assert OutboxEntry.objects.filter(model="directory.organization", pk_value=str(org.pk)).exists()


def test_bulk_write_sends_records_written(world):
    seen = []

    def listener(sender, pks, created, **kwargs):
        seen.append((sender, list(pks), created))

    derived.records_written.connect(listener)
    try:
        obj = Expert(full_name="Phạm Thị Giangđặc", organization=world["org"])
        derived.bulk_create(Expert, [obj])
    finally:
        derived.records_written.disconnect(listener)
    assert seen == [(Expert, [obj.pk], True)]
    assert Expert.objects.get(pk=obj.pk).search_folded.startswith("pham thi giangdac")


def test_demo_loader_experts_are_found_by_the_keyword_filter(world, settings):
    """The reported bug: ``/directory/experts/?q=Giang`` found nothing on demo data."""
    from openstx.web import demo

    rng = __import__("random").Random(3)
    orgs = demo._organizations(rng, 3)
    experts = demo._experts(rng, 40, orgs)
    assert all(e.search_folded for e in Expert.objects.filter(pk__in=[e.pk for e in experts]))
    sample = Expert.objects.filter(pk__in=[e.pk for e in experts]).first()
    family = sample.full_name.split()[-1]
    page = Client().get(reverse("directory:expert-list"), {"q": family})
    assert sample.full_name in page.content.decode()
