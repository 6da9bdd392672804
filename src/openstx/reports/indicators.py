"""Budget indicators, from the figures staff enter per year (``BudgetYear``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from openstx.reports.models import BudgetYear
from openstx.reports.registry import PERCENT, VND, Indicator, Row, register, years


def _budgets(year_from: int, year_to: int) -> dict[int, BudgetYear]:
    return {b.year: b for b in BudgetYear.objects.filter(year__gte=year_from, year__lte=year_to)}


@register
class StBudget(Indicator):
    key = "budget.st_budget"
    area = "budget"
    title = _("S&T budget")
    description = _(
        "State budget for science and technology by year: development investment and recurrent spending."
    )
    unit = VND
    group_label = _("Spending")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        budgets = _budgets(year_from, year_to)
        rows = []
        for y in years(year_from, year_to):
            b = budgets.get(y)
            rows.append(
                Row(
                    y,
                    "development",
                    str(_("Development investment")),
                    b.development_investment_vnd if b else None,
                )
            )
            rows.append(
                Row(y, "recurrent", str(_("Recurrent spending")), b.recurrent_vnd if b else None)
            )
        return rows


@register
class StBudgetShare(Indicator):
    key = "budget.share"
    area = "budget"
    title = _("Share of S&T in the provincial budget")
    description = _(
        "S&T budget (development investment plus recurrent) as a percentage of total provincial budget expenditure, and the development-investment share of the S&T budget."
    )
    unit = PERCENT
    group_label = _("Share")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        budgets = _budgets(year_from, year_to)
        rows = []
        for y in years(year_from, year_to):
            b = budgets.get(y)
            rows.append(
                Row(y, "of_total", str(_("S&T in total budget")), b.share_percent if b else None)
            )
            dev = (
                round(100 * b.development_investment_vnd / b.st_total_vnd, 2)
                if b and b.st_total_vnd
                else None
            )
            rows.append(Row(y, "development", str(_("Development investment in S&T budget")), dev))
        return rows


@register
class StBudgetChange(Indicator):
    key = "budget.change"
    area = "budget"
    title = _("Year-over-year change of the S&T budget")
    description = _("Change of the total S&T budget against the year before, in per cent.")
    unit = PERCENT
    group_label = _("Change")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        budgets = _budgets(year_from - 1, year_to)
        rows = []
        for y in years(year_from, year_to):
            cur, prev = budgets.get(y), budgets.get(y - 1)
            value = (
                round(100 * (cur.st_total_vnd - prev.st_total_vnd) / prev.st_total_vnd, 2)
                if cur and prev and prev.st_total_vnd
                else None
            )
            rows.append(Row(y, "change", str(_("Change")), value))
        return rows
