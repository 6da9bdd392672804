"""Filters of the public task list and the staff workspace (GET parameters -> queryset)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from openstx.core.text import clean, fold
from openstx.projects.models import Form, Level


def filter_tasks(qs: QuerySet, params: Any) -> tuple[QuerySet, dict[str, str]]:
    """Apply ``q``, ``level``, ``form``, ``state``, ``field``, ``host``, ``year`` filters."""
    active: dict[str, str] = {}
    q = clean(params.get("q", ""))[:200]
    if q:
        active["q"] = q
        words = q.split()
        for word in words:
            qs = qs.filter(
                Q(title__icontains=word) | Q(code__icontains=word) | Q(title__icontains=fold(word))
            )
    level = params.get("level", "")
    if level in Level.values:
        active["level"] = level
        qs = qs.filter(level=level)
    form = params.get("form", "")
    if form in Form.values:
        active["form"] = form
        qs = qs.filter(form=form)
    state = params.get("state", "")
    if state:
        active["state"] = state[:32]
        qs = qs.filter(state=state[:32])
    field = params.get("field", "")
    if field.isdigit():
        from openstx.taxonomy.services import field_descendant_ids

        try:
            ids = field_descendant_ids(int(field))
        except Exception:  # noqa: BLE001 - an unknown id simply matches nothing
            ids = []
        active["field"] = field
        qs = qs.filter(fields__in=ids).distinct()
    host = params.get("host", "")
    if host.isdigit():
        active["host"] = host
        qs = qs.filter(host_id=int(host))
    year = params.get("year", "")
    if year.isdigit() and len(year) == 4:
        active["year"] = year
        qs = qs.filter(start_date__year=int(year))
    return qs, active
