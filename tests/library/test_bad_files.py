"""Bad input: every bad file gets its own clear error and nothing else in the batch is lost."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pikepdf
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openstx.library import services, synth
from openstx.library.models import BatchItem, Document

pytestmark = pytest.mark.django_db


def png_bomb(path: Path, side: int = 100_000) -> Path:
    """A PNG whose header claims side × side pixels (tiny on disk)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
    return path


def pdf_image_bomb(path: Path) -> Path:
    """One A4 page drawing an image XObject that claims 60000 × 60000 pixels."""
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, zlib.compress(b"\x00" * 1000))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = 60_000, 60_000
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    image.Filter = pikepdf.Name.FlateDecode
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
    )
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def huge_page(path: Path) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14_400, 14_400))
    pdf.save(path)
    return path


@pytest.fixture
def batch(tmp_path, samples):  # type: ignore[no-untyped-def]
    folder = tmp_path / "lô quét"
    folder.mkdir()
    (folder / "hỏng.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    with pikepdf.open(samples["text_pdf"]) as pdf:
        pdf.save(folder / "mật khẩu.pdf", encryption=pikepdf.Encryption(owner="chu", user="khach"))
    (folder / "rỗng.pdf").write_bytes(b"")
    png_bomb(folder / "bom.png")
    pdf_image_bomb(folder / "bom ảnh.pdf")
    huge_page(folder / "trang khổng lồ.pdf")
    (folder / "nói dối.pdf").write_bytes(samples["scan_png"].read_bytes())
    (folder / "chương trình.exe").write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    synth.text_pdf(
        [f"Trang {i} có đủ chữ để đọc lớp văn bản." for i in range(5)], folder / "năm trang.pdf"
    )
    (folder / "Báo cáo tổng kết 2024.png").write_bytes(samples["scan_png"].read_bytes())
    (folder / "bài báo.pdf").write_bytes(samples["text_pdf"].read_bytes())
    return folder


def test_each_bad_file_fails_alone_with_a_clear_reason(batch, settings):
    settings.OPENSTX_MAX_PDF_PAGES = 3
    summary = services.process_paths([batch], bar=False)
    reasons = {item["name"]: item["reason"] for item in summary["failed"]}
    assert "damaged" in reasons["hỏng.pdf"]
    assert "encrypted" in reasons["mật khẩu.pdf"]
    assert "empty" in reasons["rỗng.pdf"]
    assert "too large" in reasons["bom.png"] or "image bomb" in reasons["bom.png"]
    assert "image bomb" in reasons["bom ảnh.pdf"]
    assert "too large to render" in reasons["trang khổng lồ.pdf"]
    assert "says .pdf but its content is image/png" in reasons["nói dối.pdf"]
    assert "Unsupported file type .exe" in reasons["chương trình.exe"]
    assert "5 pages; the limit is 3" in reasons["năm trang.pdf"]
    assert len(reasons) == 9
    assert summary["done"] == 2
    titles = set(Document.objects.values_list("title", flat=True))
    assert titles == {"Báo cáo tổng kết 2024", "bài báo"}


def test_ocr_command_lists_failures_and_exits_non_zero(batch):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ocr", str(batch), "--json", "--no-progress", stdout=out, stderr=io.StringIO())
    summary = json.loads(out.getvalue())
    assert summary["done"] == 3 and len(summary["failed"]) == 8
    assert BatchItem.objects.filter(status=BatchItem.Status.FAILED).count() == 8
    # Re-running does not process anything twice.
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ocr", str(batch), "--json", "--no-progress", stdout=out, stderr=io.StringIO())
    again = json.loads(out.getvalue())
    assert again["done"] == 0 and again["skipped"] == 3
    assert Document.objects.count() == 3
