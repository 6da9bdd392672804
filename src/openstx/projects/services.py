"""Business rules for S&T tasks: life-cycle steps, reminders, councils, outputs, orders from
unmet demands. Views, the API, imports and the demo all change state through these functions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from openstx.core.permissions import CHANGE, can, is_authenticated, is_officer, organization_ids
from openstx.projects.models import (
    Council,
    CouncilMember,
    Rating,
    Reminder,
    ScoreSheet,
    Task,
    TaskBudget,
    TaskDocument,
    TaskMember,
    TaskOutput,
    TaskTransition,
    localized,
)
from openstx.projects.workflow import Step, get_workflow

log = logging.getLogger(__name__)


class TransitionError(ValidationError):
    pass


# --- Notifications ---------------------------------------------------------------------------


def notify(users: Iterable[Any], verb: str, title: str, body: str = "", url: str = "") -> int:
    """In-app notification (the exchange's inbox) plus e-mail to each user."""
    users = [u for u in users if u is not None]
    try:
        from openstx.exchange import services as exchange

        return exchange.notify(users, verb, title, body, url)
    except ImportError:  # pragma: no cover - the exchange app is always installed
        pass
    sent = 0
    for user in {u.pk: u for u in users}.values():
        if user.email:
            link = f"{settings.SITE_URL}{url}" if url else ""
            transaction.on_commit(lambda a=user.email, link=link: _send(a, title, body, link))
            sent += 1
    return sent


def _send(address: str, subject: str, body: str, link: str) -> None:
    text = "\n\n".join(p for p in (body, link) if p)
    try:
        send_mail(f"[{settings.SITE_NAME}] {subject}", text, None, [address], fail_silently=False)
    except Exception:  # noqa: BLE001 - mail trouble must not break the action
        log.exception("could not send e-mail to %s", address)


def officers() -> list[Any]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(Q(role__in=["officer", "admin"]) | Q(is_superuser=True), is_active=True)
        .distinct()
    )


def task_people(task: Task) -> list[Any]:
    """Users who look after a task: host organisation members and the leader's account."""
    from django.contrib.auth import get_user_model

    q = Q(pk__in=[])
    if task.host_id:
        q |= Q(memberships__organization_id=task.host_id, memberships__status="approved")
    if task.leader_id:
        q |= Q(expert_profile__pk=task.leader_id)
    return list(get_user_model().objects.filter(q, is_active=True).distinct())


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


