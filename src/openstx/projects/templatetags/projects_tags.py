from __future__ import annotations

from typing import Any

from django import template

from openstx.core.money import format_vnd

register = template.Library()


@register.filter
def vnd(value: Any) -> str:
    """1500000000 -> "1.500.000.000 đ" / "1,500,000,000 VND" (core.money); "—" for nothing."""
    if value in (None, ""):
        return "—"
    return format_vnd(value)
