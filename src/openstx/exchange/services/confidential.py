"""Requests to see an offer's confidential details: ask (accepting the owner's terms when set),
grant, refuse, revoke, and the owner's non-disclosure terms.

The rule of who sees the details stays ``exchange.policies`` (CONFIDENTIAL): a granted, unrevoked
request is one of its cases, so the page, the attachment download, the API, search and exports
follow a grant or a revocation without knowing about it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.notifications import notify
from openstx.core.permissions import (
    CHANGE,
    VIEW,
    can,
    is_authenticated,
    organization_ids,
    restrict,
)
from openstx.exchange.models import (
    ConfidentialRequest,
    ConfidentialTerms,
    ListingStatus,
    Offer,
)
from openstx.exchange.policies import CONFIDENTIAL, is_listing_owner
from openstx.exchange.services.listings import listing_users

Status = ConfidentialRequest.Status
VERB = "confidential"  # notification verb (core.NotificationPreference can mute its e-mails)


def has_confidential_parts(offer: Offer) -> bool:
    """The offer keeps something back: a confidential detail or a confidential attachment."""
    if (offer.confidential_detail or "").strip():
        return True
    return offer.attachments.filter(confidential=True).exists()


def terms_of(offer: Offer) -> ConfidentialTerms | None:
    """The owner's non-disclosure terms, or None when there are none (or the text is empty)."""
    terms = ConfidentialTerms.objects.filter(offer=offer).first()
    return terms if terms and terms.text.strip() else None


def set_terms(user: Any, offer: Offer, text: str) -> ConfidentialTerms:
    """Write the offer's non-disclosure terms (the owner's members or officers). A changed text
    gets a new version; requests keep the version their requester accepted."""
    if not can(user, CHANGE, offer):
        raise PermissionDenied(_("Only the offer's organisation may set its terms."))
    text = (text or "").strip()
    if len(text) > 20000:
        raise ValidationError(_("The terms are too long (20,000 characters at most)."))
    terms, created = ConfidentialTerms.objects.get_or_create(
        offer=offer, defaults={"text": text, "updated_by": user}
    )
    if not created and terms.text != text:
        terms.text = text
        terms.version += 1
        terms.updated_by = user
        terms._change_reason = "edit"  # type: ignore[attr-defined]
        terms.save()
    return terms


def current_request(user: Any, offer: Offer) -> ConfidentialRequest | None:
    """The user's latest request about this offer (any status), if any."""
    if not is_authenticated(user):
        return None
    return ConfidentialRequest.objects.filter(offer=offer, requester=user).first()


def may_request(user: Any, offer: Offer) -> bool:
    """Whether ``user`` could ask now: signed in, another organisation, a published offer
    with confidential parts that the user cannot already see, and no open request."""
    return not _refusal(user, offer)


def _refusal(user: Any, offer: Offer) -> str:
    """Why ``user`` may not ask now ('' when they may)."""
    if not is_authenticated(user):
        return _("Sign in to request the confidential details.")
    if not can(user, VIEW, offer) or offer.status != ListingStatus.PUBLISHED:
        return _("Only published offers take requests.")
    if is_listing_owner(user, offer):
        return _("This is your organisation's offer.")
    if can(user, CONFIDENTIAL, offer):
        return _("You can already see the confidential details.")
    if ConfidentialRequest.objects.filter(
        offer=offer, requester=user, status__in=ConfidentialRequest.OPEN
    ).exists():
        return _("Your request is already waiting for the owner.")
    if not has_confidential_parts(offer):
        return _("This offer has no confidential details.")
    return ""


