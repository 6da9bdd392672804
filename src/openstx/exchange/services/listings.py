"""Listings: validation and quality, the life cycle and moderation, saving, images and
attachments, expiry, and who sees confidential details or an anonymous requester."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.notifications import notify, officers
from openstx.core.permissions import (
    CHANGE,
    can,
    is_authenticated,
    is_officer,
    organization_ids,
)
from openstx.exchange.models import (
    Connection,
    Demand,
    ListingAttachment,
    ListingImage,
    ListingStatus,
    ListingTransition,
    Offer,
)
from openstx.exchange.policies import (
    CONFIDENTIAL,
    OFFICER,
    OWNER_OR_OFFICER,
    REQUESTER,
    SYSTEM,
    is_listing_owner,
    may_act,
)

log = logging.getLogger(__name__)


S = ListingStatus
Stage = Connection.Stage
VALIDITY_DAYS = getattr(settings, "OPENSTX_LISTING_VALIDITY_DAYS", 365)
REMIND_DAYS = getattr(settings, "OPENSTX_LISTING_REMIND_DAYS", 14)


class TransitionError(ValidationError):
    """The action is not possible from the current state (or the data is incomplete)."""


# --- Helpers ---------------------------------------------------------------------------------

is_owner = is_listing_owner  # the name views and templates use


def listing_kind(listing: Offer | Demand) -> str:
    return "offer" if isinstance(listing, Offer) else "demand"


def _org_users(org_ids: Iterable[int | None]) -> list[Any]:
    from django.contrib.auth import get_user_model

    ids = [i for i in org_ids if i]
    if not ids:
        return []
    return list(
        get_user_model()
        .objects.filter(
            memberships__organization_id__in=ids, memberships__status="approved", is_active=True
        )
        .distinct()
    )


def listing_users(listing: Offer | Demand) -> list[Any]:
    """The people who look after a listing: its organisation's members and its author."""
    users = {u.pk: u for u in _org_users([listing.organization_id])}
    if listing.created_by_id and listing.created_by_id not in users:
        users[listing.created_by_id] = listing.created_by
    return list(users.values())


# --- Validation and quality ------------------------------------------------------------------


