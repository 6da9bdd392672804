from __future__ import annotations

from urllib.parse import urlencode

from django import template

from openstx.web.areas import AREAS, Area

register = template.Library()


@register.simple_tag
def nav_areas() -> list[Area]:
    return AREAS


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination and sorting)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(list(params.lists()), doseq=True)
