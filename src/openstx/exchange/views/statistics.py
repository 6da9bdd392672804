"""The exchange's statistics page for staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from openstx.core.permissions import (
    is_broker_or_officer,
)

# --- Statistics -------------------------------------------------------------------------------------


def _chart(title: str, rows: list[dict[str, Any]], value_key: str = "count") -> str:
    """A horizontal bar chart (core.charts) of ``rows``; the page prints the same numbers in a
    table beside it."""
    from openstx.core.charts import hbar_chart_svg

    return hbar_chart_svg(
        [str(r["label"]) for r in rows], [r[value_key] or 0 for r in rows], title=str(title)
    )


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    if not is_broker_or_officer(request.user):
        raise PermissionDenied
    import datetime as dt

    from openstx.exchange.stats import exchange_statistics

    def parse(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    date_from, date_to = parse("from"), parse("to")
    stats = exchange_statistics(date_from, date_to)
    by_field = [
        dict(
            r,
            total=r["offers"] + r["demands"],
            label=f"{r['key']} {r['label_en'] if request.LANGUAGE_CODE == 'en' and r['label_en'] else r['label']}",
        )
        for r in stats["listings_by_field"][:15]
    ]
    charts = [
        ("kind", _("Offers by kind"), stats["offers_by_kind"]),
        ("offer-status", _("Offers by status"), stats["offers_by_status"]),
        ("demand-status", _("Demands by status"), stats["demands_by_status"]),
        ("stage", _("Connections and deals by stage"), stats["connections_by_stage"]),
    ]
    return render(
        request,
        "exchange/statistics.html",
        {
            "stats": stats,
            "charts": [
                {"id": cid, "title": title, "rows": rows, "svg": _chart(title, rows)}
                for cid, title, rows in charts
            ],
            "by_field": by_field,
            "field_svg": _chart(_("Listings by field of science"), by_field, "total"),
            "date_from": date_from,
            "date_to": date_to,
        },
    )
