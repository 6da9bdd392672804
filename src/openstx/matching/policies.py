"""Who sees subscriptions and alerts: their owner (and administrators through ``restrict``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from openstx.core.permissions import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    Policy,
    StaffOnlyPolicy,
    is_authenticated,
    register,
)
from openstx.matching.models import Embedding, MatchAlert, Subscription


@register(Subscription)
class SubscriptionPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if not is_authenticated(user) or action not in (VIEW, CHANGE, DELETE, ADD):
            return queryset.none()
        return queryset.filter(user=user)

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return is_authenticated(user) and obj.user_id == user.pk

    def can_add(self, user: Any) -> bool:
        return is_authenticated(user)


@register(MatchAlert)
class MatchAlertPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if not is_authenticated(user) or action != VIEW:
            return queryset.none()
        return queryset.filter(subscription__user=user)


# Vectors are derived data of offers, demands and experts; matching and search read them through
# their services, never through restrict(): staff only.
register(Embedding)(StaffOnlyPolicy)
