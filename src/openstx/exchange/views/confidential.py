"""Pages of confidential-details requests: ask, answer (grant, refuse, revoke), the owner's terms
and the list of requests waiting for the user's organisations. Thin: the rules are in
``exchange.services.confidential`` and ``exchange.policies``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openstx.core.permissions import CHANGE, VIEW, restrict
from openstx.exchange.models import ConfidentialRequest, Offer
from openstx.exchange.services import confidential as service
from openstx.exchange.views.listings import _flash_errors

ANCHOR = "#confidential"
DONE = {
    "grant": gettext_lazy("Access granted: the requester can now see the confidential details."),
    "refuse": gettext_lazy("Request refused; the requester was told."),
    "revoke": gettext_lazy("Access revoked; the requester was told."),
}


@login_required
@require_POST
def request_details(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Request details" on an offer (with the owner's terms accepted when there are any)."""
    offer = get_object_or_404(restrict(Offer.objects.all(), request.user, VIEW), pk=pk)
    try:
        service.request_details(
            request.user,
            offer,
            request.POST.get("message", ""),
            accept_terms=request.POST.get("accept_terms") == "on",
        )
    except (ValidationError, PermissionDenied) as exc:
        _flash_errors(request, exc)
    else:
        messages.success(
            request, _("Your request was sent. You will be notified when the owner answers.")
        )
    return redirect(offer.get_absolute_url() + ANCHOR)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The owner (or an officer) grants, refuses or revokes a request."""
    req = get_object_or_404(
        restrict(ConfidentialRequest.objects.select_related("offer"), request.user, CHANGE),
        pk=pk,
    )
    try:
        service.decide(request.user, req, action, request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, str(DONE.get(action, "")))
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(req.offer.get_absolute_url() + "#confidential-requests")


@login_required
@require_POST
def terms(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner writes (or clears) the non-disclosure terms requesters must accept."""
    offer = get_object_or_404(restrict(Offer.objects.all(), request.user, CHANGE), pk=pk)
    try:
        service.set_terms(request.user, offer, request.POST.get("text", ""))
    except (ValidationError, PermissionDenied) as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Terms saved."))
    return redirect(offer.get_absolute_url() + "#confidential-requests")


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """Requests about the offers of the user's organisations (all of them for officers), those
    waiting for an answer first, and the user's own requests."""
    answerable = restrict(
        ConfidentialRequest.objects.select_related(
            "offer", "requester", "organization", "decided_by"
        ),
        request.user,
        CHANGE,
    )
    pending = answerable.filter(status=ConfidentialRequest.Status.PENDING).order_by("created_at")
    answered = answerable.exclude(status=ConfidentialRequest.Status.PENDING)[:100]
    mine = ConfidentialRequest.objects.filter(requester_id=request.user.pk).select_related(
        "offer", "decided_by"
    )[:100]
    return render(
        request,
        "exchange/confidential_requests.html",
        {"pending": pending[:200], "answered": answered, "mine": mine},
    )
