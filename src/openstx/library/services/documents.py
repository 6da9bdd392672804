"""Documents: creating, editing, moderating and deleting, files and derivatives, task links,
and the search outbox for bulk writes."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.core.progress import Progress
from openstx.core.text import clean, nfc
from openstx.library import extraction as ex
from openstx.library.models import (
    Document,
    DocumentFile,
    Extraction,
)
from openstx.library.services.extraction import (
    FileWork,
    Runner,
    _image_for_tesseract,
    finish_extraction,
    searchable_pdf_path,
    start_file,
    work_dir,
)

log = logging.getLogger(__name__)

# --- Search ------------------------------------------------------------------------------------


def record_search_changes(pks: Iterable[int]) -> None:
    """Bulk writes skip signals: write the outbox rows ourselves (same transaction)."""
    pks = list(pks)
    if not pks:
        return
    from openstx.search import outbox

    outbox.record_changes(Document, pks)


def refresh_search() -> None:
    """Apply pending outbox rows so what was just written is searchable when we return."""
    from openstx.search import writer

    writer.apply_pending()


# --- Documents --------------------------------------------------------------------------------


def title_from_filename(name: str) -> str:
    stem = Path(name).stem.replace("_", " ")
    return clean(stem)[:1000] or name


def _attach(
    document: Document, kind: str, path: Path, name: str, mime: str, sha256: str
) -> DocumentFile:
    item = DocumentFile.objects.filter(document=document, kind=kind).first()
    if item is not None and item.sha256 == sha256:
        return item
    if item is not None:
        item.file.delete(save=False)
        item.delete()
    item = DocumentFile(
        document=document,
        kind=kind,
        original_name=nfc(name)[:300],
        mime=mime,
        size=path.stat().st_size,
        sha256=sha256,
    )
    with open(path, "rb") as handle:
        item.file.save(nfc(name), File(handle), save=False)
    item.save()
    return item


def apply_extraction(document: Document, work: FileWork) -> Document:
    """Copy the extraction's result into the document and attach derivatives."""
    extraction = finish_extraction(work)
    plan = work.plan
    searchable = searchable_pdf_path(work) if extraction.ocr_pages else None
    if searchable is not None:
        # named after the file the user gave (the stored path has storage-safe underscores)
        original = document.files.filter(kind=DocumentFile.Kind.ORIGINAL).first()
        name = original.original_name if original and original.original_name else plan.path.name
        _attach(
            document,
            DocumentFile.Kind.SEARCHABLE_PDF,
            searchable,
            f"{Path(name).stem}.ocr.pdf",
            ex.PDF,
            ex.sha256_file(searchable),
        )
    document.full_text = extraction.text
    document.needs_review = extraction.needs_review
    document.digitised = document.digitised or extraction.ocr_pages > 0
    document.dc_format = document.dc_format or plan.mime
    document.save()
    shutil.rmtree(work_dir(plan.sha256), ignore_errors=True)
    return document


def ensure_preview(document: Document) -> DocumentFile | None:
    """The first-page preview, rendered on first request and kept (a derivative like the text;
    made lazily so a digitisation batch spends its CPU on OCR, not on thumbnails)."""
    preview = document.files.filter(kind=DocumentFile.Kind.PREVIEW).first()
    if preview is not None:
        return preview
    original = document.files.filter(kind=DocumentFile.Kind.ORIGINAL).first()
    if original is None or not (original.mime == ex.PDF or original.mime in ex.IMAGE_TYPES):
        return None
    with tempfile.TemporaryDirectory(prefix="openstx-preview-") as tmp:
        made = ex.render_preview(Path(original.file.path), original.mime, Path(tmp) / "preview.png")
        if made is None:
            return None
        return _attach(
            document,
            DocumentFile.Kind.PREVIEW,
            made,
            "preview.png",
            "image/png",
            ex.sha256_file(made),
        )


def ensure_searchable_pdf(document: Document) -> DocumentFile | None:
    """The searchable PDF. Scanned PDFs get theirs in the pipeline (original pages + text
    layer); a scanned image gets one on first request: Tesseract's PDF of the image."""
    made = document.files.filter(kind=DocumentFile.Kind.SEARCHABLE_PDF).first()
    if made is not None:
        return made
    original = document.files.filter(kind=DocumentFile.Kind.ORIGINAL).first()
    if original is None or original.mime not in ex.IMAGE_TYPES or not document.full_text:
        return None
    with tempfile.TemporaryDirectory(prefix="openstx-spdf-") as tmp:
        image = _image_for_tesseract(Path(original.file.path), original.mime, Path(tmp))
        result = ex.ocr_image(image, text_only_pdf=False)
        out = Path(tmp) / "searchable.pdf"
        out.write_bytes(result.pdf)
        return _attach(
            document,
            DocumentFile.Kind.SEARCHABLE_PDF,
            out,
            f"{Path(original.original_name).stem}.ocr.pdf",
            ex.PDF,
            ex.sha256_file(out),
        )