@transaction.atomic
def request_details(
    user: Any, offer: Offer, message: str = "", *, accept_terms: bool = False
) -> ConfidentialRequest:
    """Ask the offer's owner to see its confidential details. When the owner set terms, the
    requester must accept them; the accepted text, its version and hash and the time are kept."""
    refusal = _refusal(user, offer)
    if refusal:
        raise ValidationError(refusal)
    terms = terms_of(offer)
    if terms is not None and not accept_terms:
        raise ValidationError(
            {"accept_terms": _("Accept the non-disclosure terms to send the request.")}
        )
    orgs = sorted(organization_ids(user))
    req = ConfidentialRequest(
        offer=offer,
        requester=user,
        organization_id=orgs[0] if orgs else None,
        message=(message or "").strip()[:5000],
    )
    if terms is not None:
        req.nda_text = terms.text
        req.nda_version = terms.version
        req.nda_sha256 = terms.sha256
        req.nda_accepted_at = timezone.now()
    req._change_reason = "request"  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            req.save()
    except IntegrityError as exc:  # a second click raced the first
        raise ValidationError(_("Your request is already waiting for the owner.")) from exc
    notify(
        listing_users(offer),
        VERB,
        gettext_lazy("Request to see the confidential details of “%(title)s”"),
        gettext_lazy("%(who)s asks to see the confidential details of your offer."),
        url=offer.get_absolute_url() + "#confidential-requests",
        params={"title": offer.title, "who": _who(req)},
        exclude=user,
    )
    return req


def _who(req: ConfidentialRequest) -> str:
    name = req.requester.get_full_name() or req.requester.get_username()
    return f"{name} ({req.organization.name})" if req.organization is not None else name


_STEPS = {
    # action: (from, to)
    "grant": (Status.PENDING, Status.GRANTED),
    "refuse": (Status.PENDING, Status.REFUSED),
    "revoke": (Status.GRANTED, Status.REVOKED),
}

_TITLES = {
    Status.GRANTED: gettext_lazy("You may now see the confidential details of “%(title)s”"),
    Status.REFUSED: gettext_lazy(
        "Your request for the confidential details of “%(title)s” was refused"
    ),
    Status.REVOKED: gettext_lazy("Access to the confidential details of “%(title)s” was withdrawn"),
}


@transaction.atomic
def decide(
    user: Any, req: ConfidentialRequest, action: str, reason: str = ""
) -> ConfidentialRequest:
    """Grant, refuse or revoke a request (the offer's organisation or an officer); the requester
    is told each time, in their own language."""
    if action not in _STEPS:
        raise ValidationError(_("Unknown action."))
    if not can(user, CHANGE, req):
        raise PermissionDenied(_("Only the offer's organisation may answer this request."))
    req = ConfidentialRequest.objects.select_for_update().select_related("offer").get(pk=req.pk)
    before, after = _STEPS[action]
    if req.status != before:
        raise ValidationError(
            _("This request is %(status)s; it cannot be changed that way.")
            % {"status": req.get_status_display().lower()}
        )
    req.status = after
    req.decided_by = user
    req.decided_at = timezone.now()
    req.reason = (reason or "").strip()[:5000]
    req._change_reason = f"{action}: {req.reason}"[:100] if req.reason else action  # type: ignore[attr-defined]
    req.save()
    body = (
        gettext_lazy("Reason: %(reason)s")
        if req.reason
        else gettext_lazy("Open the offer to see where you stand.")
    )
    notify(
        [req.requester],
        VERB,
        _TITLES[after],
        body,
        url=req.offer.get_absolute_url(),
        params={"title": req.offer.title, "reason": req.reason},
    )
    return req


def grant(user: Any, req: ConfidentialRequest, reason: str = "") -> ConfidentialRequest:
    return decide(user, req, "grant", reason)


def refuse(user: Any, req: ConfidentialRequest, reason: str = "") -> ConfidentialRequest:
    return decide(user, req, "refuse", reason)


def revoke(user: Any, req: ConfidentialRequest, reason: str = "") -> ConfidentialRequest:
    return decide(user, req, "revoke", reason)


def requests_for(user: Any, offer: Offer) -> QuerySet:
    """The requests about ``offer`` that ``user`` may answer (its organisation, officers)."""
    return restrict(
        ConfidentialRequest.objects.filter(offer=offer).select_related(
            "requester", "organization", "decided_by"
        ),
        user,
        CHANGE,
    )


def pending_for(user: Any) -> QuerySet:
    """Requests waiting for an answer on the offers of the user's organisations (dashboard)."""
    if not is_authenticated(user):
        return ConfidentialRequest.objects.none()
    return (
        ConfidentialRequest.objects.filter(
            status=Status.PENDING, offer__owner__in=organization_ids(user)
        )
        .select_related("offer", "requester", "organization")
        .order_by("created_at", "id")
    )


def steps(req: ConfidentialRequest) -> list[Any]:
    """The request's history, oldest first (simple-history records, with who and why)."""
    return list(req.history.select_related("history_user").order_by("history_date"))
