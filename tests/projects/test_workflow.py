"""Life-cycle rules: which steps exist, who may perform them, what each step requires."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from openstx.projects import services
from openstx.projects.models import Task, Workflow
from openstx.projects.workflow import (
    activate,
    default_definition,
    get_workflow,
    validate_definition,
)

from .factories import CouncilFactory, CouncilMemberFactory, ExpertFactory

pytestmark = pytest.mark.django_db


def new_task(officer, **kw):
    task = Task(title="Nghiên cứu chế phẩm vi sinh xử lý rơm rạ", code="ĐT-01", **kw)
    return services.save_task(task, officer)


def doc(name="thuyet-minh.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def to_state(task, officer, state):
    """Walk a task along the default path up to ``state``."""
    path = {
        "listed": [("list", {"decision_number": "12/QĐ"}, {})],
        "call": [("open_call", {"call_deadline": "2025-03-01"}, {})],
        "budget_appraisal": [("to_appraisal", {}, {"proposal": doc()})],
        "approved": [("approve", {"decision_number": "99/QĐ-UBND"}, {})],
        "contracted": [("sign_contract", {"contract_number": "05/HĐ"}, {})],
        "in_progress": [("start", {}, {})],
        "submitted": [("submit_acceptance", {}, {"final_report": doc("bao-cao.pdf")})],
    }
    order = list(path)
    for name in order[: order.index(state) + 1]:
        for code, data, files in path[name]:
            services.perform(task, code, officer, data=data, files=files)
    task.refresh_from_db()
    return task


def test_new_task_starts_in_initial_state_with_a_create_step(officer):
    task = new_task(officer)
    assert task.state == "proposed"
    assert task.workflow.is_active
    step = task.transitions.get()
    assert (step.action, step.to_state, step.actor) == ("create", "proposed", officer)


def test_only_officers_create_tasks(host_user):
    with pytest.raises(PermissionDenied):
        services.save_task(Task(title="x"), host_user)


def test_listing_needs_an_officer_and_the_decision_number(officer, host_user, host_org):
    task = new_task(officer, host=host_org)
    with pytest.raises(PermissionDenied):
        services.perform(task, "list", host_user, data={"decision_number": "1"})
    with pytest.raises(ValidationError) as err:
        services.perform(task, "list", officer)
    assert "decision_number" in err.value.message_dict
    step = services.perform(
        task,
        "list",
        officer,
        comment="Đưa vào danh mục 2025",
        data={"decision_number": "12/QĐ-SKHCN"},
    )
    task.refresh_from_db()
    assert task.state == "listed"
    assert step.actor == officer and step.comment == "Đưa vào danh mục 2025"
    assert step.data == {"decision_number": "12/QĐ-SKHCN"}
    assert step.at is not None


def test_a_step_is_refused_from_the_wrong_state(officer):
    task = new_task(officer)
    with pytest.raises(ValidationError):
        services.perform(task, "approve", officer, data={"decision_number": "1"})
    with pytest.raises(ValidationError):
        services.perform(task, "no-such-step", officer)


def test_appraisal_requires_host_leader_and_the_proposal_document(officer, host_org, leader):
    task = new_task(officer)
    to_state(task, officer, "call")
    with pytest.raises(ValidationError, match="host|chủ trì"):
        services.perform(task, "to_appraisal", officer, files={"proposal": doc()})
    task.host, task.leader = host_org, leader
    services.save_task(task, officer)
    with pytest.raises(ValidationError) as err:
        services.perform(task, "to_appraisal", officer)
    assert "doc_proposal" in err.value.message_dict
    step = services.perform(task, "to_appraisal", officer, files={"proposal": doc()})
    assert step.documents.get().kind == "proposal"


def test_host_members_and_the_leader_may_start_and_submit(
    officer, host_org, host_user, leader, outsider
):
    task = new_task(
        officer,
        host=host_org,
        leader=leader,
        budget_total_vnd=900_000_000,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 6, 30),
    )
    to_state(task, officer, "contracted")
    with pytest.raises(PermissionDenied):
        services.perform(task, "start", outsider)
    services.perform(task, "start", host_user)
    task.refresh_from_db()
    assert task.state == "in_progress"
    assert task.next_check_due is not None  # schedule_check effect
    codes = {i["step"].code for i in services.available_steps(leader.user, task)}
    assert codes == {"submit_acceptance"}
    officer_codes = {i["step"].code for i in services.available_steps(officer, task)}
    assert {"periodic_check", "adjust", "extend", "submit_acceptance", "stop"} <= officer_codes
    services.perform(
        task, "submit_acceptance", leader.user, files={"final_report": doc("bao-cao.pdf")}
    )
    task.refresh_from_db()
    assert task.state == "submitted"
    assert task.next_check_due is not None  # still implementing until accepted


def test_extension_sets_the_new_end_date_and_periodic_check_reschedules(officer, host_org, leader):
    task = new_task(
        officer,
        host=host_org,
        leader=leader,
        budget_total_vnd=1,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 6, 30),
    )
    to_state(task, officer, "in_progress")
    services.perform(task, "extend", officer, data={"new_end_date": "2026-12-31"})
    task.refresh_from_db()
    assert task.extended_end_date == dt.date(2026, 12, 31)
    assert task.effective_end == dt.date(2026, 12, 31)
    with pytest.raises(ValidationError):
        services.perform(task, "adjust", officer)  # comment required
    services.perform(task, "adjust", officer, comment="Điều chỉnh nội dung 2")
    services.perform(task, "periodic_check", officer, data={"check_result": "Đúng tiến độ"})
    assert task.transitions.filter(action="periodic_check").count() == 1


def test_stop_applies_to_every_active_state_and_needs_a_comment(officer):
    config = get_workflow()
    assert set(config.steps["stop"].sources) == set(config.active_states)
    task = new_task(officer)
    with pytest.raises(ValidationError):
        services.perform(task, "stop", officer)
    services.perform(task, "stop", officer, comment="Không còn phù hợp")
    task.refresh_from_db()
    assert task.state == "stopped"
    with pytest.raises(ValidationError):
        services.perform(task, "stop", officer, comment="again")


def test_acceptance_needs_a_concluded_passing_council_and_takes_its_rating(
    officer, host_org, leader
):
    task = new_task(
        officer,
        host=host_org,
        leader=leader,
        budget_total_vnd=1,
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2025, 6, 30),
    )
    to_state(task, officer, "submitted")
    blocked = [i for i in services.available_steps(officer, task) if i["step"].code == "accept"]
    assert blocked and blocked[0]["blockers"]
    with pytest.raises(ValidationError):
        services.perform(task, "accept", officer)
    council = CouncilFactory(task=task)
    council.status, council.outcome = "concluded", "fail"
    council.save()
    with pytest.raises(ValidationError):
        services.perform(task, "accept", officer)
    council.outcome = "good"
    council.save()
    services.perform(task, "accept", officer)
    task.refresh_from_db()
    assert (task.state, task.rating, task.accepted_on) == ("accepted", "good", council.meeting_date)
    assert task.next_check_due is None


def test_changes_are_kept_in_history(officer):
    task = new_task(officer)
    services.perform(task, "list", officer, data={"decision_number": "1"})
    assert [h.state for h in task.history.order_by("history_date")] == ["proposed", "listed"]


def test_configuration_drives_the_steps(officer, host_org):
    """A department edits the configuration: a new state, a step needing a field and a
    document, performed by the host. New tasks follow it; older tasks keep theirs."""
    old_task = new_task(officer)
    definition = copy.deepcopy(default_definition())
    definition["code"] = "law-2025"
    definition["states"].insert(
        1,
        {
            "code": "screened",
            "label": "Screened",
            "label_vi": "Đã sàng lọc",
            "active": True,
            "public": False,
        },
    )
    definition["transitions"].insert(
        0,
        {
            "code": "screen",
            "label": "Screen",
            "label_vi": "Sàng lọc",
            "from": ["proposed"],
            "to": "screened",
            "roles": ["host"],
            "fields": [{"name": "score", "label": "Score", "type": "number", "required": True}],
            "documents": [{"code": "form_a", "label": "Form A", "required": True}],
        },
    )
    definition["transitions"][1]["from"] = ["screened"]  # "list" now follows screening
    row = Workflow.objects.create(code="law-2025", name="Luật 2025", definition=definition)
    activate(row)
    task = new_task(officer, host=host_org)
    assert task.workflow == row
    with pytest.raises(ValidationError):
        services.perform(task, "list", officer, data={"decision_number": "1"})
    with pytest.raises(PermissionDenied):
        services.perform(task, "screen", officer, data={"score": 8}, files={"form_a": doc()})
    from .factories import MembershipFactory, UserFactory

    member = UserFactory()
    MembershipFactory(user=member, organization=host_org)
    with pytest.raises(ValidationError):
        services.perform(task, "screen", member, data={"score": "abc"}, files={"form_a": doc()})
    services.perform(task, "screen", member, data={"score": "8.5"}, files={"form_a": doc()})
    task.refresh_from_db()
    assert task.state == "screened" and task.state_label == "Đã sàng lọc"
    # the old task still follows the configuration it was created under
    services.perform(old_task, "list", officer, data={"decision_number": "2"})


def test_invalid_configurations_are_refused():
    bad = copy.deepcopy(default_definition())
    bad["transitions"].append({"code": "x", "from": ["nowhere"], "to": "ghost", "roles": ["king"]})
    with pytest.raises(ValidationError) as err:
        validate_definition(bad)
    text = " ".join(err.value.messages)
    assert "nowhere" in text and "ghost" in text and "king" in text
    with pytest.raises(ValidationError):
        validate_definition({"states": []})


def test_step_labels_follow_the_language(officer):
    from django.utils import translation

    config = get_workflow()
    with translation.override("vi"):
        assert config.state_label("in_progress") == "Đang thực hiện"
    with translation.override("en"):
        assert config.state_label("in_progress") == "In progress"


def test_expert_factory_smoke():
    assert ExpertFactory().organization is not None
    assert CouncilMemberFactory().council.rules["criteria"]


def test_admin_validates_and_activates_configurations(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.vn", "x")
    client.force_login(admin)
    row = get_workflow().row
    bad = copy.deepcopy(row.definition)
    bad["initial"] = "nowhere"
    import json

    response = client.post(
        f"/admin/projects/workflow/{row.pk}/change/",
        {"code": row.code, "name": row.name, "definition": json.dumps(bad)},
    )
    assert response.status_code == 200 and "nowhere" in response.content.decode()
    good = copy.deepcopy(row.definition)
    good["code"] = "copy"
    response = client.post(
        "/admin/projects/workflow/add/",
        {"code": "copy", "name": "Bản sao", "definition": json.dumps(good)},
    )
    assert response.status_code == 302
    copy_row = Workflow.objects.get(code="copy")
    client.post(
        "/admin/projects/workflow/", {"action": "make_active", "_selected_action": [copy_row.pk]}
    )
    copy_row.refresh_from_db()
    row.refresh_from_db()
    assert copy_row.is_active and not row.is_active


@pytest.mark.django_db
def test_budget_is_set_through_the_service_by_officers_only(officer, host_user):
    from tests.projects.factories import TaskFactory

    task = TaskFactory()
    with pytest.raises(PermissionDenied):
        services.set_budget(task, host_user, 2025, {"state": 100})
    services.set_budget(task, officer, 2025, {"state": 500_000_000, "other": 100_000_000})
    services.set_budget(task, officer, 2026, {"state": 300_000_000})
    # a second entry for 2025 replaces that year's state line and drops "other"; 2026 stays
    lines = services.set_budget(task, officer, 2025, {"state": 400_000_000, "other": None})
    assert sorted((b.year, b.source, b.amount_vnd) for b in lines) == [
        (2025, "state", 400_000_000),
        (2026, "state", 300_000_000),
    ]
    task.refresh_from_db()
    assert task.budget_total_vnd == 700_000_000
    assert "2025" in task.history.first().history_change_reason  # "Budget for 2025 changed"
    with pytest.raises(ValidationError):
        services.set_budget(task, officer, 2025, {"state": -1})
    with pytest.raises(ValidationError):
        services.set_budget(task, officer, 2025, {"grant": 1})
    task.refresh_from_db()
    assert task.budget_total_vnd == 700_000_000
