"""Figures the periodic report needs, computed in the database (the reports app reads these).

Definitions (per calendar year ``y``):

- **started**: tasks whose start date falls in ``y``;
- **implemented**: tasks being implemented at some time in ``y``: started on or before 31/12/y
  and not finished before 1/1/y (finished = accepted on, else the (extended) end date), in a
  state at or after contracting (implementing, accepted/registered/applied, failed, stopped);
- **accepted**: tasks whose acceptance date falls in ``y``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear

from openstx.projects.models import CouncilMember, Level, Task, TaskBudget, TaskOutput

PRE_IMPLEMENTATION = ("proposed", "listed", "call", "direct", "budget_appraisal", "approved")


def _years(year_from: int, year_to: int) -> list[int]:
    return list(range(year_from, year_to + 1))


def tasks_by_level_and_state(year_from: int, year_to: int) -> dict[int, dict[str, dict[str, int]]]:
    """``{year: {level: {"started": n, "implemented": n, "accepted": n}}}`` (every level and
    year present, zeros included)."""
    out = {
        y: {lv: {"started": 0, "implemented": 0, "accepted": 0} for lv in Level.values}
        for y in _years(year_from, year_to)
    }
    for row in (
        Task.objects.filter(start_date__year__gte=year_from, start_date__year__lte=year_to)
        .annotate(y=ExtractYear("start_date"))
        .values("y", "level")
        .annotate(n=Count("pk"))
    ):
        out[row["y"]][row["level"]]["started"] += row["n"]
    for row in (
        Task.objects.filter(accepted_on__year__gte=year_from, accepted_on__year__lte=year_to)
        .annotate(y=ExtractYear("accepted_on"))
        .values("y", "level")
        .annotate(n=Count("pk"))
    ):
        out[row["y"]][row["level"]]["accepted"] += row["n"]
    for y in out:
        first, last = dt.date(y, 1, 1), dt.date(y, 12, 31)
        rows = (
            Task.objects.exclude(state__in=PRE_IMPLEMENTATION)
            .filter(start_date__lte=last)
            .annotate(finish=Coalesce("accepted_on", "extended_end_date", "end_date"))
            .filter(Q(finish__isnull=True) | Q(finish__gte=first))
            .values("level")
            .annotate(n=Count("pk"))
        )
        for live in rows:
            out[y][live["level"]]["implemented"] = live["n"]
    return out


def tasks_by_state() -> dict[str, int]:
    return dict(Task.objects.values_list("state").annotate(n=Count("pk")).order_by())


def expert_engagements(year_from: int, year_to: int) -> dict[int, dict[str, int]]:
    """Council seats taken per year (by meeting date; declined invitations excluded):
    ``{year: {"engagements": n, "experts": distinct experts, "councils": n}}``."""
    out = {y: {"engagements": 0, "experts": 0, "councils": 0} for y in _years(year_from, year_to)}
    qs = (
        CouncilMember.objects.exclude(invitation=CouncilMember.Invitation.DECLINED)
        .filter(
            council__meeting_date__year__gte=year_from, council__meeting_date__year__lte=year_to
        )
        .annotate(y=ExtractYear("council__meeting_date"))
        .values("y")
        .annotate(
            n=Count("pk"), e=Count("expert", distinct=True), c=Count("council", distinct=True)
        )
    )
    for row in qs:
        out[row["y"]] = {"engagements": row["n"], "experts": row["e"], "councils": row["c"]}
    return out


def publications_per_year(year_from: int, year_to: int) -> dict[int, dict[str, int]]:
    """Publication outputs per year: ``{year: {"international": n, "domestic": n, "total": n}}``."""
    out = {y: {"international": 0, "domestic": 0, "total": 0} for y in _years(year_from, year_to)}
    qs = (
        TaskOutput.objects.filter(
            kind=TaskOutput.Kind.PUBLICATION, year__gte=year_from, year__lte=year_to
        )
        .values("year", "publication_kind")
        .annotate(n=Count("pk"))
    )
    for row in qs:
        kind = row["publication_kind"] or "domestic"
        year = row["year"]
        assert year is not None  # filtered on the year above
        out[year][kind] += row["n"]
        out[year]["total"] += row["n"]
    return out


def publications_per_task(limit: int | None = None) -> list[Mapping[str, Any]]:
    """Tasks with their publication counts, most first."""
    qs = (
        Task.objects.annotate(
            international=Count(
                "outputs",
                filter=Q(outputs__kind="publication", outputs__publication_kind="international"),
            ),
            total=Count("outputs", filter=Q(outputs__kind="publication")),
        )
        .filter(total__gt=0)
        .order_by("-total", "code")
        .values("pk", "code", "title", "international", "total")
    )
    return list(qs[:limit] if limit else qs)


def budget_by_year(year_from: int, year_to: int) -> dict[int, dict[str, int]]:
    """Budget lines per year and source: ``{year: {"state": vnd, "other": vnd, "total": vnd}}``."""
    out = {y: {"state": 0, "other": 0, "total": 0} for y in _years(year_from, year_to)}
    qs = (
        TaskBudget.objects.filter(year__gte=year_from, year__lte=year_to)
        .values("year", "source")
        .annotate(s=Sum("amount_vnd"))
    )
    for row in qs:
        out[row["year"]][row["source"]] += int(row["s"] or 0)
        out[row["year"]]["total"] += int(row["s"] or 0)
    return out


def people_trained(year_from: int, year_to: int) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for row in (
        TaskOutput.objects.filter(
            kind=TaskOutput.Kind.TRAINING, year__gte=year_from, year__lte=year_to
        )
        .values("degree")
        .annotate(n=Sum("count"))
    ):
        totals[row["degree"] or "other"] += int(row["n"] or 0)
    return dict(totals)
