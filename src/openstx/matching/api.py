"""JSON API of matching: ``/api/v1/demands/{id}/matches`` and ``/api/v1/offers/{id}/matches``.

``id`` is the listing's ``external_id`` or platform id. The caller must be able to see the
listing; the results are published listings only, and a demand's requester is never part of
the result (anonymous requesters stay anonymous). The answer never waits for vectors: the
``X-Matching-Waiting`` header says how many candidates have none yet (ranked by their words).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError

from openstx.accounts.auth import optional_user
from openstx.core.permissions import VIEW, can

router = Router(tags=["matching"])


class MatchOut(Schema):
    id: int
    external_id: str | None
    title: str
    score: float
    reasons: list[str]
    type: str
    url: str


def _listing(model, ident: str, viewer):  # type: ignore[no-untyped-def]
    from openstx.matching.services import resolve

    obj = resolve(model, ident)
    if obj is None or not can(viewer, VIEW, obj):
        raise HttpError(404, "Not found")
    return obj


@router.get("/demands/{ident}/matches", response=list[MatchOut])
def demand_matches(  # type: ignore[no-untyped-def]
    request: HttpRequest, response: HttpResponse, ident: str, limit: int = 10, experts: bool = False
):
    """Best published offers (``experts=true``: experts) for a demand, with readable reasons."""
    from openstx.exchange.models import Demand
    from openstx.matching import services

    demand = _listing(Demand, ident, optional_user(request))
    limit = max(1, min(limit, 50))
    rows = [
        services.match_to_dict(m)
        for m in services.match_demand(demand, limit=limit, experts=experts)
    ]
    response["X-Matching-Waiting"] = str(services.waiting("expert" if experts else "offer"))
    return rows


@router.get("/offers/{ident}/matches", response=list[MatchOut])
def offer_matches(request: HttpRequest, response: HttpResponse, ident: str, limit: int = 10):  # type: ignore[no-untyped-def]
    """Published demands this offer could answer (requesters are not shown)."""
    from openstx.exchange.models import Offer
    from openstx.matching import services

    offer = _listing(Offer, ident, optional_user(request))
    limit = max(1, min(limit, 50))
    rows = [services.match_to_dict(m) for m in services.match_offer(offer, limit=limit)]
    response["X-Matching-Waiting"] = str(services.waiting("demand"))
    return rows
