"""Uploaded pictures are served with DEBUG off; no other upload is served by address."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.DEBUG = False
    for rel in (
        "exchange/thumbs/a1.webp",
        "exchange/images/a1.jpg",
        "avatars/x.webp",
        "portal/articles/2026/12/p.jpg",
        "exchange/files/secret.pdf",
        "library/1/doc.pdf",
        "reports/r.pdf",
    ):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"data of " + rel.encode())
    return tmp_path


@pytest.mark.parametrize(
    "rel",
    [
        "exchange/thumbs/a1.webp",
        "exchange/images/a1.jpg",
        "avatars/x.webp",
        "portal/articles/2026/12/p.jpg",
    ],
)
def test_public_pictures_are_served_with_debug_off(media, rel):
    r = Client().get(f"/media/{rel}")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == b"data of " + rel.encode()
    assert "max-age" in r["Cache-Control"]
    assert r["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "url",
    [
        "/media/exchange/files/secret.pdf",  # listing attachments (some confidential)
        "/media/library/1/doc.pdf",  # library files: permission-checked downloads only
        "/media/reports/r.pdf",
        "/media/exchange/thumbs/../files/secret.pdf",
        "/media/exchange/thumbs/%2e%2e/files/secret.pdf",
        "/media/avatars/missing.webp",
    ],
)
def test_nothing_else_is_served_by_address(media, url):
    assert Client().get(url).status_code == 404


def test_only_reads(media):
    assert Client().post("/media/avatars/x.webp").status_code == 405


@override_settings(DEBUG=False)
def test_a_listing_picture_on_its_page_loads(db, media):
    """The seam that was broken: a published offer's picture is named on its page and the
    address answers (it 404'd with DEBUG off)."""
    import re

    from openstx.exchange.models import ListingImage, ListingStatus
    from tests.exchange.factories import OfferFactory

    offer = OfferFactory(status=ListingStatus.PUBLISHED)
    ListingImage.objects.create(
        offer=offer, image="exchange/images/a1.jpg", thumbnail="exchange/thumbs/a1.webp"
    )
    page = Client().get(offer.get_absolute_url())
    assert page.status_code == 200
    src = re.search(r'<img src="(/media/exchange/thumbs/[^"]+)"', page.content.decode())
    assert src, "the page names the thumbnail"
    assert Client().get(src.group(1)).status_code == 200
