"""Events (Techmart, demo days): preparation by officers, publication, registration of listings."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.notifications import notify
from openstx.core.permissions import (
    CHANGE,
    can,
    is_authenticated,
    is_officer,
)
from openstx.exchange.models import (
    Demand,
    Offer,
)
from openstx.exchange.services.listings import S, TransitionError, listing_users

log = logging.getLogger(__name__)

# --- Events --------------------------------------------------------------------------------------

EVENT_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    # action: (allowed from, to)
    "publish": (frozenset({"draft"}), "published"),
    "unpublish": (frozenset({"published"}), "draft"),
    "cancel": (frozenset({"published"}), "cancelled"),
}
EVENT_ACTION_LABELS = {
    "publish": gettext_lazy("published"),
    "unpublish": gettext_lazy("returned to draft"),
    "cancel": gettext_lazy("cancelled"),
}


def _require_event_editor(user: Any) -> None:
    if not is_officer(user):
        raise PermissionDenied(_("Only department officers can prepare events."))


def validate_event(event: Any) -> None:
    errors: dict[str, list[str]] = {}
    if not (event.title or "").strip():
        errors["title"] = [_("Give the event a title.")]
    if not event.start_date:
        errors["start_date"] = [_("Give the date the event starts.")]
    if event.end_date and event.start_date and event.end_date < event.start_date:
        errors["end_date"] = [_("The event cannot end before it starts.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_event(event: Any, user: Any, comment: str = "") -> Any:
    """Create (as a draft) or update an event; officers only."""
    from openstx.exchange.models import Event

    _require_event_editor(user)
    validate_event(event)
    if event.pk is None:
        event.status = Event.Status.DRAFT
        event.published_at = None
        event.created_by = user if is_authenticated(user) else None
    else:  # status changes only through event_transition()
        event.status = Event.objects.values_list("status", flat=True).get(pk=event.pk)
    event._change_reason = comment or ("create" if event.pk is None else "edit")
    event.save()
    return event


@transaction.atomic
def event_transition(event: Any, action: str, user: Any, comment: str = "") -> Any:
    """Publish a draft, return it to draft, or cancel a published event (officers only).

    Cancelling tells the members of every registered listing's organisation."""
    from openstx.exchange.models import Event

    _require_event_editor(user)
    if action not in EVENT_ACTIONS:
        raise TransitionError(_("Unknown action."))
    sources, target = EVENT_ACTIONS[action]
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status not in sources:
        raise TransitionError(
            _("This cannot be done while the event is “%(status)s”.")
            % {"status": event.get_status_display()}
        )
    comment = (comment or "").strip()
    if action == "cancel" and not comment:
        raise TransitionError(_("Say why the event is cancelled; participants will see it."))
    if action == "publish":
        validate_event(event)
        event.published_at = event.published_at or timezone.now()
    event.status = target
    event._change_reason = f"{action}: {comment}"[:1000] if comment else action
    event.save()
    if action == "cancel":
        users: dict[int, Any] = {}
        for listing in [*event.offers.all(), *event.demands.all()]:
            for u in listing_users(listing):
                users.setdefault(u.pk, u)
        notify(
            users.values(),
            "event_cancel",
            gettext_lazy("Event cancelled: %(title)s"),
            comment,
            event.get_absolute_url(),
            params={"title": event.title[:200]},
            exclude=user,
        )
    return event


def event_allowed_actions(user: Any, event: Any) -> list[str]:
    if not is_officer(user):
        return []
    return [a for a, (sources, _to) in EVENT_ACTIONS.items() if event.status in sources]


def event_registration_open(event: Any, today: dt.date | None = None) -> bool:
    """Listings can be registered while the event is published, open and not over."""
    today = today or timezone.localdate()
    return event.status == "published" and event.registration_open and event.last_day >= today


def event_counts(event: Any) -> dict[str, int]:
    conns = event.connections.all()
    return {
        "offers": event.offers.count(),
        "demands": event.demands.count(),
        "participants": event.participants.count(),
        "connections": conns.count(),
        "contracts": conns.filter(contract_date__isnull=False).count(),
    }


def register_for_event(event: Any, user: Any, listing: Offer | Demand) -> None:
    """A member registers its organisation's published listing to be showcased at the event;
    an officer may showcase any published listing."""
    if not can(user, CHANGE, listing):
        raise PermissionDenied(_("You may register only your own organisation's listings."))
    if listing.status != S.PUBLISHED:
        raise TransitionError(_("Only published listings can be registered."))
    if not event_registration_open(event) and not (
        is_officer(user) and event.status in ("draft", "published")
    ):
        raise TransitionError(_("Registration for this event is closed."))
    (event.offers if isinstance(listing, Offer) else event.demands).add(listing)
    event.participants.add(listing.organization)


def unregister_from_event(event: Any, user: Any, listing: Offer | Demand) -> None:
    """Take a listing off the event (its organisation's members or an officer). The
    organisation stays a participant while it still has another listing there."""
    if not can(user, CHANGE, listing):
        raise PermissionDenied(_("You may register only your own organisation's listings."))
    (event.offers if isinstance(listing, Offer) else event.demands).remove(listing)
    org_id = listing.organization_id
    if (
        not event.offers.filter(owner_id=org_id).exists()
        and not event.demands.filter(requester_id=org_id).exists()
    ):
        event.participants.remove(org_id)
