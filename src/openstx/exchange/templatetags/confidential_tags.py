"""The confidential-details panel of an offer page and the owner's list of waiting requests.

Inclusion tags, so the offer page and "my listings" show them with one line each; what a visitor
may do comes from ``exchange.services.confidential`` (and through it ``exchange.policies``)."""

from __future__ import annotations

from typing import Any

from django import template

from openstx.exchange.services import confidential as service
from openstx.exchange.services.listings import can_see_confidential

register = template.Library()


@register.inclusion_tag("exchange/confidential_panel.html", takes_context=True)
def confidential_panel(context: Any, offer: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    sees = can_see_confidential(user, offer)
    requests = list(service.requests_for(user, offer)[:50]) if user is not None else []
    for r in requests:  # each request's recorded steps, oldest first (who, when, why)
        r.steps = service.steps(r)
    mine = service.current_request(user, offer)
    return {
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "offer": offer,
        "has_parts": service.has_confidential_parts(offer),
        "sees": sees,
        "mine": mine,
        "may_request": service.may_request(user, offer),
        "terms": service.terms_of(offer),
        "answerable": requests,
        "can_answer": bool(requests) or _can_change(user, offer),
        "statuses": service.Status,
    }


@register.inclusion_tag("exchange/confidential_pending.html", takes_context=True)
def confidential_pending(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"pending": list(service.pending_for(user)[:20])}


def _can_change(user: Any, offer: Any) -> bool:
    from openstx.core.permissions import CHANGE, can

    return user is not None and can(user, CHANGE, offer)
