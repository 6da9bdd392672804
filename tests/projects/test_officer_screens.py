"""Officers choose council and team members by name (a type-ahead that shows each expert's
organisation and conflicts), never by typed id; the task page's actions sit in one toolbar where
what the viewer may not do now is shown disabled with the reason the rules give."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from openstx.projects import services
from openstx.projects.forms import CouncilMemberForm, expert_option_value

from .factories import (
    CouncilFactory,
    ExpertFactory,
    OrganizationFactory,
    TaskFactory,
    UserFactory,
    team,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(host_org, leader):
    task = TaskFactory(host=host_org, state="submitted")
    team(task, leader)
    return task


@pytest.fixture
def council(task):
    return CouncilFactory(task=task)


@pytest.fixture
def outside_org(db):
    return OrganizationFactory(name="Viện Nghiên cứu Nuôi trồng Thủy sản II")


# --- Type-ahead endpoint ----------------------------------------------------------------------


def test_council_chooser_lists_experts_with_organisation_and_conflicts(
    client, officer, council, host_org, outside_org
):
    fair = ExpertFactory(full_name="Phạm Thị Hoà Bình", organization=outside_org)
    colleague = ExpertFactory(full_name="Phạm Văn Đồng Nghiệp", organization=host_org)
    client.force_login(officer)
    url = reverse("projects:council-expert-options", args=[council.pk])
    with translation.override("en"):
        html = client.get(url, {"expert": "Phạm"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'value="{expert_option_value(fair)}"' in html
    assert outside_org.name in html and f"(#{fair.pk})" in html
    # the colleague at the host organisation is offered, marked, with the organisation named
    colleague_option = html.split(f"(#{colleague.pk})", 1)[1].split("</option>", 1)[0]
    assert host_org.name in html
    assert (
        host_org.name in colleague_option
        or "host organisation" in colleague_option
        or ("chủ trì" in colleague_option)
    )


def test_chooser_finds_names_typed_without_accents(client, officer, council, outside_org):
    expert = ExpertFactory(full_name="Nguyễn Thị Hương Giang", organization=outside_org)
    client.force_login(officer)
    url = reverse("projects:council-expert-options", args=[council.pk])
    html = client.get(url, {"expert": "huong giang"}).content.decode()
    assert f"(#{expert.pk})" in html


def test_chooser_leaves_out_members_already_seated(client, officer, council, outside_org):
    seated = ExpertFactory(full_name="Lê Văn Đã Ngồi", organization=outside_org)
    services.add_council_member(council, seated, "member", officer)
    client.force_login(officer)
    url = reverse("projects:council-expert-options", args=[council.pk])
    assert f"(#{seated.pk})" not in client.get(url, {"expert": "Ngồi"}).content.decode()


def test_chooser_is_for_officers_only(client, council, task, host_user, outsider):
    for url in (
        reverse("projects:council-expert-options", args=[council.pk]),
        reverse("projects:task-expert-options", args=[task.pk]),
    ):
        assert client.get(url, {"expert": "a"}).status_code == 302  # to the log-in page
        client.force_login(host_user)
        assert client.get(url, {"expert": "a"}).status_code == 403
        client.force_login(outsider)
        assert client.get(url, {"expert": "a"}).status_code == 403
        client.logout()


def test_chooser_offers_only_experts_the_officer_may_see(officer, council, outside_org):
    from openstx.core.typeahead import LOOKUPS

    ExpertFactory(full_name="Đặng Hữu Hình", organization=outside_org)
    rows = services.expert_options(council.task, officer, "Hình")
    visible = set(LOOKUPS["expert"].queryset(officer).values_list("pk", flat=True))
    assert rows and all(r["expert"].pk in visible for r in rows)
    with pytest.raises(Exception):  # PermissionDenied for a non-officer
        services.expert_options(council.task, UserFactory(), "Hình")


# --- Forms accept the chosen expert ---------------------------------------------------------


def test_council_form_takes_the_picked_suggestion_or_a_unique_name(officer, outside_org):
    expert = ExpertFactory(full_name="Võ Thành Trung", organization=outside_org)
    form = CouncilMemberForm({"expert": expert_option_value(expert), "role": "chair"}, user=officer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["expert"] == expert
    form = CouncilMemberForm({"expert": "Võ Thành Trung", "role": "chair"}, user=officer)
    assert form.is_valid() and form.cleaned_data["expert"] == expert


def test_council_form_refuses_an_ambiguous_name_listing_organisations(officer, outside_org):
    other = OrganizationFactory(name="Trường Đại học Nông Lâm")
    ExpertFactory(full_name="Trần Thị Mai", organization=outside_org)
    ExpertFactory(full_name="Trần Thị Mai", organization=other)
    form = CouncilMemberForm({"expert": "Trần Thị Mai", "role": "member"}, user=officer)
    assert not form.is_valid()
    text = str(form.errors["expert"])
    assert outside_org.name in text and other.name in text


def test_council_form_refuses_an_unknown_name(officer):
    form = CouncilMemberForm({"expert": "Không Có Ai", "role": "member"}, user=officer)
    assert not form.is_valid() and "Không Có Ai" in str(form.errors["expert"])


def test_officer_adds_council_member_by_name(client, officer, council, outside_org):
    expert = ExpertFactory(full_name="Huỳnh Minh Khoa", organization=outside_org)
    client.force_login(officer)
    page = client.get(council.get_absolute_url()).content.decode()
    assert reverse("projects:council-expert-options", args=[council.pk]) in page
    assert "Expert ID" not in page and 'inputmode="numeric"' not in page
    r = client.post(
        reverse("projects:council-add-member", args=[council.pk]),
        {"expert": expert_option_value(expert), "role": "chair"},
    )
    assert r.status_code == 302
    assert council.members.get().expert == expert


def test_conflict_refusal_still_works_and_names_the_organisation(
    client, officer, council, host_org
):
    colleague = ExpertFactory(full_name="Đồng Nghiệp Chủ Trì", organization=host_org)
    client.force_login(officer)
    r = client.post(
        reverse("projects:council-add-member", args=[council.pk]),
        {"expert": expert_option_value(colleague), "role": "member"},
        follow=True,
    )
    html = r.content.decode()
    assert host_org.name in html
    assert "xung đột" in html or "conflict" in html
    assert not council.members.exists()


def test_officer_adds_team_member_by_name(client, officer, task, outside_org):
    expert = ExpertFactory(full_name="Tạ Quang Bửu Nhỏ", organization=outside_org)
    client.force_login(officer)
    page = client.get(task.get_absolute_url()).content.decode()
    assert 'id="team-form"' in page and 'inputmode="numeric"' not in page
    assert reverse("projects:task-expert-options", args=[task.pk]) in page
    r = client.post(
        reverse("projects:task-member", args=[task.pk]),
        {"expert": "Tạ Quang Bửu Nhỏ", "role": "key"},
    )
    assert r.status_code == 302
    assert task.members.get(expert=expert).role == "key"
    # a typo is told, not silently ignored
    r = client.post(
        reverse("projects:task-member", args=[task.pk]),
        {"expert": "Người Không Tồn Tại", "role": "key"},
        follow=True,
    )
    assert "Người Không Tồn Tại" in r.content.decode()


# --- Toolbar --------------------------------------------------------------------------------


def _actions(user, task):
    return {a.key: a for a in services.task_actions(user, task)}


def test_toolbar_reason_for_acceptance_comes_from_the_council_rule(officer, task):
    with translation.override("vi"):
        action = _actions(officer, task)["step-accept"]
        assert not action.enabled
        assert action.reason == "Cần thành lập hội đồng nghiệm thu trước"
    council = CouncilFactory(task=task)
    with translation.override("en"):
        assert "has not concluded" in _actions(officer, task)["step-accept"].reason
        council.status, council.outcome = "concluded", "fail"
        council.save()
        assert "outcome does not allow" in _actions(officer, task)["step-accept"].reason
        council.outcome = "good"
        council.save()
        assert _actions(officer, task)["step-accept"].enabled


def test_toolbar_reasons_agree_with_the_service_blockers(officer, task):
    from openstx.projects.workflow import get_workflow

    step = get_workflow(task.workflow).steps["accept"]
    with translation.override("vi"):
        (blocked,) = [i for i in services.available_steps(officer, task) if i["step"] == step]
        assert _actions(officer, task)["step-accept"].reason == "; ".join(blocked["blockers"])


def test_toolbar_shows_officer_actions_disabled_for_host_members(host_user, task):
    actions = _actions(host_user, task)
    for key in ("edit", "budget", "council", "step-accept"):
        assert not actions[key].enabled and actions[key].reason, key
    assert actions["output"].enabled  # host members record outputs


def test_task_page_renders_disabled_actions_with_their_reason(client, officer, task):
    client.force_login(officer)
    html = client.get(task.get_absolute_url()).content.decode()
    assert 'id="task-toolbar"' in html
    block = html.split('data-action="step-accept"', 1)[1].split("</li>", 1)[0]
    assert 'aria-disabled="true"' in block and "Cần thành lập hội đồng nghiệm thu trước" in block
    assert reverse("projects:task-step", args=[task.pk, "accept"]) not in block
    council_block = html.split('data-action="council"', 1)[1].split("</li>", 1)[0]
    assert reverse("projects:council-create", args=[task.pk]) in council_block


def test_toolbar_is_part_of_the_dossier_only(client, task, outsider):
    task.state = "in_progress"
    task.save(update_fields=["state"])
    client.force_login(outsider)
    html = client.get(task.get_absolute_url()).content.decode()
    assert 'id="task-toolbar"' not in html


def test_leader_with_account_sees_start_enabled(client, task, leader, officer):
    task.state = "contracted"
    task.save(update_fields=["state"])
    actions = _actions(leader.user, task)
    assert actions["step-start"].enabled
    assert not actions["edit"].enabled and actions["edit"].reason
    assert not actions["step-extend"].enabled  # officers only, said so
    assert "officers" in actions["step-extend"].reason or "cán bộ" in actions["step-extend"].reason
