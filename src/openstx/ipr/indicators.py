"""IP and standards indicators for the reports app (figures from ``ipr.services``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openstx.ipr import services
from openstx.ipr.models import IPType
from openstx.reports.registry import COUNT, VND, Indicator, Row, register, years


class _IPBy(Indicator):
    area = "ipr"
    unit = COUNT
    group_label = _("Type")
    measure = ""

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        data = {
            (r["type"], r["year"]): r[self.measure]
            for r in services.applications_and_grants(years=years(year_from, year_to))
        }
        return [
            Row(y, t, str(label), data.get((t, y), 0))
            for y in years(year_from, year_to)
            for t, label in IPType.choices
        ]

    def drilldown(self, year: int | None, group: str) -> str | None:
        return reverse("ipr:record-list") + f"?type={group}" + (f"&year={year}" if year else "")


@register
class IPApplications(_IPBy):
    key = "ipr.applications"
    title = _("IP applications filed")
    description = _("Applications for IP protection filed in the year, by type.")
    measure = "applications"


@register
class IPGrants(_IPBy):
    key = "ipr.grants"
    title = _("IP titles granted")
    description = _("Protection titles (văn bằng) granted in the year, by type.")
    measure = "grants"


@register
class IPSupport(Indicator):
    key = "ipr.support"
    area = "ipr"
    title = _("Department support for IP")
    description = _(
        "Amounts the department's programme gave to support IP applications, by application year."
    )
    unit = VND
    group_label = _("Support")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        data = {r["year"]: r["amount_vnd"] for r in services.support_by_year()}
        return [
            Row(y, "amount", str(_("Support amount")), data.get(y, 0))
            for y in years(year_from, year_to)
        ]


@register
class StandardsRecords(Indicator):
    key = "ipr.standards"
    area = "ipr"
    title = _("Standards and quality records")
    description = _(
        "Standard declarations, conformity declarations, labelling and barcode cases received in the year."
    )
    unit = COUNT
    group_label = _("Kind")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        from openstx.ipr.models import StandardKind

        data: dict[tuple[str, int], int] = {}
        for r in services.standards_by_year():
            data[(r["kind"], r["year"])] = r["records"]
        return [
            Row(y, k, str(label), data.get((k, y), 0))
            for y in years(year_from, year_to)
            for k, label in StandardKind.choices
        ]
