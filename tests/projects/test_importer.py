"""Import and export of tasks through the one pipeline (KIND "projects")."""

from __future__ import annotations

import json

import pytest

from openstx.core.importing import get_importer, run_export, run_import
from openstx.directory.models import Expert, Organization
from openstx.projects.models import Task

from .factories import ExpertFactory, OrganizationFactory, field

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,code,title,level,form,fields,host,leader,start,end,budget_total_vnd,"
    "state,rating,accepted_on\n"
)


@pytest.fixture
def registry(tmp_path):
    field("405", "Thủy sản")
    field("401", "Trồng trọt")
    OrganizationFactory(name="Trường Đại học Cần Thơ", external_id="org-ctu")
    ExpertFactory(full_name="Nguyễn Văn Chủ Nhiệm", external_id="exp-1")
    path = tmp_path / "tasks.csv"
    path.write_text(
        HEADER + "T-1,ĐT-2019-01,Nuôi tôm càng xanh,Cấp tỉnh,Đề tài,405,org-ctu,exp-1,01/01/2019,"
        "31/12/2020,1.500.000.000,accepted,Khá,2021-03-01\n"
        + "T-2,DA-2024-02,Sản xuất thử nghiệm nấm rơm,cấp cơ sở,Dự án SXTN,401;405,"
        "Viện Lúa Đồng bằng sông Cửu Long,Lê Thị Mới,2024-02-01,2025-01-31,800000000,"
        "Đang thực hiện,,\n"
        + "T-3,,Thiếu ngày hợp lệ,provincial,de_tai,,,,2024-13-01,,,,,\n"
        + "T-4,,Trạng thái lạ,provincial,de_tai,,,,,,,flying,,\n"
        + "T-5,,Kết thúc trước khi bắt đầu,provincial,de_tai,,,,2024-05-01,2024-01-01,,,,\n"
        + "T-6,,Cấp không tồn tại,galactic,de_tai,,,,,,,,,\n"
        + ",,Không có mã,provincial,de_tai,,,,,,,,,\n",
        encoding="utf-8",
    )
    return path


def test_good_and_bad_rows(registry):
    result = run_import("projects", registry)
    assert (result.created, result.updated, len(result.rejected)) == (2, 0, 5)
    lines = {r.line: r.reason for r in result.rejected}
    assert set(lines) == {4, 5, 6, 7, 8}
    assert "start" in lines[4] and "state" in lines[5] and "end" in lines[6]
    assert "level" in lines[7] and "external_id" in lines[8]
    t1 = Task.objects.get(external_id="T-1")
    assert (t1.level, t1.form, t1.state, t1.rating) == ("provincial", "de_tai", "accepted", "good")
    assert t1.host.external_id == "org-ctu" and t1.leader.external_id == "exp-1"
    assert t1.budget_total_vnd == 1_500_000_000
    assert [f.code for f in t1.fields.all()] == ["405"]
    assert t1.members.get().role == "leader"
    assert t1.transitions.get().action == "import"
    t2 = Task.objects.get(external_id="T-2")
    assert (t2.level, t2.form, t2.state) == ("grassroots", "du_an_sxtn", "in_progress")
    assert t2.host == Organization.objects.get(name="Viện Lúa Đồng bằng sông Cửu Long")
    assert t2.leader == Expert.objects.get(full_name="Lê Thị Mới")
    assert t2.leader.organization == t2.host
    assert sorted(f.code for f in t2.fields.all()) == ["401", "405"]


def test_repeat_import_updates_and_never_duplicates(registry, tmp_path):
    run_import("projects", registry)
    again = run_import("projects", registry)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Task.objects.count() == 2
    changed = tmp_path / "changed.jsonl"
    changed.write_text(
        json.dumps(
            {"external_id": "T-1", "title": "Nuôi tôm càng xanh (sửa)", "state": "registered"},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    result = run_import("projects", changed)
    assert (result.created, result.updated) == (0, 1)
    t1 = Task.objects.get(external_id="T-1")
    assert t1.title == "Nuôi tôm càng xanh (sửa)" and t1.state == "registered"
    assert t1.host is not None  # a column missing from the file is left untouched
    assert t1.history.count() == 2


def test_dry_run_writes_nothing(registry):
    result = run_import("projects", registry, dry_run=True)
    assert result.created == 2 and not Task.objects.exists()


def test_export_round_trip(registry, tmp_path):
    run_import("projects", registry)
    out = tmp_path / "out.jsonl"
    assert run_export("projects", out) == 2
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["external_id"] == "T-1" and rows[0]["host"] == "org-ctu"
    assert rows[0]["budget_total_vnd"] == 1_500_000_000 and rows[0]["fields"] == ["405"]
    assert set(get_importer("projects").export_columns()) >= {
        "external_id",
        "code",
        "title",
        "level",
        "form",
        "fields",
        "host",
        "leader",
        "start",
        "end",
        "budget_total_vnd",
        "state",
    }
    result = run_import("projects", out)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_export_respects_permissions(registry, tmp_path):
    from django.contrib.auth.models import AnonymousUser

    from openstx.core.importing import export_rows

    run_import("projects", registry)
    Task.objects.filter(external_id="T-2").update(state="proposed")
    _cols, rows = export_rows("projects", user=AnonymousUser())
    assert [r["external_id"] for r in rows] == ["T-1"]
