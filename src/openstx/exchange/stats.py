"""Exchange statistics as plain data (for the staff page and the future reports app)."""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from typing import Any

from django.db.models import Count, Q, Sum

from openstx.exchange.models import Connection, Demand, Event, ListingStatus, Offer


def _rows(qs, field: str, choices) -> list[dict[str, Any]]:
    counts = dict(qs.values_list(field).annotate(n=Count("pk")).order_by())
    return [
        {"key": code, "label": str(label), "count": counts.get(code, 0)}
        for code, label in choices
        if code
    ]


def _period(qs, field: str, date_from: dt.date | None, date_to: dt.date | None):
    if date_from:
        qs = qs.filter(**{f"{field}__date__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{field}__date__lte": date_to})
    return qs


def exchange_statistics(
    date_from: dt.date | None = None, date_to: dt.date | None = None
) -> dict[str, Any]:
    """Listings by field, kind and status; connections and deals by stage; total and median
    deal value; time to first response; conversion from interest to contract.

    Listings and connections are counted by their creation date within the period. A *deal* is a
    connection with a signed contract (a contract value recorded), whatever happened after.
    """
    offers = _period(Offer.objects.all(), "created_at", date_from, date_to)
    demands = _period(Demand.objects.all(), "created_at", date_from, date_to)
    conns = _period(Connection.objects.all(), "created_at", date_from, date_to)

    field_rows: dict[int, dict[str, Any]] = {}
    for kind, qs in (("offers", offers), ("demands", demands)):
        agg = (
            qs.filter(fields__isnull=False)
            .values("fields__pk", "fields__code", "fields__name_vi", "fields__name_en")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        for row in agg:
            entry = field_rows.setdefault(
                row["fields__pk"],
                {
                    "key": row["fields__code"],
                    "label": row["fields__name_vi"],
                    "label_en": row["fields__name_en"],
                    "offers": 0,
                    "demands": 0,
                },
            )
            entry[kind] = row["n"]
    by_field = sorted(field_rows.values(), key=lambda r: (-(r["offers"] + r["demands"]), r["key"]))

    deals = conns.filter(contract_value_vnd__isnull=False)
    values = sorted(deals.values_list("contract_value_vnd", flat=True))
    total_value = deals.aggregate(s=Sum("contract_value_vnd"))["s"] or 0

    response_hours = [
        (responded - created).total_seconds() / 3600
        for created, responded in conns.filter(responded_at__isnull=False).values_list(
            "created_at", "responded_at"
        )
    ]
    total_conns = conns.count()
    contracts = conns.filter(contract_date__isnull=False).count()
    outcomes = conns.filter(stage=Connection.Stage.CLOSED).aggregate(
        success=Count("pk", filter=Q(outcome=Connection.Outcome.SUCCESS)),
        failure=Count("pk", filter=Q(outcome=Connection.Outcome.FAILURE)),
    )
    events = _period(Event.objects.all(), "created_at", date_from, date_to)
    return {
        "period": {"from": date_from, "to": date_to},
        "offers_total": offers.count(),
        "demands_total": demands.count(),
        "offers_by_kind": _rows(offers, "kind", Offer.Kind.choices),
        "offers_by_status": _rows(offers, "status", ListingStatus.choices),
        "demands_by_status": _rows(demands, "status", ListingStatus.choices),
        "listings_by_field": by_field,
        "connections_total": total_conns,
        "connections_by_stage": _rows(conns, "stage", Connection.Stage.choices),
        "outcomes": outcomes,
        "deals": {
            "count": len(values),
            "total_value_vnd": int(total_value),
            "median_value_vnd": int(pystats.median(values)) if values else None,
        },
        "first_response": {
            "count": len(response_hours),
            "median_hours": round(pystats.median(response_hours), 2) if response_hours else None,
            "mean_hours": round(pystats.fmean(response_hours), 2) if response_hours else None,
        },
        "conversion": {
            "interests": total_conns,
            "contracts": contracts,
            "rate": round(contracts / total_conns, 4) if total_conns else None,
        },
        "events": {
            "count": events.count(),
            "connections": conns.filter(event__isnull=False).count(),
        },
    }
