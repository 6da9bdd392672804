"""The indicator registry: each app declares its named, documented indicators in
``<app>/indicators.py``; the statistics pages, the API, open-data downloads and the periodic
report all read them from here.

    @register
    class TasksAccepted(Indicator):
        key = "projects.tasks_accepted"
        area = "projects"
        title = _("S&T tasks accepted")
        description = _("Tasks accepted (nghiệm thu) in the year, by level.")
        unit = COUNT
        def compute(self, year_from, year_to): return [Row(2018, "city", "Cấp thành phố", 12), …]
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNT, VND, PERCENT = "count", "vnd", "percent"

AREAS: OrderedDict[str, Promise] = OrderedDict(
    [
        ("budget", _("S&T budget")),
        ("projects", _("S&T tasks")),
        ("ipr", _("Intellectual property and standards")),
        ("exchange", _("Technology exchange")),
        ("directory", _("Organisations and researchers")),
        ("library", _("S&T library and digitisation")),
        ("portal", _("Support programmes and services")),
    ]
)


@dataclass(frozen=True)
class Row:
    """One figure: the year it belongs to (None for a snapshot), the breakdown it is for."""

    year: int | None
    group: str
    label: str
    value: float | int | None


class Indicator:
    key: str = ""
    area: str = ""
    title: Promise | str = ""
    description: Promise | str = ""
    unit: str = COUNT
    by_year: bool = True  # False: a snapshot (counts as of today), not a series over years
    group_label: Promise | str = _("Breakdown")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        raise NotImplementedError

    def drilldown(self, year: int | None, group: str) -> str | None:
        """Address of the records behind one figure, when a list page can show them."""
        return None


_registry: OrderedDict[str, Indicator] = OrderedDict()


def register(cls: type[Indicator]) -> type[Indicator]:
    if not cls.key or cls.area not in AREAS:
        raise ValueError(f"indicator {cls.__name__} needs a key and a known area")
    _registry[cls.key] = cls()
    return cls


def get(key: str) -> Indicator | None:
    return _registry.get(key)


def all_indicators(area: str | None = None) -> list[Indicator]:
    items = list(_registry.values())
    order = list(AREAS)
    items.sort(key=lambda i: order.index(i.area))
    return [i for i in items if area is None or i.area == area]


def years(year_from: int, year_to: int) -> list[int]:
    return list(range(year_from, year_to + 1))


def count_by_year(
    qs: Any,
    date_field: str,
    group_field: str | None,
    labels: dict[str, Any],
    year_from: int,
    year_to: int,
) -> list[Row]:
    """Count rows of ``qs`` per year of ``date_field`` and per value of ``group_field``; every
    (year, group) pair in ``labels`` is present, zeros included, so charts and tables line up."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    qs = qs.filter(**{f"{date_field}__year__gte": year_from, f"{date_field}__year__lte": year_to})
    values = ["y"] + ([group_field] if group_field else [])
    counts: dict[tuple[int, str], int] = {}
    for row in (
        qs.annotate(y=ExtractYear(date_field)).values(*values).annotate(n=Count("pk")).order_by()
    ):
        key = (row["y"], str(row[group_field]) if group_field else "all")
        counts[key] = counts.get(key, 0) + row["n"]
    groups = labels if group_field else {"all": _("Total")}
    return [
        Row(y, g, str(label), counts.get((y, g), 0))
        for y in years(year_from, year_to)
        for g, label in groups.items()
    ]
