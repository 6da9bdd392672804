"""KIND "documents" for the one import pipeline (openstx.core.importing).

``openstx import documents PATH`` reads JSONL (or CSV/XLSX) rows of Dublin Core metadata plus
either ``text`` (already extracted) or ``file`` (a path relative to the JSONL file: extracted like an upload). PATH may also be a
folder of files with a ``metadata.csv`` whose ``file`` column names them. Idempotent by ``external_id``: a run killed half-way and started again ends with every
document exactly once — each batch (rows, outbox rows) commits in one transaction, and a re-run
finds the committed batches unchanged.

Speed: rows are written with ``bulk_create``/``bulk_update`` in batches of 1,000, their search
outbox rows in bulk in the same transaction, and the index writer applies the outbox in big
batches once at the end.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from openstx.core import derived, importing
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

_source_bytes: contextvars.ContextVar[int] = contextvars.ContextVar(
    "library_import_bytes", default=0
)

#: From this source size on, a second process applies the search outbox while rows are still
#: being written, so the two cores share the work (rows | index) instead of taking turns.
CONCURRENT_INDEX_BYTES = 20_000_000

_FOLLOWER = """
import os, sys, time
import django
django.setup()
from openstx.search import writer
stop, parent = sys.argv[1], os.getppid()
while True:
    result = writer.apply_pending(lock_timeout=5)
    if os.path.exists(stop) or os.getppid() != parent:
        break
    if not result.get("applied"):
        time.sleep(0.3)
"""

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

    def open_reader(self, path: str | Path) -> importing.Reader:
        """A folder means its ``metadata.csv`` (or .jsonl/.xlsx); ``file`` paths in a row are
        relative to the folder holding the metadata file."""
        path = Path(path)
        if path.is_dir():
            for name in ("metadata.csv", "metadata.jsonl", "metadata.xlsx"):
                if (path / name).exists():
                    path = path / name
                    break
            else:
                raise importing.ImportFileError(
                    _("No metadata.csv in %(folder)s") % {"folder": path}
                )
        _base_dir.set(path.resolve().parent)
        _source_bytes.set(path.stat().st_size if path.exists() else 0)
        return importing.open_reader(path)

    def prepare(self, ctx: ImportContext) -> None:
        size = _source_bytes.get()
        _source_bytes.set(0)
        if ctx.dry_run or size < getattr(
            settings, "OPENSTX_CONCURRENT_INDEX_BYTES", CONCURRENT_INDEX_BYTES
        ):
            return
        stop = Path(tempfile.mkdtemp(prefix="openstx-index-")) / "stop"
        follower = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", _FOLLOWER, str(stop)],
            env=dict(
                os.environ,
                DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "openstx.settings"),
            ),
        )
        ctx.cache["library_follower"] = (follower, stop)

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
            derived.fill_all(new)  # what save() computes (NFC text…): bulk writes skip it
            Document.objects.bulk_create(new, batch_size=1000)
        if changed:
            changed_fields.update(derived.fill_all(changed))
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

        follower = ctx.cache.pop("library_follower", None)
        if follower is not None:
            process, stop = follower
            stop.touch()
            process.wait()
            shutil.rmtree(stop.parent, ignore_errors=True)
        refresh_search()

    def export_row(self, obj: Any, ctx: ImportContext) -> dict[str, Any]:
        row = {column: getattr(obj, attr) for column, attr in FIELD_MAP.items() if column != "text"}
        row["external_id"] = obj.external_id
        return row


def import_folder(
    folder: str | Path, *, user: Any = None, dry_run: bool = False, progress: bool | None = False
) -> ImportResult:
    """``openstx import documents FOLDER``: files plus ``metadata.csv`` naming them."""
    return importing.run_import("documents", folder, user=user, dry_run=dry_run, progress=progress)
