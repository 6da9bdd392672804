"""Running an import: batches, validation, idempotence, dry run, the ``records_imported`` signal
and the after-commit hooks. See :mod:`openstx.core.importing`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from openstx.core.importing.columns import UNCHANGED, ImportFileError, RowError, as_text, is_blank
from openstx.core.importing.importers import (
    ImportContext,
    Importer,
    ImportResult,
    ParsedRow,
    Rejected,
    get_importer,
)
from openstx.core.importing.readers import CsvReader, Row, XlsxReader

log = logging.getLogger(__name__)

#: Sent inside the transaction of each written batch (sender = the model class), with
#: ``kind``, ``pks`` (created or updated rows) and ``context``. Bulk writes bypass ``post_save``,
#: so anything that must be written in the same transaction (e.g. the search outbox) listens here.
records_imported = Signal()

_committed_hooks: list[Callable[..., None]] = []


def on_committed(func: Callable[..., None]) -> Callable[..., None]:
    """Register ``func(kind, model, pks, context)`` to run after each batch is committed.

    Used for derived work (search index, embeddings). Never called in a dry run. Usable as a
    decorator; the importer's own :meth:`Importer.on_committed` runs too.
    """
    if func not in _committed_hooks:
        _committed_hooks.append(func)
    return func


# --- Import --------------------------------------------------------------------------------


def _progress(total: int | None, desc: str, enabled: bool | None, job: Any = None):
    """The one progress reporter (openstx.core.progress): tqdm on a terminal, a Job row if any."""
    from openstx.core.progress import Progress

    return Progress(total=total, desc=desc, job=job, unit=" rows", bar=enabled)


def run_import(
    kind: str,
    source: str | Path | Iterable[Row],
    *,
    user: Any = None,
    dry_run: bool = False,
    progress: bool | None = False,
    batch_size: int | None = None,
    job: Any = None,
) -> ImportResult:
    """Import a file (or an iterable of ``(line, dict)``) of KIND. Never raises for bad rows:
    they are in ``result.rejected``. Raises :class:`ImportFileError` for an unusable file."""
    import time

    started = time.monotonic()
    importer = get_importer(kind)
    result = ImportResult(kind=kind, dry_run=dry_run)
    reader = importer.open_reader(source) if isinstance(source, str | Path) else source
    total = getattr(reader, "total", None)
    ctx = ImportContext(kind=kind, user=user, dry_run=dry_run)
    size = batch_size or importer.batch_size
    bar = _progress(total, kind, progress, job)

    def run() -> None:
        importer.prepare(ctx)
        seen: dict[str, int] = {}
        batch: list[tuple[int, dict[str, Any] | RowError]] = []
        header_checked = False
        for line, raw in reader:
            if not header_checked and isinstance(raw, dict):
                header_checked = True
                _check_header(importer, reader, raw, result)
            batch.append((line, raw))
            if len(batch) >= size:
                _run_batch(importer, batch, ctx, result, seen)
                bar.advance(len(batch))
                batch = []
        if batch:
            _run_batch(importer, batch, ctx, result, seen)
            bar.advance(len(batch))

    try:
        if dry_run:
            with transaction.atomic():
                run()
                transaction.set_rollback(True)
        else:
            run()
            importer.finish(result, ctx)
    finally:
        bar.close()
    result.warnings.extend(ctx.warnings)
    result.seconds = time.monotonic() - started
    return result


def _check_header(
    importer: Importer, reader: Any, first: dict[str, Any], result: ImportResult
) -> None:
    header = getattr(reader, "header", None) or list(first)
    known = importer.column_map
    unknown = [h for h in header if h and h not in known]
    if unknown:
        result.warnings.append(
            _("Ignored unknown columns: %(columns)s") % {"columns": ", ".join(unknown)}
        )
    if isinstance(reader, CsvReader | XlsxReader):
        missing = [c.name for c in importer.columns if c.required and c.name not in header]
        if missing:
            raise ImportFileError(
                _("Missing required columns: %(columns)s") % {"columns": ", ".join(missing)}
            )


def _parse_one(
    importer: Importer, line: int, raw: dict[str, Any] | RowError, ctx: ImportContext
) -> ParsedRow:
    if isinstance(raw, RowError):
        raise raw
    ctx.line = line
    values = importer.parse(raw, ctx)
    key = values.get(importer.key)
    if is_blank(key):
        raise RowError(_("a value is required"), importer.key)
    return ParsedRow(line=line, key=str(key), values=values, raw=raw)


def _raw_key(importer: Importer, raw: Any) -> str | None:
    if isinstance(raw, dict):
        key = raw.get(importer.key)
        return as_text(key) if not is_blank(key) else None
    return None


def _run_batch(
    importer: Importer,
    batch: list[tuple[int, dict[str, Any] | RowError]],
    ctx: ImportContext,
    result: ImportResult,
    seen: dict[str, int],
) -> None:
    """Parse, validate and write one batch in one transaction."""
    with transaction.atomic():
        parsed: list[ParsedRow] = []
        for line, raw in batch:
            try:
                if importer.parse_writes:
                    ctx.undo = []
                    warnings_before = len(ctx.warnings)
                    try:
                        with transaction.atomic():
                            row = _parse_one(importer, line, raw, ctx)
                    except RowError:
                        for undo in ctx.undo:
                            undo()
                        del ctx.warnings[warnings_before:]
                        raise
                else:
                    row = _parse_one(importer, line, raw, ctx)
                if row.key in seen:
                    raise RowError(
                        _("duplicate %(key)s %(value)r (first seen on line %(line)d)")
                        % {"key": importer.key, "value": row.key, "line": seen[row.key]}
                    )
                seen[row.key] = line
                parsed.append(row)
            except RowError as exc:
                result.rejected.append(Rejected(line, str(exc), _raw_key(importer, raw)))
        if not parsed:
            return
        try:
            with transaction.atomic():
                outcomes = importer.apply_batch(parsed, ctx)
        except (DatabaseError, ValidationError, RowError, ValueError) as exc:
            log.info("batch of %s failed (%s); retrying row by row", ctx.kind, exc)
            outcomes = []
            for row in parsed:
                try:
                    with transaction.atomic():
                        outcomes.append(importer.apply(row, ctx))
                except (DatabaseError, ValidationError, RowError, ValueError) as row_exc:
                    reason = (
                        "; ".join(row_exc.messages)
                        if isinstance(row_exc, ValidationError)
                        else str(row_exc)
                    )
                    result.rejected.append(Rejected(row.line, reason, row.key))
        changed = []
        for outcome, pk in outcomes:
            result.count(outcome)
            if outcome != UNCHANGED:
                changed.append(pk)
        if changed and importer.model is not None:
            records_imported.send(sender=importer.model, kind=ctx.kind, pks=changed, context=ctx)
        if changed and not ctx.dry_run:
            transaction.on_commit(lambda: _after_commit(importer, changed, ctx))


def _after_commit(importer: Importer, pks: list[Any], ctx: ImportContext) -> None:
    importer.on_committed(pks, ctx)
    for hook in list(_committed_hooks):
        hook(kind=ctx.kind, model=importer.model, pks=pks, context=ctx)
