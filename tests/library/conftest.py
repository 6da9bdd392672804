"""Library test fixtures: private data/media/index folders, generated scans (real Tesseract)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openstx.library import synth

SCAN_TEXT = (
    "Sở Khoa học và Công nghệ thành phố Cần Thơ tổ chức nghiệm thu đề tài nghiên cứu ứng dụng "
    "chế phẩm sinh học trong nuôi trồng thủy sản vùng đồng bằng sông Cửu Long."
)


@pytest.fixture(autouse=True)
def library_dirs(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    return tmp_path


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are asserted in English (the Vietnamese catalogue is checked separately)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def eager_jobs() -> Any:
    from openstx.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small sample files, generated once per session."""
    folder = tmp_path_factory.mktemp("samples")
    scan = synth.render_page(SCAN_TEXT, seed=3, width_in=8.27, height_in=3.0)
    out = {
        "scan_png": synth.save_png(scan, folder / "Bản quét số 1.png"),
        "scan_pdf": synth.save_pdf([scan], folder / "scan.pdf"),
        "text_pdf": synth.text_pdf(
            ["Báo cáo kết quả nghiên cứu giống lúa chịu mặn OM18 tại Cần Thơ, năm 2023."],
            folder / "text.pdf",
        ),
    }
    # mixed: page 1 has a text layer, page 2 is a scan
    import pikepdf

    with (
        pikepdf.Pdf.open(out["text_pdf"]) as text_pdf,
        pikepdf.Pdf.open(out["scan_pdf"]) as scan_pdf,
    ):
        text_pdf.pages.extend(scan_pdf.pages)
        text_pdf.save(folder / "mixed.pdf")
    out["mixed_pdf"] = folder / "mixed.pdf"
    import docx

    document = docx.Document()
    document.add_paragraph("Quy trình sản xuất phân bón hữu cơ vi sinh từ rơm rạ.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Nguyên liệu"
    table.rows[0].cells[1].text = "Rơm rạ sau thu hoạch"
    document.save(folder / "quy trình.docx")
    out["docx"] = folder / "quy trình.docx"
    return out
