"""Links from tasks to the exchange (source demand, offers from results), to the IP registry
(an output's IP record) and to the portal's calls for proposals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from openstx.exchange.models import Demand, Offer
from openstx.ipr.models import IPRecord
from openstx.projects import importers, services
from openstx.projects.forms import OutputForm
from openstx.projects.models import Task, TaskOutput

from .factories import OrganizationFactory, TaskFactory

pytestmark = pytest.mark.django_db


def ip_record(**kwargs):  # type: ignore[no-untyped-def]
    values = {
        "type": "patent",
        "title": "Quy trình nuôi tôm càng xanh toàn đực",
        "applicant_name": "Trường Đại học Cần Thơ",
        "application_number": "1-2024-00123",
        "status": "filed",
        "is_public": True,
        **kwargs,
    }
    return IPRecord.objects.create(**values)


@pytest.fixture
def task(host_org, leader):
    return TaskFactory(
        title="Nuôi tôm càng xanh toàn đực", host=host_org, leader=leader, state="in_progress"
    )


def test_deleting_the_other_record_sets_the_links_to_null(task, host_org):
    demand = Demand.objects.create(title="Cần giống tôm", requester=host_org)
    offer = Offer.objects.create(title="Giống tôm toàn đực", owner=host_org)
    record = ip_record()
    task.source_demand = demand
    task.save()
    out = TaskOutput.objects.create(task=task, kind="technology", offer=offer, ip_record=record)
    assert list(demand.ordered_tasks.all()) == [task]
    assert list(offer.task_outputs.all()) == [out] and list(record.task_outputs.all()) == [out]
    demand.delete()
    offer.delete()
    record.delete()
    task.refresh_from_db()
    out.refresh_from_db()
    assert task.source_demand is None and out.offer is None and out.ip_record is None


def test_output_form_names_the_ip_record_by_external_id_or_id(client, task, host_user, officer):
    record = ip_record(external_id="IP-7")
    hidden = ip_record(
        title="Đơn chưa công khai", application_number="1-2024-00999", is_public=False
    )
    form = OutputForm({"kind": "ip", "ip_record": "IP-7", "count": 0}, user=host_user)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["ip_record"] == record
    assert form.cleaned_data["ip_reference"] == "1-2024-00123"
    form = OutputForm({"kind": "ip", "ip_record": str(record.pk), "count": 0}, user=host_user)
    assert form.is_valid() and form.cleaned_data["ip_record"] == record
    # a record the user may not see is "unknown" to them, as is a made-up id
    for ident in (str(hidden.pk), "IP-404"):
        form = OutputForm({"kind": "ip", "ip_record": ident, "count": 0}, user=host_user)
        assert not form.is_valid() and "ip_record" in form.errors
    assert OutputForm(
        {"kind": "ip", "ip_record": str(hidden.pk), "count": 0}, user=officer
    ).is_valid()
    form = OutputForm({"kind": "ip", "count": 0}, user=host_user)
    assert not form.is_valid() and "ip_record" in form.errors  # an IP output names its record

    # the form renders a type-ahead input, not a <select> of every record
    client.force_login(host_user)
    html = client.get(reverse("projects:output-add", args=[task.pk])).content.decode()
    assert 'name="ip_record"' in html and 'list="id_ip_record-options"' in html
    assert '<select name="ip_record"' not in html
    response = client.post(
        reverse("projects:output-add", args=[task.pk]),
        {"kind": "ip", "ip_record": "IP-7", "count": "0"},
    )
    assert response.status_code == 302
    out = task.outputs.get()
    assert out.ip_record == record and out.title == ""
    record.refresh_from_db()
    assert record.task == task  # the registry learns the record's task


def test_task_page_shows_ip_records_and_calls(client, task, host_user):
    from openstx.portal.models import Article

    linked = ip_record(task=task)
    by_code = ip_record(
        title="Kiểu dáng bể nuôi", application_number="3-2024-1", task_reference=task.code
    )
    via_output = ip_record(title="Giải pháp sục khí", application_number="2-2024-5")
    TaskOutput.objects.create(task=task, kind="ip", ip_record=via_output)
    secret = ip_record(
        title="Đơn bí mật", application_number="1-2024-7", is_public=False, task=task
    )
    now = timezone.now()
    call = Article.objects.create(
        title="Thông báo tuyển chọn nhiệm vụ năm 2025",
        category="call",
        status="published",
        publish_at=now - dt.timedelta(days=1),
        deadline=now + dt.timedelta(days=30),
    )
    call.tasks.add(task)
    draft = Article.objects.create(title="Bản nháp thông báo", category="call", status="draft")
    draft.tasks.add(task)
    other = Article.objects.create(
        title="Thông báo khác", category="call", status="published", publish_at=now
    )
    other.tasks.add(TaskFactory())

    html = client.get(task.get_absolute_url()).content.decode()
    for record in (linked, by_code, via_output):
        assert record.get_absolute_url() in html
    assert secret.title not in html  # the IP policy applies on the task page too
    assert 'id="task-calls"' in html and call.get_absolute_url() in html
    assert draft.title not in html and other.title not in html
    assert "/ip/new/?task=" not in html  # only officers register records from here
    assert [c.pk for c in services.calls_for_task(task)] == [call.pk]


def test_api_shows_links_and_hides_the_demand_from_the_public(client, task, host_org, officer):
    demand = Demand.objects.create(title="Cần giống tôm", requester=host_org)
    offer = Offer.objects.create(title="Giống tôm toàn đực", owner=host_org)
    record = ip_record()
    task.source_demand = demand
    task.state = "in_progress"
    task.save()
    TaskOutput.objects.create(task=task, kind="technology", title="Giống", offer=offer)
    TaskOutput.objects.create(task=task, kind="ip", ip_record=record, ip_reference="1-2024-00123")
    data = client.get(f"/api/v1/projects/tasks/{task.pk}").json()
    assert data["source_demand_id"] is None
    assert {(o["kind"], o["offer_id"], o["ip_record_id"]) for o in data["outputs"]} == {
        ("technology", offer.pk, None),
        ("ip", None, record.pk),
    }
    client.force_login(officer)
    data = client.get(f"/api/v1/projects/tasks/{task.pk}").json()
    assert data["source_demand_id"] == demand.pk


def test_importer_links_the_source_demand(host_org):
    demand = Demand.objects.create(title="Cần giống tôm", requester=host_org, external_id="NC-1")
    rows = [
        (2, {"external_id": "T-1", "title": "Giống tôm", "source_demand": "NC-1"}),
        (3, {"external_id": "T-2", "title": "Giống cá", "source_demand": str(demand.pk)}),
        (4, {"external_id": "T-3", "title": "Giống cua", "source_demand": "NC-404"}),
    ]
    from openstx.core.importing import ImportContext, run_import

    result = run_import("projects", rows)
    assert result.created == 2 and [r.line for r in result.rejected] == [4]
    assert "NC-404" in result.rejected[0].reason
    assert set(Task.objects.filter(source_demand=demand).values_list("external_id", flat=True)) == {
        "T-1",
        "T-2",
    }
    importer = importers.TaskImporter()
    row = importer.export_row(Task.objects.get(external_id="T-1"), ImportContext(kind="projects"))
    assert row["source_demand"] == "NC-1"


def test_migration_copies_ids_and_drops_the_ones_that_point_nowhere(transactional_db):
    """0002–0004 on a database holding the old integer columns."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    org = OrganizationFactory()
    demand = Demand.objects.create(title="Cần giống tôm", requester=org)
    offer = Offer.objects.create(title="Giống tôm", owner=org)
    record = ip_record(certificate_number="12345")
    task = TaskFactory(host=org)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # what the test database is migrated to
    executor.migrate([("projects", "0001_initial")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE projects_task SET source_demand_id = %s WHERE id = %s",
                [demand.pk, task.pk],
            )
            cursor.execute(
                "INSERT INTO projects_task (code, title, level, form, ordering_agency, state,"
                " rating, objectives, expected_products, source_demand_id, created_at,"
                " updated_at) VALUES ('X', 'Dangling', 'provincial', 'de_tai', '', 'proposed',"
                " '', '', '', %s, %s, %s)",
                [demand.pk + 1000, timezone.now(), timezone.now()],
            )
            for kind, offer_id, ref in [
                ("technology", offer.pk, ""),
                ("technology", offer.pk + 1000, ""),
                ("ip", None, "12.345"),
                ("ip", None, "unknown"),
            ]:
                cursor.execute(
                    "INSERT INTO projects_taskoutput (task_id, kind, title, description,"
                    " publication_kind, doi, ip_reference, degree, count, offer_id, created_at,"
                    " updated_at) VALUES (%s, %s, '', '', '', '', %s, '', 0, %s, %s, %s)",
                    [task.pk, kind, ref, offer_id, timezone.now(), timezone.now()],
                )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    task.refresh_from_db()
    assert task.source_demand_id == demand.pk
    assert Task.objects.get(title="Dangling").source_demand_id is None
    outputs = list(TaskOutput.objects.order_by("pk").values_list("offer_id", "ip_record_id"))
    assert outputs == [(offer.pk, None), (None, None), (None, record.pk), (None, None)]
