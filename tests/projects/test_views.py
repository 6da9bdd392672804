"""Pages and API: public list (public fields only), task page, workspace, councils, expert's
invitations, outputs to offers, unmet demands to task proposals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from openstx.projects import services
from openstx.projects.models import Task, TaskBudget, TaskOutput

from .factories import (
    CouncilFactory,
    CouncilMemberFactory,
    ExpertFactory,
    MembershipFactory,
    OrganizationFactory,
    TaskFactory,
    UserFactory,
    field,
)

pytestmark = pytest.mark.django_db
MONEY = re.compile(r"777[.,]000[.,]000")


@pytest.fixture
def tasks(host_org, leader):
    public = TaskFactory(
        title="Nuôi tôm càng xanh toàn đực",
        host=host_org,
        leader=leader,
        state="in_progress",
        level="provincial",
        budget_total_vnd=950_000_000,
    )
    TaskBudget.objects.create(task=public, year=2024, source="state", amount_vnd=777_000_000)
    hidden = TaskFactory(title="Đề xuất bí mật về sầu riêng", host=host_org, state="proposed")
    other = TaskFactory(title="Chế phẩm vi sinh xử lý rơm rạ", state="accepted", level="district")
    return public, hidden, other


def test_public_list_shows_public_tasks_with_filters(client, tasks):
    public, hidden, other = tasks
    html = client.get(reverse("projects:task-list")).content.decode()
    assert public.title in html and other.title in html and hidden.title not in html
    html = client.get(reverse("projects:task-list"), {"level": "district"}).content.decode()
    assert other.title in html and public.title not in html
    html = client.get(reverse("projects:task-list"), {"q": "tôm"}).content.decode()
    assert public.title in html and other.title not in html
    html = client.get(reverse("projects:task-list"), {"state": "accepted"}).content.decode()
    assert other.title in html and public.title not in html


def test_task_page_public_fields_vs_dossier(client, tasks, host_user, officer, outsider):
    public, hidden, _other = tasks
    url = public.get_absolute_url()
    html = client.get(url).content.decode()
    assert public.title in html and not MONEY.search(html) and 'id="timeline"' not in html
    assert client.get(hidden.get_absolute_url()).status_code == 404
    client.force_login(outsider)
    assert not MONEY.search(client.get(url).content.decode())
    assert client.get(hidden.get_absolute_url()).status_code == 404
    client.force_login(host_user)
    html = client.get(url).content.decode()
    assert MONEY.search(html) and 'id="timeline"' in html
    assert client.get(hidden.get_absolute_url()).status_code == 200
    client.force_login(officer)
    assert client.get(hidden.get_absolute_url()).status_code == 200


def test_council_members_see_the_dossier_and_their_council(client, tasks):
    public, *_ = tasks
    user = UserFactory()
    member = CouncilMemberFactory(
        council=CouncilFactory(task=public), expert=ExpertFactory(user=user), invitation="invited"
    )
    client.force_login(user)
    assert MONEY.search(client.get(public.get_absolute_url()).content.decode())
    assert (
        client.get(reverse("projects:council-detail", args=[member.council_id])).status_code == 200
    )
    stranger = UserFactory()
    client.force_login(stranger)
    assert (
        client.get(reverse("projects:council-detail", args=[member.council_id])).status_code == 404
    )


def test_officer_creates_a_task_and_performs_a_step(client, officer, host_org):
    f = field("401", "Trồng trọt")
    client.force_login(officer)
    response = client.post(
        reverse("projects:task-create"),
        {
            "code": "ĐT-2026-01",
            "title": "Canh tác lúa hữu cơ tại Thới Lai",
            "level": "provincial",
            "form": "de_tai",
            "fields": [f.pk],
            "host": host_org.pk,
            "ordering_agency": "Sở KH&CN",
            "start_date": "2026-01-01",
            "end_date": "2027-12-31",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get(code="ĐT-2026-01")
    assert task.state == "proposed" and list(task.fields.all()) == [f]
    response = client.post(
        reverse("projects:task-step", args=[task.pk, "list"]),
        {"comment": "Danh mục 2026", "f_decision_number": "15/QĐ"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == "listed"
    html = client.get(task.get_absolute_url()).content.decode()
    assert "Danh mục 2026" in html
    response = client.post(
        reverse("projects:task-budget", args=[task.pk]),
        {"year": 2026, "state": 500_000_000, "other": 100_000_000},
    )
    task.refresh_from_db()
    assert task.budget_total_vnd == 600_000_000


def test_step_form_errors_are_shown(client, officer):
    task = TaskFactory()
    client.force_login(officer)
    response = client.post(reverse("projects:task-step", args=[task.pk, "list"]), {})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_non_officers_cannot_reach_staff_pages(client, host_user, tasks):
    client.force_login(host_user)
    assert client.get(reverse("projects:workspace")).status_code == 403
    assert client.get(reverse("projects:task-create")).status_code == 403
    assert client.post(reverse("projects:task-step", args=[tasks[0].pk, "stop"])).status_code == 403


def test_workspace(client, officer, tasks):
    public, *_ = tasks
    Task.objects.filter(pk=public.pk).update(
        end_date=dt.date(2020, 1, 1), start_date=dt.date(2019, 1, 1)
    )
    submitted = TaskFactory(title="Chờ hội đồng nghiệm thu", state="submitted")
    client.force_login(officer)
    html = client.get(reverse("projects:workspace")).content.decode()
    assert "Nuôi tôm càng xanh toàn đực" in html  # overdue
    assert submitted.title in html  # council to organise


def test_council_page_and_minutes_download(client, officer, tasks):
    public, *_ = tasks
    council = services.create_council(public, "acceptance", officer)
    client.force_login(officer)
    html = client.get(council.get_absolute_url()).content.decode()
    assert 'id="suggestions"' in html
    response = client.get(reverse("projects:council-minutes", args=[council.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    expert = ExpertFactory(organization=OrganizationFactory())
    client.post(
        reverse("projects:council-add-member", args=[council.pk]),
        {"expert": expert.pk, "role": "chair"},
    )
    assert council.members.get().role == "chair"
    colleague = ExpertFactory(organization=public.host)
    response = client.post(
        reverse("projects:council-add-member", args=[council.pk]),
        {"expert": colleague.pk, "role": "member"},
        follow=True,
    )
    assert "conflict" in response.content.decode() or "xung đột" in response.content.decode()
    assert council.members.count() == 1


def test_expert_invitation_page(client, officer):
    user = UserFactory()
    seat = CouncilMemberFactory(expert=ExpertFactory(user=user), invitation="invited")
    client.force_login(user)
    html = client.get(reverse("projects:my-councils")).content.decode()
    assert seat.council.task.title in html
    client.post(reverse("projects:invitation-respond", args=[seat.pk]), {"answer": "accept"})
    seat.refresh_from_db()
    assert seat.invitation == "accepted"
    html = client.get(reverse("projects:my-councils")).content.decode()
    assert reverse("projects:score-sheet", args=[seat.council_id, seat.pk]) in html
    form = {f"c_{c['code']}": c["max"] for c in seat.council.criteria}
    response = client.post(
        reverse("projects:score-sheet", args=[seat.council_id, seat.pk]), {**form, "vote": "pass"}
    )
    assert response.status_code == 302
    assert seat.council.members.get().sheet.total == 100


def test_output_becomes_a_draft_offer(client, host_user, tasks):
    from openstx.exchange.models import Offer

    public, *_ = tasks
    public.fields.set([field("405", "Thủy sản")])
    out = TaskOutput.objects.create(
        task=public,
        kind="technology",
        title="Quy trình nuôi tôm",
        description="Quy trình đã được nghiệm thu.",
    )
    client.force_login(host_user)
    response = client.post(reverse("projects:output-offer", args=[out.pk]))
    assert response.status_code == 302
    offer = Offer.objects.get()
    out.refresh_from_db()
    assert out.offer_id == offer.pk
    assert (offer.title, offer.owner, offer.status) == ("Quy trình nuôi tôm", public.host, "draft")
    assert public.code in offer.origin and [f.code for f in offer.fields.all()] == ["405"]
    client.post(reverse("projects:output-offer", args=[out.pk]))
    assert Offer.objects.count() == 1  # one step, once


def test_unmet_demand_becomes_a_task_proposal(client, officer):
    from openstx.exchange.models import Connection, Demand

    requester_org = OrganizationFactory(
        name="Công ty Chế biến Nông sản Hậu Giang", type="enterprise"
    )
    requester = UserFactory(username="requester")
    MembershipFactory(user=requester, organization=requester_org)
    old = timezone.now() - dt.timedelta(days=120)
    demand = Demand.objects.create(
        title="Cần công nghệ sấy khóm",
        requester=requester_org,
        status="published",
        published_at=old,
        desired_outcome="<p>Giảm tổn thất sau thu hoạch.</p>",
    )
    demand.fields.set([field("211", "Thực phẩm")])
    answered = Demand.objects.create(
        title="Đã có kết nối", requester=requester_org, status="published", published_at=old
    )
    Connection.objects.create(demand=answered, stage="accepted")
    recent = Demand.objects.create(
        title="Mới đăng", requester=requester_org, status="published", published_at=timezone.now()
    )
    unmet = list(services.unmet_demands())
    assert unmet == [demand]
    assert answered not in unmet and recent not in unmet
    client.force_login(officer)
    html = client.get(reverse("projects:workspace")).content.decode()
    assert "Cần công nghệ sấy khóm" in html
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("projects:demand-order", args=[demand.pk]))
    task = Task.objects.get(source_demand_id=demand.pk)
    assert response.url == task.get_absolute_url()
    assert task.title == demand.title and task.state == "proposed"
    assert "Giảm tổn thất" in task.objectives and [f.code for f in task.fields.all()] == ["211"]
    assert requester.email in {a for m in mail.outbox for a in m.to}
    assert requester.notifications.filter(verb="task_ordered").exists()
    assert services.unmet_demands().count() == 0
    client.post(reverse("projects:demand-order", args=[demand.pk]))
    assert Task.objects.filter(source_demand_id=demand.pk).count() == 1


def test_api_public_fields_and_steps(client, tasks, officer, host_user):
    public, hidden, _other = tasks
    data = client.get("/api/v1/projects/tasks").json()
    titles = {t["title"] for t in data["results"]}
    assert public.title in titles and hidden.title not in titles
    detail = client.get(f"/api/v1/projects/tasks/{public.pk}").json()
    assert detail["budget"] is None and detail["timeline"] is None
    assert client.get(f"/api/v1/projects/tasks/{hidden.pk}").status_code == 404
    Task.objects.filter(pk=hidden.pk).update(external_id="EXT-9")
    client.force_login(officer)
    detail = client.get("/api/v1/projects/tasks/EXT-9").json()
    assert detail["timeline"] == [] and "list" in detail["next_steps"]
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    response = client.post(
        "/api/v1/projects/tasks/EXT-9/steps",
        {"action": "list", "data": {"decision_number": "3/QĐ"}},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "listed"
    response = client.post(
        "/api/v1/projects/tasks/EXT-9/steps",
        {"action": "approve"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400


def test_demands_with_a_good_match_are_not_unmet(settings, monkeypatch):
    matching = pytest.importorskip("openstx.matching.services")
    from types import SimpleNamespace

    a, b = SimpleNamespace(title="a"), SimpleNamespace(title="b")
    scores = {"a": 0.9, "b": 0.2}
    monkeypatch.setattr(
        matching, "match_demand", lambda d, limit=1: [SimpleNamespace(score=scores[d.title])]
    )
    assert services.without_good_match([a, b]) == [a, b]  # no threshold configured
    settings.PROJECTS_UNMET_MATCH_THRESHOLD = 0.5
    assert services.without_good_match([a, b]) == [b]


def test_documents_are_served_to_dossier_viewers_only(client, officer, host_user, outsider):
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = TaskFactory(host=host_user.memberships.get().organization, state="listed")
    services.perform(task, "open_call", officer, data={"call_deadline": "2026-01-01"})
    services.save_task(task, officer)
    task.leader = ExpertFactory()
    task.save()
    upload = SimpleUploadedFile("thuyet-minh.pdf", b"%PDF-1.4 noi dung", "application/pdf")
    step = services.perform(task, "to_appraisal", officer, files={"proposal": upload})
    doc = step.documents.get()
    url = reverse("projects:document", args=[doc.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(host_user)
    response = client.get(url)
    assert (
        response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 noi dung"
    )
    assert url in client.get(task.get_absolute_url()).content.decode()
