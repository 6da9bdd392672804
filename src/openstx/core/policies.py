"""Who may see background jobs: the user who started one, and department staff."""

from __future__ import annotations

from typing import Any

from django.db import models

from openstx.core.models import Job, Notification, NotificationPreference
from openstx.core.permissions import (
    CHANGE,
    VIEW,
    Policy,
    is_authenticated,
    is_officer,
    register,
)


@register(Job)
class JobPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if is_officer(user):
            return queryset
        if action == VIEW and is_authenticated(user):
            return queryset.filter(created_by=user)
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        return action == VIEW and is_authenticated(user) and obj.created_by_id == user.pk


@register(Notification)
class NotificationPolicy(Policy):
    """A notice is its recipient's: they read it and mark it read."""

    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if not is_authenticated(user) or action not in (VIEW, CHANGE):
            return queryset.none()
        return queryset.filter(user=user)


@register(NotificationPreference)
class NotificationPreferencePolicy(Policy):
    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if not is_authenticated(user) or action not in (VIEW, CHANGE):
            return queryset.none()
        return queryset.filter(user=user)
