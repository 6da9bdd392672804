"""Blocks other apps' pages can include: ``{% load ipr_tags %}{% ipr_for_organization org %}``,
``{% ipr_for_offer offer %}``, ``{% ipr_for_task task %}``."""

from __future__ import annotations

from typing import Any

from django import template

from openstx.core.money import format_vnd
from openstx.core.permissions import VIEW, restrict
from openstx.ipr.models import IPRecord, StandardRecord

register = template.Library()


@register.inclusion_tag("ipr/includes/organization_records.html", takes_context=True)
def ipr_for_organization(context: Any, organization: Any, limit: int = 10) -> dict[str, Any]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    records = restrict(IPRecord.objects.filter(applicant_organization=organization), user, VIEW)
    standards = restrict(StandardRecord.objects.filter(organization=organization), user, VIEW)
    return {
        "organization": organization,
        "records": list(records[:limit]),
        "total": records.count(),
        "standards": list(standards[:limit]),
    }


@register.inclusion_tag("ipr/includes/offer_records.html", takes_context=True)
def ipr_for_offer(context: Any, offer: Any) -> dict[str, Any]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return {"records": list(restrict(IPRecord.objects.filter(offer=offer), user, VIEW)[:20])}


@register.inclusion_tag("ipr/includes/task_records.html", takes_context=True)
def ipr_for_task(context: Any, task: Any, limit: int = 20) -> dict[str, Any]:
    """IP records linked to the task, or naming its code in their task reference, and the
    ones its outputs name."""
    from django.db.models import Q

    from openstx.core.permissions import is_officer

    user = context.get("user") or getattr(context.get("request"), "user", None)
    q = Q(task_id=task.pk) | Q(task_outputs__task_id=task.pk)
    code = getattr(task, "code", "") or ""
    if code:
        q |= Q(task_reference__iexact=code)
    records = restrict(IPRecord.objects.filter(q).distinct(), user, VIEW)
    return {
        "task": task,
        "records": list(records[:limit]),
        "total": records.count(),
        "can_add": is_officer(user),
    }


@register.filter
def vnd(value: Any) -> str:
    """15000000 -> "15.000.000 đ" / "15,000,000 VND" (core.money, the one money format)."""
    return format_vnd(value)
