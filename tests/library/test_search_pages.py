"""The library's words search the full text through the search service; the collection facet
shows collection names (in the visitor's language), never raw codes."""

from __future__ import annotations

import pytest
from django.utils import translation

from openstx.library.models import AccessLevel, Collection
from openstx.search import service as search_service
from openstx.search import writer
from tests.library.factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed():  # type: ignore[no-untyped-def]
    docs = [
        DocumentFactory(
            title="Báo cáo tổng kết đề tài A",
            collection=Collection.TASK_REPORTS,
            full_text="Quy trình ương giống cá thát lát cườm trong ao đất.",
        ),
        DocumentFactory(
            title="Luận văn thạc sĩ B",
            collection=Collection.THESES,
            full_text="Ảnh hưởng của mật độ ương đến tăng trưởng cá thát lát cườm.",
        ),
        DocumentFactory(
            title="Tài liệu hạn chế C",
            collection=Collection.PATENTS,
            access_level=AccessLevel.RESTRICTED,
            full_text="cá thát lát cườm bí mật",
        ),
    ]
    writer.apply_pending()
    return docs


def test_collection_facet_values_are_labelled(indexed):
    results = search_service.search("thát lát cườm", types=["document"])
    labels = {f.value: f.label for f in results.facets["kind"]}
    assert labels == {"task_reports": "S&T task reports", "theses": "Theses"}
    with translation.override("vi"):
        results = search_service.search("thát lát cườm", types=["document"])
        labels = {f.value: f.label for f in results.facets["kind"]}
    assert labels["task_reports"] == "Báo cáo nhiệm vụ KH&CN"
    assert labels["theses"] == "Luận văn, luận án"


def test_site_search_page_shows_collection_names(client, indexed):
    body = client.get("/search/?q=thát lát cườm&type=document").content.decode()
    assert "Báo cáo nhiệm vụ KH&amp;CN" in body
    assert "☐ task_reports" not in body and "☐ theses" not in body


def test_library_words_search_the_full_text_with_a_collection_facet(client, indexed):
    response = client.get("/library/?q=mật độ ương")  # words found only in the full text
    body = response.content.decode()
    # B has every word and comes first; A shares only "ương": it follows, marked as partial
    assert "Luận văn thạc sĩ B" in body
    assert response.context["results"].complete == 1
    hits = response.context["results"].hits
    assert hits[0].title == "Luận văn thạc sĩ B" and not hits[0].missing
    assert all(h.missing for h in hits[1:])
    assert "search-partial" in body
    response = client.get("/library/?q=thát lát cườm")
    facet = {f.value: (f.label, f.count) for f in response.context["collection_facet"]}
    assert facet == {
        "task_reports": ("Báo cáo nhiệm vụ KH&CN", 1),
        "theses": ("Luận văn, luận án", 1),
    }
    assert "Tài liệu hạn chế C" not in response.content.decode()
    narrowed = client.get("/library/?q=thát lát cườm&collection=theses").content.decode()
    assert "Luận văn thạc sĩ B" in narrowed and "Báo cáo tổng kết đề tài A" not in narrowed


def test_detail_page_links_the_s_and_t_task_by_its_code(client):
    from openstx.projects.models import Task
    from openstx.projects.workflow import get_workflow

    public_state = get_workflow().public_states[0]
    task = Task.objects.create(
        title="Nghiên cứu ương giống cá thát lát", code="ĐT-2023-11", state=public_state
    )
    hidden = Task.objects.create(title="Nhiệm vụ đề xuất", code="ĐX-01", state="proposed")
    assert "proposed" not in get_workflow().public_states
    document = DocumentFactory(task_reference="đt-2023-11")
    page = client.get(document.get_absolute_url()).content.decode()
    assert f'href="{task.get_absolute_url()}"' in page
    unknown = DocumentFactory(task_reference="Đề tài cũ không có mã")
    page = client.get(unknown.get_absolute_url()).content.decode()
    assert "Đề tài cũ không có mã" in page
    # a task the visitor may not see is not linked (its code stays as written)
    secret = DocumentFactory(task_reference="ĐX-01")
    page = client.get(secret.get_absolute_url()).content.decode()
    assert hidden.get_absolute_url() not in page and "ĐX-01" in page
