"""Tasks: saving, the budget, the team, life-cycle steps, deadlines and reminders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.permissions import is_authenticated, is_officer, organization_ids
from openstx.projects.models import (
    Council,
    Rating,
    Reminder,
    Task,
    TaskBudget,
    TaskDocument,
    TaskMember,
    TaskTransition,
)
from openstx.projects.services.notices import notify, officers, task_people
from openstx.projects.workflow import Step, get_workflow

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class TransitionError(ValidationError):
    pass


# --- Tasks -----------------------------------------------------------------------------------


def _require_officer(user: Any) -> None:
    if not is_officer(user):
        raise PermissionDenied(_("Only department officers may do this."))


def save_task(
    task: Task, user: Any, *, fields: Iterable[Any] | None = None, comment: str = ""
) -> Task:
    """Create or update a task (officers). A new task starts in the configuration's initial
    state, with a "create" step in its timeline."""
    _require_officer(user)
    creating = task.pk is None
    if task.start_date and task.end_date and task.start_date > task.end_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    if creating:
        config = get_workflow()
        task.workflow = config.row
        task.state = config.initial
        task.state_changed_at = timezone.now()
        if is_authenticated(user):
            task.created_by = user
    else:
        task.state = Task.objects.values_list("state", flat=True).get(pk=task.pk)
    task._change_reason = comment or ("create" if creating else "edit")  # type: ignore[attr-defined]
    task.save()
    if fields is not None:
        task.fields.set(fields)
    if task.leader_id:
        TaskMember.objects.update_or_create(
            task=task, expert_id=task.leader_id, defaults={"role": TaskMember.Role.LEADER}
        )
        TaskMember.objects.filter(task=task, role=TaskMember.Role.LEADER).exclude(
            expert_id=task.leader_id
        ).update(role=TaskMember.Role.KEY)
    if creating:
        TaskTransition.objects.create(
            task=task,
            action="create",
            from_state="",
            to_state=task.state,
            actor=user if is_authenticated(user) else None,
            comment=comment,
            at=timezone.now(),
        )
    return task


@transaction.atomic
def set_budget(
    task: Task, user: Any, year: int, amounts: dict[str, int | None]
) -> list[TaskBudget]:
    """Set one year's budget by source (an empty or zero amount removes that line), keep the
    other years, recompute the task's total and record who changed it. Officers only."""
    _require_officer(user)
    unknown = set(amounts) - set(TaskBudget.Source.values)
    if unknown:
        raise ValidationError(_("Unknown budget source: %(s)s") % {"s": ", ".join(sorted(unknown))})
    if any(a is not None and a < 0 for a in amounts.values()):
        raise ValidationError(_("A budget amount cannot be negative."))
    task = Task.objects.select_for_update().get(pk=task.pk)
    for source, amount in amounts.items():
        if amount:
            TaskBudget.objects.update_or_create(
                task=task, year=year, source=source, defaults={"amount_vnd": amount}
            )
        else:
            TaskBudget.objects.filter(task=task, year=year, source=source).delete()
    lines = list(TaskBudget.objects.filter(task=task))
    total = sum(line.amount_vnd for line in lines)
    task.budget_total_vnd = total or None
    # django-simple-history reads the reason from an attribute set on the instance
    task._change_reason = _("Budget for %(year)s changed") % {"year": year}  # type: ignore[attr-defined]
    task.save(update_fields=["budget_total_vnd", "updated_at"])
    return lines


def add_member(task: Task, expert: Any, role: str, user: Any) -> TaskMember:
    _require_officer(user)
    member, _created = TaskMember.objects.update_or_create(
        task=task, expert=expert, defaults={"role": role}
    )
    return member


def user_roles(user: Any, task: Task) -> set[str]:
    roles: set[str] = set()
    if not is_authenticated(user):
        return roles
    if is_officer(user):
        roles.add("officer")
    if task.host_id and task.host_id in organization_ids(user):
        roles.add("host")
    if task.leader is not None and task.leader.user_id == user.pk:
        roles.add("leader")
    return roles


def missing_requirements(task: Task, step: Step) -> list[str]:
    """Task attributes the step requires that are still empty (labels)."""
    missing = []
    for name in step.require:
        if getattr(task, name if not hasattr(task, f"{name}_id") else f"{name}_id", None) in (
            None,
            "",
        ):
            field = Task._meta.get_field(name)
            assert isinstance(field, Field)  # a step requires fields of the task itself
            missing.append(str(field.verbose_name))
    return missing


