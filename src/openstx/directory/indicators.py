"""Directory indicators for the reports app: organisations and researchers (snapshots)."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openstx.directory.models import Expert, Organization
from openstx.reports.registry import COUNT, Indicator, Row, register


@register
class OrganizationsByType(Indicator):
    key = "directory.organizations"
    area = "directory"
    title = _("S&T organisations")
    description = _("Organisations in the directory, by type (as of today).")
    unit = COUNT
    by_year = False
    group_label = _("Type")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        counts = dict(Organization.objects.values_list("type").annotate(n=Count("pk")).order_by())
        return [
            Row(None, code, str(label), counts.get(code, 0))
            for code, label in Organization.Type.choices
        ]

    def drilldown(self, year: int | None, group: str) -> str | None:
        return reverse("directory:organization-list") + f"?type={group}"


@register
class ResearchersByDegree(Indicator):
    key = "directory.researchers"
    area = "directory"
    title = _("Researchers")
    description = _("Experts and researchers in the directory, by degree (as of today).")
    unit = COUNT
    by_year = False
    group_label = _("Degree")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        counts = dict(Expert.objects.values_list("degree").annotate(n=Count("pk")).order_by())
        rows = [
            Row(None, code, str(label), counts.get(code, 0))
            for code, label in Expert.Degree.choices
            if code
        ]
        rows.append(Row(None, "none", str(_("Not stated")), counts.get("", 0)))
        return rows

    def drilldown(self, year: int | None, group: str) -> str | None:
        return reverse("directory:expert-list") + (f"?degree={group}" if group != "none" else "")
