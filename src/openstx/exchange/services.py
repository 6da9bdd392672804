"""Every state change of the exchange and its business rules.

Views, the API, the CLI and the demo generator call these functions; none of them changes a
listing's status or a connection's stage by itself. Each function checks permissions with
``openstx.core.permissions`` and logs who did what, when, with which comment.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.notifications import notify, officers
from openstx.core.permissions import (
    CHANGE,
    VIEW,
    can,
    is_authenticated,
    is_broker_or_officer,
    is_officer,
    organization_ids,
)
from openstx.exchange.models import (
    Connection,
    ConnectionStep,
    Demand,
    ListingAttachment,
    ListingImage,
    ListingStatus,
    ListingTransition,
    Meeting,
    Message,
    Offer,
)
from openstx.exchange.policies import (
    CONFIDENTIAL,
    OFFICER,
    OWNER_OR_OFFICER,
    REQUESTER,
    SYSTEM,
    can_see_thread,
    connection_party_q,
    is_listing_owner,
    is_party,
    may_act,
    side_of,
)

# The permission rules live in exchange.policies; views, the API and tests read them here too.
from openstx.exchange.policies import can_respond as can_respond  # noqa: E402

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
    listing._change_reason = f"{action}: {comment}"[:1000] if comment else action  # type: ignore[attr-defined]
    listing.save()
    _log(listing, action, old, new, user, comment)
    _notify_transition(listing, action, user, comment)
    return listing


def _notify_transition(listing: Offer | Demand, action: str, user: Any, comment: str) -> None:
    url = listing.get_absolute_url()
    label = ACTION_LABELS.get(action, action)
    title = _("“%(title)s”: %(what)s") % {"title": listing.title[:200], "what": label}
    if action in ("submit", "edit"):
        notify(
            officers(),
            f"listing_{action}",
            _("To moderate: %(title)s") % {"title": listing.title[:200]},
            comment,
            reverse_moderation(),
            exclude=user,
        )
    notify(listing_users(listing), f"listing_{action}", title, comment, url, exclude=user)


def reverse_moderation() -> str:
    from django.urls import reverse

    return reverse("exchange:moderation")


def submit(listing, user, comment=""):  # type: ignore[no-untyped-def]
    return transition(listing, "submit", user, comment)


def approve(listing, user, comment=""):  # type: ignore[no-untyped-def]
    return transition(listing, "approve", user, comment)


def reject(listing, user, reasons):  # type: ignore[no-untyped-def]
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
    listing._change_reason = comment or "edit"  # type: ignore[attr-defined]
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
    old = type(listing).objects.filter(pk=listing.pk).values("valid_until").first() or {}
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
    image.image.save(checked.content.name, checked.content, save=False)
    image.thumbnail.save(checked.thumbnail.name, checked.thumbnail, save=False)
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
                with translation.override(settings.LANGUAGE_CODE):
                    notify(
                        listing_users(listing),
                        "listing_reconfirm",
                        _("Please re-confirm “%(title)s” before %(date)s")
                        % {
                            "title": listing.title[:200],
                            "date": listing.valid_until.strftime("%d/%m/%Y"),
                        },
                        _(
                            "Your listing will expire on its validity date. Open it and choose "
                            "“Re-confirm” to keep it published for another year."
                        ),
                        listing.get_absolute_url(),
                    )
            counts["reminded"] += 1
        for listing in model.objects.filter(status__in=live, valid_until__lt=today):
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


# --- Connections and deals -----------------------------------------------------------------------


def connection_users(connection: Connection) -> list[Any]:
    users = {u.pk: u for u in _org_users([connection.seeker_org_id, connection.provider_org_id])}
    for extra in (
        connection.initiated_by,
        connection.broker,
        connection.expert.user if connection.expert_id else None,
    ):
        if extra is not None:
            users.setdefault(extra.pk, extra)
    return list(users.values())


def _step(connection: Connection, action: str, old: str, user: Any, comment: str = "") -> None:
    ConnectionStep.objects.create(
        connection=connection,
        action=action,
        from_stage=old,
        to_stage=connection.stage,
        actor=user if is_authenticated(user) else None,
        comment=comment,
    )
    title = _("Connection “%(name)s”: %(stage)s") % {
        "name": str(connection)[:200],
        "stage": connection.get_stage_display(),
    }
    notify(
        connection_users(connection),
        f"connection_{action}",
        title,
        comment,
        connection.get_absolute_url(),
        exclude=user,
    )


def _default_org(user: Any) -> Any:
    from openstx.directory.models import Organization

    ids = sorted(organization_ids(user))
    return Organization.objects.filter(pk__in=ids).first() if ids else None


@transaction.atomic
def express_interest(
    user: Any,
    listing: Offer | Demand,
    message: str = "",
    organization: Any = None,
    event: Any = None,
    counterpart: Offer | Demand | None = None,
) -> Connection:
    """ "I am interested": a signed-in user asks to connect with a published offer or demand.

    ``counterpart`` is the acting organisation's own listing of the other kind (its demand when
    ``listing`` is an offer, its offer when ``listing`` is a demand): the connection then records
    both listings from its first step, so its history and request step show the pair.
    """
    if not is_authenticated(user):
        raise PermissionDenied(_("Log in to express interest."))
    if listing.status != S.PUBLISHED:
        raise TransitionError(_("Only published listings accept connection requests."))
    if organization is not None and organization.pk not in organization_ids(user):
        raise PermissionDenied(_("You may act only for organisations you belong to."))
    org = organization or _default_org(user)
    if is_owner(user, listing) and (org is None or org.pk == listing.organization_id):
        raise TransitionError(_("This is your own organisation's listing."))
    if counterpart is not None:
        _check_counterpart(user, listing, counterpart)
        org = counterpart.organization
    open_q = ~Q(stage__in=[Stage.DECLINED, Stage.CLOSED])
    if listing.connections.filter(open_q, initiated_by=user).exists():
        raise TransitionError(_("You have already expressed interest in this listing."))
    if (
        counterpart is not None
        and counterpart.connections.filter(open_q, **{listing_kind(listing): listing}).exists()
    ):
        raise TransitionError(_("These two listings are already connected."))
    conn = Connection(initiated_by=user, message=(message or "").strip(), event=event)
    if isinstance(listing, Offer):
        conn.offer = listing
        conn.demand = counterpart
        conn.seeker_org = org
        conn.provider_org = listing.owner
        conn.responder_side = Connection.Side.PROVIDER
    else:
        conn.demand = listing
        conn.offer = counterpart
        conn.seeker_org = listing.requester
        conn.provider_org = org
        conn.expert = (
            getattr(user, "expert_profile", None) if org is None and counterpart is None else None
        )
        conn.responder_side = Connection.Side.SEEKER
    conn.save()
    comment = conn.message
    if counterpart is not None:
        note = _("For the listing “%(title)s”.") % {"title": counterpart.title[:200]}
        comment = f"{comment}\n\n{note}" if comment else note
    _step(conn, "request", "", user, comment)
    return conn


def _check_counterpart(user: Any, listing: Offer | Demand, counterpart: Offer | Demand) -> None:
    """The counterpart is of the other kind, belongs to the acting user's organisation (or the
    user is staff) and is not withdrawn, expired or still a draft."""
    if listing_kind(counterpart) == listing_kind(listing):
        raise TransitionError(_("Connect an offer with a demand."))
    if not (is_owner(user, counterpart) or is_officer(user)):
        raise PermissionDenied(_("You may connect only your own organisation's listings."))
    if counterpart.status not in (S.PUBLISHED, S.PAUSED):
        raise TransitionError(_("Only published listings can be connected."))
    if counterpart.organization_id == listing.organization_id:
        raise TransitionError(_("This is your own organisation's listing."))


@transaction.atomic
def request_expert(
    user: Any, demand: Demand, expert: Any, message: str = "", event: Any = None
) -> Connection:
    """The demand's owner asks an expert for help: a demand–expert connection that the expert
    (or, when the expert has no account, the expert's organisation) accepts or declines.

    Brokers and officers use ``broker_connect`` for the same pair; this is the owner's own way.
    """
    if not is_authenticated(user):
        raise PermissionDenied(_("Log in to send a connection request."))
    if not is_owner(user, demand):
        raise PermissionDenied(_("Only members of the requesting organisation can ask an expert."))
    if demand.status != S.PUBLISHED:
        raise TransitionError(_("Only published listings can be connected."))
    if expert is None:
        raise TransitionError(_("Choose an expert."))
    if not expert.user_id and not expert.organization_id:
        raise TransitionError(
            _(
                "This expert cannot be reached on the platform yet (no account, no organisation): "
                "ask a broker to make the connection."
            )
        )
    if expert.user_id == user.pk:
        raise TransitionError(_("You cannot ask yourself."))
    open_q = ~Q(stage__in=[Stage.DECLINED, Stage.CLOSED])
    if demand.connections.filter(open_q, expert=expert).exists():
        raise TransitionError(_("This demand is already connected with this expert."))
    conn = Connection(
        demand=demand,
        expert=expert,
        seeker_org=demand.requester,
        provider_org=expert.organization if expert.organization_id else None,
        initiated_by=user,
        responder_side=Connection.Side.PROVIDER,
        message=(message or "").strip(),
        event=event,
    )
    conn.save()
    _step(conn, "request", "", user, conn.message)
    return conn


def find_experts(q: str, limit: int = 15) -> list[Any]:
    """Experts of the directory whose name, keywords or position contain ``q`` (accents and
    case ignored)."""
    from openstx.core.text import fold
    from openstx.directory.models import Expert

    words = fold(q).split()
    if not words:
        return []
    qs = Expert.objects.select_related("organization")
    for w in words[:5]:
        qs = qs.filter(search_folded__contains=w)
    return list(qs.order_by("-open_to_consulting", "full_name")[:limit])


def suggested_experts(demand: Demand, limit: int = 15) -> list[Any]:
    """Experts in the demand's fields, those open to consulting first."""
    from openstx.directory.models import Expert

    field_ids = list(demand.fields.values_list("pk", flat=True))
    if not field_ids:
        return []
    return list(
        Expert.objects.filter(fields__in=field_ids)
        .select_related("organization")
        .distinct()
        .order_by("-open_to_consulting", "full_name")[:limit]
    )


@transaction.atomic
def broker_connect(
    user: Any,
    demand: Demand,
    *,
    offer: Offer | None = None,
    expert: Any = None,
    message: str = "",
    event: Any = None,
) -> Connection:
    """A broker or officer proposes a demand–offer or demand–expert connection."""
    if not is_broker_or_officer(user):
        raise PermissionDenied(_("Only brokers and department officers can connect listings."))
    if (offer is None) == (expert is None):
        raise TransitionError(_("Choose either an offer or an expert."))
    if demand.status != S.PUBLISHED or (offer is not None and offer.status != S.PUBLISHED):
        raise TransitionError(_("Only published listings can be connected."))
    conn = Connection(
        demand=demand,
        offer=offer,
        expert=expert,
        seeker_org=demand.requester,
        provider_org=offer.owner if offer is not None else expert.organization,
        initiated_by=user,
        broker=user,
        responder_side=Connection.Side.PROVIDER,
        message=(message or "").strip(),
        event=event,
    )
    conn.save()
    _step(conn, "request", "", user, conn.message)
    return conn


def _lock(connection: Connection) -> Connection:
    return (
        Connection.objects.select_for_update(of=("self",))
        .select_related("expert")
        .get(pk=connection.pk)
    )


def _require_worker(user: Any, connection: Connection) -> None:
    if not (is_officer(user) or is_party(user, connection)):
        raise PermissionDenied(_("Only the parties, their broker and staff can do this."))


@transaction.atomic
def respond(connection: Connection, user: Any, accept: bool, comment: str = "") -> Connection:
    """The answering side accepts or declines a requested connection."""
    conn = _lock(connection)
    if conn.stage != Stage.REQUESTED:
        raise TransitionError(_("This connection has already been answered."))
    if side_of(user, conn) != conn.responder_side:
        raise PermissionDenied(_("Only the side that was asked can answer."))
    old = conn.stage
    conn.stage = Stage.ACCEPTED if accept else Stage.DECLINED
    conn.responded_at = timezone.now()
    if not accept:
        conn.close_reason = comment
    conn.save()
    _step(conn, "accept" if accept else "decline", old, user, comment)
    return conn


def _advance(conn: Connection, allowed: set[str], new: str) -> str:
    if conn.stage not in allowed:
        raise TransitionError(
            _("Not possible at the stage “%(stage)s”.") % {"stage": conn.get_stage_display()}
        )
    old = conn.stage
    order = [Stage.ACCEPTED, Stage.MEETING, Stage.MOU, Stage.CONTRACT]
    if new in order and old in order and order.index(new) < order.index(old):
        return old  # a later meeting does not move a signed deal backwards
    conn.stage = new
    return old


WORKING = {Stage.ACCEPTED, Stage.MEETING, Stage.MOU, Stage.CONTRACT}


@transaction.atomic
def post_message(connection: Connection, user: Any, body: str) -> Message:
    if not can_see_thread(user, connection):
        raise PermissionDenied(_("Only the parties, their broker and staff can write here."))
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write a message."))
    if len(body) > 10000:
        raise ValidationError(_("The message is too long."))
    msg = Message.objects.create(connection=connection, author=user, body=body)
    notify(
        connection_users(connection),
        "connection_message",
        _("New message about “%(name)s”") % {"name": str(connection)[:200]},
        body[:500],
        connection.get_absolute_url(),
        exclude=user,
    )
    return msg


@transaction.atomic
def record_meeting(
    connection: Connection,
    user: Any,
    *,
    date: dt.datetime,
    place: str = "",
    online: bool = False,
    link: str = "",
    minutes: str = "",
) -> Meeting:
    conn = _lock(connection)
    _require_worker(user, conn)
    old = _advance(conn, WORKING, Stage.MEETING)
    conn.save()
    meeting = Meeting.objects.create(
        connection=conn,
        date=date,
        place=place,
        online=online,
        link=link,
        minutes=minutes,
        recorded_by=user,
    )
    _step(conn, "meeting", old, user, place or link)
    return meeting


@transaction.atomic
def record_mou(connection: Connection, user: Any, *, date: dt.date, note: str = "") -> Connection:
    conn = _lock(connection)
    _require_worker(user, conn)
    old = _advance(conn, {Stage.ACCEPTED, Stage.MEETING, Stage.MOU}, Stage.MOU)
    conn.mou_date, conn.mou_note = date, note
    conn.save()
    _step(conn, "mou", old, user, note)
    return conn


@transaction.atomic
def record_contract(
    connection: Connection, user: Any, *, value_vnd: int, contract_type: str, date: dt.date
) -> Connection:
    conn = _lock(connection)
    _require_worker(user, conn)
    if value_vnd is None or value_vnd < 0:
        raise ValidationError({"contract_value_vnd": _("The value cannot be negative.")})
    if contract_type not in Connection.ContractType.values:
        raise ValidationError({"contract_type": _("Choose a contract type.")})
    if date > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"contract_date": _("The contract date is too far in the future.")})
    old = _advance(conn, WORKING, Stage.CONTRACT)
    conn.contract_value_vnd, conn.contract_type, conn.contract_date = value_vnd, contract_type, date
    conn.save()
    _step(conn, "contract", old, user, f"{value_vnd:,} VND")
    return conn


