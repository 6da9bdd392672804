"""``openstx import documents``: JSONL with text or a file, folders with metadata.csv,
idempotence by external_id, and a crash half-way followed by a re-run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from openstx.core import importing
from openstx.library.importers import import_folder
from openstx.library.models import AccessLevel, Document, DocumentFile
from openstx.search import service as search_service

pytestmark = pytest.mark.django_db(transaction=True)


def write_jsonl(path: Path, n: int, start: int = 0) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(start, start + n):
            handle.write(
                json.dumps(
                    {
                        "external_id": f"doc-{i}",
                        "title": f"Báo cáo nghiên cứu số {i} về cá tra",
                        "creators": ["Nguyễn Văn A", "Lê Thị B"],
                        "subjects": "thủy sản; cá tra",
                        "date": "2023",
                        "collection": "Báo cáo nhiệm vụ KH&CN" if i % 2 else "papers",
                        "access_level": "public",
                        "text": f"Nội dung chi tiết tài liệu {i}. " * 20,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return path


def test_jsonl_with_text_is_imported_indexed_and_idempotent(tmp_path):
    path = write_jsonl(tmp_path / "docs.jsonl", 30)
    result = importing.run_import("documents", path)
    assert result.ok, result.rejected
    assert result.created == 30
    assert Document.objects.count() == 30
    document = Document.objects.get(external_id="doc-3")
    assert document.subjects == ["thủy sản", "cá tra"]
    assert document.collection == "task_reports"
    assert document.was_public
    assert search_service.search("cá tra số 7", user=None).total >= 1
    again = importing.run_import("documents", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)
    assert Document.objects.count() == 30


def test_bad_rows_are_reported_with_line_numbers(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"external_id": "ok-1", "title": "Tốt"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"external_id": "bad-1", "title": "Sai", "access_level": "secret"})
        + "\n"
        + json.dumps({"external_id": "bad-2", "title": "Thiếu", "file": "/nowhere.pdf"})
        + "\n",
        encoding="utf-8",
    )
    result = importing.run_import("documents", path)
    assert result.created == 1
    assert sorted(r.line for r in result.rejected) == [2, 3]


def test_crash_half_way_then_rerun_ends_with_exactly_n(tmp_path, monkeypatch):
    """The process dies after some batches committed (simulated by an exception from the
    after-commit hook); running again ends with every document exactly once."""
    path = write_jsonl(tmp_path / "docs.jsonl", 2500)
    from openstx.library.importers import DocumentImporter

    calls = {"n": 0}

    def dying(self, pks, ctx):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("killed")

    monkeypatch.setattr(DocumentImporter, "on_committed", dying)
    with pytest.raises(SystemExit):
        importing.run_import("documents", path)
    assert 0 < Document.objects.count() < 2500
    monkeypatch.undo()
    result = importing.run_import("documents", path)
    assert result.ok
    assert Document.objects.count() == 2500
    assert Document.objects.values("external_id").distinct().count() == 2500


def test_folder_with_metadata_csv_and_files(tmp_path, samples):
    folder = tmp_path / "kho tài liệu"
    folder.mkdir()
    (folder / "Quy trình ủ phân.docx").write_bytes(samples["docx"].read_bytes())
    (folder / "ban quet.png").write_bytes(samples["scan_png"].read_bytes())
    (folder / "metadata.csv").write_text(
        "external_id,title,creators,file,access_level,digitised\n"
        "f-1,Quy trình ủ phân hữu cơ,Trần Văn E,Quy trình ủ phân.docx,members,no\n"
        "f-2,Bản quét nghiệm thu,,ban quet.png,public,yes\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import", "documents", str(folder), "--no-progress", stdout=out)
    assert "2 created" in out.getvalue()
    docx_doc = Document.objects.get(external_id="f-1")
    assert "phân bón hữu cơ vi sinh" in docx_doc.full_text
    assert docx_doc.access_level == AccessLevel.MEMBERS
    scan_doc = Document.objects.get(external_id="f-2")
    assert "Cần Thơ" in scan_doc.full_text and scan_doc.digitised
    assert scan_doc.files.filter(kind=DocumentFile.Kind.ORIGINAL).exists()
    again = import_folder(folder)
    assert again.unchanged == 2 and Document.objects.count() == 2
