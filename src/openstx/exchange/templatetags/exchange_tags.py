from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openstx.core.money import format_vnd, short_vnd

register = template.Library()


@register.filter
def vnd(value: Any) -> str:
    """1500000 -> "1.500.000 đ" / "1,500,000 VND" (core.money, the one money format)."""
    return format_vnd(value)


@register.filter
def vnd_short(value: Any) -> str:
    """1500000000 -> "1,5 tỷ đồng" / "VND 1.5 billion" (core.money)."""
    return short_vnd(value)


@register.filter
def status_badge(status: str) -> str:
    return {"published": "ok", "accepted": "ok", "contract": "ok", "closed": "ok"}.get(status, "")


@register.simple_tag
def action_label(action: str) -> str:
    from openstx.exchange.services import ACTION_LABELS

    labels = {
        "submit": _("Submit for moderation"),
        "approve": _("Approve and publish"),
        "reject": _("Reject"),
        "redraft": _("Return to draft"),
        "pause": _("Pause"),
        "resume": _("Publish again"),
        "withdraw": pgettext("listing", "Withdraw"),
        "reconfirm": _("Re-confirm for another year"),
        "fulfil": _("Close: need met"),
    }
    return str(labels.get(action) or ACTION_LABELS.get(action, action))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def org_link(org: Any) -> str:
    """A link to the organisation's directory page when the directory has one, else its name."""
    from django.urls import NoReverseMatch
    from django.utils.html import format_html

    if org is None:
        return ""
    try:
        return format_html('<a href="{}">{}</a>', org.get_absolute_url(), org.name)
    except NoReverseMatch:
        return format_html("{}", org.name)
