"""Uploads get their derivatives from the background job right after upload (first-page preview;
for a scanned image the searchable PDF, from the same Tesseract run as its text); the
on-request generation stays as the fallback. Real Tesseract."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openstx.core.models import Job
from openstx.library import extraction as ex
from openstx.library import services
from openstx.library.models import Document, DocumentFile
from tests.factories import PASSWORD, OfficerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _upload(client, samples, name="Bản quét công văn.png"):  # type: ignore[no-untyped-def]
    officer = OfficerFactory()
    client.login(username=officer.username, password=PASSWORD)
    response = client.post(
        "/library/upload/",
        {
            "title": "Công văn nghiệm thu đề tài thủy sản",
            "collection": "other",
            "access_level": "public",
            "language": "vi",
            "file": SimpleUploadedFile(name, samples["scan_png"].read_bytes(), "image/png"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Document.objects.get(title="Công văn nghiệm thu đề tài thủy sản")


def test_image_upload_gets_preview_and_searchable_pdf_from_the_job(
    client, samples, eager_jobs, monkeypatch
):
    calls = []
    real = ex.ocr_image

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(ex, "ocr_image", counting)
    document = _upload(client, samples)
    kinds = set(document.files.values_list("kind", flat=True))
    assert kinds == {
        DocumentFile.Kind.ORIGINAL,
        DocumentFile.Kind.PREVIEW,
        DocumentFile.Kind.SEARCHABLE_PDF,
    }
    assert len(calls) == 1  # the text and the searchable PDF came from one Tesseract run
    document.refresh_from_db()
    assert "Cần Thơ" in document.full_text
    searchable = document.files.get(kind=DocumentFile.Kind.SEARCHABLE_PDF)
    assert searchable.original_name == "Bản quét công văn.ocr.pdf"
    with pikepdf.Pdf.open(searchable.file.path) as pdf:
        assert len(pdf.pages) == 1
        assert list(pdf.pages[0].get_images()), "the scan itself is in the searchable PDF"
    layer = ex.plan_file(Path(searchable.file.path)).pages[0].text
    assert layer and "Cần Thơ" in layer
    job = Job.objects.get(kind="library.extract")
    assert job.status == Job.Status.DONE
    assert job.result["derivatives"] == {"preview": True, "searchable_pdf": True}
    # served as stored: no further OCR on download
    response = client.get(f"/library/{document.pk}/file/searchable_pdf")
    assert response.status_code == 200
    response = client.get(f"/library/{document.pk}/file/preview")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert len(calls) == 1


def test_a_failed_derivative_does_not_fail_the_job_and_is_made_on_request(
    client, samples, eager_jobs, monkeypatch
):
    real = ex.render_preview

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(ex, "render_preview", broken)
    document = _upload(client, samples)
    job = Job.objects.get(kind="library.extract")
    assert job.status == Job.Status.DONE
    assert job.result["derivatives"]["preview"] is False
    assert not document.files.filter(kind=DocumentFile.Kind.PREVIEW).exists()
    monkeypatch.setattr(ex, "render_preview", real)
    response = client.get(f"/library/{document.pk}/file/preview")  # the fallback
    assert response.status_code == 200
    assert document.files.filter(kind=DocumentFile.Kind.PREVIEW).exists()


def test_batches_still_leave_image_pdfs_to_the_first_request(samples):
    summary = services.process_paths([samples["scan_png"]], bar=False)
    document = Document.objects.get(pk=summary["documents"][0])
    assert set(document.files.values_list("kind", flat=True)) == {DocumentFile.Kind.ORIGINAL}
    searchable = services.ensure_searchable_pdf(document)
    with pikepdf.Pdf.open(searchable.file.path) as pdf:
        assert list(pdf.pages[0].get_images())  # the image, not only its invisible text
