"""Indicator tables, budget entry, narratives and the periodic report (business rules here;
views, API and the CLI stay thin)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.charts import bar_chart_svg
from openstx.core.importing import spreadsheet_safe
from openstx.core.money import format_number, format_vnd, short_vnd
from openstx.core.permissions import is_officer
from openstx.core.richtext import plain_text, sanitize_html
from openstx.core.text import nfc
from openstx.reports import registry
from openstx.reports.models import BudgetYear, GeneratedReport, ReportLetterhead, ReportNarrative
from openstx.reports.registry import COUNT, PERCENT, VND, Indicator, Row

MIN_YEAR, MAX_YEAR = 1990, 2100

# Sections of the periodic report that staff write, in report order.
SECTIONS: list[tuple[str, Any]] = [
    ("overview", gettext_lazy("General assessment")),
    *[(area, title) for area, title in registry.AREAS.items()],
    ("limitations", gettext_lazy("Limitations and causes")),
    ("recommendations", gettext_lazy("Directions and recommendations")),
]


@dataclass
class IndicatorTable:
    indicator: Indicator
    year_from: int
    year_to: int
    columns: list[int | None]  # years, or [None] for a snapshot
    groups: list[tuple[str, str]]  # (key, label)
    values: dict[tuple[str, int | None], Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    def value(self, group: str, year: int | None) -> Any:
        return self.values.get((group, year))

    def matrix(self) -> list[dict[str, Any]]:
        """Rows for templates and documents: label, cells (with drill-down), total."""
        out = []
        for key, label in self.groups:
            cells = [
                {
                    "year": y,
                    "value": self.value(key, y),
                    "text": format_value(self.indicator.unit, self.value(key, y)),
                    "url": self.indicator.drilldown(y, key),
                }
                for y in self.columns
            ]
            out.append(
                {
                    "key": key,
                    "label": label,
                    "cells": cells,
                    "total": _total(self.indicator.unit, [c["value"] for c in cells]),
                }
            )
        return out

    def column_totals(self) -> list[Any]:
        return [
            _total(self.indicator.unit, [self.value(k, y) for k, _l in self.groups])
            for y in self.columns
        ]

    def svg(self) -> str:
        if self.indicator.by_year:
            categories = [str(y) for y in self.columns]
            series = [
                (label, [self.value(key, y) for y in self.columns]) for key, label in self.groups
            ]
        else:
            categories = [label for _k, label in self.groups]
            series = [
                (str(self.indicator.title), [self.value(key, None) for key, _l in self.groups])
            ]
        return bar_chart_svg(
            categories,
            series,
            title=str(self.indicator.title),
            fmt=lambda v: format_value(self.indicator.unit, v),
        )


def check_period(year_from: int, year_to: int) -> tuple[int, int]:
    """Validate a reporting period; raise ValueError with a message a person can act on."""
    if not (MIN_YEAR <= year_from <= MAX_YEAR and MIN_YEAR <= year_to <= MAX_YEAR):
        raise ValueError(
            _("Years must be between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    if year_from > year_to:
        raise ValueError(_("The first year must not be after the last year."))
    if year_to - year_from > 30:
        raise ValueError(_("A period can span at most 30 years."))
    return year_from, year_to


def default_period() -> tuple[int, int]:
    this_year = timezone.localdate().year
    return this_year - 4, this_year


def table(indicator: Indicator, year_from: int, year_to: int) -> IndicatorTable:
    check_period(year_from, year_to)
    rows = indicator.compute(year_from, year_to)
    columns: list[int | None] = list(range(year_from, year_to + 1)) if indicator.by_year else [None]
    groups: list[tuple[str, str]] = []
    seen = set()
    values: dict[tuple[str, int | None], Any] = {}
    for r in rows:
        if r.group not in seen:
            seen.add(r.group)
            groups.append((r.group, r.label))
        values[(r.group, r.year)] = r.value
    return IndicatorTable(indicator, year_from, year_to, columns, groups, values, rows)


def tables(year_from: int, year_to: int, area: str | None = None) -> list[IndicatorTable]:
    return [table(i, year_from, year_to) for i in registry.all_indicators(area)]


def to_records(t: IndicatorTable) -> list[dict[str, Any]]:
    return [
        {
            "indicator": t.indicator.key,
            "year": r.year,
            "group": r.group,
            "label": r.label,
            "value": r.value,
            "unit": t.indicator.unit,
        }
        for r in t.rows
    ]


def to_csv(t: IndicatorTable) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=["indicator", "year", "group", "label", "value", "unit"]
    )
    writer.writeheader()
    writer.writerows(spreadsheet_safe(r) for r in to_records(t))
    return buf.getvalue()


def to_json(t: IndicatorTable) -> str:
    return json.dumps(
        describe(t.indicator)
        | {"year_from": t.year_from, "year_to": t.year_to, "rows": to_records(t)},
        ensure_ascii=False,
        indent=1,
    )


def describe(indicator: Indicator) -> dict[str, Any]:
    return {
        "key": indicator.key,
        "area": indicator.area,
        "title": str(indicator.title),
        "description": str(indicator.description),
        "unit": indicator.unit,
        "by_year": indicator.by_year,
        "breakdown": str(indicator.group_label),
    }


def format_value(unit: str, value: Any) -> str:
    """A figure in the interface language (core.money): "1.234.567.000 đ", "1,25 %", "1.234"
    in Vietnamese (the report is always rendered in Vietnamese)."""
    if value is None:
        return "–"
    if unit == PERCENT:
        return format_number(value, decimals=2) + " %"
    if unit == VND:
        return format_vnd(value)
    return format_number(round(value))


def format_short(unit: str, value: Any) -> str:
    """A figure for a sentence or a chart axis: "61 tỷ đồng" rather than eleven digits."""
    if value is None:
        return "–"
    if unit == VND:
        return short_vnd(value)
    return format_value(unit, value)


def _total(unit: str, values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if unit == PERCENT or not present:
        return None
    return sum(present)


def compare(t: IndicatorTable, previous: IndicatorTable) -> dict[str, Any]:
    """Sum over the period against the previous period of the same length (counts and VND)."""
    if t.indicator.unit not in (COUNT, VND) or not t.indicator.by_year:
        return {}
    now = sum(v for v in (r.value for r in t.rows) if v is not None)
    before = sum(v for v in (r.value for r in previous.rows) if v is not None)
    change = round(100 * (now - before) / before, 1) if before else None
    return {
        "now": now,
        "before": before,
        "change_percent": change,
        "now_text": format_short(t.indicator.unit, now),
        "before_text": format_short(t.indicator.unit, before),
    }


# --- budget entry ------------------------------------------------------------------------


@transaction.atomic
def save_budget_year(
    user: Any,
    year: int,
    *,
    development_investment_vnd: int,
    recurrent_vnd: int,
    total_provincial_budget_vnd: int,
    note: str = "",
) -> BudgetYear:
    if not is_officer(user):
        raise PermissionError(_("Only department staff may enter budget figures."))
    for name, v in (
        ("development_investment_vnd", development_investment_vnd),
        ("recurrent_vnd", recurrent_vnd),
        ("total_provincial_budget_vnd", total_provincial_budget_vnd),
    ):
        if v is None or v < 0:
            raise ValueError(_("%(field)s must be zero or more.") % {"field": name})
    if (
        total_provincial_budget_vnd
        and development_investment_vnd + recurrent_vnd > total_provincial_budget_vnd
    ):
        raise ValueError(_("The S&T budget cannot exceed the total provincial budget."))
    obj = BudgetYear.objects.select_for_update().filter(year=year).first() or BudgetYear(year=year)
    obj.development_investment_vnd = development_investment_vnd
    obj.recurrent_vnd = recurrent_vnd
    obj.total_provincial_budget_vnd = total_provincial_budget_vnd
    obj.note = nfc(note).strip()
    # simple_history reads this attribute set at run time; the model does not declare it
    obj._history_user = user  # type: ignore[attr-defined]
    obj.save()
    return obj


# --- narratives --------------------------------------------------------------------------


# Sections written as rich text (paragraphs, bold, italic, lists), kept as sanitised HTML.
RICH_SECTIONS = {"overview"}


def rich_text(text: str) -> str:
    """Sanitised HTML of what staff typed: HTML is cleaned (core.richtext); plain text becomes
    paragraphs (a blank line between them)."""
    text = nfc(text or "").strip()
    if not text:
        return ""
    if not re.search(r"<[a-zA-Z/][^>]*>", text):
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        text = "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    cleaned = sanitize_html(text)
    return cleaned if plain_text(cleaned) else ""


def narratives(year_from: int, year_to: int) -> dict[str, str]:
    return dict(
        ReportNarrative.objects.filter(year_from=year_from, year_to=year_to).values_list(
            "section", "text"
        )
    )


@transaction.atomic
def save_narratives(user: Any, year_from: int, year_to: int, texts: dict[str, str]) -> None:
    if not is_officer(user):
        raise PermissionError(_("Only department staff may write the report."))
    valid = {key for key, _label in SECTIONS}
    for section, text in texts.items():
        if section not in valid:
            continue
        obj = ReportNarrative.objects.filter(
            year_from=year_from, year_to=year_to, section=section
        ).first() or ReportNarrative(year_from=year_from, year_to=year_to, section=section)
        obj.text = rich_text(text) if section in RICH_SECTIONS else nfc(text).strip()
        obj.updated_by = user
        # simple_history reads this attribute set at run time; the model does not declare it
        obj._history_user = user  # type: ignore[attr-defined]
        obj.save()


# --- the report --------------------------------------------------------------------------


def official_date(day: Any) -> str:
    """ "ngày 07 tháng 02 năm 2026": a leading zero for days below 10 and for January and
    February (Decree 30/2020/NĐ-CP on official documents), "tháng 12" otherwise."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def letterhead(today: Any = None) -> dict[str, Any]:
    """The report's official header (``ReportLetterhead``, edited in the admin) with the place
    and date line of official correspondence: "Cần Thơ, ngày 07 tháng 12 năm 2026"."""
    row = ReportLetterhead.load()
    day = today or timezone.localdate()
    return {
        "governing_body": row.governing_body,
        "department": row.department,
        "document_number": row.document_number,
        "date_line": f"{row.province}, {official_date(day)}",
        "signer_title": row.signer_title,
        "signer_name": row.signer_name,
        "recipients": [line for line in row.recipients.splitlines() if line.strip()],
    }


