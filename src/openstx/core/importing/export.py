"""Exporting records in the columns ``import`` reads (JSONL, CSV, XLSX), and the one spreadsheet
formula neutraliser every CSV/XLSX writer of the platform uses. See :mod:`openstx.core.importing`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from openstx.core.importing.columns import as_text
from openstx.core.importing.formulas import escape_formula, xlsx_row
from openstx.core.importing.importers import ImportContext, get_importer
from openstx.core.importing.pipeline import _progress
from openstx.core.importing.readers import file_format

# --- Export --------------------------------------------------------------------------------


def export_rows(kind: str, *, user: Any = None) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """Column names and row dicts for KIND, as ``user`` may see them (``None`` = the system,
    e.g. the operator's command line: everything)."""
    importer = get_importer(kind)
    ctx = ImportContext(kind=kind, user=user)

    def rows() -> Iterator[dict[str, Any]]:
        qs = importer.export_queryset(ctx)
        iterable = (
            qs.iterator(chunk_size=1000)
            if hasattr(qs, "iterator") and not _has_prefetch(qs)
            else qs
        )
        for obj in iterable:
            yield importer.export_row(obj, ctx)

    return importer.export_columns(), rows()


def _has_prefetch(qs: Any) -> bool:
    return bool(getattr(qs, "_prefetch_related_lookups", None))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return "; ".join(as_text(v) for v in value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | bool | int | float):
        return value
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return [_json_value(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def write_rows(
    path: str | Path, columns: list[str], rows: Iterable[dict[str, Any]], progress: Any = None
) -> int:
    """Write rows to .jsonl, .csv (UTF-8 with BOM, for Excel) or .xlsx; return the count."""
    path = Path(path)
    fmt = file_format(path)
    count = 0
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(
                    json.dumps({c: _json_value(row.get(c)) for c in columns}, ensure_ascii=False)
                )
                fh.write("\n")
                count += 1
                if progress is not None:
                    progress.advance(1)
    elif fmt == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([escape_formula(_cell(row.get(c))) for c in columns])
                count += 1
                if progress is not None:
                    progress.advance(1)
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("data")
        ws.append(columns)
        for row in rows:
            ws.append(xlsx_row(ws, [_cell(row.get(c)) for c in columns]))
            count += 1
            if progress is not None:
                progress.advance(1)
        wb.save(path)
    return count


def run_export(
    kind: str, path: str | Path, *, user: Any = None, progress: bool | None = False, job: Any = None
) -> int:
    file_format(path)  # fail early on an unknown extension
    columns, rows = export_rows(kind, user=user)
    bar = _progress(None, kind, progress, job)
    try:
        return write_rows(path, columns, rows, progress=bar)
    finally:
        bar.close()
