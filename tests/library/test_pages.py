"""The library pages render for each kind of visitor (Vietnamese and English)."""

from __future__ import annotations

import pytest
from django.utils import translation

from openstx.library.models import AccessLevel
from tests.factories import PASSWORD, OfficerFactory, UserFactory
from tests.library.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def test_public_pages(client):
    document = DocumentFactory(title="Quy trình nuôi cá tra sạch")
    DocumentFactory(title="Tài liệu nội bộ", access_level=AccessLevel.STAFF)
    listing = client.get("/library/").content.decode()
    assert "Quy trình nuôi cá tra sạch" in listing and "Tài liệu nội bộ" not in listing
    assert client.get("/library/?collection=task_reports&q=cá tra").status_code == 200
    page = client.get(document.get_absolute_url()).content.decode()
    assert "Nguyễn Văn An; Trần Thị Bình" in page
    assert client.get("/library/upload/").status_code == 302  # log in first


def test_vietnamese_interface(client):
    document = DocumentFactory()
    with translation.override("vi"):
        client.cookies["openstx_language"] = "vi"
        page = client.get(document.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Trích dẫn" in page and "Báo cáo nhiệm vụ KH&amp;CN" in page


def test_officer_pages(client):
    officer = OfficerFactory()
    client.login(username=officer.username, password=PASSWORD)
    document = DocumentFactory()
    for url in (
        "/library/upload/",
        "/library/batch/",
        "/library/moderation/",
        f"/library/{document.pk}/edit",
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        f"/library/{document.pk}/edit",
        {
            "title": "Tên mới",
            "collection": "papers",
            "access_level": "members",
            "language": "vi",
            "creators": "A\nB",
            "subjects": "",
        },
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "Tên mới" and document.creators == ["A", "B"]


def test_members_cannot_use_staff_pages(client):
    member = UserFactory()
    client.login(username=member.username, password=PASSWORD)
    assert client.get("/library/batch/").status_code == 403
    assert client.get("/library/moderation/").status_code == 403
    assert client.get("/library/upload/").status_code == 200
    other = DocumentFactory()
    assert client.get(f"/library/{other.pk}/edit").status_code == 403
