"""Digitisation batches: expanding paths, processing many files with both cores, finishing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openstx.core.progress import Progress
from openstx.core.text import nfc
from openstx.library import extraction as ex
from openstx.library.models import (
    AccessLevel,
    BatchItem,
    Collection,
    Document,
    DocumentFile,
    Extraction,
)
from openstx.library.services.documents import (
    _attach,
    apply_extraction,
    refresh_search,
    title_from_filename,
)
from openstx.library.services.extraction import FileWork, Runner, start_file

log = logging.getLogger(__name__)

# --- Digitisation batches ---------------------------------------------------------------------


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files given, and the files in folders given (recursively), in a stable order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            out.append(path)
    return out


def process_paths(
    paths: Iterable[str | Path],
    *,
    job: Any = None,
    user: Any = None,
    collection: str = Collection.OTHER,
    access_level: str = AccessLevel.PUBLIC,
    digitised: bool = True,
    workers: int | None = None,
    bar: bool | None = None,
) -> dict[str, Any]:
    """Digitise files into the library: each distinct content once, failures listed per file.

    Returns ``{"done": n, "skipped": n, "failed": [{"name", "reason"}], "documents": [ids]}``.
    """
    files = expand_paths(paths)
    items = [BatchItem(job=job, path=str(path), name=nfc(path.name)[:300]) for path in files]
    if job is not None:  # a re-run of the same job starts its list afresh; done files skip
        BatchItem.objects.filter(job=job).delete()
        BatchItem.objects.bulk_create(items)
    summary: dict[str, Any] = {"done": 0, "skipped": 0, "failed": [], "documents": []}

    def fail(item: BatchItem, reason: str) -> None:
        item.status, item.error = BatchItem.Status.FAILED, str(reason)
        summary["failed"].append({"name": item.name, "reason": str(reason)})
        if item.pk:
            item.save(update_fields=["status", "error", "sha256"])

    with Progress(total=len(files), desc=_("OCR"), job=job, unit=" p", bar=bar) as progress:
        works: list[FileWork] = []
        seen: dict[str, BatchItem] = {}
        for item, path in zip(items, files, strict=True):
            try:
                plan = ex.plan_file(path)
            except ex.ExtractionError as exc:
                fail(item, str(exc))
                progress.advance(message=item.name)
                continue
            except Exception as exc:  # never lose the batch for one file
                log.exception("planning %s", path)
                fail(item, _("unexpected error: %(reason)s") % {"reason": exc})
                progress.advance(message=item.name)
                continue
            item.sha256 = plan.sha256
            existing = (
                DocumentFile.objects.filter(
                    sha256=plan.sha256,
                    kind=DocumentFile.Kind.ORIGINAL,
                    document__deleted_at__isnull=True,
                )
                .values_list("document_id", flat=True)
                .first()
            )
            if existing or plan.sha256 in seen:
                item.status = BatchItem.Status.SKIPPED
                item.document_id = existing
                summary["skipped"] += 1
                if item.pk:
                    item.save(update_fields=["status", "sha256", "document"])
                progress.advance(message=item.name)
                continue
            seen[plan.sha256] = item
            work = start_file(plan)
            work.on_done = _finisher(
                item, user, collection, access_level, digitised, summary, fail, progress
            )
            works.append(work)
        ocr_total = sum(len(w.pending) for w in works)
        progress.set_total(len(files) + ocr_total)
        Runner(workers, progress).run(works)
    refresh_search()
    return summary


def _finisher(
    item: BatchItem,
    user: Any,
    collection: str,
    access_level: str,
    digitised: bool,
    summary: dict[str, Any],
    fail: Callable[[BatchItem, str], None],
    progress: Progress,
) -> Callable[[FileWork], None]:
    def done(work: FileWork) -> None:
        progress.advance(message=item.name)
        if work.error:
            Extraction.objects.filter(pk=work.extraction.pk).update(
                status=Extraction.Status.FAILED, error=work.error
            )
            fail(item, work.error)
            return
        try:
            with transaction.atomic():
                document = Document.objects.create(
                    title=title_from_filename(item.name),
                    collection=collection,
                    access_level=access_level,
                    status=Document.Status.PUBLISHED,
                    digitised=digitised,
                    dc_type="Text",
                    dc_format=work.plan.mime,
                    uploaded_by=user if getattr(user, "is_authenticated", False) else None,
                )
                _attach(
                    document,
                    DocumentFile.Kind.ORIGINAL,
                    work.plan.path,
                    item.name,
                    work.plan.mime,
                    work.plan.sha256,
                )
                apply_extraction(document, work)
        except Exception as exc:
            log.exception("storing %s", item.path)
            fail(item, _("could not store the document: %(reason)s") % {"reason": exc})
            return
        item.status, item.document = BatchItem.Status.DONE, document
        if item.pk:
            item.save(update_fields=["status", "document", "sha256"])
        summary["done"] += 1
        summary["documents"].append(document.pk)

    return done
