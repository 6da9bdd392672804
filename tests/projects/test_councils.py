"""Councils: conflicts of interest, suggestions, invitations, score sheets, outcome rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from openstx.projects import services
from openstx.projects.models import Council, CouncilMember

from .factories import (
    CouncilFactory,
    CouncilMemberFactory,
    ExpertFactory,
    OrganizationFactory,
    PublicationFactory,
    TaskFactory,
    UserFactory,
    field,
    team,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(host_org, leader):
    t = TaskFactory(
        host=host_org, title="Nuôi tôm càng xanh toàn đực trong ruộng lúa", state="submitted"
    )
    member = ExpertFactory(full_name="Phạm Thị Thành Viên", organization=OrganizationFactory())
    team(t, leader, member)
    t.fields.set([field("40501", "Nuôi trồng thủy sản")])
    return t


# --- conflicts of interest -------------------------------------------------------------------


def test_expert_from_the_host_organisation_is_in_conflict(task, host_org):
    colleague = ExpertFactory(organization=host_org)
    kinds = [c["kind"] for c in services.conflicts_of_interest(task, colleague)]
    assert kinds == ["host"]


def test_task_team_members_are_in_conflict(task, leader):
    member = task.members.exclude(expert=leader).get().expert
    assert [c["kind"] for c in services.conflicts_of_interest(task, member)] == ["team"]
    assert "team" in [c["kind"] for c in services.conflicts_of_interest(task, leader)]


def test_co_authors_of_the_team_are_in_conflict(task, leader):
    coauthor = ExpertFactory(organization=OrganizationFactory())
    pub = PublicationFactory(title="Mô hình tôm – lúa ở Cần Thơ")
    pub.experts.set([coauthor, leader])
    conflicts = services.conflicts_of_interest(task, coauthor)
    assert [c["kind"] for c in conflicts] == ["coauthor"]
    assert "Mô hình tôm – lúa ở Cần Thơ" in conflicts[0]["text"]
    assert leader.full_name in conflicts[0]["text"]


def test_independent_expert_has_no_conflict(task):
    other = ExpertFactory(organization=OrganizationFactory())
    PublicationFactory().experts.set([other])  # a paper without the team
    assert services.conflicts_of_interest(task, other) == []


def test_a_conflicted_expert_cannot_be_seated(task, officer, host_org):
    council = services.create_council(task, "acceptance", officer)
    with pytest.raises(ValidationError, match="conflict|xung đột"):
        services.add_council_member(
            council, ExpertFactory(organization=host_org), "member", officer
        )
    assert not council.members.exists()


def test_suggestions_rank_by_expertise_and_show_excluded_with_reasons(task, officer, host_org):
    aqua = field("40501", "Nuôi trồng thủy sản")
    strong = ExpertFactory(
        full_name="GS Mạnh",
        academic_title="GS",
        organization=OrganizationFactory(),
        keywords="tôm càng xanh, lúa",
    )
    strong.fields.set([aqua])
    weak = ExpertFactory(full_name="Yếu", organization=OrganizationFactory())
    weak.fields.set([field("405", "Thủy sản")])
    colleague = ExpertFactory(full_name="Đồng nghiệp", organization=host_org)
    colleague.fields.set([aqua])
    unrelated = ExpertFactory(full_name="Khác ngành", organization=OrganizationFactory())
    unrelated.fields.set([field("30201", "Nội khoa")])
    council = services.create_council(task, "acceptance", officer)
    result = services.suggest_members(council)
    names = [e["expert"].full_name for e in result["eligible"]]
    assert names[:2] == ["GS Mạnh", "Yếu"]
    assert "Khác ngành" not in names
    excluded = {e["expert"].full_name: e["conflicts"] for e in result["excluded"]}
    assert excluded["Đồng nghiệp"][0]["kind"] == "host"
    assert any("tôm càng xanh" in r for r in result["eligible"][0]["reasons"])
    services.add_council_member(council, strong, "chair", officer)
    names = [e["expert"].full_name for e in services.suggest_members(council)["eligible"]]
    assert "GS Mạnh" not in names  # already seated


def test_the_matcher_is_swappable(task, officer, settings):
    council = services.create_council(task, "acceptance", officer)
    settings.PROJECTS_COUNCIL_MATCHER = "tests.projects.test_councils.fake_matcher"
    result = services.suggest_members(council)
    assert [e["reasons"] for e in result["eligible"]] == [["fake"]]


def fake_matcher(task, limit=30):
    return [(ExpertFactory(organization=OrganizationFactory()), 1.0, ["fake"])]


def test_only_one_chair(task, officer):
    council = services.create_council(task, "acceptance", officer)
    services.add_council_member(council, ExpertFactory(), "chair", officer)
    with pytest.raises(ValidationError):
        services.add_council_member(council, ExpertFactory(), "chair", officer)


# --- invitations -----------------------------------------------------------------------------


def test_invitations_are_answered_by_the_invited_expert_only(task, officer, outsider):
    council = services.create_council(task, "acceptance", officer)
    user = UserFactory()
    expert = ExpertFactory(user=user)
    member = services.add_council_member(council, expert, "reviewer_1", officer)
    mail.outbox.clear()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.send_invitations(council, officer) == 1
    assert len(mail.outbox) == 1 and user.email in mail.outbox[0].to
    member.refresh_from_db()
    council.refresh_from_db()
    assert member.invitation == "invited" and council.status == "inviting"
    with pytest.raises(PermissionDenied):
        services.respond_invitation(member, outsider, accept=True)
    with pytest.raises(PermissionDenied):
        services.respond_invitation(member, officer, accept=True)
    services.respond_invitation(member, user, accept=False, note="Bận công tác")
    member.refresh_from_db()
    assert member.invitation == "declined" and member.response_note == "Bận công tác"
    services.respond_invitation(member, user, accept=True)
    member.refresh_from_db()
    assert member.invitation == "accepted"


# --- score sheets ----------------------------------------------------------------------------


def full_scores(council, share=Decimal("0.8")):
    return {c["code"]: str(Decimal(c["max"]) * share) for c in council.criteria}


def test_scores_are_validated_against_the_criteria(officer):
    member = CouncilMemberFactory()
    council = member.council
    scores = full_scores(council)
    first = council.criteria[0]
    with pytest.raises(ValidationError) as err:
        services.enter_scores(member, officer, {**scores, first["code"]: first["max"] + 1}, "pass")
    assert first["code"] in err.value.message_dict
    with pytest.raises(ValidationError):
        services.enter_scores(member, officer, scores, "maybe")
    with pytest.raises(ValidationError):
        services.enter_scores(member, officer, {}, "pass")
    sheet = services.enter_scores(member, officer, scores, "pass", "Tốt")
    assert sheet.total == Decimal("80.0")
    council.refresh_from_db()
    assert council.status == "meeting"


def test_who_may_enter_a_score_sheet(outsider):
    council = CouncilFactory()
    member_user, secretary_user = UserFactory(), UserFactory()
    member = CouncilMemberFactory(council=council, expert=ExpertFactory(user=member_user))
    CouncilMemberFactory(
        council=council, role="secretary", expert=ExpertFactory(user=secretary_user)
    )
    other = CouncilMemberFactory(council=council)
    scores = full_scores(council)
    services.enter_scores(member, member_user, scores, "pass")  # the member themself
    services.enter_scores(other, secretary_user, scores, "fail")  # the secretary
    with pytest.raises(PermissionDenied):
        services.enter_scores(other, member_user, scores, "pass")  # not someone else's
    with pytest.raises(PermissionDenied):
        services.enter_scores(member, outsider, scores, "pass")


# --- outcome rules ---------------------------------------------------------------------------


ACCEPTANCE = None


def rules():
    from openstx.projects.workflow import get_workflow

    conf = get_workflow().council_config("acceptance")
    return {"criteria": conf["criteria"], "rule": conf["rule"]}


@pytest.mark.parametrize(
    ("sheets", "outcome", "average"),
    [
        ([(90, "pass")] * 7, "excellent", "90.00"),
        ([(85, "pass")] * 5 + [(84, "pass")] * 2, "good", "84.71"),  # 84.71 < 85
        ([(70, "pass")] * 3, "good", "70.00"),
        ([(69.99, "pass")] * 3, "pass", "69.99"),
        ([(50, "pass")] * 3, "pass", "50.00"),
        ([(49, "pass")] * 3, "fail", "49.00"),
        # 5 of 7 in favour (71%) passes the 2/3 rule; 4 of 7 (57%) does not
        ([(90, "pass")] * 5 + [(90, "fail")] * 2, "excellent", "90.00"),
        ([(90, "pass")] * 4 + [(90, "fail")] * 3, "fail", "90.00"),
        # exactly two thirds is enough
        ([(75, "pass")] * 4 + [(75, "fail")] * 2, "good", "75.00"),
        ([], "", None),
    ],
)
def test_acceptance_rule(sheets, outcome, average):
    result = services.evaluate(rules(), [(Decimal(str(t)), v) for t, v in sheets])
    assert result["outcome"] == outcome
    assert (str(result["average"]) if result["average"] is not None else None) == average


def test_rule_scales_to_100_points_and_labels_in_vietnamese():
    r = {
        "criteria": [{"code": "a", "max": 10}],
        "rule": {
            "vote_fraction": 0.5,
            "bands": [{"min": 80, "code": "ok", "label": "OK", "label_vi": "Đạt yêu cầu"}],
            "fail": {"code": "no", "label": "No", "label_vi": "Không"},
        },
    }
    result = services.evaluate(r, [(Decimal(8), "pass"), (Decimal(9), "fail")])
    assert result["outcome"] == "ok" and result["label_vi"] == "Đạt yêu cầu"
    assert services.evaluate(r, [(Decimal(7), "pass")])["outcome"] == "no"


def seated_council(task, officer, n=5):
    council = services.create_council(task, "acceptance", officer)
    roles = ["chair", "vice_chair", "reviewer_1", "reviewer_2", "secretary", "member", "member"]
    members = []
    for role in roles[:n]:
        expert = ExpertFactory(organization=OrganizationFactory())
        members.append(services.add_council_member(council, expert, role, officer))
    CouncilMember.objects.filter(council=council).update(invitation="accepted")
    return council, members


def test_conclude_needs_two_thirds_of_the_sheets_and_freezes_the_outcome(task, officer):
    council, members = seated_council(task, officer, n=5)
    for m in members[:3]:
        services.enter_scores(m, officer, full_scores(council, Decimal("0.9")), "pass")
    with pytest.raises(ValidationError, match="two thirds|hai phần ba"):
        services.conclude(council, officer)
    services.enter_scores(members[3], officer, full_scores(council, Decimal("0.7")), "fail")
    council = services.conclude(council, officer, notes="Bổ sung số liệu năm 2025")
    council.refresh_from_db()
    assert council.status == Council.Status.CONCLUDED
    assert (council.pass_votes, council.votes) == (3, 4)
    assert council.average_score == Decimal("85.00")
    assert council.outcome == "excellent" and council.outcome_label == "Xuất sắc"
    with pytest.raises(ValidationError):
        services.enter_scores(members[4], officer, full_scores(council), "pass")


def test_declined_members_do_not_count(task, officer):
    council, members = seated_council(task, officer, n=4)
    services.enter_scores(members[3], officer, full_scores(council, Decimal("0.1")), "fail")
    CouncilMember.objects.filter(pk=members[3].pk).update(invitation="declined")
    members[3].refresh_from_db()
    services.enter_scores(members[0], officer, full_scores(council, Decimal("0.6")), "pass")
    with pytest.raises(ValidationError):
        services.conclude(council, officer)  # 1 of the 3 who did not decline
    with pytest.raises(ValidationError):
        services.enter_scores(members[3], officer, full_scores(council), "pass")
    services.enter_scores(members[1], officer, full_scores(council, Decimal("0.6")), "pass")
    council = services.conclude(council, officer)  # 2 of 3 is two thirds
    assert (council.outcome, council.votes) == ("pass", 2)


def test_council_without_chair_cannot_conclude(task, officer):
    council = services.create_council(task, "acceptance", officer)
    m = services.add_council_member(council, ExpertFactory(), "member", officer)
    services.enter_scores(m, officer, full_scores(council), "pass")
    with pytest.raises(ValidationError, match="chair|chủ tịch"):
        services.conclude(council, officer)


def test_council_rules_are_copied_when_formed(task, officer):
    from openstx.projects.workflow import active_workflow_row

    council = services.create_council(task, "selection", officer)
    row = active_workflow_row()
    row.definition["councils"]["selection"]["criteria"][0]["max"] = 99
    row.save()
    council.refresh_from_db()
    assert council.criteria[0]["max"] == 20


def test_semantic_matcher_adapter(task, officer, monkeypatch, settings):
    matching = pytest.importorskip("openstx.matching.services")
    from types import SimpleNamespace

    colleague = ExpertFactory(organization=task.host, full_name="Đồng nghiệp")
    outside = ExpertFactory(organization=OrganizationFactory(), full_name="Bên ngoài")
    seen = {}

    def fake(text, field_codes=(), exclude_ids=(), limit=10):
        seen["text"], seen["codes"] = text, list(field_codes)
        return [
            SimpleNamespace(record=SimpleNamespace(id=e.pk), score=s, reasons=["tôm"])
            for e, s in ((outside, 0.9), (colleague, 0.8))
        ]

    monkeypatch.setattr(matching, "council_experts", fake)
    settings.PROJECTS_COUNCIL_MATCHER = "openstx.projects.services.semantic_match"
    council = services.create_council(task, "acceptance", officer)
    result = services.suggest_members(council)
    assert [e["expert"] for e in result["eligible"]] == [outside]
    assert [e["expert"] for e in result["excluded"]] == [colleague]
    assert task.title in seen["text"] and seen["codes"] == ["40501"]


def test_keyword_match_without_fields(officer):
    task = TaskFactory(title="Nuôi tôm càng xanh trong ruộng lúa", state="submitted")
    shrimp = ExpertFactory(full_name="Tôm", keywords="tôm càng xanh; thủy sản")
    ExpertFactory(full_name="Chung chung", keywords="nghiên cứu, phát triển")
    ExpertFactory(full_name="Không từ khóa", academic_title="GS")
    council = services.create_council(task, "acceptance", officer)
    assert [e["expert"] for e in services.suggest_members(council)["eligible"]] == [shrimp]