def make_derivatives(document: Document) -> dict[str, bool]:
    """Right after an upload's extraction (background job): the first-page preview and, for a
    scanned image, the searchable PDF, so the first visitor does not wait for them. Each is
    optional: a failure is logged and left to the on-request fallback (ensure_*)."""
    made: dict[str, bool] = {}
    for kind, make in (
        (DocumentFile.Kind.PREVIEW, ensure_preview),
        (DocumentFile.Kind.SEARCHABLE_PDF, ensure_searchable_pdf),
    ):
        try:
            made[str(kind)] = make(document) is not None
        except Exception as exc:  # a derivative must never fail the extraction job
            log.warning("%s of document %s failed: %s", kind, document.pk, exc)
            made[str(kind)] = False
    return made


def extract_document_file(
    document: Document,
    path: Path,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    image_pdf: bool = False,
) -> Document:
    """Extract one file into ``document`` (upload form, import rows with a file). With
    ``image_pdf`` an image file's OCR also writes its searchable PDF in the same pass."""
    plan = ex.plan_file(path)
    work = start_file(plan)
    result: dict[str, Any] = {}

    def done(w: FileWork) -> None:
        if w.error:
            Extraction.objects.filter(pk=w.extraction.pk).update(
                status=Extraction.Status.FAILED, error=w.error
            )
            result["error"] = w.error
        else:
            result["document"] = apply_extraction(document, w)

    work.on_done = done
    Runner(workers, progress, image_pdf=image_pdf).run([work])
    if "error" in result:
        raise ex.ExtractionError(result["error"])
    return result["document"]


def linked_task(document: Document, user: Any = None) -> Any:
    """The S&T task a document belongs to, when the viewer may see it: by ``task_id_ref``, or by
    the task code written in ``task_reference`` (imports and forms give the code)."""
    from django.apps import apps

    from openstx.core.permissions import restrict

    try:
        task_model = apps.get_model("projects", "Task")
    except LookupError:  # the S&T tasks app is not installed
        return None
    if document.task_id_ref:
        found = task_model.objects.filter(pk=document.task_id_ref)
    elif document.task_reference.strip():
        from django.db.models import Q

        ref = nfc(document.task_reference.strip())
        # iexact is ASCII-only on SQLite: also try the upper-case spelling (đ → Đ)
        found = task_model.objects.filter(Q(code__iexact=ref) | Q(code=ref.upper()))
    else:
        return None
    return restrict(found, user).order_by("pk").first()


def create_document(
    *, user: Any, data: dict[str, Any], upload: Any = None, external_id: str | None = None
) -> Document:
    """Upload form: officers publish directly, members' documents await moderation."""
    from openstx.core.permissions import is_officer

    experts = data.pop("experts", None)
    organizations = data.pop("organizations", None)
    document = Document(**data, external_id=external_id or None)
    document.uploaded_by = user if getattr(user, "is_authenticated", False) else None
    document.status = Document.Status.PUBLISHED if is_officer(user) else Document.Status.PENDING
    with transaction.atomic():
        document.save()
        if experts is not None:
            document.experts.set(experts)
        if organizations is not None:
            document.organizations.set(organizations)
        if upload is not None:
            attach_upload(document, upload)
    return document


def update_document(
    document: Document, *, user: Any, data: dict[str, Any], upload: Any = None
) -> Document:
    experts = data.pop("experts", None)
    organizations = data.pop("organizations", None)
    for key, value in data.items():
        setattr(document, key, value)
    with transaction.atomic():
        document.save()
        if experts is not None:
            document.experts.set(experts)
        if organizations is not None:
            document.organizations.set(organizations)
        if upload is not None:
            attach_upload(document, upload)
    return document


def attach_upload(document: Document, upload: Any) -> DocumentFile:
    """Store an uploaded file as the original and queue its extraction (after commit)."""
    from openstx.core.jobs import enqueue
    from openstx.library.tasks import extract_document

    max_bytes = int(settings.OPENSTX_MAX_UPLOAD_BYTES)
    if upload.size > max_bytes:
        raise ex.ExtractionError(_("The file is too large."))
    with tempfile.TemporaryDirectory(prefix="openstx-up-") as tmp:
        local = Path(tmp) / Path(nfc(upload.name)).name
        with open(local, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        ex.sniff(local)
        sha = ex.sha256_file(local)
        item = _attach(
            document, DocumentFile.Kind.ORIGINAL, local, local.name, ex.sniff(local), sha
        )
    enqueue(
        extract_document,
        kind="library.extract",
        user=document.uploaded_by,
        title=document.title,
        document_id=document.pk,
    )
    return item


def moderate(document: Document, *, user: Any, approve: bool, note: str = "") -> Document:
    document.status = Document.Status.PUBLISHED if approve else Document.Status.REJECTED
    document.moderation_note = note
    document.save()
    return document


def delete_document(document: Document, *, user: Any) -> None:
    """Soft delete: OAI-PMH keeps a tombstone (deletedRecord=transient)."""
    document.deleted_at = timezone.now()
    document.save()


def record_download(document: Document) -> None:
    Document.objects.filter(pk=document.pk).update(download_count=F("download_count") + 1)
