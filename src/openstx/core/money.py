"""Numbers and money as people read them, in the interface language.

One place for every page, chart and document that shows an amount of VND:

* :func:`format_vnd` — the exact amount: ``1.500.000.000 đ`` (Vietnamese), ``1,500,000,000 VND``
  (English);
* :func:`short_vnd` — a label: ``1,5 tỷ đồng``, ``250 triệu đồng`` / ``VND 1.5 billion``;
* :func:`short_amount` — the number alone, for chart axes: ``1,5 tỷ``, ``250 triệu``, ``12 nghìn``
  (Vietnamese words: "B" and "M" are not Vietnamese) / ``1.5B``, ``250M`` (English, compact) or
  ``1.5 billion`` (English, words);
* :func:`format_number` — digit grouping: ``15.000`` / ``15,000``.

The template filters are in ``core/templatetags/money.py`` (``{% load money %}``). The language is
the active one unless given; the periodic report renders under ``translation.override("vi")``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import get_language

# (limit, Vietnamese word, English word, English letter), largest first
_SCALES = [
    (10**12, "nghìn tỷ", "trillion", "T"),
    (10**9, "tỷ", "billion", "B"),
    (10**6, "triệu", "million", "M"),
    (10**3, "nghìn", "thousand", "k"),
]


def _lang(language: str | None) -> str:
    return "en" if (language or get_language() or "vi").startswith("en") else "vi"


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def format_number(value: Any, language: str | None = None, decimals: int = 0) -> str:
    """15000 -> "15.000" (vi) / "15,000" (en); ``decimals`` digits after the separator."""
    number = _number(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    text = f"{number:,.{decimals}f}"
    if _lang(language) == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def _trim(number: float, language: str) -> str:
    """At most three significant digits, no trailing zeros: 1.5, 250, 12.3 -> "1,5" in vi."""
    text = f"{number:.3g}" if abs(number) < 1000 else f"{number:,.0f}"
    if "e" in text:  # 3 significant digits in scientific notation for numbers >= 1000
        text = f"{number:.0f}"
    if _lang(language) == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def short_amount(value: Any, language: str | None = None, *, compact: bool = False) -> str:
    """A large number in words: 1_500_000_000 -> "1,5 tỷ" (vi) / "1.5 billion" (en), or with
    ``compact`` in English "1.5B" (Vietnamese keeps the words: "tỷ", "triệu", "nghìn")."""
    number = _number(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    lang = _lang(language)
    for limit, vi_word, en_word, letter in _SCALES:
        if abs(number) >= limit:
            head = _trim(number / limit, lang)
            if lang == "vi":
                return f"{head} {vi_word}"
            return f"{head}{letter}" if compact else f"{head} {en_word}"
    return _trim(number, lang)


def format_vnd(value: Any, language: str | None = None) -> str:
    """The exact amount: "1.500.000.000 đ" (vi) / "1,500,000,000 VND" (en); "" for nothing."""
    number = _number(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    digits = format_number(round(number), language)
    return f"{digits} đ" if _lang(language) == "vi" else f"{digits} VND"


def short_vnd(value: Any, language: str | None = None) -> str:
    """A money label: "1,5 tỷ đồng", "250 triệu đồng" (vi) / "VND 1.5 billion" (en); amounts
    under a million are written out ("500.000 đồng")."""
    number = _number(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    lang = _lang(language)
    text = (
        short_amount(number, lang) if abs(number) >= 10**6 else format_number(round(number), lang)
    )
    return f"{text} đồng" if lang == "vi" else f"VND {text}"