def validate_listing(
    listing: Offer | Demand, *, today: dt.date | None = None, check_dates: bool = True
) -> None:
    """Field rules that hold in every state (prices, TRL, dates). Raises ValidationError."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if check_dates and listing.valid_until and listing.valid_until < today:
        errors.setdefault("valid_until", []).append(_("The validity date is in the past."))
    if isinstance(listing, Offer):
        if listing.price_vnd is not None and listing.price_vnd < 0:
            errors.setdefault("price_vnd", []).append(_("The price cannot be negative."))
        if listing.trl is not None and not 1 <= listing.trl <= 9:
            errors.setdefault("trl", []).append(_("TRL is between 1 and 9."))
        from openstx.exchange.models import TransferMode

        unknown = set(listing.transfer_mode_list) - set(TransferMode.values)
        if unknown:
            errors.setdefault("transfer_modes", []).append(
                _("Unknown transfer mode: %(modes)s") % {"modes": ", ".join(sorted(unknown))}
            )
    else:
        for name in ("budget_min_vnd", "budget_max_vnd"):
            value = getattr(listing, name)
            if value is not None and value < 0:
                errors.setdefault(name, []).append(_("The budget cannot be negative."))
        if (
            listing.budget_min_vnd is not None
            and listing.budget_max_vnd is not None
            and listing.budget_min_vnd > listing.budget_max_vnd
        ):
            errors.setdefault("budget_max_vnd", []).append(
                _("The upper budget must not be below the lower one.")
            )
        if listing.min_trl is not None and not 1 <= listing.min_trl <= 9:
            errors.setdefault("min_trl", []).append(_("TRL is between 1 and 9."))
        if check_dates and listing.deadline and listing.deadline < today:
            errors.setdefault("deadline", []).append(_("The deadline is in the past."))
    if errors:
        raise ValidationError(errors)


def quality_issues(listing: Offer | Demand) -> list[str]:
    """What a listing lacks before it can be submitted, in words the owner understands."""
    issues: list[str] = []
    has_fields = listing.pk is not None and listing.fields.exists()
    if isinstance(listing, Offer):
        if not listing.summary:
            issues.append(_("Add a one-line summary."))
        if not listing.advantages:
            issues.append(_("State the advantages over existing solutions."))
        if listing.trl is None:
            issues.append(_("Give the technology readiness level (TRL)."))
        if not has_fields:
            issues.append(_("Choose at least one field of science."))
        if not listing.description:
            issues.append(_("Describe the offer."))
        if not listing.transfer_modes and listing.kind == Offer.Kind.TECHNOLOGY:
            issues.append(_("Choose how the technology can be transferred."))
    else:
        if not listing.problem:
            issues.append(_("Describe the problem."))
        if not listing.desired_outcome:
            issues.append(_("Describe the desired outcome."))
        if not has_fields:
            issues.append(_("Choose at least one field of science."))
    return issues


# --- Listing life cycle ------------------------------------------------------------------------


TRANSITIONS: dict[str, tuple[frozenset[str], str | None, str]] = {
    # action: (allowed from, to (None = unchanged), who)
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED, OWNER_OR_OFFICER),
    "approve": (frozenset({S.SUBMITTED}), S.PUBLISHED, OFFICER),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED, OFFICER),
    "redraft": (frozenset({S.REJECTED}), S.DRAFT, OWNER_OR_OFFICER),
    "pause": (frozenset({S.PUBLISHED}), S.PAUSED, OWNER_OR_OFFICER),
    "resume": (frozenset({S.PAUSED}), S.PUBLISHED, OWNER_OR_OFFICER),
    "withdraw": (
        frozenset({S.DRAFT, S.SUBMITTED, S.REJECTED, S.PUBLISHED, S.PAUSED, S.EXPIRED}),
        S.WITHDRAWN,
        OWNER_OR_OFFICER,
    ),
    "reconfirm": (frozenset({S.PUBLISHED, S.PAUSED, S.EXPIRED}), None, OWNER_OR_OFFICER),
    "expire": (frozenset({S.PUBLISHED, S.PAUSED}), S.EXPIRED, SYSTEM),
    "fulfil": (frozenset({S.PUBLISHED, S.PAUSED, S.EXPIRED}), S.WITHDRAWN, OWNER_OR_OFFICER),
}

ACTION_LABELS = {
    "create": gettext_lazy("created"),
    "submit": gettext_lazy("submitted for moderation"),
    "approve": gettext_lazy("approved and published"),
    "reject": gettext_lazy("rejected"),
    "redraft": gettext_lazy("returned to draft"),
    "pause": gettext_lazy("paused"),
    "resume": gettext_lazy("published again"),
    "withdraw": gettext_lazy("withdrawn"),
    "reconfirm": gettext_lazy("re-confirmed"),
    "expire": gettext_lazy("expired"),
    "fulfil": gettext_lazy("closed: the need was met by a deal"),
    "edit": gettext_lazy("edited after publication: back to moderation"),
}


def allowed_actions(user: Any, listing: Offer | Demand) -> list[str]:
    """The transitions ``user`` may perform on ``listing`` now (for buttons)."""
    return [a for a in TRANSITIONS if TRANSITIONS[a][2] != SYSTEM and _may(user, a, listing)]


def _may(user: Any, action: str, listing: Offer | Demand) -> bool:
    sources, _to, who = TRANSITIONS[action]
    if listing.status not in sources or (action == "fulfil" and not isinstance(listing, Demand)):
        return False
    return may_act(user, who, listing)


def _log(listing: Offer | Demand, action: str, old: str, new: str, user: Any, comment: str) -> None:
    ListingTransition.objects.create(
        **{listing_kind(listing): listing},
        action=action,
        from_status=old,
        to_status=new,
        actor=user if is_authenticated(user) else None,
        comment=comment,
    )


@transaction.atomic
def transition(
    listing: Offer | Demand,
    action: str,
    user: Any,
    comment: str = "",
    *,
    today: dt.date | None = None,
) -> Offer | Demand:
    """Perform ``action`` on ``listing`` as ``user`` (``None`` = the system)."""
    if action not in TRANSITIONS:
        raise TransitionError(_("Unknown action."))
    sources, target, who = TRANSITIONS[action]
    listing = type(listing).objects.select_for_update().get(pk=listing.pk)
    if listing.status not in sources:
        raise TransitionError(
            _("This cannot be done while the listing is “%(status)s”.")
            % {"status": listing.get_status_display()}
        )
    if who == SYSTEM and user is not None:
        raise PermissionDenied(_("Only the system performs this step."))
    if who != SYSTEM and not _may(user, action, listing):
        raise PermissionDenied(_("You may not do this."))
    comment = (comment or "").strip()
    now = timezone.now()
    today = today or timezone.localdate()
    old = listing.status
    if action == "submit":
        issues = quality_issues(listing)
        if issues:
            raise TransitionError(issues)
        validate_listing(listing, today=today)
        listing.submitted_at = now
    elif action == "reject":
        if not comment:
            raise TransitionError(_("Give the reasons for the rejection; the owner will see them."))
        listing.moderation_note = comment
    elif action == "approve":
        from openstx.directory.services import publish_blocker

        if blocker := publish_blocker(listing.organization_id):  # organisation not verified yet
            raise TransitionError(blocker)
        listing.moderation_note = ""
        listing.published_at = listing.published_at or now
        if not listing.valid_until or listing.valid_until < today:
            listing.valid_until = today + dt.timedelta(days=VALIDITY_DAYS)
    elif action == "resume":
        if listing.valid_until and listing.valid_until < today:
            raise TransitionError(_("The validity date has passed: re-confirm the listing."))
    elif action == "reconfirm":
        base = max(listing.valid_until or today, today)
        listing.valid_until = base + dt.timedelta(days=VALIDITY_DAYS)
        listing.reconfirm_sent_at = None
        if listing.status == S.EXPIRED:
            target = S.PUBLISHED
    new = target or listing.status
    listing.status = new
    reason = f"{action}: {comment}"[:1000] if comment else action
    # django-simple-history reads this attribute on save (not a field django-stubs knows)
    listing._change_reason = reason  # type: ignore[union-attr]
    listing.save()
    _log(listing, action, old, new, user, comment)
    _notify_transition(listing, action, user, comment)
    return listing


def _notify_transition(listing: Offer | Demand, action: str, user: Any, comment: str) -> None:
    url = listing.get_absolute_url()
    label = ACTION_LABELS.get(action, action)
    # lazy texts: each recipient reads them in their own language (core.notifications)
    if action in ("submit", "edit"):
        notify(
            officers(),
            f"listing_{action}",
            gettext_lazy("To moderate: %(title)s"),
            comment,
            reverse_moderation(),
            params={"title": listing.title[:200]},
            exclude=user,
        )
    notify(
        listing_users(listing),
        f"listing_{action}",
        gettext_lazy("“%(title)s”: %(what)s"),
        comment,
        url,
        params={"title": listing.title[:200], "what": label},
        exclude=user,
    )


def reverse_moderation() -> str:
    from django.urls import reverse

    return reverse("exchange:moderation")


def submit(listing, user, comment=""):
    return transition(listing, "submit", user, comment)


def approve(listing, user, comment=""):
    return transition(listing, "approve", user, comment)


def reject(listing, user, reasons):
    return transition(listing, "reject", user, reasons)


@transaction.atomic
def save_listing(
    listing: Offer | Demand,
    user: Any,
    *,
    fields: Iterable[Any] | None = None,
    organization: Any = None,
    comment: str = "",
) -> Offer | Demand:
    """Create or update a listing as ``user`` (a member of its organisation or an officer).

    A substantive change to a published or paused listing sends it back to moderation unless an
    officer makes it; editing a rejected listing returns it to draft.
    """
    creating = listing.pk is None
    if creating:
        org = organization or listing.organization
        if org is None:
            raise PermissionDenied(_("Choose the organisation the listing belongs to."))
        if not (is_officer(user) or org.pk in organization_ids(user)):
            raise PermissionDenied(_("You may post only for organisations you belong to."))
        listing.status = S.DRAFT
        if is_authenticated(user):
            listing.created_by = user
    else:
        old = type(listing).objects.get(pk=listing.pk)
        if not can(user, CHANGE, old):
            raise PermissionDenied(_("You may edit only your own organisation's listings."))
        if (
            listing.organization_id != old.organization_id
            and not is_officer(user)
            and (listing.organization_id not in organization_ids(user))
        ):
            raise PermissionDenied(_("You may post only for organisations you belong to."))
        listing.status = old.status  # status changes only through transition()
    validate_listing(listing, check_dates=creating or _dates_changed(listing))
    if creating:
        listing.save()
        if fields is not None:
            listing.fields.set(fields)
        _log(listing, "create", "", S.DRAFT, user, comment)
        return listing

    changed = [
        name for name in listing.SUBSTANTIVE_FIELDS if getattr(listing, name) != getattr(old, name)
    ]
    if fields is not None:
        new_ids = {f.pk if hasattr(f, "pk") else int(f) for f in fields}
        if new_ids != set(old.fields.values_list("pk", flat=True)):
            changed.append("fields")
    old_status = old.status
    action = None
    if old_status in (S.PUBLISHED, S.PAUSED) and changed and not is_officer(user):
        listing.status = S.SUBMITTED
        listing.submitted_at = timezone.now()
        action = "edit"
    elif old_status == S.REJECTED:
        listing.status = S.DRAFT
        action = "redraft"
    # django-simple-history reads this attribute on save (not a field django-stubs knows)
    listing._change_reason = comment or "edit"  # type: ignore[union-attr]
    listing.save()
    if fields is not None:
        listing.fields.set(fields)
    if action:
        note = comment or _("Changed: %(fields)s") % {"fields": ", ".join(changed)}
        _log(listing, action, old_status, listing.status, user, note)
        if action == "edit":
            _notify_transition(listing, "edit", user, note)
    return listing


def _dates_changed(listing: Offer | Demand) -> bool:
    old: Mapping[str, Any] = (
        type(listing).objects.filter(pk=listing.pk).values("valid_until").first() or {}
    )
    if old.get("valid_until") != listing.valid_until:
        return True
    if isinstance(listing, Demand):
        old_deadline = Demand.objects.filter(pk=listing.pk).values_list("deadline", flat=True)
        return bool(old_deadline) and old_deadline[0] != listing.deadline
    return False


def add_image(listing: Offer | Demand, user: Any, upload: Any, caption: str = "") -> ListingImage:
    from openstx.core.uploads import check_image

    if not can(user, CHANGE, listing):
        raise PermissionDenied(_("You may edit only your own organisation's listings."))
    checked = check_image(upload)
    image = ListingImage(
        **{listing_kind(listing): listing},
        caption=caption[:200],
        width=checked.width,
        height=checked.height,
    )
    name, thumbnail_name = checked.content.name, checked.thumbnail.name
    assert name is not None and thumbnail_name is not None  # core.uploads names both files
    image.image.save(name, checked.content, save=False)
    image.thumbnail.save(thumbnail_name, checked.thumbnail, save=False)
    image.save()
    return image


def add_attachment(
    listing: Offer | Demand, user: Any, upload: Any, confidential: bool = False
) -> ListingAttachment:
    from openstx.core.uploads import check_attachment

    if not can(user, CHANGE, listing):
        raise PermissionDenied(_("You may edit only your own organisation's listings."))
    checked = check_attachment(upload)
    att = ListingAttachment(
        **{listing_kind(listing): listing},
        name=checked.name,
        mime_type=checked.mime_type,
        size=checked.size,
        confidential=confidential,
    )
    assert checked.content.name is not None  # core.uploads names the file
    att.file.save(checked.content.name, checked.content, save=False)
    att.save()
    return att


# --- Expiry ------------------------------------------------------------------------------------


def expire_listings(today: dt.date | None = None, remind_days: int = REMIND_DAYS) -> dict[str, int]:
    """Ask owners to re-confirm listings that run out within ``remind_days``, and expire those
    whose validity date has passed. Idempotent: running twice changes nothing more."""
    today = today or timezone.localdate()
    counts = {"reminded": 0, "expired": 0}
    live = [S.PUBLISHED, S.PAUSED]
    for model in (Offer, Demand):
        due = model.objects.filter(
            status__in=live,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=remind_days),
            reconfirm_sent_at__isnull=True,
        )
        for listing in due.select_related("created_by"):
            with transaction.atomic():
                updated = model.objects.filter(
                    pk=listing.pk, reconfirm_sent_at__isnull=True
                ).update(reconfirm_sent_at=timezone.now())
                if not updated:
                    continue
                assert listing.valid_until is not None  # filtered on it above
                notify(
                    listing_users(listing),
                    "listing_reconfirm",
                    gettext_lazy("Please re-confirm “%(title)s” before %(date)s"),
                    gettext_lazy(
                        "Your listing will expire on its validity date. Open it and choose "
                        "“Re-confirm” to keep it published for another year."
                    ),
                    listing.get_absolute_url(),
                    params={
                        "title": listing.title[:200],
                        "date": listing.valid_until.strftime("%d/%m/%Y"),
                    },
                )
            counts["reminded"] += 1
        for listing in model.objects.filter(status__in=live, valid_until__lt=today):
            assert listing.valid_until is not None  # filtered on it
            with translation.override(settings.LANGUAGE_CODE):
                transition(
                    listing,
                    "expire",
                    None,
                    _("Validity date %(date)s passed.")
                    % {"date": listing.valid_until.strftime("%d/%m/%Y")},
                    today=today,
                )
            counts["expired"] += 1
    return counts


# --- Visibility of details -----------------------------------------------------------------------
# The rules are exchange.policies' (CONFIDENTIAL, REQUESTER); these read them.


def can_see_confidential(user: Any, listing: Offer | Demand) -> bool:
    return can(user, CONFIDENTIAL, listing)


def can_see_requester(user: Any, demand: Demand) -> bool:
    return can(user, REQUESTER, demand)


def requester_label(user: Any, demand: Demand) -> str:
    if can_see_requester(user, demand):
        return str(demand.requester)
    return str(_("Anonymous business"))


def set_requester_labels(user: Any, demands: list[Demand]) -> None:
    """``requester_label`` of each demand as ``requester_display``, for a page of demands in at
    most one query (``policies.answered_party_ids``)."""
    from openstx.exchange.policies import answered_party_ids

    visible = answered_party_ids(user, demands)
    hidden = str(_("Anonymous business"))
    for d in demands:
        shown = not d.requester_anonymous or d.pk in visible
        d.requester_display = str(d.requester) if shown else hidden  # type: ignore[attr-defined]
