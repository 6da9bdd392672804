"""Who may see and change users, memberships and API tokens (see core/permissions.py).

- User: everyone sees and edits their own account; organisation administrators see the users
  who belong to (or asked to join) their organisations; officers see every user. Only
  administrators change other users (core short-circuits administrators).
- Membership: visible to its user, to the administrators of its organisation and to officers.
  Organisation administrators and officers change (decide, change role) and delete; the user may
  delete their own row (leave the organisation or withdraw the request). Any signed-in user may
  ask to join (``can_add``).
- ApiToken: a user sees, changes and revokes only their own tokens.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from openstx.accounts.models import ApiToken, Membership, User
from openstx.core.permissions import (
    CHANGE,
    DELETE,
    MODERATE,
    VIEW,
    Policy,
    is_authenticated,
    is_officer,
    organization_ids,
    register,
)


@register(User)
class UserPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if not is_authenticated(user):
            return queryset.none()
        if action == VIEW:
            if is_officer(user):
                return queryset
            admin_orgs = organization_ids(user, admin_only=True)
            if admin_orgs:
                return queryset.filter(
                    Q(pk=user.pk) | Q(memberships__organization_id__in=admin_orgs)
                ).distinct()
        if action in (VIEW, CHANGE):
            return queryset.filter(pk=user.pk)
        return queryset.none()

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        if not is_authenticated(user):
            return False
        if obj.pk == user.pk and action in (VIEW, CHANGE):
            return True
        if action == VIEW:
            if is_officer(user):
                return True
            admin_orgs = organization_ids(user, admin_only=True)
            return (
                bool(admin_orgs)
                and Membership.objects.filter(
                    user_id=obj.pk, organization_id__in=admin_orgs
                ).exists()
            )
        return False

    def can_add(self, user: Any) -> bool:
        return False  # accounts are created by sign-up or by administrators


@register(Membership)
class MembershipPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if not is_authenticated(user):
            return queryset.none()
        if is_officer(user):
            return queryset
        admin_orgs = organization_ids(user, admin_only=True)
        managed = Q(organization_id__in=admin_orgs)
        if action in (VIEW, DELETE):
            return queryset.filter(Q(user_id=user.pk) | managed)
        if action in (CHANGE, MODERATE):
            return queryset.filter(managed)
        return queryset.none()

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        if not is_authenticated(user):
            return False
        if is_officer(user):
            return True
        assert isinstance(obj, Membership)  # this policy is registered for Membership
        managed = obj.organization_id in organization_ids(user, admin_only=True)
        if action in (VIEW, DELETE):
            return obj.user_id == user.pk or managed
        if action in (CHANGE, MODERATE):
            return managed
        return False

    def can_add(self, user: Any) -> bool:
        return is_authenticated(user)


@register(ApiToken)
class ApiTokenPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if not is_authenticated(user) or action not in (VIEW, CHANGE, DELETE):
            return queryset.none()
        return queryset.filter(user_id=user.pk)

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        assert isinstance(obj, ApiToken)  # this policy is registered for ApiToken
        return (
            is_authenticated(user) and action in (VIEW, CHANGE, DELETE) and (obj.user_id == user.pk)
        )

    def can_add(self, user: Any) -> bool:
        return is_authenticated(user)