def set_budget(task: Task, lines: Iterable[tuple[int, str, int]]) -> None:
    """Replace the budget lines ``(year, source, amount_vnd)`` and recompute the total."""
    lines = list(lines)
    TaskBudget.objects.filter(task=task).delete()
    TaskBudget.objects.bulk_create(
        TaskBudget(task=task, year=y, source=s, amount_vnd=a) for y, s, a in lines
    )
    total = sum(a for _y, _s, a in lines)
    Task.objects.filter(pk=task.pk).update(budget_total_vnd=total or None)
    task.budget_total_vnd = total or None


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
    if task.leader_id and task.leader.user_id == user.pk:
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
            missing.append(str(Task._meta.get_field(name).verbose_name))
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
            blockers.append(
                _("a concluded %(purpose)s council with a passing outcome")
                % {"purpose": dict(Council.Purpose.choices).get(step.council["purpose"], "")}
            )
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
    errors: dict[str, str] = {}
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
        notify(
            people,
            "task_step",
            _("%(task)s: %(step)s") % {"task": task.code or task.title[:80], "step": step.title},
            comment,
            task.get_absolute_url(),
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


def overdue_tasks(today: dt.date | None = None):  # type: ignore[no-untyped-def]
    """Tasks being implemented whose (extended) end date has passed without acceptance."""
    today = today or timezone.localdate()
    config = get_workflow()
    return Task.objects.filter(state__in=config.implementing_states).filter(
        Q(extended_end_date__lt=today) | Q(extended_end_date__isnull=True, end_date__lt=today)
    )


def checks_due(today: dt.date | None = None, notice_days: int | None = None):  # type: ignore[no-untyped-def]
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
                    title = _("Periodic check due on %(date)s: %(task)s")
                else:
                    title = _("End date %(date)s passed without acceptance: %(task)s")
                title = title % {
                    "date": due.strftime("%d/%m/%Y"),
                    "task": task.code or task.title[:80],
                }
                body = _("Task “%(title)s” (%(host)s). Please arrange the next step.") % {
                    "title": task.title,
                    "host": task.host or "—",
                }
                sent = notify(
                    task_people(task) + staff, f"task_{kind}", title, body, task.get_absolute_url()
                )
                Reminder.objects.filter(pk=reminder.pk).update(recipients=sent)
        except IntegrityError:
            counts["already_sent"] += 1
            continue
        counts[kind] += 1
    return counts


# --- Councils --------------------------------------------------------------------------------


@transaction.atomic
def create_council(
    task: Task,
    purpose: str,
    user: Any,
    *,
    meeting_date: dt.date | None = None,
    place: str = "",
    decision_number: str = "",
) -> Council:
    """A council for ``task``; its criteria and outcome rule are copied from the configuration
    so that later edits of the configuration do not change a council already formed."""
    _require_officer(user)
    if purpose not in Council.Purpose.values:
        raise ValidationError(_("Unknown council purpose."))
    conf = get_workflow(task.workflow).council_config(purpose)
    return Council.objects.create(
        task=task,
        purpose=purpose,
        meeting_date=meeting_date,
        place=place,
        decision_number=decision_number,
        rules={"criteria": conf.get("criteria", []), "rule": conf.get("rule", {})},
    )


def conflict_context(task: Task) -> dict[str, Any]:
    """What conflict checks need about a task, read once (suggestions check many experts)."""
    from openstx.directory.models import Publication

    team_ids = set(task.members.values_list("expert_id", flat=True))
    if task.leader_id:
        team_ids.add(task.leader_id)
    coauthors: dict[int, tuple[int, int]] = {}  # expert -> (publication, team member)
    if team_ids:
        through = Publication.experts.through
        team_pubs: dict[int, int] = {}
        for pub_id, expert_id in through.objects.filter(expert_id__in=team_ids).values_list(
            "publication_id", "expert_id"
        ):
            team_pubs.setdefault(pub_id, expert_id)
        for pub_id, expert_id in (
            through.objects.filter(publication_id__in=list(team_pubs))
            .exclude(expert_id__in=team_ids)
            .values_list("publication_id", "expert_id")
        ):
            coauthors.setdefault(expert_id, (pub_id, team_pubs[pub_id]))
    return {
        "host_id": task.host_id,
        "host": task.host if task.host_id else None,
        "team": team_ids,
        "coauthors": coauthors,
    }


def conflicts_of_interest(
    task: Task, expert: Any, context: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    """Why ``expert`` may not sit on a council about ``task`` (empty list: no conflict).

    Kinds: ``host`` (works at the host organisation), ``team`` (leader or member of the task
    team), ``coauthor`` (shares a publication in the directory with the leader or a member)."""
    ctx = context or conflict_context(task)
    reasons: list[dict[str, str]] = []
    if ctx["host_id"] and expert.organization_id == ctx["host_id"]:
        reasons.append(
            {
                "kind": "host",
                "text": _("works at the host organisation (%(org)s)") % {"org": ctx["host"]},
            }
        )
    if expert.pk in ctx["team"]:
        reasons.append({"kind": "team", "text": _("is in the task team")})
    elif expert.pk in ctx["coauthors"]:
        from openstx.directory.models import Expert, Publication

        pub_id, member_id = ctx["coauthors"][expert.pk]
        pub = Publication.objects.get(pk=pub_id)
        coauthor = Expert.objects.get(pk=member_id)
        reasons.append(
            {
                "kind": "coauthor",
                "text": _("co-authored “%(title)s” with %(name)s")
                % {"title": pub.title[:120], "name": coauthor.display_name},
            }
        )
    return reasons


#: Syllables too common in task titles to say anything about expertise.
STOP_SYLLABLES = frozenset(
    [
        "cua",
        "cho",
        "cac",
        "trong",
        "nhung",
        "voi",
        "tai",
        "theo",
        "huong",
        "nghien",
        "cuu",
        "ung",
        "dung",
        "xay",
        "dung",
        "phat",
        "trien",
        "quy",
        "trinh",
        "gop",
        "phan",
        "nang",
        "cao",
        "hieu",
        "qua",
        "san",
        "xuat",
        "thu",
        "nhap",
        "nguoi",
        "dan",
        "muc",
        "tieu",
        "mot",
        "va",
    ]
)


def keyword_match(task: Task, limit: int = 30) -> list[tuple[Any, float, list[str]]]:
    """Default council-member matcher: shared fields of science (and their parents) and task
    words found in the expert's keywords. Returns ``(expert, score, reasons)`` best first.
    Swappable through ``settings.PROJECTS_COUNCIL_MATCHER`` (the matching app's function)."""
    from openstx.core.text import fold
    from openstx.directory.models import Expert

    task_fields = list(task.fields.all())
    codes = {c for f in task_fields for c in f.ancestor_codes()}
    exact = {f.code for f in task_fields}
    words = {
        w
        for w in fold(f"{task.title} {task.objectives}").split()
        if len(w) > 2 and w not in STOP_SYLLABLES
    }
    qs = Expert.objects.select_related("organization").prefetch_related("fields")
    if codes:
        from openstx.taxonomy.models import FieldOfScience

        prefix_q = Q(pk__in=[])
        for code in exact:
            prefix_q |= Q(code__startswith=code[:3])
        field_ids = FieldOfScience.objects.filter(prefix_q).values("pk")
        qs = qs.filter(fields__in=field_ids).distinct()
    else:  # no field of science yet: keywords alone
        qs = qs.exclude(keywords="")
    scored = []
    for expert in qs[:2000]:
        reasons = []
        score = 0.0
        for f in expert.fields.all():
            if f.code in exact:
                score += 3
                reasons.append(str(f))
            elif set(f.ancestor_codes()) & codes:
                score += 1
                reasons.append(str(f))
        kw_hits = [k for k in expert.keyword_list if set(fold(k).split()) & words]
        score += 2 * len(kw_hits)
        reasons.extend(kw_hits)
        if score > 0:  # seniority breaks ties between experts who match at all
            score += {"GS": 1.0, "PGS": 0.6}.get(expert.academic_title, 0)
            score += {"TSKH": 0.6, "TS": 0.5, "ThS": 0.2}.get(expert.degree, 0)
            scored.append((expert, score, reasons))
    scored.sort(key=lambda t: (-t[1], t[0].full_name))
    return scored[:limit]


def semantic_match(task: Task, limit: int = 30) -> list[tuple[Any, float, list[str]]]:
    """Council-member matcher backed by the matching app's hybrid engine (embeddings + lexical).
    Select it with ``PROJECTS_COUNCIL_MATCHER = "openstx.projects.services.semantic_match"``.
    Conflicts are not excluded here: :func:`suggest_members` shows them with their reasons."""
    from openstx.directory.models import Expert
    from openstx.matching import services as matching

    codes = [f.code for f in task.fields.all()]
    text = ". ".join(p for p in (task.title, task.objectives, task.expected_products) if p)
    matches = matching.council_experts(text, codes, limit=limit)
    experts = Expert.objects.select_related("organization").in_bulk([m.record.id for m in matches])
    return [
        (experts[m.record.id], float(m.score), list(m.reasons))
        for m in matches
        if m.record.id in experts
    ]


def council_matcher():  # type: ignore[no-untyped-def]
    path = getattr(settings, "PROJECTS_COUNCIL_MATCHER", "openstx.projects.services.keyword_match")
    return import_string(path)


def suggest_members(council: Council, limit: int = 15) -> dict[str, list[dict[str, Any]]]:
    """Ranked candidates for a council: ``eligible`` (no conflict, not yet on the council) and
    ``excluded`` (with the reasons for the conflict of interest)."""
    task = council.task
    seated = set(council.members.values_list("expert_id", flat=True))
    context = conflict_context(task)
    eligible, excluded = [], []
    for expert, score, reasons in council_matcher()(task, limit=limit * 3):
        if expert.pk in seated:
            continue
        conflicts = conflicts_of_interest(task, expert, context)
        entry = {
            "expert": expert,
            "score": round(score, 2),
            "reasons": reasons,
            "conflicts": conflicts,
        }
        (excluded if conflicts else eligible).append(entry)
    return {"eligible": eligible[:limit], "excluded": excluded[:limit]}


ROLE_LIMITS = {"chair": 1, "vice_chair": 1, "reviewer_1": 1, "reviewer_2": 1, "secretary": 1}


def add_council_member(council: Council, expert: Any, role: str, user: Any) -> CouncilMember:
    """Seat an expert. Conflicts of interest are checked here, not trusted to the form."""
    _require_officer(user)
    if council.status == Council.Status.CONCLUDED:
        raise ValidationError(_("The council has concluded."))
    if role not in CouncilMember.Role.values:
        raise ValidationError(_("Unknown council role."))
    conflicts = conflicts_of_interest(council.task, expert)
    if conflicts:
        raise ValidationError(
            _("%(name)s has a conflict of interest: %(reasons)s")
            % {"name": expert.display_name, "reasons": "; ".join(c["text"] for c in conflicts)}
        )
    if role in ROLE_LIMITS and council.members.filter(role=role).exclude(expert=expert).exists():
        raise ValidationError(_("The council already has a member with this role."))
    member, _created = CouncilMember.objects.update_or_create(
        council=council, expert=expert, defaults={"role": role}
    )
    return member


def remove_council_member(member: CouncilMember, user: Any) -> None:
    _require_officer(user)
    if member.council.status == Council.Status.CONCLUDED:
        raise ValidationError(_("The council has concluded."))
    member.delete()


def send_invitations(council: Council, user: Any) -> int:
    """Invite every member not invited yet; members with an account are notified."""
    _require_officer(user)
    now = timezone.now()
    count = 0
    for member in council.members.select_related("expert__user").filter(
        invitation=CouncilMember.Invitation.NOT_SENT
    ):
        member.invitation = CouncilMember.Invitation.INVITED
        member.invited_at = now
        member.save(update_fields=["invitation", "invited_at"])
        count += 1
        if member.expert.user_id:
            from django.urls import reverse

            notify(
                [member.expert.user],
                "council_invitation",
                _("Invitation: %(purpose)s council for “%(task)s”")
                % {"purpose": council.get_purpose_display(), "task": council.task.title[:120]},
                _("Role: %(role)s. Date: %(date)s. Place: %(place)s.")
                % {
                    "role": member.get_role_display(),
                    "date": council.meeting_date.strftime("%d/%m/%Y")
                    if council.meeting_date
                    else "—",
                    "place": council.place or "—",
                },
                reverse("projects:my-councils"),
            )
    if council.status == Council.Status.FORMING:
        council.status = Council.Status.INVITING
        council.save(update_fields=["status", "updated_at"])
    return count


def respond_invitation(
    member: CouncilMember, user: Any, accept: bool, note: str = ""
) -> CouncilMember:
    """The invited expert (their own account) accepts or declines."""
    if not is_authenticated(user) or member.expert.user_id != user.pk:
        raise PermissionDenied(_("Only the invited expert may answer this invitation."))
    if member.invitation not in (
        CouncilMember.Invitation.INVITED,
        CouncilMember.Invitation.ACCEPTED,
        CouncilMember.Invitation.DECLINED,
    ):
        raise ValidationError(_("This invitation has not been sent."))
    if member.council.status == Council.Status.CONCLUDED:
        raise ValidationError(_("The council has concluded."))
    member.invitation = (
        CouncilMember.Invitation.ACCEPTED if accept else CouncilMember.Invitation.DECLINED
    )
    member.responded_at = timezone.now()
    member.response_note = note[:500]
    member.save(update_fields=["invitation", "responded_at", "response_note"])
    if not accept:
        notify(
            officers(),
            "council_declined",
            _("%(name)s declined the council for “%(task)s”")
            % {"name": member.expert.display_name, "task": member.council.task.title[:120]},
            note,
            member.council.get_absolute_url(),
        )
    return member


def may_enter_scores(user: Any, member: CouncilMember) -> bool:
    """The member themself, the council's secretary, or an officer (``policies.SCORE``)."""
    from openstx.projects.policies import SCORE

    return can(user, SCORE, member)


def enter_scores(
    member: CouncilMember, user: Any, scores: dict[str, Any], vote: str, comment: str = ""
) -> ScoreSheet:
    """Record one member's score sheet, validated against the council's criteria."""
    if not may_enter_scores(user, member):
        raise PermissionDenied(_("You may not enter this member's score sheet."))
    council = member.council
    if council.status == Council.Status.CONCLUDED:
        raise ValidationError(_("The council has concluded."))
    if member.invitation == CouncilMember.Invitation.DECLINED:
        raise ValidationError(_("This member declined the invitation."))
    errors: dict[str, str] = {}
    clean_scores: dict[str, str] = {}
    for criterion in council.criteria:
        raw = scores.get(criterion["code"])
        try:
            points = Decimal(str(raw).replace(",", ".")) if raw not in (None, "") else None
        except ArithmeticError:
            points = None
            errors[criterion["code"]] = _("Enter a number.")
            continue
        if points is None:
            errors[criterion["code"]] = _("This field is required.")
        elif points < 0 or points > Decimal(str(criterion["max"])):
            errors[criterion["code"]] = _("Between 0 and %(max)s.") % {"max": criterion["max"]}
        else:
            clean_scores[criterion["code"]] = str(points)
    if vote not in (ScoreSheet.Vote.PASS, ScoreSheet.Vote.FAIL):
        errors["vote"] = _("Choose in favour or against.")
    if errors:
        raise ValidationError(errors)
    total = sum((Decimal(v) for v in clean_scores.values()), Decimal(0))
    sheet, _created = ScoreSheet.objects.update_or_create(
        member=member,
        defaults={
            "scores": clean_scores,
            "total": total,
            "vote": vote,
            "comment": comment,
            "entered_by": user,
        },
    )
    if council.status in (Council.Status.FORMING, Council.Status.INVITING):
        council.status = Council.Status.MEETING
        council.save(update_fields=["status", "updated_at"])
    return sheet


def evaluate(rules: dict[str, Any], sheets: list[tuple[Decimal, str]]) -> dict[str, Any]:
    """The outcome rule, on ``(total, vote)`` pairs. Pure: tests feed it hand-made sheets.

    The average total is scaled to 100 points; the task passes when at least
    ``vote_fraction`` of the sheets vote in favour AND the average reaches the lowest band; the
    band is the highest whose ``min`` the average reaches."""
    rule = rules.get("rule", {})
    criteria = rules.get("criteria", [])
    max_total = sum(Decimal(str(c.get("max", 0))) for c in criteria) or Decimal(100)
    fail = rule.get("fail", {"code": "fail", "label": "Fail", "label_vi": "Không đạt"})
    if not sheets:
        return {"outcome": "", "label": "", "average": None, "pass_votes": 0, "votes": 0}
    average = sum((t for t, _v in sheets), Decimal(0)) / len(sheets)
    average = average.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    scaled = average * 100 / max_total
    pass_votes = sum(1 for _t, v in sheets if v == "pass")
    fraction = Decimal(str(rule.get("vote_fraction", 0.6667)))
    # "at least two thirds": compare with a small tolerance for 0.6667 vs 2/3
    votes_ok = Decimal(pass_votes) / len(sheets) + Decimal("0.0001") >= fraction
    chosen = fail
    if votes_ok:
        for band in sorted(rule.get("bands", []), key=lambda b: -Decimal(str(b["min"]))):
            if scaled >= Decimal(str(band["min"])):
                chosen = band
                break
    return {
        "outcome": chosen["code"],
        "label": localized(chosen.get("label", chosen["code"]), chosen.get("label_vi", "")),
        "label_vi": chosen.get("label_vi") or chosen.get("label", chosen["code"]),
        "average": average,
        "pass_votes": pass_votes,
        "votes": len(sheets),
    }


def council_sheets(council: Council) -> list[ScoreSheet]:
    return list(
        ScoreSheet.objects.filter(member__council=council)
        .exclude(member__invitation=CouncilMember.Invitation.DECLINED)
        .exclude(vote="")
        .select_related("member__expert")
    )


def compute_outcome(council: Council) -> dict[str, Any]:
    return evaluate(council.rules, [(s.total, s.vote) for s in council_sheets(council)])


QUORUM = Decimal("0.6667")


@transaction.atomic
def conclude(council: Council, user: Any, notes: str = "") -> Council:
    """Compute and freeze the outcome. Needs sheets from at least two thirds of the members
    who did not decline, and a chair."""
    if not can(user, CHANGE, council):  # officers and the council's secretary
        raise PermissionDenied(_("Only officers or the council's secretary may conclude."))
    if council.status == Council.Status.CONCLUDED:
        raise ValidationError(_("The council has concluded."))
    seated = council.members.exclude(invitation=CouncilMember.Invitation.DECLINED)
    if not seated.filter(role=CouncilMember.Role.CHAIR).exists():
        raise ValidationError(_("The council has no chair."))
    sheets = council_sheets(council)
    if not seated.exists() or Decimal(len(sheets)) / seated.count() + Decimal("0.0001") < QUORUM:
        raise ValidationError(
            _(
                "Score sheets are needed from at least two thirds of the members (%(have)d of %(seated)d)."
            )
            % {"have": len(sheets), "seated": seated.count()}
        )
    result = evaluate(council.rules, [(s.total, s.vote) for s in sheets])
    council.average_score = result["average"]
    council.pass_votes = result["pass_votes"]
    council.votes = result["votes"]
    council.outcome = result["outcome"]
    council.outcome_label = result["label_vi"]
    council.status = Council.Status.CONCLUDED
    council.concluded_at = timezone.now()
    if notes:
        council.notes = notes
    if not council.meeting_date:
        council.meeting_date = timezone.localdate()
    council.save()
    return council


def councils_to_organise():  # type: ignore[no-untyped-def]
    """Tasks that wait for a council: submitted for acceptance without an open or concluded
    acceptance council, or in a selection state without a selection council."""
    return (
        Task.objects.filter(
            (Q(state="submitted") & ~Q(councils__purpose="acceptance"))
            | (Q(state="call") & ~Q(councils__purpose="selection"))
        )
        .select_related("host", "workflow")
        .distinct()
    )


# --- Outputs ---------------------------------------------------------------------------------


def add_output(task: Task, user: Any, **values: Any) -> TaskOutput:
    if not (
        is_officer(user) or "host" in user_roles(user, task) or "leader" in user_roles(user, task)
    ):
        raise PermissionDenied(_("Only officers and the task's host may record outputs."))
    output = TaskOutput(task=task, **values)
    if output.publication_id and not output.title:
        output.title = output.publication.title
        output.doi = output.doi or output.publication.doi
        output.publication_kind = output.publication_kind or output.publication.kind
        output.year = output.year or output.publication.year
    if output.ip_record_id and not output.ip_reference:
        output.ip_reference = (
            output.ip_record.certificate_number or output.ip_record.application_number
        )
    output.full_clean()
    output.save()
    record = output.ip_record
    if record is not None and record.task_id is None:
        record.task = task  # the IP registry learns which task the record came from
        record.save(update_fields=["task", "updated_at"])
    return output


def calls_for_task(task: Task) -> list[Any]:
    """The published calls for proposals of the portal that concern ``task`` (read-only)."""
    from openstx.portal.models import Article

    return list(
        Article.objects.visible()
        .filter(category=Article.Category.CALL, tasks=task)
        .order_by("-publish_at")[:20]
    )


def offer_from_output(output: TaskOutput, user: Any):  # type: ignore[no-untyped-def]
    """Turn a technology result into a draft technology offer of the host organisation,
    pre-filled from the task (title, description, fields, origin); link it to the output."""
    from openstx.exchange import services as exchange
    from openstx.exchange.models import Offer

    task = output.task
    if output.offer is not None:
        return output.offer
    if task.host_id is None:
        raise ValidationError(_("The task has no host organisation to own the offer."))
    parts = [
        output.description,
        task.objectives and _("Objectives: ") + task.objectives,
        task.expected_products and _("Products: ") + task.expected_products,
    ]
    offer = Offer(
        kind=Offer.Kind.TECHNOLOGY,
        title=(output.title or task.title)[:300],
        summary=(output.description or task.title)[:300],
        description="\n\n".join(p for p in parts if p),
        owner_id=task.host_id,
        origin=f"{task.code} {task.title}".strip()[:500],
        contact_name=task.leader.full_name if task.leader_id else "",
    )
    offer = exchange.save_listing(
        offer,
        user,
        fields=list(task.fields.all()),
        organization=task.host,
        comment=_("Created from the results of task %(code)s") % {"code": task.code},
    )
    output.offer = offer
    output.save(update_fields=["offer", "updated_at"])
    return offer


# --- From unmet demand to ordered research ---------------------------------------------------


ANSWERED_STAGES = ("accepted", "meeting", "mou", "contract")


def without_good_match(demands: Iterable[Any], threshold: float | None = None) -> list[Any]:
    """Drop demands for which the matching app finds an offer scoring at least ``threshold``
    (``PROJECTS_UNMET_MATCH_THRESHOLD``; unset: keep all — the exchange could not connect them)."""
    threshold = (
        threshold
        if threshold is not None
        else getattr(settings, "PROJECTS_UNMET_MATCH_THRESHOLD", None)
    )
    demands = list(demands)
    if threshold is None:
        return demands
    try:
        from openstx.matching import services as matching
    except ImportError:  # pragma: no cover
        return demands
    kept = []
    for demand in demands:
        best = matching.match_demand(demand, limit=1)
        if not best or best[0].score < threshold:
            kept.append(demand)
    return kept


def unmet_demands(
    *, days: int | None = None, field_id: int | None = None, region_id: int | None = None
):  # type: ignore[no-untyped-def]
    """Published demands older than ``days`` (``PROJECTS_UNMET_DEMAND_DAYS``, default 60) with
    no accepted/active connection, no successful deal and no task ordered from them yet."""
    from openstx.exchange.models import Demand

    days = days if days is not None else int(getattr(settings, "PROJECTS_UNMET_DEMAND_DAYS", 60))
    cutoff = timezone.now() - dt.timedelta(days=days)
    ordered = Task.objects.filter(source_demand__isnull=False).values("source_demand")
    qs = (
        Demand.objects.filter(status="published", published_at__lte=cutoff)
        .exclude(connections__stage__in=ANSWERED_STAGES)
        .exclude(connections__outcome="success")
        .exclude(pk__in=ordered)
        .select_related("requester", "region")
        .prefetch_related("fields")
        .distinct()
    )
    if field_id:
        from openstx.taxonomy.services import field_descendant_ids

        qs = qs.filter(fields__in=field_descendant_ids(field_id))
    if region_id:
        qs = qs.filter(region_id=region_id)
    return qs.order_by("published_at")


@transaction.atomic
def task_from_demand(demand: Any, user: Any) -> Task:
    """One step: a task proposal (đề xuất đặt hàng) pre-filled from the demand and linked to
    it; the requester is told by e-mail and notification."""
    from openstx.core.richtext import plain_text

    _require_officer(user)
    existing = Task.objects.filter(source_demand=demand).first()
    if existing is not None:
        return existing
    task = Task(
        title=demand.title[:500],
        level="provincial",
        form="de_tai",
        ordering_agency=getattr(settings, "PROJECTS_ORDERING_AGENCY", "Sở Khoa học và Công nghệ"),
        objectives=plain_text(demand.desired_outcome or demand.problem, 5000),
        expected_products=plain_text(demand.desired_outcome, 5000),
        source_demand=demand,
    )
    save_task(
        task,
        user,
        fields=list(demand.fields.all()),
        comment=_("Ordered from technology demand #%(id)s") % {"id": demand.pk},
    )
    from openstx.exchange import services as exchange

    notify(
        exchange.listing_users(demand),
        "task_ordered",
        _("Your technology need is being ordered as an S&T task"),
        _(
            "The department has proposed an S&T task from your demand “%(title)s”. "
            "You can follow its progress on the task page."
        )
        % {"title": demand.title},
        task.get_absolute_url(),
    )
    return task