def report_data(year_from: int, year_to: int) -> dict[str, Any]:
    """Everything the report shows, area by area, with the previous period for comparison."""
    check_period(year_from, year_to)
    span = year_to - year_from + 1
    prev_from, prev_to = year_from - span, year_from - 1
    texts = narratives(year_from, year_to)
    sections = []
    for area, title in registry.AREAS.items():
        items = []
        for indicator in registry.all_indicators(area):
            t = table(indicator, year_from, year_to)
            p = (
                table(indicator, prev_from, prev_to)
                if indicator.by_year and prev_from >= MIN_YEAR
                else None
            )
            items.append({"table": t, "comparison": compare(t, p) if p else {}})
        sections.append(
            {"key": area, "title": str(title), "text": texts.get(area, ""), "items": items}
        )
    return {
        "year_from": year_from,
        "year_to": year_to,
        "previous": (prev_from, prev_to),
        "generated_at": timezone.localtime(),
        "overview": texts.get("overview", ""),
        "overview_html": rich_text(texts.get("overview", "")),
        "letterhead": letterhead(),
        "limitations": texts.get("limitations", ""),
        "recommendations": texts.get("recommendations", ""),
        "sections": sections,
    }


def request_report(user: Any, year_from: int, year_to: int, fmt: str) -> GeneratedReport:
    """Queue the report as a background job; the page shows its progress."""
    from openstx.core.jobs import enqueue
    from openstx.reports.tasks import generate_report

    if not is_officer(user):
        raise PermissionError(_("Only department staff may generate reports."))
    check_period(year_from, year_to)
    if fmt not in GeneratedReport.Format.values:
        raise ValueError(_("Unknown format %(fmt)s.") % {"fmt": fmt})
    if not rich_text(narratives(year_from, year_to).get("overview", "")):
        raise ValueError(
            _("Write and save the general assessment for %(period)s before generating the report.")
            % {"period": f"{year_from}–{year_to}"}
        )
    report = GeneratedReport.objects.create(
        year_from=year_from, year_to=year_to, format=fmt, created_by=user
    )
    job = enqueue(
        generate_report,
        kind="report",
        user=user,
        title=f"Báo cáo {year_from}–{year_to} ({fmt.upper()})",
        report_id=report.pk,
    )
    GeneratedReport.objects.filter(pk=report.pk).update(job=job)
    report.job = job
    return report
