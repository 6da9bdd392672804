"""offers / demands through the one import pipeline: good, bad and repeated files."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser

from openstx.core import importing
from openstx.directory.models import Organization
from openstx.exchange.models import Demand, ListingStatus, Offer

from .factories import FieldFactory, OrganizationFactory, RegionFactory

pytestmark = pytest.mark.django_db

OFFERS_CSV = """external_id,title,summary,description,kind,fields,keywords,trl,transfer_modes,price_vnd,owner,region,status
OF-1,Chế phẩm vi sinh xử lý đáy ao,Giảm khí độc ao tôm,"<p>Mô tả<script>x</script></p>",technology,405,vi sinh; ao tôm,7,licence_nonexclusive; Tư vấn,"1.500.000",ORG-1,92,published
OF-2,Dịch vụ phân tích dư lượng kháng sinh,Phân tích nhanh,,Dịch vụ,Thủy sản,,,,,Trung tâm Kiểm nghiệm Mới,,draft
OF-3,Giá âm,,,technology,405,,12,bogus,-5,ORG-1,,published
OF-4,,,,technology,,,,,,ORG-1,,
OF-5,Tổ chức ma,,,technology,,,99,,,Công ty Không Tồn Tại,,
"""

DEMANDS_JSONL = [
    {
        "external_id": "DM-1",
        "title": "Cần công nghệ sấy khóm",
        "description": "Khóm hư nhiều",
        "fields": ["405"],
        "min_trl": 6,
        "budget_min_vnd": 100000000,
        "budget_max_vnd": 500000000,
        "requester": "ORG-1",
        "requester_anonymous": "có",
        "region": "92",
        "deadline": "31/12/2099",
        "status": "published",
    },
    {
        "external_id": "DM-2",
        "title": "Ngân sách ngược",
        "budget_min_vnd": 9,
        "budget_max_vnd": 1,
        "requester": "ORG-1",
    },
    {
        "external_id": "DM-3",
        "title": "Hạn đã qua",
        "requester": "ORG-1",
        "deadline": "2001-01-01",
        "status": "published",
    },
    {"external_id": "DM-4", "title": "Không có bên yêu cầu"},
]


@pytest.fixture
def setup_refs():
    FieldFactory(code="405", name_vi="Thủy sản", name_en="Fisheries")
    RegionFactory(code="92", name="Thành phố Cần Thơ")
    return OrganizationFactory(external_id="ORG-1", name="Viện Lúa ĐBSCL")


def test_offer_import_good_bad_repeat(tmp_path, setup_refs):
    path = tmp_path / "offers.csv"
    path.write_text(OFFERS_CSV, encoding="utf-8")
    result = importing.run_import("offers", path)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert sorted(r.line for r in result.rejected) == [4, 5, 6]
    # a rejected row creates nothing, not even its "created if new" organisation
    assert not Organization.objects.filter(name="Công ty Không Tồn Tại").exists()
    reasons = {r.key: r.reason for r in result.rejected}
    assert "trl" in reasons["OF-3"] and "price_vnd" in reasons["OF-3"]
    assert "transfer_modes" in reasons["OF-3"]
    o1 = Offer.objects.get(external_id="OF-1")
    assert o1.price_vnd == 1_500_000 and o1.trl == 7 and o1.status == ListingStatus.PUBLISHED
    assert o1.transfer_mode_list == ["licence_nonexclusive", "consulting_training"]
    assert o1.published_at and o1.valid_until and o1.slug == "che-pham-vi-sinh-xu-ly-day-ao"
    assert "script" not in o1.description and o1.region.code == "92"
    assert [f.code for f in o1.fields.all()] == ["405"]
    o2 = Offer.objects.get(external_id="OF-2")
    assert o2.kind == "service" and o2.owner.name == "Trung tâm Kiểm nghiệm Mới"
    assert o2.price_negotiable
    assert o1.history.count() == 1
    # repeat: nothing changes, nothing duplicates
    again = importing.run_import("offers", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Offer.objects.count() == 2
    assert Organization.objects.filter(name="Trung tâm Kiểm nghiệm Mới").count() == 1
    # export -> import round trip
    out = tmp_path / "out.jsonl"
    assert importing.run_export("offers", out) == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["external_id"] == "OF-1" and rows[0]["owner"] == "ORG-1"
    assert rows[0]["transfer_modes"] == ["licence_nonexclusive", "consulting_training"]
    back = importing.run_import("offers", out)
    assert back.ok and back.unchanged == 2, back.rejected
    # the public export holds only published offers
    importing.run_export("offers", tmp_path / "public.csv", user=AnonymousUser())
    assert "OF-2" not in (tmp_path / "public.csv").read_text(encoding="utf-8-sig")


def test_offer_dry_run_writes_nothing(tmp_path, setup_refs):
    path = tmp_path / "offers.csv"
    path.write_text(OFFERS_CSV, encoding="utf-8")
    result = importing.run_import("offers", path, dry_run=True)
    assert result.created == 2 and len(result.rejected) == 3
    assert Offer.objects.count() == 0


def test_demand_import_and_anonymous_export(tmp_path, setup_refs):
    path = tmp_path / "demands.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in DEMANDS_JSONL))
    result = importing.run_import("demands", path)
    assert result.created == 1
    assert {r.key for r in result.rejected} == {"DM-2", "DM-3", "DM-4"}
    d = Demand.objects.get(external_id="DM-1")
    assert d.requester_anonymous and d.problem == "Khóm hư nhiều" and d.min_trl == 6
    assert d.deadline.year == 2099 and d.status == ListingStatus.PUBLISHED
    assert importing.run_import("demands", path).unchanged == 1
    out = tmp_path / "public.csv"
    importing.run_export("demands", out, user=AnonymousUser())
    text = out.read_text(encoding="utf-8-sig")
    assert "DM-1" in text and "ORG-1" not in text and "Viện Lúa" not in text
    full = tmp_path / "full.csv"
    importing.run_export("demands", full)
    assert "ORG-1" in full.read_text(encoding="utf-8-sig")


def test_import_writes_search_outbox(tmp_path, setup_refs):
    from openstx.search.models import OutboxEntry

    before = OutboxEntry.objects.count()
    path = tmp_path / "offers.csv"
    path.write_text(OFFERS_CSV, encoding="utf-8")
    importing.run_import("offers", path)
    assert OutboxEntry.objects.count() > before
