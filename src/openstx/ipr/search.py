"""What IP, standards and training records contribute to the one search index."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from openstx.ipr.models import (
    IPRecord,
    IPType,
    StandardKind,
    StandardRecord,
    TrainingCourse,
)
from openstx.search.registry import BODY, SUMMARY, TITLE, SearchSpec, register


@register
class IPRecordSearch(SearchSpec):
    model = IPRecord
    type = "ip"
    label = _("IP records")
    kind_labels = dict(IPType.choices)
    fields = {
        "title": TITLE,
        "applicant_name": SUMMARY,
        "application_number": SUMMARY,
        "certificate_number": SUMMARY,
        "classes": SUMMARY,
        "description": BODY,
        "task_reference": BODY,
    }

    def queryset(self):
        return IPRecord.objects.select_related("applicant_organization")

    def facets(self, obj: Any) -> dict[str, Any]:
        facets: dict[str, Any] = {"kind": obj.type}
        if obj.application_date:
            facets["year"] = obj.application_date.year
        if obj.applicant_organization_id:
            facets["org"] = obj.applicant_organization_id
        return facets

    def date(self, obj: Any):
        return obj.application_date or obj.created_at


@register
class StandardRecordSearch(SearchSpec):
    model = StandardRecord
    type = "standard"
    label = _("Standards and quality records")
    kind_labels = dict(StandardKind.choices)
    fields = {"title": TITLE, "reference": SUMMARY, "organization_name": SUMMARY, "notes": BODY}

    def facets(self, obj: Any) -> dict[str, Any]:
        facets: dict[str, Any] = {"kind": obj.kind}
        if obj.received_date:
            facets["year"] = obj.received_date.year
        if obj.organization_id:
            facets["org"] = obj.organization_id
        return facets


@register
class TrainingCourseSearch(SearchSpec):
    model = TrainingCourse
    type = "training"
    label = _("Training courses")
    fields = {
        "title": TITLE,
        "topic": SUMMARY,
        "trainers": SUMMARY,
        "place": BODY,
        "description": BODY,
    }

    def facets(self, obj: Any) -> dict[str, Any]:
        return {"year": obj.start_date.year} if obj.start_date else {}
