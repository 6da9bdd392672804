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
