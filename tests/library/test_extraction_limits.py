"""Decompression bombs and very long texts (issue #15 item 1): every extraction is bounded by
unpacked size, compression ratio and characters, the uploader is told, and the pages that show
extracted text stay small whatever its length."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from openstx.core import importing
from openstx.library import extraction as ex
from openstx.library import services, synth
from openstx.library.models import Document, DocumentFile, Extraction
from tests.factories import PASSWORD, OfficerFactory, UserFactory
from tests.library.factories import DocumentFactory

pytestmark = pytest.mark.django_db

PARAGRAPH = b"<w:p><w:r><w:t>bom giai nen bom giai nen bom giai nen</w:t></w:r></w:p>"


def docx_bomb(path: Path, unpacked_mb: int) -> Path:
    """A real DOCX (python-docx's template) whose document.xml inflates to ``unpacked_mb`` MB
    of paragraphs: a few hundred KB on disk."""
    plain = path.with_name("plain.docx")
    document = docx.Document()
    document.add_paragraph("Mở đầu")
    document.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info.filename))
                continue
            head, _sep, tail = src.read(info.filename).partition(b"<w:body>")
            with dst.open("word/document.xml", "w", force_zip64=True) as out:
                out.write(head + b"<w:body>")
                chunk = PARAGRAPH * ((1 << 20) // len(PARAGRAPH))
                for _ in range(unpacked_mb):
                    out.write(chunk)
                out.write(b"</w:body></w:document>")
    return path


def test_docx_bomb_is_refused_before_it_is_parsed(tmp_path):
    bomb = docx_bomb(tmp_path / "bom.docx", unpacked_mb=200)
    assert bomb.stat().st_size < 2_000_000  # small on disk
    with pytest.raises(ex.ExtractionError, match="decompression bomb") as exc:
        ex.plan_file(bomb)
    assert "200" in str(exc.value)  # it says how large the file unpacks


def test_a_high_ratio_alone_is_refused(tmp_path, settings):
    bomb = docx_bomb(tmp_path / "bom.docx", unpacked_mb=3)  # under 50 MB, ratio far above 100
    with pytest.raises(ex.ExtractionError, match="decompression bomb"):
        ex.sniff(bomb)
    settings.OPENSTX_EXTRACT_MAX_RATIO = 100_000  # a setting, not a constant
    assert ex.plan_file(bomb).text.startswith("bom giai nen")


def test_upload_of_a_bomb_is_refused_with_a_translated_message(client, tmp_path, settings):
    member = UserFactory()
    client.login(username=member.username, password=PASSWORD)
    bomb = docx_bomb(tmp_path / "bom.docx", unpacked_mb=3).read_bytes()
    for language, words in (("en", "decompression bomb"), ("vi", "bom giải nén")):
        upload = SimpleUploadedFile("báo cáo.docx", bomb, ex.DOCX)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.post(
            "/library/upload/",
            {
                "title": "Tệp bom",
                "collection": "other",
                "access_level": "public",
                "language": "vi",
                "file": upload,
            },
        )
        assert response.status_code == 200
        assert words in response.content.decode(), language
    assert not Document.objects.filter(title="Tệp bom").exists()


def test_xlsx_bomb_is_refused_by_the_importer(tmp_path):
    plain, bomb = tmp_path / "plain.xlsx", tmp_path / "bom.xlsx"
    wb = Workbook()
    wb.active.append(["external_id", "name"])
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
                data = data.replace(b"</sheetData>", row * 100_000 + b"</sheetData>")
            dst.writestr(info, data)
    with pytest.raises(importing.ImportFileError, match="decompression bomb"):
        importing.run_import("organizations", bomb)


def test_long_text_is_cut_at_the_limit_and_the_uploader_is_told(client, tmp_path, settings):
    settings.OPENSTX_EXTRACT_MAX_CHARS = 1000
    path = tmp_path / "dài.txt"
    path.write_text("Nội dung rất dài. " * 500, encoding="utf-8")  # 9,000 characters
    officer = OfficerFactory()
    document = DocumentFactory(uploaded_by=officer)
    services._attach(
        document, DocumentFile.Kind.ORIGINAL, path, path.name, ex.TEXT, ex.sha256_file(path)
    )
    services.extract_document_file(document, path)
    document.refresh_from_db()
    assert len(document.full_text) == 1000
    assert Extraction.objects.get().error == "cut:9000"
    client.login(username=officer.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(document.get_absolute_url()).content.decode()
    assert "cut at 1,000 characters" in page and "9,000" in page
    client.logout()
    assert "cut at" not in client.get(document.get_absolute_url()).content.decode()


def test_pdf_text_layer_stops_at_the_limit_and_pages_after_it_are_not_ocrd(tmp_path, settings):
    settings.OPENSTX_EXTRACT_MAX_CHARS = 300
    pages = [f"Trang số {i}: kết quả nghiên cứu giống lúa chịu mặn ở Cần Thơ." for i in range(20)]
    plan = ex.plan_file(synth.text_pdf(pages, tmp_path / "dài.pdf"))
    assert plan.ocr_pages == []  # the pages after the limit are not OCR jobs
    assert plan.cut_from > 300 and sum(len(p.text or "") for p in plan.pages) <= 300
    assert "Trang số 0" in plan.pages[0].text and plan.pages[-1].text == ""


def test_document_and_moderation_pages_never_load_the_whole_text(client):
    huge = "Văn bản trích xuất rất dài. " * 120_000  # 3.4 million characters
    document = DocumentFactory(full_text=huge, status=Document.Status.PENDING)
    officer = OfficerFactory()
    client.login(username=officer.username, password=PASSWORD)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert len(response.content) < 100_000
    assert "Văn bản trích xuất rất dài." in response.content.decode()  # the excerpt
    assert f'href="/library/{document.pk}/text"' in response.content.decode()  # the whole text
    whole_text = [
        q["sql"] for q in queries if "full_text" in q["sql"] and "SUBSTR" not in q["sql"].upper()
    ]
    assert not whole_text, whole_text
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/library/moderation/")
    assert document.title in response.content.decode()
    assert not [q["sql"] for q in queries if "full_text" in q["sql"]]
