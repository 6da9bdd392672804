"""Columns and value parsers of the import pipeline: how a cell becomes a Python value, and the
errors a row or a file can raise. See :mod:`openstx.core.importing`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from openstx.core.text import clean, fold, nfc

if TYPE_CHECKING:
    from openstx.core.importing.importers import ImportContext


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
LIST_SEPARATORS = re.compile(r"[;\n]")


# --- Errors --------------------------------------------------------------------------------


class RowError(Exception):
    """A row cannot be imported. ``column`` names the offending column when there is one."""

    def __init__(self, message: str, column: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.column = column

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


class ImportFileError(Exception):
    """The file as a whole cannot be read (unknown format, missing required column, …)."""


# --- Columns and value parsers -------------------------------------------------------------

Parser = Callable[[Any, "ImportContext"], Any]


@dataclass
class Column:
    """One column of a KIND's file format.

    ``parse(value, ctx)`` receives the cleaned, non-blank cell value (a ``str``, or a list/number
    from JSONL) and returns the Python value or raises :class:`RowError` / ``ValueError`` /
    ``ValidationError`` with a readable message. Blank cells never reach the parser: they become
    ``default`` (or an error when ``required``).
    """

    name: str
    required: bool = False
    parse: Parser | None = None
    help: str = ""
    default: Any = ""
    multiple: bool = False  # list-valued; cells hold values separated by ";"
    multiline: bool = False  # keep line breaks (descriptions); otherwise white space collapses
    export: bool = True

    def convert(self, value: Any, ctx: ImportContext) -> Any:
        if self.multiline and isinstance(value, str):
            value = nfc(value).replace("\r\n", "\n").strip()
        else:
            value = normalize_value(value)
        if is_blank(value):
            if self.required:
                raise RowError(_("a value is required"), self.name)
            return [] if self.multiple and self.default == "" else self.default
        if self.multiple:
            items = as_list(value)
            if self.parse is None:
                return items
            return [_call(self.parse, item, ctx, self.name) for item in items]
        if self.parse is None:
            return value if isinstance(value, str) else _scalar_text(value)
        return _call(self.parse, value, ctx, self.name)


def _call(parse: Parser, value: Any, ctx: ImportContext, column: str) -> Any:
    try:
        return parse(value, ctx)
    except RowError as exc:
        if exc.column is None:
            exc.column = column
        raise
    except ValidationError as exc:
        raise RowError("; ".join(str(m) for m in exc.messages), column)
    except (ValueError, TypeError) as exc:
        raise RowError(str(exc) or _("invalid value"), column)


def normalize_value(value: Any) -> Any:
    """Clean strings (NFC, collapsed white space); lists element-wise; other types as they are."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list | tuple):
        return [v for v in (normalize_value(v) for v in value) if not is_blank(v)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def is_blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return clean(str(value))


def as_text(value: Any) -> str:
    """A cell value as text (numbers from XLSX/JSON become their plain form)."""
    if isinstance(value, list | tuple):
        return "; ".join(as_text(v) for v in value)
    value = normalize_value(value)
    return value if isinstance(value, str) else _scalar_text(value)


def as_list(value: Any) -> list[str]:
    """``"a; b;c"`` / ``["a", "b"]`` -> ``["a", "b", ...]`` (blank items dropped)."""
    if isinstance(value, list | tuple):
        items = [as_text(v) for v in value]
    else:
        items = LIST_SEPARATORS.split(as_text(value))
    return [clean(i) for i in items if clean(i)]


# Ready-made parsers. Each returns a ``parse(value, ctx)`` callable.


def text(max_length: int | None = None, multiline: bool = False) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> str:
        if multiline:
            result = nfc(str(value)).strip()
        else:  # Column.convert has already cleaned strings
            result = value if isinstance(value, str) else as_text(value)
        if max_length and len(result) > max_length:
            raise RowError(
                _("too long (%(length)d characters, at most %(max)d)")
                % {"length": len(result), "max": max_length}
            )
        return result

    return parse


def integer(min_value: int | None = None, max_value: int | None = None) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> int:
        raw = as_text(value).replace(" ", "")
        try:
            number = int(Decimal(raw.replace(",", ""))) if raw else None
        except InvalidOperation:
            number = None
        if number is None or Decimal(raw.replace(",", "")) != number:
            raise RowError(_("%(value)r is not a whole number") % {"value": as_text(value)})
        if min_value is not None and number < min_value:
            raise RowError(_("must be at least %(min)d") % {"min": min_value})
        if max_value is not None and number > max_value:
            raise RowError(_("must be at most %(max)d") % {"max": max_value})
        return number

    return parse


def decimal(min_value: int | None = 0) -> Parser:
    """Amounts such as ``1.500.000`` or ``1,500,000`` or ``1500000.50`` (VND)."""

    def parse(value: Any, ctx: ImportContext) -> Decimal:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = Decimal(str(value))
        else:
            raw = as_text(value).replace(" ", "").replace("đ", "").replace("VND", "")
            # Vietnamese grouping "1.500.000" and English "1,500,000" both occur.
            if re.fullmatch(r"\d{1,3}([.,]\d{3})+", raw):
                raw = re.sub(r"[.,]", "", raw)
            else:
                raw = raw.replace(",", "")
            try:
                number = Decimal(raw)
            except InvalidOperation:
                raise RowError(_("%(value)r is not a number") % {"value": as_text(value)})
        if min_value is not None and number < min_value:
            raise RowError(_("must be at least %(min)d") % {"min": min_value})
        return number

    return parse


_TRUE = {"1", "true", "yes", "y", "x", "co", "có", "dung", "đúng", "t"}
_FALSE = {"0", "false", "no", "n", "khong", "không", "sai", "f"}


def boolean() -> Parser:
    def parse(value: Any, ctx: ImportContext) -> bool:
        if isinstance(value, bool):
            return value
        key = fold(as_text(value))
        if key in _TRUE or as_text(value).lower() in _TRUE:
            return True
        if key in _FALSE or as_text(value).lower() in _FALSE:
            return False
        raise RowError(_("%(value)r is not yes/no") % {"value": as_text(value)})

    return parse


def date() -> Parser:
    """ISO ``2025-07-01``, Vietnamese ``01/07/2025`` or an XLSX date cell."""

    def parse(value: Any, ctx: ImportContext) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        raw = as_text(value)
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
            try:
                return dt.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
        raise RowError(_("%(value)r is not a date (use YYYY-MM-DD or DD/MM/YYYY)") % {"value": raw})

    return parse


def choice(
    choices: type[models.Choices] | Sequence[tuple[str, Any]], aliases: dict[str, str] | None = None
) -> Parser:
    """Accept a choice's code or its label (in Vietnamese or English, accents optional), or one
    of ``aliases`` (``{"Giáo sư": "GS"}``)."""
    pairs = list(choices.choices if isinstance(choices, type) else choices)

    def labels_for(label: Any) -> set[str]:
        from django.utils import translation

        names = {fold(str(label))}
        for lang in ("vi", "en"):
            with translation.override(lang):
                names.add(fold(str(label)))
        return names

    lookup: dict[str, str] | None = None

    def parse(value: Any, ctx: ImportContext) -> str:
        nonlocal lookup
        if lookup is None:
            lookup = {}
            for code, label in pairs:
                for name in labels_for(label):
                    lookup.setdefault(name, code)
                    lookup.setdefault(re.sub(r"\s*\(.*\)$", "", name), code)
                lookup[fold(str(code))] = code
            for alias, code in (aliases or {}).items():
                lookup[fold(alias)] = code
        key = fold(as_text(value))
        if key in lookup:
            return lookup[key]
        allowed = ", ".join(str(code) for code, _label in pairs if code)
        raise RowError(
            _("%(value)r is not one of: %(allowed)s")
            % {"value": as_text(value), "allowed": allowed}
        )

    return parse


def validated(*validators: Callable[[Any], Any], then: Parser | None = None) -> Parser:
    """Run Django validators (``EmailValidator()``, ``URLValidator()``…) on the text value."""

    def parse(value: Any, ctx: ImportContext) -> Any:
        result = then(value, ctx) if then else as_text(value)
        for validator in validators:
            validator(result)
        return result

    return parse
