"""Uploads: size cap, type sniffed from content, images re-encoded, bombs refused."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from openstx.exchange import services

from .factories import OfferFactory

pytestmark = pytest.mark.django_db

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def png_bytes(size=(40, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 1).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def offer(research_org):
    return OfferFactory(owner=research_org)


@pytest.mark.parametrize("content", [ELF, PE, b"<html><script>alert(1)</script></html>"])
def test_spoofed_pdf_is_refused(offer, researcher, content):
    with pytest.raises(ValidationError):
        services.add_attachment(offer, researcher, SimpleUploadedFile("ket-qua.pdf", content))
    assert offer.attachments.count() == 0


def test_real_pdf_is_accepted(offer, researcher):
    att = services.add_attachment(
        offer, researcher, SimpleUploadedFile("Báo cáo.pdf", PDF), confidential=True
    )
    assert att.mime_type == "application/pdf" and att.size == len(PDF) and att.confidential
    assert att.file.read() == PDF


def test_unknown_extension_refused(offer, researcher):
    with pytest.raises(ValidationError):
        services.add_attachment(offer, researcher, SimpleUploadedFile("setup.exe", PE))


def test_size_cap(offer, researcher, settings):
    settings.OPENSTX_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError):
        services.add_attachment(offer, researcher, SimpleUploadedFile("a.pdf", PDF + b" " * 200))


def test_image_is_reencoded_with_thumbnail(offer, researcher):
    data = png_bytes((1200, 900)) + b"TRAILING-PAYLOAD<script>"
    image = services.add_image(offer, researcher, SimpleUploadedFile("anh.png", data), "Ao nuôi")
    stored = image.image.read()
    assert b"TRAILING-PAYLOAD" not in stored
    assert stored[:3] == b"\xff\xd8\xff"  # re-encoded to JPEG (no alpha)
    with Image.open(image.thumbnail) as thumb:
        assert thumb.width <= 360 and thumb.height <= 270
    assert (image.width, image.height) == (1200, 900)


def test_decompression_bomb_refused(offer, researcher):
    with pytest.raises(ValidationError):
        services.add_image(
            offer, researcher, SimpleUploadedFile("bomb.png", png_bytes((9000, 9000), "1"))
        )


def test_not_an_image_refused(offer, researcher):
    with pytest.raises(ValidationError):
        services.add_image(offer, researcher, SimpleUploadedFile("x.jpg", PDF))


def test_only_owner_uploads(offer, outsider):
    with pytest.raises(PermissionDenied):
        services.add_image(offer, outsider, SimpleUploadedFile("a.png", png_bytes()))
