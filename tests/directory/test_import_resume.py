"""Organisations created by name during an expert import get a deterministic external_id, so a
re-run (after a crash half-way, or after the organisation was renamed) creates no duplicates."""

from __future__ import annotations

import json

import pytest

from openstx.core import importing
from openstx.directory import importers
from openstx.directory.importers import ExpertImporter, auto_external_id
from openstx.directory.models import Expert, Organization

pytestmark = pytest.mark.django_db

ROWS = [
    {"external_id": "E-1", "full_name": "Lê Thị Một", "organization": "Công ty Mê Kông Xanh"},
    {"external_id": "E-2", "full_name": "Lê Văn Hai", "organization": "Viện Nghiên cứu Sông Hậu"},
    {"external_id": "E-3", "full_name": "Lê Văn Ba", "organization": "công ty mê kông xanh"},
    {"external_id": "E-4", "full_name": "Lê Văn Bốn", "organization": "Viện Nghiên cứu Sông Hậu"},
]


def write(tmp_path, rows):
    path = tmp_path / "experts.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_auto_external_id_is_deterministic_and_bounded():
    a = auto_external_id("Công ty Mê Kông Xanh")
    assert a == auto_external_id("  công ty MÊ KÔNG xanh ")
    assert a.startswith("auto-org-cong-ty-me-kong-xanh-")
    assert a != auto_external_id("Công ty Mê Kông Xanh 2")
    assert len(auto_external_id("Viện " * 200)) <= 100


def test_created_organisation_gets_the_auto_external_id(tmp_path):
    result = importing.run_import("experts", write(tmp_path, ROWS))
    assert result.ok and result.created == 4
    assert Organization.objects.count() == 2
    org = Organization.objects.get(name="Công ty Mê Kông Xanh")
    assert org.external_id == auto_external_id("Công ty Mê Kông Xanh")
    assert set(Expert.objects.filter(organization=org).values_list("external_id", flat=True)) == {
        "E-1",
        "E-3",
    }


def test_rerun_after_a_crash_half_way_creates_no_duplicates(tmp_path, monkeypatch):
    path = write(tmp_path, ROWS)
    real_apply_batch = ExpertImporter.apply_batch
    calls = {"n": 0}

    def dying_apply_batch(self, rows, ctx):  # the process dies while writing batch 2
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_apply_batch(self, rows, ctx)

    monkeypatch.setattr(ExpertImporter, "apply_batch", dying_apply_batch)
    with pytest.raises(KeyboardInterrupt):
        importing.run_import("experts", path, batch_size=2)
    # batch 1 (E-1, E-2 and both new organisations) was committed; batch 2 rolled back
    assert set(Expert.objects.values_list("external_id", flat=True)) == {"E-1", "E-2"}
    assert Organization.objects.count() == 2
    monkeypatch.setattr(ExpertImporter, "apply_batch", real_apply_batch)

    # meanwhile an editor corrects an organisation's name
    hau = Organization.objects.get(name="Viện Nghiên cứu Sông Hậu")
    hau.name = "Viện Nghiên cứu Phát triển Sông Hậu"
    hau.save()

    result = importing.run_import("experts", path, batch_size=2)
    assert result.ok
    assert (result.created, result.unchanged) == (2, 2)
    assert Organization.objects.count() == 2  # no "Viện Nghiên cứu Sông Hậu" again
    assert Expert.objects.get(external_id="E-4").organization == hau
    assert Expert.objects.get(external_id="E-3").organization.name == "Công ty Mê Kông Xanh"

    again = importing.run_import("experts", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert Organization.objects.count() == 2


def test_eager_resolver_uses_the_same_id(tmp_path):
    """Other kinds resolve organisations with ``resolve_organization_id`` (created at once)."""
    ctx = importing.ImportContext(kind="projects")
    pk = importers.resolve_organization_id("Hợp tác xã Rau sạch Phong Điền", ctx)
    org = Organization.objects.get(pk=pk)
    assert org.external_id == auto_external_id("Hợp tác xã Rau sạch Phong Điền")
    org.name = "HTX Rau sạch Phong Điền"
    org.save()
    fresh = importing.ImportContext(kind="projects")
    assert importers.resolve_organization_id("Hợp tác xã Rau sạch Phong Điền", fresh) == pk
    assert Organization.objects.count() == 1


def test_exported_experts_name_the_organisation_by_its_id(tmp_path):
    importing.run_import("experts", write(tmp_path, ROWS))
    out = tmp_path / "out.jsonl"
    importing.run_export("experts", out)
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["organization"] for r in exported} == {
        auto_external_id("Công ty Mê Kông Xanh"),
        auto_external_id("Viện Nghiên cứu Sông Hậu"),
    }
    result = importing.run_import("experts", out)
    assert result.ok and Organization.objects.count() == 2