@transaction.atomic
def close_connection(
    connection: Connection,
    user: Any,
    *,
    success: bool,
    reason: str = "",
    close_demand: bool = False,
) -> Connection:
    """Close the deal with success or failure; a success can also close the demand it met."""
    conn = _lock(connection)
    _require_worker(user, conn)
    reason = (reason or "").strip()
    if not success and not reason:
        raise ValidationError({"close_reason": _("Say why the deal failed.")})
    old = _advance(conn, WORKING, Stage.CLOSED)
    conn.outcome = Connection.Outcome.SUCCESS if success else Connection.Outcome.FAILURE
    conn.close_reason = reason
    conn.closed_at = timezone.now()
    conn.save()
    _step(conn, "close", old, user, reason)
    if success and close_demand and conn.demand_id:
        demand = conn.demand
        if demand.status in TRANSITIONS["fulfil"][0] and (
            is_officer(user) or is_owner(user, demand) or conn.broker_id == user.pk
        ):
            if is_owner(user, demand) or is_officer(user):
                transition(demand, "fulfil", user, reason)
            else:  # the broker closes the demand on the requester's behalf
                old_status = demand.status
                demand.status = S.WITHDRAWN
                demand._change_reason = "fulfil"  # type: ignore[attr-defined]
                demand.save(update_fields=["status", "updated_at"])  # signals: search outbox
                _log(demand, "fulfil", old_status, S.WITHDRAWN, user, reason)
    return conn


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
            _("Event cancelled: %(title)s") % {"title": event.title[:200]},
            comment,
            event.get_absolute_url(),
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


# --- Pipelines -----------------------------------------------------------------------------------


def pipeline(user: Any, *, mine_only: bool = False, stage: str = "", q: str = "") -> Any:
    """Connections ``user`` follows: a party's own, or everything for brokers and staff."""
    from openstx.core.permissions import restrict

    qs = Connection.objects.select_related(
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
