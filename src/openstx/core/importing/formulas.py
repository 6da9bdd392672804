"""The one spreadsheet-formula neutraliser (CSV injection): every CSV and XLSX writer of the
platform (``openstx export``, web and API exports, report workbooks) builds its cells through
these functions, and the CSV reader undoes the escaping so that a re-import reads back exactly
what was exported. See docs/importing.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Spreadsheet formula injection (CSV injection): a cell that begins with one of these is run as a
# formula by Excel / LibreOffice when a CSV is opened (``=HYPERLINK(…)``, ``@SUM(…)``, ``+cmd…``).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[\d\s.,]+")


def _formula_like(text: str) -> bool:
    bare = text.lstrip("'")
    return bare.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(bare)


def escape_formula(value: Any) -> Any:
    """The one spreadsheet-cell neutraliser for CSV: text that a spreadsheet would run as a
    formula gets a leading apostrophe (the OWASP advice); so does text that already begins with
    apostrophes before such a character, which makes :func:`unescape_formula` its exact inverse.
    Numbers, dates and plain signed numbers (``-5``, ``+84 912 345 678``) pass unchanged."""
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo :func:`escape_formula` (the CSV reader calls it on every cell)."""
    if value.startswith("'") and _formula_like(value[1:]):
        return value[1:]
    return value


def spreadsheet_safe(values: Any) -> Any:
    """:func:`escape_formula` over a CSV row: a list/tuple of cells or a dict (DictWriter)."""
    if isinstance(values, dict):
        return {key: escape_formula(v) for key, v in values.items()}
    return [escape_formula(v) for v in values]


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """One row for ``sheet.append`` (openpyxl, normal or write-only) in which no text is a
    formula: openpyxl stores any string starting with ``=`` as a live formula, so such text is
    written as a string cell instead (shown and read back exactly as it is, never evaluated).
    Every XLSX writer builds its rows through this."""
    from openpyxl.cell.cell import Cell

    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = Cell(sheet, row=1, column=1, value=value)  # append() places it
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
