"""The one permission mechanism: per-model policies applied by ``restrict(user, action)``.

Views, the API, search and exports all ask the same two questions through this module:
which rows of this queryset may the user act on (``restrict``), and may the user act on this
object (``can``). A model with no registered policy is visible to nobody but administrators, so
forgetting to register fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models

VIEW, ADD, CHANGE, DELETE, MODERATE = "view", "add", "change", "delete", "moderate"

M = TypeVar("M", bound=type[models.Model])


class Policy:
    """Rules for one model. Override ``scope`` (querysets) and, for speed, ``allows`` (objects)."""

    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.none()

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        qs = type(obj)._default_manager.filter(pk=obj.pk)
        return self.scope(user, action, qs).exists()

    def can_add(self, user: Any) -> bool:
        return is_officer(user)

    def search_scopes(self, obj: models.Model) -> list[str]:
        """Who may VIEW ``obj``, as principals (see :func:`principals`). The search index stores
        them with the document and filters on the viewer's principals inside every query, so a
        policy states its rule for querysets, objects and search side by side. The default is
        administrators only: a policy that forgets this method fails closed in search too."""
        return ["restricted"]


_registry: dict[type[models.Model], Policy] = {}


def register(model: type[models.Model]) -> Callable[[type[Policy]], type[Policy]]:
    """Class decorator: ``@register(Organization) class OrganizationPolicy(Policy): ...``."""

    def wrap(policy_cls: type[Policy]) -> type[Policy]:
        _registry[model] = policy_cls()
        return policy_cls

    return wrap


def policy_for(model: type[models.Model]) -> Policy:
    for klass in model.__mro__:
        if klass in _registry:
            return _registry[klass]
    return Policy()


def restrict(queryset: models.QuerySet, user: Any, action: str = VIEW) -> models.QuerySet:
    """The rows of ``queryset`` that ``user`` may perform ``action`` on."""
    if is_admin(user):
        return queryset
    return policy_for(queryset.model).scope(user, action, queryset)


def can(user: Any, action: str, obj: models.Model) -> bool:
    """May ``user`` perform ``action`` on ``obj``?"""
    if is_admin(user):
        return True
    return policy_for(type(obj)).allows(user, action, obj)


def can_add(user: Any, model: type[models.Model]) -> bool:
    if is_admin(user):
        return True
    return policy_for(model).can_add(user)


class StaffOnlyPolicy(Policy):
    """Internal tables (outboxes, code-list versions, reminders): department staff only.

    Registered explicitly so that "no policy" always means "forgotten", never "internal"."""

    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        return queryset if is_officer(user) else queryset.none()

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        return is_officer(user)

    def search_scopes(self, obj: models.Model) -> list[str]:
        return ["staff"]


class PublicReadPolicy(Policy):
    """Reference data (code lists): everyone reads, staff change."""

    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if action == VIEW or is_officer(user):
            return queryset
        return queryset.none()

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        return action == VIEW or is_officer(user)

    def search_scopes(self, obj: models.Model) -> list[str]:
        return ["public"]


class ParentPolicy(Policy):
    """A child row (a task's budget line, a request's message) follows its parent's policy.

    ``parent`` names the foreign key. Viewing the child needs ``view_action`` on the parent
    (a parent may keep a finer action, e.g. a task's dossier); any other action on the child
    needs ``write_action`` on the parent. The parent's rule stays the only one.
    """

    parent: str = ""
    view_action: str = VIEW
    write_action: str = CHANGE

    def parent_action(self, action: str) -> str:
        return self.view_action if action == VIEW else self.write_action

    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        parent_model = queryset.model._meta.get_field(self.parent).related_model
        allowed = restrict(parent_model._default_manager.all(), user, self.parent_action(action))
        return queryset.filter(**{f"{self.parent}__in": allowed.values("pk")})

    def allows(self, user: Any, action: str, obj: models.Model) -> bool:
        parent = getattr(obj, self.parent)
        return parent is not None and can(user, self.parent_action(action), parent)


_principal_providers: list[Callable[[Any], list[str]]] = []


def register_principals(provider: Callable[[Any], list[str]]) -> Callable[[Any], list[str]]:
    """Let an app add principals of its own (e.g. ``expert:<id>`` for the user's expert
    profile), so ``search_scopes`` can name them."""
    _principal_providers.append(provider)
    return provider


def principals(user: Any) -> list[str] | None:
    """What ``user`` is, in the vocabulary of ``Policy.search_scopes``; ``None`` for
    administrators (everything). ``public``: everybody; ``members``: any signed-in user;
    ``user:<id>``; ``org:<id>`` for approved memberships; ``broker``; ``staff`` for officers;
    ``restricted`` is nobody's (administrators see it through ``None``)."""
    if is_admin(user):
        return None
    found = ["public"]
    if is_authenticated(user):
        found += ["members", f"user:{user.pk}"]
        found += [f"org:{org_id}" for org_id in sorted(organization_ids(user))]
        if is_broker(user):
            found.append("broker")
        if is_officer(user):
            found.append("staff")
        for provider in _principal_providers:
            found += provider(user)
    return found


def registered_models() -> set[type[models.Model]]:
    """The models that have a policy of their own (for the every-model contract test)."""
    return set(_registry)


class RestrictedQuerySet(models.QuerySet):
    """QuerySet with ``.restrict(user, action)``; list views and the API can never forget it."""

    def restrict(self, user: Any, action: str = VIEW) -> models.QuerySet:
        return restrict(self, user, action)


# --- Role predicates (roles live on accounts.User; these read them defensively) -------------


def is_authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user: Any) -> bool:
    return is_authenticated(user) and bool(
        getattr(user, "is_superuser", False) or getattr(user, "role", "") == "admin"
    )


def is_officer(user: Any) -> bool:
    """Department officer or administrator."""
    return is_admin(user) or (is_authenticated(user) and getattr(user, "role", "") == "officer")


def is_broker(user: Any) -> bool:
    return is_authenticated(user) and getattr(user, "role", "") == "broker"


def is_broker_or_officer(user: Any) -> bool:
    return is_officer(user) or is_broker(user)


def organization_ids(user: Any, admin_only: bool = False) -> set[int]:
    """Ids of the organisations in which ``user`` is an approved member (or administrator)."""
    if not is_authenticated(user):
        return set()
    cache_attr = "_openstx_org_admin_ids" if admin_only else "_openstx_org_ids"
    cached = getattr(user, cache_attr, None)
    if cached is not None:
        return cached
    qs = user.memberships.filter(status="approved")
    if admin_only:
        qs = qs.filter(role="admin")
    ids = set(qs.values_list("organization_id", flat=True))
    setattr(user, cache_attr, ids)
    return ids
