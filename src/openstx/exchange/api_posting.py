"""API routes of posting: deleting a draft offer or demand (``DELETE /offers/{ident}``,
``DELETE /demands/{ident}``). Only drafts; the owner's members or an officer
(``services.delete_draft``). Joins the exchange router (imported at the end of ``api.py``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Status

from openstx.accounts.auth import api_auth
from openstx.core.api import ErrorOut, get_or_404, write
from openstx.core.permissions import VIEW, restrict
from openstx.exchange import services
from openstx.exchange.api import router
from openstx.exchange.models import Demand, Offer

RESPONSES: dict[int, Any] = {204: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _delete(request: HttpRequest, model: Any, ident: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]  # Ninja sets request.auth
    listing = get_or_404(restrict(model.objects.all(), user, VIEW), ident)
    services.delete_draft(listing, user)
    return Status(204, None)


@router.delete("/offers/{ident}", auth=api_auth, response=RESPONSES)
@write
def delete_offer(request: HttpRequest, ident: str):
    """Delete a draft offer (a submitted or published one is withdrawn instead: 422)."""
    return _delete(request, Offer, ident)


@router.delete("/demands/{ident}", auth=api_auth, response=RESPONSES)
@write
def delete_demand(request: HttpRequest, ident: str):
    """Delete a draft demand (a submitted or published one is withdrawn instead: 422)."""
    return _delete(request, Demand, ident)
