"""Budget figures, narratives and generated reports are staff business; the published
indicators themselves are public."""

from __future__ import annotations

from typing import Any

from django.db import models

from openstx.core.permissions import VIEW, Policy, is_officer, register
from openstx.reports.models import (
    BudgetYear,
    GeneratedReport,
    ReportLetterhead,
    ReportNarrative,
)


@register(BudgetYear)
class BudgetYearPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        if action == VIEW or is_officer(user):
            return queryset  # the budget is public once entered; only staff change it
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return action == VIEW or is_officer(user)


@register(ReportLetterhead)
@register(ReportNarrative)
@register(GeneratedReport)
class StaffOnlyPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: models.QuerySet) -> models.QuerySet:
        return queryset if is_officer(user) else queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return is_officer(user)
