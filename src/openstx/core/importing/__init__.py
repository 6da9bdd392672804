"""The one import/export pipeline, shared by every kind of record (docs/importing.md).

An app describes a KIND of record with an :class:`Importer` (usually a :class:`ModelImporter`)
in its ``importers.py`` and registers it with :func:`register`::

    @register
    class OrganizationImporter(ModelImporter):
        kind = "organizations"
        model = Organization
        columns = [Column("external_id", required=True), Column("name", required=True), ...]

The pipeline (:func:`run_import`, :func:`run_export`, ``openstx import`` / ``openstx export``)
does the rest: reading JSONL, CSV or XLSX, cleaning every value (NFC, white space), validating
each row, reporting each rejected row with its line number and reason, writing the valid rows in
batches (bulk inserts and updates, per-row savepoints only when a batch fails), idempotence by
``external_id`` (created / updated / unchanged counts), ``dry_run`` (validate only, nothing is
written) and hooks for derived work (search index) that run after each committed batch.

The package, along its seams (every name is importable from ``openstx.core.importing``):

- :mod:`.columns` — :class:`Column`, the value parsers (``text``, ``integer``, ``choice`` …),
  ``RowError`` / ``ImportFileError``;
- :mod:`.readers` — JSONL, CSV and XLSX files as ``(line, dict | RowError)`` rows;
- :mod:`.sheets` — the reader for messy office spreadsheets (title rows, multi-row merged
  headers, Vietnamese column names matched through synonyms);
- :mod:`.importers` — ``ImportContext``, ``ImportResult``, the ``Importer`` / ``ModelImporter``
  base classes and the registry of kinds;
- :mod:`.pipeline` — :func:`run_import` (batches, idempotence, dry run, hooks);
- :mod:`.export` — :func:`run_export` / :func:`write_rows`;
- :mod:`.formulas` — the one spreadsheet-formula neutraliser all CSV/XLSX writers use.

See docs/importing.md for the guide for app authors and the file formats.
"""

from __future__ import annotations

from openstx.core.importing.columns import (
    CREATED,
    LIST_SEPARATORS,
    UNCHANGED,
    UPDATED,
    Column,
    ImportFileError,
    Parser,
    RowError,
    as_list,
    as_text,
    boolean,
    choice,
    date,
    decimal,
    integer,
    is_blank,
    normalize_value,
    text,
    validated,
)
from openstx.core.importing.export import (
    export_rows,
    run_export,
    write_rows,
)
from openstx.core.importing.formulas import (
    FORMULA_PREFIXES,
    escape_formula,
    spreadsheet_safe,
    unescape_formula,
    xlsx_row,
)
from openstx.core.importing.importers import (
    Deferred,
    ImportContext,
    Importer,
    ImportResult,
    ModelImporter,
    ParsedRow,
    Rejected,
    get_importer,
    kinds,
    register,
)
from openstx.core.importing.pipeline import (
    _committed_hooks as _committed_hooks,  # for tests that unregister a hook
)
from openstx.core.importing.pipeline import (
    on_committed,
    records_imported,
    run_import,
)
from openstx.core.importing.readers import (
    FORMATS,
    CsvReader,
    JsonlReader,
    Reader,
    Row,
    XlsxReader,
    detect_encoding,
    file_format,
    header_key,
    open_reader,
    read_rows,
)
from openstx.core.importing.sheets import HeaderMatcher, SheetReader

__all__ = [
    "CREATED",
    "FORMATS",
    "FORMULA_PREFIXES",
    "LIST_SEPARATORS",
    "UNCHANGED",
    "UPDATED",
    "Column",
    "CsvReader",
    "Deferred",
    "ImportContext",
    "ImportFileError",
    "ImportResult",
    "Importer",
    "JsonlReader",
    "ModelImporter",
    "ParsedRow",
    "Parser",
    "Reader",
    "Rejected",
    "HeaderMatcher",
    "SheetReader",
    "Row",
    "RowError",
    "XlsxReader",
    "as_list",
    "as_text",
    "boolean",
    "choice",
    "date",
    "decimal",
    "detect_encoding",
    "escape_formula",
    "export_rows",
    "file_format",
    "get_importer",
    "header_key",
    "integer",
    "is_blank",
    "kinds",
    "normalize_value",
    "on_committed",
    "open_reader",
    "read_rows",
    "records_imported",
    "register",
    "run_export",
    "run_import",
    "spreadsheet_safe",
    "text",
    "unescape_formula",
    "validated",
    "write_rows",
    "xlsx_row",
]
