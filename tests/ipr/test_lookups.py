"""Tasks, offers and organisations are picked in the IP forms by id, external id or a search as
one types, validated on the server (core.lookup.find_by_ident) — no <select> of every row."""

from __future__ import annotations

import pytest
from django.test import Client

from openstx.exchange.models import Offer
from openstx.ipr.forms import IPRecordForm
from openstx.ipr.models import IPRecord
from openstx.projects.models import Task

from .factories import IPRecordFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

DATA = {
    "type": "trademark",
    "title": "Gạo Hương Quê",
    "applicant_name": "HTX Hương Quê",
    "status": "filed",
    "classes": "30",
    "is_public": "on",
}


@pytest.fixture
def links(db):
    org = OrganizationFactory(name="Hợp tác xã Hương Quê", external_id="ORG-HQ")
    task = Task.objects.create(
        code="ĐT-2019-01", title="Chọn tạo giống lúa thơm", external_id="NV-1", state="accepted"
    )
    hidden = Task.objects.create(code="ĐT-2025-09", title="Đề xuất lúa chịu mặn", state="proposed")
    offer = Offer.objects.create(title="Giống lúa thơm HQ1", owner=org, status="published")
    return org, task, hidden, offer


def test_form_takes_external_ids_and_ids(links, officer):
    org, task, hidden, offer = links
    form = IPRecordForm(
        {**DATA, "task": "NV-1", "offer": str(offer.pk), "applicant_organization": "ORG-HQ"},
        user=officer,
    )
    assert form.is_valid(), form.errors
    record = form.save()
    assert (record.task, record.offer, record.applicant_organization) == (task, offer, org)
    # editing shows the external id (or the id) in the input
    html = str(IPRecordForm(instance=record, user=officer)["task"])
    assert 'value="NV-1"' in html and "<select" not in html
    assert f'value="{offer.pk}"' in str(IPRecordForm(instance=record, user=officer)["offer"])


def test_unknown_or_invisible_records_are_refused(links, member, officer):
    org, task, hidden, offer = links
    form = IPRecordForm({**DATA, "task": "NV-404"}, user=officer)
    assert not form.is_valid() and "task" in form.errors
    form = IPRecordForm({**DATA, "task": str(hidden.pk)}, user=member)
    assert not form.is_valid() and "task" in form.errors  # not visible to a member
    assert IPRecordForm({**DATA, "task": str(hidden.pk)}, user=officer).is_valid()
    form = IPRecordForm({**DATA, "offer": f"#{offer.pk} Giống lúa"}, user=officer)
    assert form.is_valid() and form.cleaned_data["offer"] == offer  # a picked suggestion


def test_lookup_endpoint_suggests_what_the_user_may_see(client, links, officer):
    org, task, hidden, offer = links
    html = client.get("/ip/lookup/task/", {"task": "lúa"}).content.decode()
    assert 'value="NV-1"' in html and "Chọn tạo giống lúa thơm" in html
    assert "chịu mặn" not in html  # a proposal is not public
    client.force_login(officer)
    html = client.get("/ip/lookup/task/", {"q": str(hidden.pk)}).content.decode()
    assert f'value="{hidden.pk}"' in html
    html = client.get("/ip/lookup/offer/", {"offer": "HQ1"}).content.decode()
    assert f'value="{offer.pk}"' in html
    assert client.get("/ip/lookup/organization/", {"q": "Hương"}).status_code == 200
    assert Client().get("/ip/lookup/nothing/", {"q": "x"}).status_code == 404
    assert client.get("/ip/lookup/task/", {"q": ""}).content.decode().strip() == ""


def test_record_form_page_prefills_the_task_and_saves(client, links, officer):
    org, task, hidden, offer = links
    client.force_login(officer)
    html = client.get("/ip/new/", {"task": "NV-1"}).content.decode()
    assert 'name="task"' in html and 'value="NV-1"' in html and 'hx-get="/lookup/task/"' in html
    assert '<select name="task"' not in html and '<select name="offer"' not in html
    response = client.post("/ip/new/", {**DATA, "task": "NV-1", "offer": str(offer.pk)})
    assert response.status_code == 302
    assert IPRecord.objects.get().task == task


def test_task_include_lists_linked_records(links, officer):
    from django.template import Context, Template

    org, task, hidden, offer = links
    IPRecordFactory(title="Nhãn hiệu liên kết", task=task)
    IPRecordFactory(title="Nhãn hiệu ghi mã", task_reference="ĐT-2019-01")
    IPRecordFactory(title="Không liên quan")
    html = Template("{% load ipr_tags %}{% ipr_for_task task %}").render(
        Context({"task": task, "user": officer})
    )
    assert "Nhãn hiệu liên kết" in html and "Nhãn hiệu ghi mã" in html
    assert "Không liên quan" not in html and f"/ip/new/?task={task.pk}" in html


@pytest.mark.django_db(transaction=True)
def test_lookup_finds_titles_typed_without_accents(client, tmp_path, settings):
    """Words typed without diacritics come from the search index's type-ahead, still under
    the permission policy."""
    from openstx.search import writer

    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.SEARCH_NODE_NAME = f"test-node:{tmp_path.name}"
    settings.SEARCH_APPLY = ""
    Task.objects.create(code="ĐT-1", title="Chọn tạo giống lúa thơm", state="accepted")
    Task.objects.create(code="ĐT-2", title="Đề xuất lúa chịu mặn", state="proposed")
    writer.apply_pending()
    html = client.get("/ip/lookup/task/", {"q": "lua"}).content.decode()
    assert "Chọn tạo giống lúa thơm" in html and "chịu mặn" not in html


def test_record_page_does_not_name_a_task_the_visitor_may_not_see(client, links, officer):
    org, task, hidden, offer = links
    record = IPRecordFactory(title="Lúa chịu mặn ST", task=hidden, task_reference="")
    html = client.get(record.get_absolute_url()).content.decode()
    assert hidden.title not in html and hidden.get_absolute_url() not in html
    client.force_login(officer)
    assert hidden.title in client.get(record.get_absolute_url()).content.decode()
