"""Extraction with the real tools: pypdfium2 text layers, python-docx, Tesseract OCR."""

from __future__ import annotations

from pathlib import Path

import pytest

from openstx.library import extraction as ex
from openstx.library import services, synth
from openstx.library.models import Document, DocumentFile, ExtractedPage, Extraction
from openstx.search import service as search_service

pytestmark = pytest.mark.django_db


def ids(results) -> set[int]:  # type: ignore[no-untyped-def]
    return {int(hit.id) for hit in results.hits if hit.type == "document"}


def test_pdf_text_layer_is_read_without_ocr(samples):
    plan = ex.plan_file(samples["text_pdf"])
    assert plan.mime == ex.PDF and len(plan.pages) == 1
    assert plan.ocr_pages == []
    assert "giống lúa chịu mặn OM18" in plan.pages[0].text


def test_docx_paragraphs_and_tables(samples):
    plan = ex.plan_file(samples["docx"])
    assert plan.mime == ex.DOCX
    assert "phân bón hữu cơ vi sinh" in plan.text
    assert "Rơm rạ sau thu hoạch" in plan.text


def test_scanned_image_is_ocrd_stored_and_searchable(samples):
    summary = services.process_paths([samples["scan_png"]], bar=False)
    assert summary["failed"] == [] and summary["done"] == 1
    document = Document.objects.get(pk=summary["documents"][0])
    assert document.title == "Bản quét số 1"
    assert document.digitised
    assert synth.cer(synth_text(), document.full_text) < 0.03
    extraction = Extraction.objects.get()
    page = ExtractedPage.objects.get(extraction=extraction)
    assert page.source == ExtractedPage.Source.OCR
    assert page.confidence is not None and page.confidence > 70
    assert not page.needs_review
    assert set(document.files.values_list("kind", flat=True)) == {DocumentFile.Kind.ORIGINAL}
    # Derivatives made on first request: preview, and the searchable PDF of an image.
    assert services.ensure_preview(document).kind == DocumentFile.Kind.PREVIEW
    searchable = services.ensure_searchable_pdf(document)
    layer = ex.plan_file(Path(searchable.file.path)).pages[0].text
    assert layer and "Cần Thơ" in layer
    # The command returned: the text is already searchable through the search service.
    results = search_service.search("nghiệm thu đề tài chế phẩm sinh học", user=None)
    assert document.pk in ids(results)
    results = search_service.search("nuoi trong thuy san", user=None)
    assert document.pk in ids(results)


def synth_text() -> str:
    from tests.library.conftest import SCAN_TEXT

    return SCAN_TEXT


def test_mixed_pdf_only_image_pages_are_ocrd(samples):
    summary = services.process_paths([samples["mixed_pdf"]], bar=False)
    assert summary["done"] == 1, summary
    pages = list(ExtractedPage.objects.order_by("number"))
    assert [p.source for p in pages] == [ExtractedPage.Source.TEXT_LAYER, ExtractedPage.Source.OCR]
    document = Document.objects.get()
    assert "OM18" in document.full_text and "Cửu Long" in document.full_text
    assert Extraction.objects.get().method == "mixed"
    # The searchable PDF: page 1 as it was, page 2 with the OCR text layer.
    searchable = document.files.get(kind=DocumentFile.Kind.SEARCHABLE_PDF)
    pages = ex.plan_file(Path(searchable.file.path)).pages
    assert "OM18" in pages[0].text and "Cần Thơ" in pages[1].text


def test_unchanged_file_is_never_extracted_again(samples, monkeypatch):
    first = services.process_paths([samples["scan_pdf"]], bar=False)
    assert first["done"] == 1

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("OCR ran again for unchanged bytes")

    monkeypatch.setattr(ex, "ocr_image", boom)
    again = services.process_paths([samples["scan_pdf"]], bar=False)
    assert again == {"done": 0, "skipped": 1, "failed": [], "documents": []}
    # Same bytes attached to another document reuse the stored derivative.
    other = Document.objects.create(title="Bản sao")
    services.extract_document_file(other, samples["scan_pdf"])
    other.refresh_from_db()
    assert "Cần Thơ" in other.full_text
    assert Extraction.objects.count() == 1


def test_long_text_is_not_truncated(tmp_path):
    pages = [
        f"Trang số {i}: báo cáo chi tiết về kết quả nghiên cứu khoa học." for i in range(1, 501)
    ]
    path = synth.text_pdf(pages, tmp_path / "dài 500 trang.pdf")
    summary = services.process_paths([path], bar=False, digitised=False)
    assert summary["done"] == 1, summary
    document = Document.objects.get()
    assert "Trang số 1:" in document.full_text and "Trang số 500:" in document.full_text
    assert Extraction.objects.get().page_count == 500


def test_low_confidence_pages_are_flagged(samples, settings):
    settings.OPENSTX_OCR_REVIEW_CONFIDENCE = 99.9
    services.process_paths([samples["scan_png"]], bar=False)
    page = ExtractedPage.objects.get()
    assert page.needs_review
    assert Document.objects.get().needs_review


def test_resume_after_crash_keeps_finished_pages(samples, tmp_path, monkeypatch):
    """A batch killed after OCR'ing page 1 of 2 resumes with page 2 only."""
    from PIL import Image

    two = synth.save_pdf(
        [Image.open(samples["scan_png"]), Image.open(samples["scan_png"]).rotate(0.3)],
        tmp_path / "two.pdf",
    )
    plan = ex.plan_file(two)
    work = services.start_file(plan)
    result = ex.ocr_image(samples["scan_png"])
    services._store_ocr_page(work, 1, result)  # the crash happens after page 1 was stored
    calls = []
    real = ex.ocr_image

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ex, "ocr_image", counting)
    summary = services.process_paths([two], bar=False)
    assert summary["done"] == 1 and len(calls) == 1
    assert ExtractedPage.objects.count() == 2
