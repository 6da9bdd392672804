"""A department officer digitises a scanned PDF through the batch page, watches its progress,
and finds the document by a phrase from its text."""

from __future__ import annotations

import pytest

from openstx.library import synth
from tests.factories import OfficerFactory

pytestmark = pytest.mark.browser

PHRASE = "nghiệm thu đề tài nuôi trồng thủy sản"
TEXT = (
    "Hội đồng khoa học tổ chức nghiệm thu đề tài nuôi trồng thủy sản bằng chế phẩm sinh học "
    "tại thành phố Cần Thơ."
)


@pytest.fixture
def library_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    from openstx.celery import app

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    old = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the job runs in the request: no worker in this test
    yield tmp_path
    app.conf.task_always_eager = old


def test_officer_digitises_a_scan_and_finds_it_by_a_phrase(page, login, library_settings):
    scan = synth.render_page(TEXT, seed=5, height_in=3.0)
    pdf = synth.save_pdf([scan], library_settings / "Biên bản nghiệm thu 2024.pdf")
    officer = OfficerFactory()
    login(page, officer)

    page.goto("/library/batch/")
    page.set_input_files("#id_files", str(pdf))
    page.select_option("#id_collection", "task_reports")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/library/batch/*/")
    page.wait_for_selector("#batch-progress td a", timeout=60_000)
    assert "Biên bản nghiệm thu 2024.pdf" in page.inner_text("#batch-progress")

    page.goto("/search/?q=" + PHRASE)
    link = page.locator("main a", has_text="Biên bản nghiệm thu 2024").first
    link.wait_for()
    link.click()
    page.wait_for_url("**/library/**")
    assert "Biên bản nghiệm thu 2024" in page.inner_text("h1")
    page.click("text=Trích dẫn")
    page.wait_for_selector("#cite-panel pre")
    assert "@techreport" in page.inner_text("#cite-panel")


def test_officer_uploads_a_scanned_image_then_finds_it_on_the_library_page(
    page, login, library_settings
):
    """The upload's background job leaves the preview and the searchable PDF ready for the first
    visitor; the library's own search reads the full text and names the collections."""
    from openstx.library.models import Document, DocumentFile

    scan = synth.render_page(TEXT, seed=9, height_in=3.0)
    png = synth.save_png(scan, library_settings / "Ảnh chụp biên bản.png")
    login(page, OfficerFactory())

    page.goto("/library/upload/")
    page.fill("#id_title", "Ảnh biên bản nghiệm thu thủy sản")
    page.select_option("#id_collection", "task_reports")
    page.set_input_files("#id_file", str(png))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/library/*/*/")
    page.wait_for_load_state("networkidle")
    document = Document.objects.get(title="Ảnh biên bản nghiệm thu thủy sản")
    kinds = set(document.files.values_list("kind", flat=True))
    assert {DocumentFile.Kind.PREVIEW, DocumentFile.Kind.SEARCHABLE_PDF} <= kinds
    page.reload()
    assert page.locator("main img[src$='/file/preview']").count() == 1
    assert page.locator("main a[href$='/file/searchable_pdf']").count() == 1

    page.goto("/library/?q=" + PHRASE)
    page.locator("main a", has_text="Ảnh biên bản nghiệm thu thủy sản").first.wait_for()
    facet = page.inner_text(".facet-collections")
    assert "Báo cáo nhiệm vụ KH&CN" in facet and "task_reports" not in facet
