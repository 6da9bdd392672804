"""Connections and deals: interest in a listing, asking an expert, brokers pairing listings,
answering, messages, meetings, MoU, contracts and closing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.notifications import notify
from openstx.core.permissions import (
    is_authenticated,
    is_broker_or_officer,
    is_officer,
    organization_ids,
)
from openstx.exchange.models import (
    Connection,
    ConnectionStep,
    Demand,
    Meeting,
    Message,
    Offer,
)
from openstx.exchange.policies import can_respond as can_respond
from openstx.exchange.policies import (
    can_see_thread,
    is_party,
    side_of,
)
from openstx.exchange.services.listings import (
    TRANSITIONS,
    S,
    TransitionError,
    _log,
    _org_users,
    is_owner,
    listing_kind,
    transition,
)

log = logging.getLogger(__name__)

Stage = Connection.Stage


# --- Connections and deals -----------------------------------------------------------------------


def connection_users(connection: Connection) -> list[Any]:
    users = {u.pk: u for u in _org_users([connection.seeker_org_id, connection.provider_org_id])}
    for extra in (
        connection.initiated_by,
        connection.broker,
        connection.expert.user if connection.expert else None,
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
    notify(
        connection_users(connection),
        f"connection_{action}",
        gettext_lazy("Connection “%(name)s”: %(stage)s"),
        comment,
        connection.get_absolute_url(),
        params={"name": str(connection)[:200], "stage": Stage(connection.stage).label},
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
        assert not isinstance(counterpart, Offer)  # _check_counterpart: the other kind
        conn.offer = listing
        conn.demand = counterpart
        conn.seeker_org = org
        conn.provider_org = listing.owner
        conn.responder_side = Connection.Side.PROVIDER
    else:
        assert not isinstance(counterpart, Demand)  # _check_counterpart: the other kind
        conn.demand = listing
        conn.offer = counterpart
        conn.seeker_org = listing.requester
        conn.provider_org = org
        conn.expert = (
            getattr(user, "expert_profile", None) if org is None and counterpart is None else None
        )
        conn.responder_side = Connection.Side.SEEKER
    conn.save()
    # only what the person wrote: a sentence rendered now would stay in the writer's language
    # on the other party's page (the page names both listings in its own labels)
    _step(conn, "request", "", user, conn.message)
    from openstx.exchange.services.listings_posting import count_interest

    count_interest(listing)  # the listing's daily interest count (a number, nobody's name)
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


def _advance(conn: Connection, allowed: Collection[str], new: str) -> str:
    if conn.stage not in allowed:
        raise TransitionError(
            _("Not possible at the stage “%(stage)s”.") % {"stage": conn.get_stage_display()}
        )
    old = conn.stage
    order: list[str] = [Stage.ACCEPTED, Stage.MEETING, Stage.MOU, Stage.CONTRACT]
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
        gettext_lazy("New message about “%(name)s”"),
        body[:500],
        connection.get_absolute_url(),
        params={"name": str(connection)[:200]},
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
    _step(conn, "contract", old, user, str(value_vnd))  # the page formats it (core.money)
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
        assert demand is not None  # demand_id is set
        if demand.status in TRANSITIONS["fulfil"][0] and (
            is_officer(user) or is_owner(user, demand) or conn.broker_id == user.pk
        ):
            if is_owner(user, demand) or is_officer(user):
                transition(demand, "fulfil", user, reason)
            else:  # the broker closes the demand on the requester's behalf
                old_status = demand.status
                demand.status = S.WITHDRAWN
                # django-simple-history reads this attribute on save (not a field)
                demand._change_reason = "fulfil"  # type: ignore[attr-defined]
                demand.save(update_fields=["status", "updated_at"])  # signals: search outbox
                _log(demand, "fulfil", old_status, S.WITHDRAWN, user, reason)
    return conn


def connect(
    user: Any,
    demand: Demand,
    *,
    offer: Offer | None = None,
    expert: Any = None,
    message: str = "",
    event: Any = None,
) -> Connection:
    """Connect a demand with an offer or an expert, by whoever may: a broker or officer
    proposes the pair (``broker_connect``); the demand's owner asks an expert
    (``request_expert``) or an offer's owner; an offer's owner answers the demand with its offer
    (interest recording both listings). The side that was asked accepts or declines."""
    mine = organization_ids(user)
    if is_broker_or_officer(user):
        return broker_connect(
            user, demand, offer=offer, expert=expert, message=message, event=event
        )
    if demand.requester_id in mine and expert is not None and offer is None:
        return request_expert(user, demand, expert, message, event=event)
    if demand.requester_id in mine and offer is not None and expert is None:
        return express_interest(user, offer, message, event=event, counterpart=demand)
    if offer is not None and offer.owner_id in mine and expert is None:
        return express_interest(user, demand, message, event=event, counterpart=offer)
    raise PermissionDenied(
        _("Only brokers, officers and the owners of the listings can connect them.")
    )
