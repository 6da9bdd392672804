"""Connection pipelines and the exchange's figures."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import Q, QuerySet

from openstx.core.permissions import (
    VIEW,
    is_broker_or_officer,
)
from openstx.exchange.models import (
    Connection,
)
from openstx.exchange.policies import (
    connection_party_q,
)

log = logging.getLogger(__name__)


# --- Pipelines -----------------------------------------------------------------------------------


def pipeline(user: Any, *, mine_only: bool = False, stage: str = "", q: str = "") -> Any:
    """Connections ``user`` follows: a party's own, or everything for brokers and staff."""
    from openstx.core.permissions import restrict

    qs: QuerySet[Connection] = Connection.objects.select_related(
        "demand", "offer", "expert", "seeker_org", "provider_org", "broker"
    )
    qs = (
        qs.filter(connection_party_q(user))
        if mine_only or not is_broker_or_officer(user)
        else restrict(qs, user, VIEW)
    )
    if stage:
        qs = qs.filter(stage=stage)
    if q:
        qs = qs.filter(
            Q(demand__title__icontains=q)
            | Q(offer__title__icontains=q)
            | Q(expert__full_name__icontains=q)
        )
    return qs


def exchange_statistics(date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    """Statistics for the staff page and the reports app (see ``openstx.exchange.stats``)."""
    from openstx.exchange.stats import exchange_statistics as compute

    return compute(date_from, date_to)
