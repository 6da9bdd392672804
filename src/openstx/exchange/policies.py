"""Who may see and change exchange records (core.permissions policies, registered on import)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from openstx.core.permissions import (
    ADD,
    CHANGE,
    DELETE,
    MODERATE,
    VIEW,
    ParentPolicy,
    Policy,
    is_authenticated,
    is_broker,
    is_officer,
    organization_ids,
    register,
)
from openstx.exchange.models import (
    ConfidentialRequest,
    ConfidentialTerms,
    Connection,
    ConnectionStep,
    Demand,
    Event,
    ListingAttachment,
    ListingImage,
    ListingStatus,
    ListingTransition,
    Meeting,
    Message,
    Offer,
)

PUBLIC = ListingStatus.PUBLISHED

# Object-level actions beyond view/change (``can(user, ACTION, obj)``)
CONFIDENTIAL = "confidential"  # a listing's confidential details and attachments
REQUESTER = "requester"  # who posted a demand marked anonymous

# Who may perform a listing's life-cycle step (the "who" column of services.TRANSITIONS)
OFFICER, OWNER_OR_OFFICER, SYSTEM = "officer", "owner_or_officer", "system"


def is_listing_owner(user: Any, listing: Any) -> bool:
    """A member of the organisation that posted the listing."""
    return listing.organization_id in organization_ids(user)


def may_act(user: Any, who: str, listing: Any) -> bool:
    """The "who" rule of a life-cycle step: moderation is the officers', the rest the owner's or
    an officer's, and expiry the system's (no user)."""
    if who == OFFICER:
        return is_officer(user)
    if who == OWNER_OR_OFFICER:
        return is_listing_owner(user, listing) or is_officer(user)
    return who == SYSTEM and user is None


def _answered_party(user: Any, listing: Any) -> bool:
    """``user`` is a party of a connection about ``listing`` that its owner accepted."""
    S = Connection.Stage
    answered = [S.ACCEPTED, S.MEETING, S.MOU, S.CONTRACT, S.CLOSED]
    return (
        listing.connections.filter(stage__in=answered, responded_at__isnull=False)
        .filter(connection_party_q(user))
        .exists()
    )


def answered_party_ids(user: Any, demands: list[Any]) -> set[int]:
    """Ids of the anonymous ``demands`` whose requester ``user`` may see (the ``REQUESTER`` rule
    of ``allows`` below) for a whole page of demands in at most one query: the rule asked of
    each demand would run one query per anonymous demand."""
    anonymous = [d for d in demands if getattr(d, "requester_anonymous", False)]
    if not anonymous or not is_authenticated(user):
        return set()
    if is_officer(user) or is_broker(user):
        return {d.pk for d in anonymous}
    own = organization_ids(user)
    seen = {d.pk for d in anonymous if d.organization_id in own}
    rest = [d.pk for d in anonymous if d.pk not in seen]
    if rest:
        S = Connection.Stage
        answered = [S.ACCEPTED, S.MEETING, S.MOU, S.CONTRACT, S.CLOSED]
        seen |= set(
            Connection.objects.filter(
                demand_id__in=rest, stage__in=answered, responded_at__isnull=False
            )
            .filter(connection_party_q(user))
            .values_list("demand_id", flat=True)
        )
    return seen


def _granted_details(user: Any, listing: Any) -> bool:
    """``user`` asked to see this offer's confidential details and the owner granted it (and
    has not revoked it since)."""
    return (
        isinstance(listing, Offer)
        and is_authenticated(user)
        and ConfidentialRequest.objects.filter(
            offer=listing, requester=user, status=ConfidentialRequest.Status.GRANTED
        ).exists()
    )


class _ListingPolicy(Policy):
    org_field = ""

    def _own(self, user: Any) -> Q:
        return Q(**{f"{self.org_field}__in": organization_ids(user)})

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if action == VIEW:
            if is_officer(user):
                return queryset
            q = Q(status=PUBLIC)
            if is_broker(user):
                q |= ~Q(status=ListingStatus.DRAFT)
            if is_authenticated(user):
                q |= self._own(user)
            return queryset.filter(q)
        if action in (CHANGE, DELETE):
            if is_officer(user):
                return queryset
            if not is_authenticated(user):
                return queryset.none()
            qs = queryset.filter(self._own(user))
            if action == DELETE:
                qs = qs.filter(status=ListingStatus.DRAFT)
            return qs
        if action == MODERATE:
            return queryset if is_officer(user) else queryset.none()
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        own = obj.organization_id in organization_ids(user)
        if action == CONFIDENTIAL:
            # staff, the owner, the other party of an accepted connection, and whoever the owner
            # granted a request to see the details (exchange.services.confidential)
            return is_authenticated(user) and (
                is_officer(user) or own or _answered_party(user, obj) or _granted_details(user, obj)
            )
        if action == REQUESTER:  # an anonymous demand's requester: staff, brokers, the parties
            if not getattr(obj, "requester_anonymous", False):
                return True
            return is_authenticated(user) and (
                is_officer(user) or is_broker(user) or own or _answered_party(user, obj)
            )
        if action == VIEW:
            return (
                obj.status == PUBLIC
                or is_officer(user)
                or own
                or (is_broker(user) and obj.status != ListingStatus.DRAFT)
            )
        if action == CHANGE:
            return is_officer(user) or own
        if action == DELETE:
            return is_officer(user) or (own and obj.status == ListingStatus.DRAFT)
        if action == MODERATE:
            return is_officer(user)
        return False

    def can_add(self, user: Any) -> bool:
        return is_officer(user) or bool(organization_ids(user))

    def search_scopes(self, obj: Any) -> list[str]:
        if obj.status == PUBLIC:
            return ["public"]
        scopes = ["staff", f"org:{obj.organization_id}"]
        if obj.status != ListingStatus.DRAFT:
            scopes.append("broker")
        return scopes


@register(Offer)
class OfferPolicy(_ListingPolicy):
    org_field = "owner"


@register(Demand)
class DemandPolicy(_ListingPolicy):
    org_field = "requester"


def connection_party_q(user: Any, prefix: str = "") -> Q:
    """Connections in which ``user`` is a party or the broker (not all brokers, not staff)."""
    ids = organization_ids(user)
    p = prefix
    return (
        Q(**{f"{p}seeker_org__in": ids})
        | Q(**{f"{p}provider_org__in": ids})
        | Q(**{f"{p}initiated_by": user})
        | Q(**{f"{p}broker": user})
        | Q(**{f"{p}expert__user": user})
    )


def is_party(user: Any, connection: Any) -> bool:
    """A party of the connection (either side, the initiator, the expert) or its broker: the
    same rule as :func:`connection_party_q`, asked of one connection."""
    return (
        is_authenticated(user)
        and Connection.objects.filter(connection_party_q(user), pk=connection.pk).exists()
    )


def can_see_thread(user: Any, connection: Any) -> bool:
    """Messages and meetings: only parties, the broker involved and staff."""
    return is_officer(user) or is_party(user, connection)


def side_of(user: Any, connection: Any) -> str | None:
    """Which side of the connection ``user`` speaks for, if any."""
    ids = organization_ids(user)
    if connection.seeker_org_id and connection.seeker_org_id in ids:
        return Connection.Side.SEEKER
    if connection.provider_org_id and connection.provider_org_id in ids:
        return Connection.Side.PROVIDER
    if connection.expert_id and connection.expert.user_id == getattr(user, "pk", None):
        return Connection.Side.PROVIDER
    return None


def can_respond(user: Any, connection: Any) -> bool:
    """Only the side that was asked answers a request; staff never answer for a party (so this
    is not a ``can`` action, which administrators would pass)."""
    return connection.stage == Connection.Stage.REQUESTED and side_of(user, connection) == (
        connection.responder_side
    )


@register(Connection)
class ConnectionPolicy(Policy):
    """Parties and the broker see and work on a connection; all brokers and staff see all."""

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if not is_authenticated(user):
            return queryset.none()
        if is_officer(user):
            return queryset
        if action == VIEW and is_broker(user):
            return queryset
        if action in (VIEW, CHANGE):
            return queryset.filter(connection_party_q(user))
        return queryset.none()

    def can_add(self, user: Any) -> bool:
        return is_authenticated(user)


class _ThreadPolicy(Policy):
    """Messages and meetings: only parties, the broker involved and staff."""

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if not is_authenticated(user):
            return queryset.none()
        if is_officer(user):
            return queryset
        if action in (VIEW, ADD):
            return queryset.filter(connection_party_q(user, "connection__"))
        return queryset.none()


@register(Message)
class MessagePolicy(_ThreadPolicy):
    pass


@register(Meeting)
class MeetingPolicy(_ThreadPolicy):
    pass


@register(Event)
class EventPolicy(Policy):
    """Published and cancelled events are public; drafts and all editing are for officers."""

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if action == VIEW:
            return queryset.exclude(status=Event.Status.DRAFT)
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        return action == VIEW and obj.status != Event.Status.DRAFT

    def can_add(self, user: Any) -> bool:
        return is_officer(user)


class _ListingChildPolicy(Policy):
    """Images, attachments and the transition log follow the listing's visibility."""

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        from openstx.core.permissions import restrict

        offers = restrict(Offer.objects.all(), user, action).values("pk")
        demands = restrict(Demand.objects.all(), user, action).values("pk")
        return queryset.filter(Q(offer__in=offers) | Q(demand__in=demands))