def council_requirement_met(task: Task, step: Step) -> Council | None:
    if not step.council:
        return None
    outcomes = step.council.get("outcomes") or []
    return (
        task.councils.filter(
            purpose=step.council["purpose"], status=Council.Status.CONCLUDED, outcome__in=outcomes
        )
        .order_by("-concluded_at")
        .first()
    )


def council_blocker(task: Task, step: Step) -> str:
    """Why the council a step needs does not allow it yet ("" when it does)."""
    if not step.council:
        return ""
    purpose = step.council["purpose"]
    name = str(dict(Council.Purpose.choices).get(purpose, purpose)).lower()
    outcomes = step.council.get("outcomes") or []
    councils = list(task.councils.filter(purpose=purpose).order_by("-pk"))
    if not councils:
        return _("Form the %(purpose)s council first") % {"purpose": name}
    concluded = [c for c in councils if c.status == Council.Status.CONCLUDED]
    if not concluded:
        return _("The %(purpose)s council has not concluded yet") % {"purpose": name}
    if not any(c.outcome in outcomes for c in concluded):
        return _("The %(purpose)s council's outcome does not allow this step") % {"purpose": name}
    return ""


def available_steps(user: Any, task: Task) -> list[dict[str, Any]]:
    """Steps the user may perform now, each with what still blocks it."""
    config = get_workflow(task.workflow)
    roles = user_roles(user, task)
    out = []
    for step in config.steps_from(task.state):
        if not roles & set(step.roles):
            continue
        blockers = missing_requirements(task, step)
        if step.council and council_requirement_met(task, step) is None:
            blockers.append(council_blocker(task, step))
        out.append({"step": step, "blockers": blockers})
    return out


def _parse_field(spec: dict[str, Any], raw: Any) -> Any:
    if raw in (None, ""):
        return None
    kind = spec.get("type", "text")
    if kind == "date":
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise TransitionError({spec["name"]: _("Enter a date as YYYY-MM-DD.")})
    if kind == "number":
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise TransitionError({spec["name"]: _("Enter a number.")})
    return str(raw).strip()


