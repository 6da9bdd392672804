"""The one rich-text sanitiser of the platform: a small safe HTML subset, cleaned with nh3 on save."""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "a",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sub",
    "sup",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_TAG = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")


def sanitize_html(value: str | None) -> str:
    """The safe subset of ``value``: scripts, styles, event handlers and javascript: URLs go."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    ).strip()


def plain_text(value: str | None, limit: int | None = None) -> str:
    """Text without tags (for meta descriptions, feeds and exports)."""
    import html

    text = _WS.sub(" ", html.unescape(_TAG.sub(" ", value or ""))).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text
