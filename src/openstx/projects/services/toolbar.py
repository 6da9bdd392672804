"""The task page's actions in one list: what the viewer may do now, and for what they may not,
why — the reason comes from the rule that blocks it (roles, required fields, the council the
step needs), so the page never hides an action silently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from openstx.projects.models import Task
from openstx.projects.services.tasks import council_blocker, missing_requirements, user_roles
from openstx.projects.workflow import Step, get_workflow

ROLE_NAMES = {
    "officer": lambda: _("department officers"),
    "host": lambda: _("members of the host organisation"),
    "leader": lambda: _("the task leader"),
}


@dataclass
class Action:
    """One button of the toolbar. ``method`` is ``get`` (a link to a page) or ``post``."""

    key: str
    label: str
    url: str
    enabled: bool
    reason: str = ""
    method: str = "get"
    primary: bool = False
    group: str = "task"


def _roles_text(roles: list[str]) -> str:
    names = [ROLE_NAMES[r]() if r in ROLE_NAMES else r for r in roles]
    return _("Only %(who)s may do this") % {"who": _(" or ").join(names)}


def step_reason(user: Any, task: Task, step: Step, roles: set[str] | None = None) -> str:
    """Why ``user`` may not perform ``step`` on ``task`` now ("" when they may)."""
    roles = user_roles(user, task) if roles is None else roles
    if not roles & set(step.roles):
        return _roles_text(step.roles)
    missing = missing_requirements(task, step)
    reasons = []
    if missing:
        reasons.append(_("Fill in first: %(fields)s") % {"fields": ", ".join(missing)})
    blocker = council_blocker(task, step)
    if blocker:
        reasons.append(blocker)
    return "; ".join(reasons)


def task_actions(user: Any, task: Task) -> list[Action]:
    """The toolbar of the task page for ``user`` (who may see the task's dossier): the life-cycle
    steps open from the task's state, then editing, budget, councils and outputs."""
    config = get_workflow(task.workflow)
    roles = user_roles(user, task)
    officer = "officer" in roles
    only_officers = _roles_text(["officer"])
    actions: list[Action] = []
    for step in config.steps_from(task.state):
        reason = step_reason(user, task, step, roles)
        actions.append(
            Action(
                key=f"step-{step.code}",
                label=step.title,
                url=reverse("projects:task-step", args=[task.pk, step.code]),
                enabled=not reason,
                reason=reason,
                primary=step.code not in ("stop", "fail"),
                group="steps",
            )
        )
    concluded = task.state not in config.active_states
    closed_reason = _("The task is no longer active") if concluded else ""
    actions += [
        Action(
            key="edit",
            label=_("Edit"),
            url=reverse("projects:task-edit", args=[task.pk]),
            enabled=officer,
            reason="" if officer else only_officers,
        ),
        Action(
            key="budget",
            label=_("Edit the budget"),
            url=reverse("projects:task-budget", args=[task.pk]),
            enabled=officer,
            reason="" if officer else only_officers,
        ),
        Action(
            key="council",
            label=_("Form a council"),
            url=reverse("projects:council-create", args=[task.pk]),
            enabled=officer and not concluded,
            reason=(only_officers if not officer else closed_reason),
        ),
    ]
    may_record = bool(roles & {"officer", "host", "leader"})
    actions.append(
        Action(
            key="output",
            label=_("Record an output"),
            url=reverse("projects:output-add", args=[task.pk]),
            enabled=may_record,
            reason="" if may_record else _roles_text(["officer", "host", "leader"]),
        )
    )
    return actions
