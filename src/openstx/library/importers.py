"""KIND "documents" for the one import pipeline (openstx.core.importing).

``openstx import documents PATH`` reads JSONL (or CSV/XLSX) rows of Dublin Core metadata plus
either ``text`` (already extracted) or ``file`` (a path: extracted like an upload). A folder of
files with a ``metadata.csv`` is imported with :func:`import_folder` (``file`` relative to the
folder). Idempotent by ``external_id``: a run killed half-way and started again ends with every
document exactly once — each batch (rows, outbox rows) commits in one transaction, and a re-run
finds the committed batches unchanged.

Speed: rows are written with ``bulk_create``/``bulk_update`` in batches of 1,000, their search
outbox rows in bulk in the same transaction, and the index writer applies the outbox in big
batches once at the end.
"""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from openstx.core import importing
from openstx.core.importing import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    ImportContext,
    ImportResult,
    ParsedRow,
    RowError,
    boolean,
    choice,
    text,
)
from openstx.core.text import nfc
from openstx.library.models import AccessLevel, Collection, Document

_base_dir: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "library_import_base", default=None
)

FIELD_MAP = {  # column -> model attribute
    "title": "title",
    "creators": "creators",
    "subjects": "subjects",
    "description": "description",
    "publisher": "publisher",
    "date": "date",
    "type": "dc_type",
    "format": "dc_format",
    "identifier": "identifier",
    "language": "language",
    "rights": "rights",
    "collection": "collection",
    "access_level": "access_level",
    "digitised": "digitised",
    "text": "full_text",
    "task": "task_reference",
}


def _full_text(value: Any, ctx: ImportContext) -> str:
    return nfc(str(value)).strip()  # never truncated


def _file(value: Any, ctx: ImportContext) -> str:
    path = Path(str(value))
    base = _base_dir.get()
    if not path.is_absolute() and base is not None:
        path = base / path
    if not path.is_file():
        raise RowError(_("file not found: %(path)s") % {"path": value})
    return str(path.resolve())


@importing.register
class DocumentImporter(importing.Importer):
    kind = "documents"
    label = "library documents"
    model = Document
    batch_size = 1000
    columns = [
        Column("external_id", required=True, parse=text(100)),
        Column("title", required=True, parse=text(1000)),
        Column("creators", multiple=True),
        Column("subjects", multiple=True),
        Column("description", multiline=True, parse=text(multiline=True)),
        Column("publisher", parse=text(300)),
        Column("date", parse=text(32)),
        Column("type", parse=text(100)),
        Column("format", parse=text(100)),
        Column("identifier", parse=text(300)),
        Column("language", parse=text(16)),
        Column("rights", parse=text(500)),
        Column("collection", parse=choice(Collection), default=Collection.OTHER),
        Column("access_level", parse=choice(AccessLevel), default=AccessLevel.PUBLIC),
        Column("digitised", parse=boolean(), default=False),
        Column("task", parse=text(300)),
        Column("text", multiline=True, parse=_full_text, export=False),
        Column("file", parse=_file, export=False),
    ]

    def validate(self, values: dict[str, Any], ctx: ImportContext) -> None:
        for key in ("creators", "subjects"):
            if key in values:
                values[key] = [nfc(v) for v in values[key]]

    def _model_values(self, values: dict[str, Any]) -> dict[str, Any]:
        return {FIELD_MAP[k]: v for k, v in values.items() if k in FIELD_MAP}

    def apply(self, row: ParsedRow, ctx: ImportContext) -> tuple[str, Any]:
        return self.apply_batch([row], ctx)[0]

    def apply_batch(self, rows: list[ParsedRow], ctx: ImportContext) -> list[tuple[str, Any]]:
        from django.utils import timezone

        from openstx.library.services import record_search_changes

        existing = {
            d.external_id: d for d in Document.objects.filter(external_id__in=[r.key for r in rows])
        }
        now = timezone.now()
        new: list[Document] = []
        changed: list[Document] = []
        changed_fields: set[str] = set()
        outcomes: list[list[Any]] = []
        for row in rows:
            values = self._model_values(row.values)
            document = existing.get(row.key)
            if document is None:
                document = Document(external_id=row.key, **values)
                document.created_at = document.updated_at = now
                document.was_public = document.is_oai_public
                new.append(document)
                outcomes.append([CREATED, document, row])
                continue
            diff = {k: v for k, v in values.items() if getattr(document, k) != v}
            if diff:
                for key, value in diff.items():
                    setattr(document, key, value)
                document.updated_at = now
                if document.is_oai_public:
                    document.was_public = True
                changed_fields.update(diff)
                changed.append(document)
            outcomes.append([UPDATED if diff else UNCHANGED, document, row])
        if new:
            Document.objects.bulk_create(new, batch_size=1000)
        if changed:
            Document.objects.bulk_update(
                changed, sorted(changed_fields | {"updated_at", "was_public"}), batch_size=1000
            )
        touched = [doc.pk for outcome, doc, _row in outcomes if outcome != UNCHANGED]
        record_search_changes(touched)
        files = ctx.cache.setdefault("library_files", {})
        for _outcome, document, row in outcomes:
            if row.values.get("file"):
                files[document.pk] = row.values["file"]
        return [(outcome, document.pk) for outcome, document, _row in outcomes]

    def on_committed(self, pks: list[Any], ctx: ImportContext) -> None:
        """Rows that name a file: attach and extract it (OCR if needed) once committed."""
        from openstx.library import services
        from openstx.library.extraction import ExtractionError, plan_file
        from openstx.library.models import DocumentFile

        files: dict[int, str] = ctx.cache.get("library_files", {})
        for pk in pks:
            path = files.pop(pk, None)
            if not path:
                continue
            document = Document.objects.get(pk=pk)
            try:
                plan = plan_file(Path(path))
                current = document.file_of(DocumentFile.Kind.ORIGINAL)
                if current is None or current.sha256 != plan.sha256:
                    services._attach(
                        document,
                        DocumentFile.Kind.ORIGINAL,
                        plan.path,
                        plan.path.name,
                        plan.mime,
                        plan.sha256,
                    )
                    services.extract_document_file(document, plan.path)
            except ExtractionError as exc:
                ctx.warnings.append(f"{document.external_id}: {Path(path).name}: {exc}")

    def finish(self, result: ImportResult, ctx: ImportContext) -> None:
        from openstx.library.services import refresh_search

        refresh_search()

    def export_row(self, obj: Any, ctx: ImportContext) -> dict[str, Any]:
        row = {column: getattr(obj, attr) for column, attr in FIELD_MAP.items() if column != "text"}
        row["external_id"] = obj.external_id
        return row


def import_folder(
    folder: str | Path, *, user: Any = None, dry_run: bool = False, progress: bool | None = False
) -> ImportResult:
    """A folder of files plus ``metadata.csv`` (or .xlsx/.jsonl) whose ``file`` column names
    the files relative to the folder."""
    folder = Path(folder)
    for name in ("metadata.csv", "metadata.jsonl", "metadata.xlsx"):
        if (folder / name).exists():
            token = _base_dir.set(folder.resolve())
            try:
                return importing.run_import(
                    "documents", folder / name, user=user, dry_run=dry_run, progress=progress
                )
            finally:
                _base_dir.reset(token)
    raise importing.ImportFileError(_("No metadata.csv in %(folder)s") % {"folder": folder})
