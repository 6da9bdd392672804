"""Contract: every model answers "who may" through a registered policy, and child rows follow
their parent's policy instead of restating it."""

from __future__ import annotations

import pytest
from django.apps import apps

from openstx.core import permissions
from openstx.core.permissions import CHANGE, VIEW, can, restrict


def _own_models() -> list[type]:
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("openstx."):
            continue
        if model.__name__.startswith("Historical"):  # simple-history's shadow tables
            continue
        found.append(model)
    return found


def test_every_model_has_a_policy():
    registered = permissions.registered_models()
    missing = sorted(
        m._meta.label for m in _own_models() if not any(k in registered for k in m.__mro__)
    )
    assert missing == []


@pytest.mark.django_db
def test_a_child_row_follows_its_parents_dossier_rule():
    from openstx.projects.models import TaskBudget
    from openstx.projects.policies import DOSSIER
    from openstx.projects.workflow import get_workflow
    from tests.projects.factories import (
        ExpertFactory,
        MembershipFactory,
        OrganizationFactory,
        TaskFactory,
        UserFactory,
    )

    host = OrganizationFactory()
    insider = UserFactory(username="insider")
    MembershipFactory(user=insider, organization=host)
    outsider = UserFactory(username="outsider")
    officer = UserFactory(username="officer", role="officer")
    public_state = sorted(get_workflow().public_states)[0]
    task = TaskFactory(host=host, state=public_state)
    line = TaskBudget.objects.create(task=task, year=2025, amount_vnd=1_000_000)
    ExpertFactory()  # an unrelated expert changes nothing

    assert can(outsider, VIEW, task) and not can(outsider, DOSSIER, task)
    for user, sees in ((None, False), (outsider, False), (insider, True), (officer, True)):
        assert restrict(TaskBudget.objects.all(), user, VIEW).exists() is sees
        assert can(user, VIEW, line) is sees
    # changing a budget line needs CHANGE on the task: officers only
    assert not can(insider, CHANGE, line)
    assert can(officer, CHANGE, line)


@pytest.mark.django_db
def test_score_sheets_the_member_and_the_secretary_only():
    from openstx.projects.policies import SCORE
    from openstx.projects.services import may_enter_scores
    from tests.projects.factories import (
        CouncilFactory,
        CouncilMemberFactory,
        ExpertFactory,
        UserFactory,
    )

    council = CouncilFactory()
    member_user, secretary_user, other_user = (UserFactory(username=n) for n in "msx")
    member = CouncilMemberFactory(council=council, expert=ExpertFactory(user=member_user))
    CouncilMemberFactory(
        council=council, expert=ExpertFactory(user=secretary_user), role="secretary"
    )
    other = CouncilMemberFactory(council=council, expert=ExpertFactory(user=other_user))
    invited = CouncilMemberFactory(
        council=council, expert=ExpertFactory(user=UserFactory(username="i")), invitation="invited"
    )

    assert may_enter_scores(member_user, member) and can(member_user, SCORE, member)
    assert may_enter_scores(secretary_user, other)  # the secretary enters anyone's sheet
    assert not may_enter_scores(other_user, member)
    assert not may_enter_scores(invited.expert.user, invited)  # not accepted yet
    assert not may_enter_scores(None, member)
    from openstx.projects.models import CouncilMember

    scored = restrict(CouncilMember.objects.filter(council=council), secretary_user, SCORE)
    assert scored.count() == 4
    assert list(restrict(CouncilMember.objects.all(), member_user, SCORE)) == [member]
    # only officers and the secretary may conclude (CHANGE on the council)
    assert can(secretary_user, CHANGE, council) and not can(member_user, CHANGE, council)
