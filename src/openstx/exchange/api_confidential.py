"""JSON API of confidential-details requests, on the exchange router (``exchange/api.py``
imports this module): ask to see an offer's confidential details, read its terms, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Status
from ninja.errors import HttpError

from openstx.accounts.auth import api_auth
from openstx.core.api import ErrorOut, get_or_404, write
from openstx.core.permissions import CHANGE, VIEW, can, restrict
from openstx.exchange.api import router
from openstx.exchange.models import ConfidentialRequest, Offer
from openstx.exchange.schemas import (
    ConfidentialDecisionIn,
    ConfidentialRequestIn,
    ConfidentialRequestOut,
    ConfidentialTermsOut,
)
from openstx.exchange.services import confidential as service


def request_out(r: ConfidentialRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "offer": r.offer_id,
        "requester": r.requester.get_full_name() or r.requester.get_username(),
        "organization": r.organization.name if r.organization is not None else None,
        "message": r.message,
        "status": r.status,
        "nda_version": r.nda_version,
        "nda_sha256": r.nda_sha256,
        "nda_accepted_at": r.nda_accepted_at,
        "decided_at": r.decided_at,
        "reason": r.reason,
        "created_at": r.created_at,
    }


@router.get(
    "/offers/{ident}/confidential-terms",
    response={200: ConfidentialTermsOut, 404: ErrorOut},
    auth=api_auth,
)
def confidential_terms(request: HttpRequest, ident: str):
    """The non-disclosure terms a request for this offer's confidential details must accept."""
    user = request.auth  # type: ignore[attr-defined]
    offer = get_or_404(restrict(Offer.objects.all(), user, VIEW), ident)
    terms = service.terms_of(offer)
    return {
        "offer": offer.pk,
        "required": terms is not None,
        "text": terms.text if terms else "",
        "version": terms.version if terms else None,
        "sha256": terms.sha256 if terms else None,
    }


@router.get(
    "/offers/{ident}/confidential-requests",
    response={200: list[ConfidentialRequestOut], 404: ErrorOut},
    auth=api_auth,
)
def list_confidential_requests(request: HttpRequest, ident: str):
    """The offer's requests: all of them for its organisation and officers, else the caller's."""
    user = request.auth  # type: ignore[attr-defined]
    offer = get_or_404(restrict(Offer.objects.all(), user, VIEW), ident)
    qs = restrict(
        ConfidentialRequest.objects.filter(offer=offer).select_related("requester", "organization"),
        user,
        VIEW,
    )
    return [request_out(r) for r in qs[:500]]


@router.post(
    "/offers/{ident}/confidential-requests",
    response={201: ConfidentialRequestOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
@write
def create_confidential_request(request: HttpRequest, ident: str, payload: ConfidentialRequestIn):
    """Ask the owner to see the offer's confidential details (``accept_terms`` when it has
    terms)."""
    user = request.auth  # type: ignore[attr-defined]
    offer = get_or_404(restrict(Offer.objects.all(), user, VIEW), ident)
    req = service.request_details(user, offer, payload.message, accept_terms=payload.accept_terms)
    return Status(201, request_out(req))


@router.post(
    "/confidential-requests/{request_id}/decision",
    response={200: ConfidentialRequestOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
@write
def decide_confidential_request(
    request: HttpRequest, request_id: int, payload: ConfidentialDecisionIn
):
    """Grant, refuse or revoke (the offer's organisation or an officer)."""
    user = request.auth  # type: ignore[attr-defined]
    req = (
        restrict(ConfidentialRequest.objects.select_related("offer"), user, VIEW)
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        raise HttpError(404, "Not found")
    if not can(user, CHANGE, req):
        return Status(403, {"detail": "Only the offer's organisation may answer this request."})
    req = service.decide(user, req, payload.action, payload.reason)
    return request_out(req)
