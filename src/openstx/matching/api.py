"""JSON API of matching: ``/api/v1/demands/{id}/matches`` and ``/api/v1/offers/{id}/matches``.

``id`` is the listing's ``external_id`` or platform id. The caller must be able to see the
listing; the results are published listings only, and a demand's requester is never part of
the result (anonymous requesters stay anonymous). The answer never waits for vectors: the
``X-Matching-Waiting`` header says how many candidates have none yet (ranked by their words).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from openstx.accounts.auth import optional_user
from openstx.core.api import errors, get_or_404
from openstx.core.permissions import VIEW

router = Router(tags=["matching"])


class MatchOut(Schema):
    id: int
    external_id: str | None
    title: str
    score: float
    score_level: str  # very_good | good | related (thresholds: matching.reasons.SCORE_LABELS)
    score_label: str  # the same, in words, in the caller's language
    reasons: list[str]
    type: str
    url: str


def _listing(model, ident: str, viewer):
    return get_or_404(model.objects.all(), ident, viewer, VIEW, per_object=True)


@router.get("/demands/{ident}/matches", response={200: list[MatchOut], **errors(404)})
def demand_matches(
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


@router.get("/offers/{ident}/matches", response={200: list[MatchOut], **errors(404)})
def offer_matches(request: HttpRequest, response: HttpResponse, ident: str, limit: int = 10):
    """Published demands this offer could answer (requesters are not shown)."""
    from openstx.exchange.models import Offer
    from openstx.matching import services

    offer = _listing(Offer, ident, optional_user(request))
    limit = max(1, min(limit, 50))
    rows = [services.match_to_dict(m) for m in services.match_offer(offer, limit=limit)]
    response["X-Matching-Waiting"] = str(services.waiting("demand"))
    return rows
