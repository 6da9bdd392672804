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


@register.simple_tag
def icon(name: str, css: str = "") -> str:
    """An icon from the site's Lucide sprite, hidden from assistive technology (the text next to
    it, or the control's accessible name, says what it means): ``{% icon "search" %}``."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    from openstx.web.icons import ICONS

    if name not in ICONS:
        raise template.TemplateSyntaxError(f"unknown icon {name!r}: add it to openstx.web.icons")
    return format_html(
        '<svg class="icon{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f" {css}" if css else "",
        static("vendor/lucide/sprite.svg"),
        name,
    )
