"""Who may see and act on portal records (core.permissions policies, registered on import).

- Articles, services, programmes and start-up profiles: public when published/active; staff all.
- Service requests: the requester sees their own; officers see all; approved members of the
  organisation providing the service (an intermediary) see and handle its requests.
- Applications: members of the applying organisation see theirs; officers see and decide all.
- Contact messages: officers only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from openstx.core.permissions import (
    CHANGE,
    MODERATE,
    VIEW,
    ParentPolicy,
    Policy,
    PublicReadPolicy,
    is_authenticated,
    is_officer,
    organization_ids,
    register,
)
from openstx.portal.models import (
    Application,
    ApplicationTransition,
    Article,
    Attachment,
    ContactMessage,
    DepartmentContact,
    Programme,
    RequestMessage,
    RequestTransition,
    Service,
    ServiceRequest,
    StartupProfile,
)


@register(Article)
class ArticlePolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if action == VIEW:
            return queryset.visible()  # type: ignore[attr-defined]
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        return action == VIEW and obj.is_visible

    def search_scopes(self, obj: Any) -> list[str]:
        # publish_due() re-indexes an article when its publication time passes
        return ["public"] if obj.is_visible else ["staff"]


class _ActivePolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if action == VIEW:
            return queryset.filter(active=True)
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        return action == VIEW and obj.active

    def search_scopes(self, obj: Any) -> list[str]:
        return ["public"] if obj.active else ["staff"]


register(Service)(type("ServicePolicy", (_ActivePolicy,), {}))
register(Programme)(type("ProgrammePolicy", (_ActivePolicy,), {}))


@register(StartupProfile)
class StartupPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if action == VIEW or is_officer(user):
            return queryset
        if action == CHANGE:
            return queryset.filter(organization_id__in=organization_ids(user, admin_only=True))
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if action == VIEW or is_officer(user):
            return True
        return action == CHANGE and obj.organization_id in organization_ids(user, admin_only=True)


def handles_service(user: Any, service: Service) -> bool:
    """Officers handle every request; members of a provider organisation handle its own."""
    return is_officer(user) or (
        service.provider_id is not None and service.provider_id in organization_ids(user)
    )


@register(ServiceRequest)
class ServiceRequestPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if not is_authenticated(user):
            return queryset.none()
        handled = Q(service__provider_id__in=organization_ids(user))
        if action == VIEW:
            return queryset.filter(Q(requester=user) | handled)
        if action == MODERATE:
            return queryset.filter(handled)
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if handles_service(user, obj.service):
            return action in (VIEW, MODERATE)
        if action == VIEW:
            return is_authenticated(user) and obj.requester_id == user.pk
        return False

    def can_add(self, user: Any) -> bool:
        return is_authenticated(user)


@register(Application)
class ApplicationPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if action == VIEW:
            return queryset.filter(organization_id__in=organization_ids(user))
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        return action == VIEW and obj.organization_id in organization_ids(user)

    def can_add(self, user: Any) -> bool:
        return bool(organization_ids(user))


@register(Attachment)
class AttachmentPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if action != VIEW or not is_authenticated(user):
            return queryset.none()
        orgs = organization_ids(user)
        return queryset.filter(
            Q(request__requester=user)
            | Q(request__service__provider_id__in=orgs)
            | Q(application__organization_id__in=orgs)
        )

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if action != VIEW:
            return is_officer(user)
        if obj.request_id:
            return ServiceRequestPolicy().allows(user, VIEW, obj.request)
        if obj.application_id:
            return ApplicationPolicy().allows(user, VIEW, obj.application)
        return is_officer(user)


# the department's address, phone and hours: everyone reads them, officers change them
register(DepartmentContact)(type("DepartmentContactPolicy", (PublicReadPolicy,), {}))


@register(ContactMessage)
class ContactPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        return queryset if is_officer(user) else queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return is_officer(user)

    def can_add(self, user: Any) -> bool:
        return True


class _RequestChildPolicy(ParentPolicy):
    """A request's messages and status log: whoever may see the request; changes by whoever
    handles it (the provider or staff)."""

    parent = "request"
    write_action = MODERATE


@register(RequestMessage)
class RequestMessagePolicy(_RequestChildPolicy):
    pass


@register(RequestTransition)
class RequestTransitionPolicy(_RequestChildPolicy):
    pass


@register(ApplicationTransition)
class ApplicationTransitionPolicy(ParentPolicy):
    parent = "application"