@register(ListingImage)
class ListingImagePolicy(_ListingChildPolicy):
    pass


@register(ListingAttachment)
class ListingAttachmentPolicy(_ListingChildPolicy):
    pass


@register(ListingTransition)
class ListingTransitionPolicy(Policy):
    """The moderation log: the listing's organisation and staff."""

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if action != VIEW or not is_authenticated(user):
            return queryset.none()
        if is_officer(user):
            return queryset
        ids = organization_ids(user)
        return queryset.filter(Q(offer__owner__in=ids) | Q(demand__requester__in=ids))


@register(ConnectionStep)
class ConnectionStepPolicy(ParentPolicy):
    """A connection's history: whoever may see the connection."""

    parent = "connection"


@register(ConfidentialRequest)
class ConfidentialRequestPolicy(Policy):
    """A request to see confidential details: its requester, the offer's organisation (who
    answer it) and staff. Only the owner's members and officers change (answer) it."""

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if not is_authenticated(user):
            return queryset.none()
        if is_officer(user):
            return queryset
        own = Q(offer__owner__in=organization_ids(user))
        if action == VIEW:
            return queryset.filter(own | Q(requester=user))
        if action == CHANGE:
            return queryset.filter(own)
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if not is_authenticated(user):
            return False
        if is_officer(user):
            return True
        own = obj.offer.owner_id in organization_ids(user)
        if action == VIEW:
            return own or obj.requester_id == user.pk
        if action == CHANGE:
            return own
        return False

    def can_add(self, user: Any) -> bool:
        return is_authenticated(user)


@register(ConfidentialTerms)
class ConfidentialTermsPolicy(ParentPolicy):
    """An offer's non-disclosure terms: read by whoever sees the offer, set by who edits it."""

    parent = "offer"


# --- View and interest counts (owners and staff) --------------------------------------------
from openstx.exchange.models.listings import ListingDailyCount  # noqa: E402


@register(ListingDailyCount)
class ListingDailyCountPolicy(Policy):
    """A listing's daily view and interest counts: for those who may edit the listing."""

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        from openstx.core.permissions import restrict

        if action != VIEW and not is_officer(user):
            return queryset.none()  # written by the counting service only
        offers = restrict(Offer.objects.all(), user, CHANGE).values("pk")
        demands = restrict(Demand.objects.all(), user, CHANGE).values("pk")
        return queryset.filter(Q(offer__in=offers) | Q(demand__in=demands))

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        from openstx.core.permissions import can

        if action != VIEW and not is_officer(user):
            return False
        return can(user, CHANGE, obj.offer or obj.demand)

    def search_scopes(self, obj: Any) -> list[str]:
        return ["staff", f"org:{(obj.offer or obj.demand).organization_id}"]
