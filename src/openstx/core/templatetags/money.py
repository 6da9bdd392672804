"""``{% load money %}``: ``|vnd`` (exact), ``|vnd_short`` (triệu/tỷ), ``|amount_short``, ``|number``."""

from __future__ import annotations

from typing import Any

from django import template

from openstx.core import money

register = template.Library()


@register.filter
def vnd(value: Any) -> str:
    return money.format_vnd(value)


@register.filter
def vnd_short(value: Any) -> str:
    return money.short_vnd(value)


@register.filter
def amount_short(value: Any) -> str:
    return money.short_amount(value)


@register.filter
def number(value: Any) -> str:
    return money.format_number(value)
