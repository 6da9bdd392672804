"""Councils: forming, conflicts of interest, suggestions, invitations, scores, conclusion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.permissions import CHANGE, can, is_authenticated
from openstx.projects.models import (
    Council,
    CouncilMember,
    ScoreSheet,
    Task,
)
from openstx.projects.services.notices import notify, officers
from openstx.projects.services.outcome import QUORUM, council_sheets, evaluate
from openstx.projects.services.tasks import _require_officer
from openstx.projects.workflow import get_workflow

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


def council_matcher():
    path = getattr(settings, "PROJECTS_COUNCIL_MATCHER", "openstx.projects.services.keyword_match")
    return import_string(path)


def suggest_members(council: Council, limit: int = 15) -> dict[str, list[dict[str, Any]]]:
    """Ranked candidates for a council: ``eligible`` (no conflict, not yet on the council) and
    ``excluded`` (with the reasons for the conflict of interest)."""
    task = council.task
    seated = set(council.members.values_list("expert_id", flat=True))
    context = conflict_context(task)
    eligible: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
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


def expert_options(
    task: Task, user: Any, text: str, exclude: set[int] | None = None
) -> list[dict[str, Any]]:
    """Experts whose name (or external id, ORCID) matches ``text``, among those ``user`` may see,
    each with its organisation and its conflicts of interest with ``task`` — what the officer's
    type-ahead shows, so a conflict is visible before the expert is chosen. Officers only."""
    _require_officer(user)
    from openstx.core.typeahead import LOOKUPS
    from openstx.directory.models import Expert

    lookup = LOOKUPS["expert"]
    qs = lookup.queryset(user).select_related("organization")
    if exclude:
        qs = qs.exclude(pk__in=exclude)
    found = lookup.search(user, text, qs)
    context = conflict_context(task)
    out = []
    for expert in found:
        assert isinstance(expert, Expert)
        out.append(
            {
                "expert": expert,
                "organization": expert.organization,
                "conflicts": conflicts_of_interest(task, expert, context),
            }
        )
    return out


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
                gettext_lazy("Invitation: %(purpose)s council for “%(task)s”"),
                gettext_lazy("Role: %(role)s. Date: %(date)s. Place: %(place)s."),
                reverse("projects:my-councils"),
                params={
                    "purpose": Council.Purpose(council.purpose).label,
                    "task": council.task.title[:120],
                    "role": CouncilMember.Role(member.role).label,
                    "date": council.meeting_date.strftime("%d/%m/%Y")
                    if council.meeting_date
                    else "—",
                    "place": council.place or "—",
                },
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
            gettext_lazy("%(name)s declined the council for “%(task)s”"),
            note,
            member.council.get_absolute_url(),
            params={"name": member.expert.display_name, "task": member.council.task.title[:120]},
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


def councils_to_organise():
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
