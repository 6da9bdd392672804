"""Who may see and change IP, standards and training records (core.permissions policies).

- Department officers (and administrators) see and change everything.
- Everybody sees public IP records, decided standards records and training courses.
- Approved members of an organisation also see that organisation's non-public IP records,
  its pending standards records with their dossiers, and its people's attendance.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from openstx.core.permissions import VIEW, Policy, is_officer, organization_ids, register
from openstx.ipr.models import (
    Attendance,
    IPRecord,
    IPTransition,
    StandardAttachment,
    StandardOutcome,
    StandardRecord,
    TrainingCourse,
)

PUBLIC_OUTCOMES = (StandardOutcome.ACCEPTED, StandardOutcome.SUPPORTED)


class _OfficerPolicy(Policy):
    def public_q(self, user: Any) -> Q | None:
        return None

    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        if is_officer(user):
            return queryset
        if action != VIEW:
            return queryset.none()
        q = self.public_q(user)
        return queryset.filter(q) if q is not None else queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        if action != VIEW:
            return False
        return super().allows(user, action, obj)


@register(IPRecord)
class IPRecordPolicy(_OfficerPolicy):
    def public_q(self, user: Any) -> Q:
        return Q(is_public=True) | Q(applicant_organization_id__in=organization_ids(user))

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if is_officer(user):
            return True
        if action != VIEW:
            return False
        return obj.is_public or obj.applicant_organization_id in organization_ids(user)

    def search_scopes(self, obj: Any) -> list[str]:
        if obj.is_public:
            return ["public"]
        org = obj.applicant_organization_id
        return ["staff"] + ([f"org:{org}"] if org else [])


@register(IPTransition)
class IPTransitionPolicy(_OfficerPolicy):
    def public_q(self, user: Any) -> Q:
        return Q(record__is_public=True) | Q(
            record__applicant_organization_id__in=organization_ids(user)
        )


@register(StandardRecord)
class StandardRecordPolicy(_OfficerPolicy):
    def public_q(self, user: Any) -> Q:
        return Q(outcome__in=PUBLIC_OUTCOMES) | Q(organization_id__in=organization_ids(user))

    def search_scopes(self, obj: Any) -> list[str]:
        if obj.outcome in PUBLIC_OUTCOMES:
            return ["public"]
        return ["staff"] + ([f"org:{obj.organization_id}"] if obj.organization_id else [])


@register(StandardAttachment)
class StandardAttachmentPolicy(_OfficerPolicy):
    def public_q(self, user: Any) -> Q:
        return Q(record__organization_id__in=organization_ids(user))


@register(TrainingCourse)
class TrainingCoursePolicy(_OfficerPolicy):
    def public_q(self, user: Any) -> Q:
        return Q()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return is_officer(user) or action == VIEW

    def search_scopes(self, obj: Any) -> list[str]:
        return ["public"]


@register(Attendance)
class AttendancePolicy(_OfficerPolicy):
    def public_q(self, user: Any) -> Q:
        return Q(organization_id__in=organization_ids(user))
