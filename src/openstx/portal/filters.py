"""List filters for the portal (articles: category, year, words through the search service;
the staff request queue: status, service, assignee, overdue)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from openstx.portal.models import Article, ServiceRequest


def filter_articles(qs: QuerySet, data: dict[str, Any]) -> QuerySet:
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    if data.get("year"):
        qs = qs.filter(publish_at__year=data["year"])
    return qs


def article_years() -> list[int]:
    return sorted(
        {d.year for d in Article.objects.visible().dates("publish_at", "year")}, reverse=True
    )


def filter_queue(qs: QuerySet, data: dict[str, Any], user: Any) -> QuerySet:
    status = data.get("status") or ""
    if status == "":
        qs = qs.filter(status__in=ServiceRequest.OPEN)
    elif status != "all":
        qs = qs.filter(status=status)
    if data.get("service"):
        qs = qs.filter(service=data["service"])
    if data.get("assignee") == "me":
        qs = qs.filter(assignee=user)
    elif data.get("assignee") == "none":
        qs = qs.filter(assignee__isnull=True)
    if data.get("overdue"):
        qs = qs.filter(status__in=ServiceRequest.OPEN, due_date__lt=timezone.localdate())
    return qs