@transaction.atomic
def perform(
    task: Task,
    code: str,
    user: Any,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
    files: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> TaskTransition:
    """Perform life-cycle step ``code`` as ``user``: checks the configuration (source state,
    roles, required task attributes, form fields, documents, comment, council outcome), applies
    the effects, records who/when/comment, and tells the people concerned."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    config = get_workflow(task.workflow)
    step = config.steps.get(code)
    if step is None:
        raise TransitionError(_("Unknown step %(code)r.") % {"code": code})
    if task.state not in step.sources:
        raise TransitionError(
            _("“%(step)s” is not possible while the task is “%(state)s”.")
            % {"step": step.title, "state": config.state_label(task.state)}
        )
    if not user_roles(user, task) & set(step.roles):
        raise PermissionDenied(
            _("You may not perform “%(step)s” on this task.") % {"step": step.title}
        )
    missing = missing_requirements(task, step)
    if missing:
        raise TransitionError(_("Fill these first: %(fields)s.") % {"fields": ", ".join(missing)})
    comment = (comment or "").strip()
    if step.comment_required and not comment:
        raise TransitionError({"comment": _("A comment is required for this step.")})
    data = data or {}
    values: dict[str, Any] = {}
    errors: dict[str, StrOrPromise] = {}
    for spec in step.fields:
        try:
            value = _parse_field(spec, data.get(spec["name"]))
        except TransitionError as exc:
            errors.update({k: v[0].message for k, v in exc.error_dict.items()})
            continue
        if value is None and spec.get("required"):
            errors[spec["name"]] = _("This field is required.")
        values[spec["name"]] = value
    files = files or {}
    for doc in step.documents:
        if doc.get("required") and not files.get(doc["code"]):
            errors[f"doc_{doc['code']}"] = _("This document is required.")
    if errors:
        raise TransitionError(errors)
    council = council_requirement_met(task, step)
    if step.council and council is None:
        raise TransitionError(
            _("This step needs a concluded %(purpose)s council with a passing outcome.")
            % {"purpose": dict(Council.Purpose.choices).get(step.council["purpose"], "")}
        )

    now = at or timezone.now()
    old = task.state
    task.state = step.to
    task.state_changed_at = now
    for spec in step.fields:
        if spec.get("sets") and values.get(spec["name"]) is not None:
            value = values[spec["name"]]
            if spec.get("type") == "date":
                value = dt.date.fromisoformat(value)
            setattr(task, spec["sets"], value)
    months = int(config.reminders.get("periodic_check_months", 6))
    if "schedule_check" in step.effects:
        task.next_check_due = add_months(now.date(), months)
    if step.to not in config.implementing_states:
        task.next_check_due = None
    if "rating_from_council" in step.effects and council is not None:
        task.rating = council.outcome if council.outcome in Rating.values else Rating.PASS
        task.accepted_on = council.meeting_date or now.date()
    if "rating_fail" in step.effects:
        task.rating = Rating.FAIL
    task._change_reason = f"{code}: {comment}"[:100]  # type: ignore[attr-defined]
    task.save()
    record = TaskTransition.objects.create(
        task=task,
        action=code,
        from_state=old,
        to_state=task.state,
        actor=user if is_authenticated(user) else None,
        comment=comment,
        data=values,
        at=now,
    )
    for doc in step.documents:
        upload = files.get(doc["code"])
        if upload:
            TaskDocument.objects.create(
                task=task,
                transition=record,
                kind=doc["code"],
                name=getattr(upload, "name", doc["code"])[:300],
                file=upload,
                uploaded_by=user if is_authenticated(user) else None,
            )
    people = [u for u in task_people(task) if u.pk != getattr(user, "pk", None)]
    if people:
        # lazy texts: each recipient reads them in their own language (core.notifications)
        notify(
            people,
            "task_step",
            gettext_lazy("%(task)s: %(step)s"),
            comment,
            task.get_absolute_url(),
            params={"task": task.code or task.title[:80], "step": step.title},
        )
    return record


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def timeline(task: Task) -> list[TaskTransition]:
    return list(
        task.transitions.select_related("actor", "task__workflow").prefetch_related("documents")
    )


# --- Deadlines and reminders -----------------------------------------------------------------


def overdue_tasks(today: dt.date | None = None):
    """Tasks being implemented whose (extended) end date has passed without acceptance."""
    today = today or timezone.localdate()
    config = get_workflow()
    return Task.objects.filter(state__in=config.implementing_states).filter(
        Q(extended_end_date__lt=today) | Q(extended_end_date__isnull=True, end_date__lt=today)
    )


def checks_due(today: dt.date | None = None, notice_days: int | None = None):
    today = today or timezone.localdate()
    config = get_workflow()
    days = (
        notice_days
        if notice_days is not None
        else int(config.reminders.get("check_notice_days", 14))
    )
    return Task.objects.filter(
        state__in=config.implementing_states, next_check_due__lte=today + dt.timedelta(days=days)
    )


def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """E-mail the host, the leader and officers about periodic checks due and end dates passed
    without acceptance. Idempotent: one reminder per task, kind and due date, ever."""
    today = today or timezone.localdate()
    counts = {"check_due": 0, "overdue": 0, "already_sent": 0}
    staff = officers()
    jobs: list[tuple[Task, str, dt.date]] = []
    for task in checks_due(today).select_related("host", "leader"):
        jobs.append((task, Reminder.Kind.CHECK_DUE, task.next_check_due))
    for task in overdue_tasks(today).select_related("host", "leader"):
        jobs.append((task, Reminder.Kind.OVERDUE, task.effective_end))
    for task, kind, due in jobs:
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(task=task, kind=kind, due_date=due)
                if kind == Reminder.Kind.CHECK_DUE:
                    title = gettext_lazy("Periodic check due on %(date)s: %(task)s")
                else:
                    title = gettext_lazy("End date %(date)s passed without acceptance: %(task)s")
                sent = notify(
                    task_people(task) + staff,
                    f"task_{kind}",
                    title,
                    gettext_lazy("Task “%(title)s” (%(host)s). Please arrange the next step."),
                    task.get_absolute_url(),
                    params={
                        "date": due.strftime("%d/%m/%Y"),
                        "task": task.code or task.title[:80],
                        "title": task.title,
                        "host": task.host or "—",
                    },
                )
                Reminder.objects.filter(pk=reminder.pk).update(recipients=sent)
        except IntegrityError:
            counts["already_sent"] += 1
            continue
        counts[kind] += 1
    return counts
