"""S&T task indicators for the reports app (figures computed by ``projects.figures``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openstx.projects import figures
from openstx.projects.models import Level
from openstx.reports.registry import COUNT, VND, Indicator, Row, register


class _TasksBy(Indicator):
    area = "projects"
    unit = COUNT
    group_label = _("Level")
    measure = ""

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        data = figures.tasks_by_level_and_state(year_from, year_to)
        return [
            Row(y, level, str(label), data[y][level][self.measure])
            for y in sorted(data)
            for level, label in Level.choices
        ]

    def drilldown(self, year: int | None, group: str) -> str | None:
        return reverse("projects:task-list") + f"?level={group}"


@register
class TasksStarted(_TasksBy):
    key = "projects.tasks_started"
    title = _("S&T tasks started")
    description = _("S&T tasks whose implementation started in the year, by level.")
    measure = "started"


@register
class TasksImplemented(_TasksBy):
    key = "projects.tasks_implemented"
    title = _("S&T tasks implemented")
    description = _("S&T tasks under implementation at some time in the year, by level.")
    measure = "implemented"


@register
class TasksAccepted(_TasksBy):
    key = "projects.tasks_accepted"
    title = _("S&T tasks accepted")
    description = _("S&T tasks accepted (nghiệm thu) in the year, by level.")
    measure = "accepted"


@register
class ExpertEngagements(Indicator):
    key = "projects.expert_engagements"
    area = "projects"
    title = _("Expert engagements in councils")
    description = _(
        "Seats taken by experts in selection, acceptance and appraisal councils in the year."
    )
    unit = COUNT
    group_label = _("Measure")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        data = figures.expert_engagements(year_from, year_to)
        return [
            Row(y, "engagements", str(_("Engagements")), data[y]["engagements"])
            for y in sorted(data)
        ] + [
            Row(y, "experts", str(_("Distinct experts")), data[y]["experts"]) for y in sorted(data)
        ]


@register
class Publications(Indicator):
    key = "projects.publications"
    area = "projects"
    title = _("Publications from S&T tasks")
    description = _("Papers published from S&T tasks in the year, international and domestic.")
    unit = COUNT
    group_label = _("Kind")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        data = figures.publications_per_year(year_from, year_to)
        labels = {"international": _("International"), "domestic": _("Domestic")}
        return [
            Row(y, k, str(label), data[y][k]) for y in sorted(data) for k, label in labels.items()
        ]


@register
class TaskBudget(Indicator):
    key = "projects.budget"
    area = "projects"
    title = _("Funding of S&T tasks")
    description = _("Funds allocated to S&T tasks in the year, by source.")
    unit = VND
    group_label = _("Source")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        data = figures.budget_by_year(year_from, year_to)
        labels = {"state": _("State budget"), "other": _("Other sources")}
        return [
            Row(y, k, str(label), data[y][k]) for y in sorted(data) for k, label in labels.items()
        ]
