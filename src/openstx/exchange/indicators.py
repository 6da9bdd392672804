"""Exchange indicators for the reports app: listings, connections, deals and their value."""

from __future__ import annotations

from django.db.models import Sum
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openstx.exchange.models import Connection, Demand, Offer
from openstx.reports.registry import COUNT, VND, Indicator, Row, count_by_year, register, years


@register
class ListingsPublished(Indicator):
    key = "exchange.listings"
    area = "exchange"
    title = _("Offers and demands published")
    description = _("Technology offers and demands published on the exchange in the year.")
    unit = COUNT
    group_label = _("Listing")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        offers = count_by_year(Offer.objects.all(), "published_at", None, {}, year_from, year_to)
        demands = count_by_year(Demand.objects.all(), "published_at", None, {}, year_from, year_to)
        return [Row(r.year, "offers", str(_("Offers")), r.value) for r in offers] + [
            Row(r.year, "demands", str(_("Demands")), r.value) for r in demands
        ]

    def drilldown(self, year: int | None, group: str) -> str | None:
        return reverse("exchange:offer-list" if group == "offers" else "exchange:demand-list")


@register
class Connections(Indicator):
    key = "exchange.connections"
    area = "exchange"
    title = _("Connections and deals")
    description = _(
        "Supply–demand connections started in the year, and contracts signed in the year."
    )
    unit = COUNT
    group_label = _("Stage")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        started = count_by_year(
            Connection.objects.all(), "created_at", None, {}, year_from, year_to
        )
        signed = count_by_year(
            Connection.objects.filter(contract_value_vnd__isnull=False),
            "contract_date",
            None,
            {},
            year_from,
            year_to,
        )
        return [Row(r.year, "connections", str(_("Connections")), r.value) for r in started] + [
            Row(r.year, "contracts", str(_("Contracts")), r.value) for r in signed
        ]


@register
class DealValue(Indicator):
    key = "exchange.deal_value"
    area = "exchange"
    title = _("Value of technology contracts")
    description = _(
        "Total value of the technology-transfer contracts signed through the exchange in the year."
    )
    unit = VND
    group_label = _("Value")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        sums = dict(
            Connection.objects.filter(
                contract_value_vnd__isnull=False,
                contract_date__year__gte=year_from,
                contract_date__year__lte=year_to,
            )
            .annotate(y=ExtractYear("contract_date"))
            .values_list("y")
            .annotate(s=Sum("contract_value_vnd"))
            .order_by()
        )
        return [
            Row(y, "value", str(_("Contract value")), int(sums.get(y) or 0))
            for y in years(year_from, year_to)
        ]
