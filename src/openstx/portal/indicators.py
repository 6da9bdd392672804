"""Portal indicators for the reports app: support given by programme and year."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from openstx.portal import services
from openstx.portal.models import Application, Programme, ServiceRequest
from openstx.reports.registry import COUNT, VND, Indicator, Row, register, years

# the reports registry lists the areas it knows; the portal brings its own


def _programmes() -> list[Programme]:
    return list(Programme.objects.order_by("title"))


@register
class SupportByProgramme(Indicator):
    key = "portal.support_amount"
    area = "portal"
    title = _("Support given by programme")
    description = _(
        "Amounts approved for organisations by the department's support programmes, "
        "by programme and year of the decision."
    )
    unit = VND
    group_label = _("Programme")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        data = services.support_by_programme_year(year_from, year_to)
        programmes = _programmes()
        if not programmes:  # nothing to break down yet: one zero row per year
            return [Row(y, "all", str(_("Total")), 0) for y in years(year_from, year_to)]
        return [
            Row(y, str(p.pk), p.title, data.get((p.pk, y), 0))
            for y in years(year_from, year_to)
            for p in programmes
        ]


@register
class ApplicationsDecided(Indicator):
    key = "portal.applications"
    area = "portal"
    title = _("Support applications decided")
    description = _("Applications to support programmes approved or rejected in the year.")
    unit = COUNT
    group_label = _("Decision")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        labels = {
            Application.Status.APPROVED: Application.Status.APPROVED.label,
            Application.Status.REJECTED: Application.Status.REJECTED.label,
        }
        counts: dict[tuple[int, str], int] = {}
        for r in (
            Application.objects.filter(
                status__in=list(labels),
                decided_at__year__gte=year_from,
                decided_at__year__lte=year_to,
            )
            .annotate(y=ExtractYear("decided_at"))
            .values("y", "status")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[(r["y"], r["status"])] = r["n"]
        return [
            Row(y, str(s), str(label), counts.get((y, s), 0))
            for y in years(year_from, year_to)
            for s, label in labels.items()
        ]


@register
class ServiceRequestsReceived(Indicator):
    key = "portal.service_requests"
    area = "portal"
    title = _("Service requests received")
    description = _(
        "Requests for the services of the department and intermediaries, by service area."
    )
    unit = COUNT
    group_label = _("Service area")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        from openstx.portal.models import Service
        from openstx.reports.registry import count_by_year

        return count_by_year(
            ServiceRequest.objects.all(),
            "created_at",
            "service__category",
            dict(Service.Category.choices),
            year_from,
            year_to,
        )
