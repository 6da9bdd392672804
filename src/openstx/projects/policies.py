"""Who may see and change tasks and councils (core.permissions policies).

- Department officers manage everything.
- The public sees tasks in a public state (public fields only: templates and the API decide
  which fields; the dossier needs :func:`can_see_dossier`).
- Members of the host organisation, the task team (their expert profile's user) and council
  members see their tasks, including the dossier.
- Council members (invited or accepted) see their council.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from openstx.core.permissions import (
    CHANGE,
    VIEW,
    ParentPolicy,
    Policy,
    StaffOnlyPolicy,
    can,
    is_authenticated,
    is_officer,
    organization_ids,
    register,
    register_principals,
)
from openstx.projects.models import (
    Council,
    CouncilMember,
    Reminder,
    ScoreSheet,
    Task,
    TaskBudget,
    TaskDocument,
    TaskMember,
    TaskOutput,
    TaskTransition,
    Workflow,
)

DOSSIER = "dossier"  # a task's budget lines, team, documents, transitions and councils
SCORE = "score"  # enter (or read) a council member's score sheet


def _expert_id(user: Any) -> int | None:
    if not is_authenticated(user):
        return None
    if hasattr(user, "_openstx_expert_id"):  # cached on the user object for the request
        return user._openstx_expert_id
    from openstx.directory.models import Expert

    value = Expert.objects.filter(user=user).values_list("pk", flat=True).first()
    user._openstx_expert_id = value
    return value


def insider_q(user: Any) -> Q:
    """Tasks the user is inside of: host member, leader, team member, council member."""
    q = Q(pk__in=[])
    orgs = organization_ids(user)
    if orgs:
        q |= Q(host_id__in=orgs)
    expert = _expert_id(user)
    if expert:
        q |= Q(leader_id=expert) | Q(members__expert_id=expert)
        q |= Q(councils__members__expert_id=expert) & ~Q(councils__members__invitation="declined")
    return q


@register(Task)
class TaskPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if action == VIEW:
            from openstx.projects.workflow import get_workflow

            public = Q(state__in=get_workflow().public_states)
            if not is_authenticated(user):
                return queryset.filter(public)
            return queryset.filter(
                pk__in=Task.objects.filter(public | insider_q(user)).values("pk")
            )
        if action == DOSSIER and is_authenticated(user):
            return queryset.filter(pk__in=Task.objects.filter(insider_q(user)).values("pk"))
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        if action == VIEW:
            from openstx.projects.workflow import get_workflow

            if get_workflow(obj.workflow).is_public(obj.state):
                return True
            return (
                is_authenticated(user) and Task.objects.filter(insider_q(user), pk=obj.pk).exists()
            )
        if action == DOSSIER:
            return (
                is_authenticated(user) and Task.objects.filter(insider_q(user), pk=obj.pk).exists()
            )
        return False

    def search_scopes(self, obj: Any) -> list[str]:
        """The same people as :func:`insider_q`, as principals."""
        from openstx.projects.workflow import get_workflow

        if get_workflow(obj.workflow).is_public(obj.state):
            return ["public"]
        scopes = ["staff"]
        if obj.host_id:
            scopes.append(f"org:{obj.host_id}")
        experts = {obj.leader_id}
        experts.update(obj.members.values_list("expert_id", flat=True))
        experts.update(
            CouncilMember.objects.filter(council__task=obj)
            .exclude(invitation=CouncilMember.Invitation.DECLINED)
            .values_list("expert_id", flat=True)
        )
        scopes += [f"expert:{pk}" for pk in sorted(e for e in experts if e)]
        return scopes


@register_principals
def expert_principals(user: Any) -> list[str]:
    """A signed-in user with an expert profile is also that expert (task team, councils)."""
    expert = _expert_id(user)
    return [f"expert:{expert}"] if expert else []


def can_see_dossier(user: Any, task: Task) -> bool:
    """Budget lines, team, documents, councils and transition details."""
    return can(user, DOSSIER, task)


def council_q(user: Any) -> Q:
    expert = _expert_id(user)
    if not expert:
        return Q(pk__in=[])
    return Q(members__expert_id=expert) & ~Q(members__invitation="declined")


@register(Council)
class CouncilPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if action == VIEW and is_authenticated(user):
            return queryset.filter(pk__in=Council.objects.filter(council_q(user)).values("pk"))
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        if action == VIEW:
            return (
                is_authenticated(user)
                and Council.objects.filter(council_q(user), pk=obj.pk).exists()
            )
        if action == CHANGE:  # the council's secretary enters score sheets and concludes
            return is_secretary(user, obj)
        return False


def is_secretary(user: Any, council: Council) -> bool:
    """The one statement of the secretary rule: an accepted member with the secretary role."""
    expert = _expert_id(user)
    if not expert:
        return False
    return council.members.filter(
        expert_id=expert,
        role=CouncilMember.Role.SECRETARY,
        invitation=CouncilMember.Invitation.ACCEPTED,
    ).exists()


@register(CouncilMember)
class CouncilMemberPolicy(ParentPolicy):
    """Seeing a member follows the council. ``SCORE``: the member themself (once accepted), the
    council's secretary, or an officer."""

    parent = "council"

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if action != SCORE:
            return super().scope(user, action, queryset)
        if is_officer(user):
            return queryset
        expert = _expert_id(user)
        if not expert:
            return queryset.none()
        accepted = CouncilMember.Invitation.ACCEPTED
        secretary_of = CouncilMember.objects.filter(
            expert_id=expert, role=CouncilMember.Role.SECRETARY, invitation=accepted
        ).values("council_id")
        return queryset.filter(
            Q(expert_id=expert, invitation=accepted) | Q(council_id__in=secretary_of)
        )

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if action != SCORE:
            return super().allows(user, action, obj)
        if is_officer(user):
            return True
        expert = _expert_id(user)
        if not expert:
            return False
        if obj.expert_id == expert and obj.invitation == CouncilMember.Invitation.ACCEPTED:
            return True
        return is_secretary(user, obj.council)


@register(ScoreSheet)
class ScoreSheetPolicy(ParentPolicy):
    parent = "member"
    view_action = SCORE
    write_action = SCORE


class _DossierPolicy(ParentPolicy):
    parent = "task"
    view_action = DOSSIER


for _model in (TaskMember, TaskBudget, TaskTransition, TaskDocument):
    register(_model)(type(f"{_model.__name__}Policy", (_DossierPolicy,), {}))


@register(TaskOutput)
class TaskOutputPolicy(ParentPolicy):
    """Outputs are shown on the task page to whoever may see the task."""

    parent = "task"


for _staff_model in (Workflow, Reminder):
    register(_staff_model)(StaffOnlyPolicy)
