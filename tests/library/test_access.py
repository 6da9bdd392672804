"""Who may see and download what; restricted documents never reach search; moderation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openstx.library import services
from openstx.library.models import AccessLevel, Document, DocumentFile
from openstx.search import service as search_service
from openstx.search import writer
from tests.factories import PASSWORD, OfficerFactory, UserFactory
from tests.library.factories import DocumentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def with_file(document: Document, samples) -> Document:  # type: ignore[no-untyped-def]
    from openstx.library.extraction import sha256_file

    path = samples["text_pdf"]
    services._attach(
        document,
        DocumentFile.Kind.ORIGINAL,
        path,
        "Báo cáo năm 2024.pdf",
        "application/pdf",
        sha256_file(path),
    )
    return document


@pytest.fixture
def docs(samples):  # type: ignore[no-untyped-def]
    return {
        level: with_file(
            DocumentFactory(
                access_level=level,
                title=f"Tài liệu {level} nuôi tôm",
                full_text=f"nội dung bí danh{level}",
            ),
            samples,
        )
        for level in AccessLevel.values
    }


def download(client, document):  # type: ignore[no-untyped-def]
    return client.get(f"/library/{document.pk}/file/original")


def test_anonymous_downloads_public_only(client, docs):
    response = download(client, docs["public"])
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "B%C3%A1o%20c%C3%A1o" in response["Content-Disposition"]  # Vietnamese name, RFC 5987
    for level in ("members", "staff", "restricted"):
        assert download(client, docs[level]).status_code == 404
        assert client.get(docs[level].get_absolute_url()).status_code == 404
    docs["public"].refresh_from_db()
    assert docs["public"].download_count == 1


def test_member_and_officer_levels(client, docs):
    member = UserFactory()
    client.login(username=member.username, password=PASSWORD)
    assert download(client, docs["members"]).status_code == 200
    assert download(client, docs["staff"]).status_code == 404
    assert download(client, docs["restricted"]).status_code == 404
    officer = OfficerFactory()
    client.login(username=officer.username, password=PASSWORD)
    assert download(client, docs["staff"]).status_code == 200
    assert download(client, docs["restricted"]).status_code == 404


def test_search_respects_access_levels_and_never_shows_restricted(docs):
    writer.apply_pending()

    def found(user) -> set[str]:  # type: ignore[no-untyped-def]
        results = search_service.search("nuôi tôm", user=user, types=["document"])
        return {Document.objects.get(pk=int(h.id)).access_level for h in results.hits}

    assert found(None) == {"public"}
    assert found(UserFactory()) == {"public", "members"}
    assert found(OfficerFactory()) == {"public", "members", "staff"}
    admin = UserFactory(is_superuser=True)
    assert "restricted" not in found(admin)
    results = search_service.search("bí danhrestricted", user=admin)
    # the restricted document's own word is in no index: nothing has every word, and no hit
    # is the restricted document (other documents may share the common syllable "bí")
    assert results.complete == 0
    assert docs["restricted"].pk not in {int(h.id) for h in results.hits if h.type == "document"}


def test_member_upload_awaits_moderation_then_is_published(client, samples, eager_jobs):
    member = UserFactory()
    client.login(username=member.username, password=PASSWORD)
    upload = SimpleUploadedFile(
        "Kết quả đề tài.pdf", samples["text_pdf"].read_bytes(), "application/pdf"
    )
    response = client.post(
        "/library/upload/",
        {
            "title": "Kết quả đề tài giống lúa",
            "creators": "Lê Văn C\nPhạm Thị D",
            "collection": "task_reports",
            "access_level": "public",
            "language": "vi",
            "file": upload,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get(title="Kết quả đề tài giống lúa")
    assert document.status == Document.Status.PENDING
    assert document.creators == ["Lê Văn C", "Phạm Thị D"]
    document.refresh_from_db()
    assert "OM18" in document.full_text  # extracted by the background job
    client.logout()
    assert client.get(document.get_absolute_url()).status_code == 404
    officer = OfficerFactory()
    client.login(username=officer.username, password=PASSWORD)
    assert "Kết quả đề tài giống lúa" in client.get("/library/moderation/").content.decode()
    client.post(f"/library/{document.pk}/moderate", {"decision": "approve"})
    document.refresh_from_db()
    assert document.status == Document.Status.PUBLISHED
    client.logout()
    assert client.get(document.get_absolute_url()).status_code == 200


def test_upload_size_is_capped(client, settings):
    settings.OPENSTX_MAX_UPLOAD_BYTES = 1000
    officer = OfficerFactory()
    client.login(username=officer.username, password=PASSWORD)
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 2000, "application/pdf")
    response = client.post(
        "/library/upload/",
        {
            "title": "Quá lớn",
            "collection": "other",
            "access_level": "public",
            "file": upload,
        },
    )
    assert response.status_code == 200
    assert not Document.objects.filter(title="Quá lớn").exists()


def test_api_lists_only_visible_documents(client, docs):
    data = client.get("/api/v1/library/documents").json()
    assert {item["access_level"] for item in data["results"]} == {"public"}
    assert client.get(f"/api/v1/library/documents/{docs['restricted'].pk}").status_code == 404
