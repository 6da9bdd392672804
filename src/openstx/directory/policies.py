"""Who may see and change directory records (registered with openstx.core.permissions).

- everybody views organisations, experts and publications;
- an organisation's approved members (any role) edit it; officers edit everything;
- an expert's own user edits the expert profile and the publications it is an author of;
- contact details (e-mail, phone) of experts are for signed-in users: :func:`can_see_contacts`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from openstx.core.permissions import (
    CHANGE,
    DELETE,
    VIEW,
    Policy,
    is_authenticated,
    is_officer,
    organization_ids,
    register,
)
from openstx.directory.models import Expert, Organization, Publication


def can_see_contacts(user: Any) -> bool:
    """Experts' e-mail and phone are shown to signed-in users only (docs/directory.md)."""
    return is_authenticated(user)


@register(Organization)
class OrganizationPolicy(Policy):
    """An organisation registered by its own people and not yet verified by an officer
    (``awaiting_verification``) is seen only by its members and officers."""

    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if is_officer(user):
            return queryset
        if action == VIEW:
            mine = organization_ids(user)
            if mine:
                return queryset.filter(Q(awaiting_verification=False) | Q(pk__in=mine))
            return queryset.filter(awaiting_verification=False)
        if action == CHANGE and is_authenticated(user):
            return queryset.filter(pk__in=organization_ids(user))
        return queryset.none()

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        if is_officer(user):
            return True
        assert isinstance(obj, Organization)  # the model this policy is registered for
        if action == VIEW:
            return not obj.awaiting_verification or obj.pk in organization_ids(user)
        return action == CHANGE and obj.pk in organization_ids(user)

    def search_scopes(self, obj: models.Model) -> list[str]:
        assert isinstance(obj, Organization)
        if obj.awaiting_verification:
            return [f"org:{obj.pk}", "staff"]
        return ["public"]


def can_register_organization(user: Any) -> bool:
    """Any signed-in person may register the organisation they work for (self-registration);
    it stays private until an officer verifies it."""
    return is_authenticated(user)


def can_verify_organization(user: Any) -> bool:
    """Department officers verify self-registered organisations."""
    return is_officer(user)


@register(Expert)
class ExpertPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if action == VIEW or is_officer(user):
            return queryset
        if action == CHANGE and is_authenticated(user):
            return queryset.filter(user=user)
        return queryset.none()

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        if action == VIEW or is_officer(user):
            return True
        return (
            action == CHANGE and is_authenticated(user) and getattr(obj, "user_id", None) == user.pk
        )

    def search_scopes(self, obj: models.Model) -> list[str]:
        return ["public"]  # contact details are kept out of the index (directory/search.py)


@register(Publication)
class PublicationPolicy(Policy):
    """Everybody views; the users of the publication's authors in the directory (and officers)
    change and delete it. Adding one is editing an expert: see
    :func:`openstx.directory.services.add_publication`."""

    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if action == VIEW or is_officer(user):
            return queryset
        if action in (CHANGE, DELETE) and is_authenticated(user):
            return queryset.filter(Q(experts__user=user)).distinct()
        return queryset.none()

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        if action == VIEW or is_officer(user):
            return True
        if action not in (CHANGE, DELETE) or not is_authenticated(user) or obj.pk is None:
            return False
        assert isinstance(obj, Publication)  # the model this policy is registered for
        return obj.experts.filter(user=user).exists()

    def can_add(self, user: Any) -> bool:
        """Officers, and people with an expert profile of their own."""
        if is_officer(user):
            return True
        return is_authenticated(user) and Expert.objects.filter(user=user).exists()
