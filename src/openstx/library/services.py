"""Every state change of the library: documents, files, extraction, digitisation batches.

Extraction runs page by page. Pages with a text layer are read directly; the others are rendered
(300 dpi, grayscale) and handed to Tesseract processes, ``OPENSTX_OCR_WORKERS`` (default 2) at
a time, each single-threaded. Results are stored page by page (``ExtractedPage``) under the
file's content hash, so a crashed batch resumes where it stopped and unchanged bytes are never
extracted again.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
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
    AccessLevel,
    BatchItem,
    Collection,
    Document,
    DocumentFile,
    ExtractedPage,
    Extraction,
)

log = logging.getLogger(__name__)
_render_lock = threading.Lock()  # pdfium is not thread-safe: one render at a time


def ocr_workers() -> int:
    return int(getattr(settings, "OPENSTX_OCR_WORKERS", 2))


def review_threshold() -> float:
    return float(getattr(settings, "OPENSTX_OCR_REVIEW_CONFIDENCE", 70))


def work_dir(sha256: str) -> Path:
    path = Path(settings.DATA_DIR) / "library-work" / sha256
    path.mkdir(parents=True, exist_ok=True)
    return path


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


# --- Extraction of one or many files ----------------------------------------------------------


@dataclass
class FileWork:
    """One file going through the pipeline."""

    plan: ex.FilePlan
    extraction: Extraction
    pending: set[int] = field(default_factory=set)  # page numbers still to OCR
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    on_done: Callable[[FileWork], None] | None = None


def start_file(plan: ex.FilePlan) -> FileWork:
    """Get or create the file's Extraction; store the text-layer pages; list pages left to OCR."""
    extraction, _created = Extraction.objects.get_or_create(
        sha256=plan.sha256, defaults={"mime": plan.mime}
    )
    work = FileWork(plan=plan, extraction=extraction)
    if extraction.status == Extraction.Status.DONE:
        return work
    if plan.text is not None:  # DOCX, ODT, TXT: no pages
        return work
    done_pages = set(extraction.pages.values_list("number", flat=True))
    ExtractedPage.objects.bulk_create(
        [
            ExtractedPage(
                extraction=extraction,
                number=page.number,
                source=ExtractedPage.Source.TEXT_LAYER,
                text=page.text or "",
            )
            for page in plan.pages
            if page.text is not None and page.number not in done_pages
        ],
        ignore_conflicts=True,
    )
    work.pending = {p.number for p in plan.ocr_pages if p.number not in done_pages}
    Extraction.objects.filter(pk=extraction.pk).update(
        status=Extraction.Status.RUNNING, page_count=len(plan.pages), mime=plan.mime
    )
    return work


def _image_for_tesseract(path: Path, mime: str, tmp: Path) -> Path:
    if mime in ("image/gif", "image/webp", "image/bmp"):  # formats Leptonica may not read
        from PIL import Image

        image = tmp / "page.png"
        with Image.open(path) as source:
            source.convert("L").save(image)
        return image
    return path


def _ocr_page(plan: ex.FilePlan, page: ex.PagePlan, image_pdf: bool = False) -> ex.OcrResult:
    with tempfile.TemporaryDirectory(prefix="openstx-page-") as tmp:
        if plan.mime == ex.PDF:
            with _render_lock:
                scan = ex.page_scan_image(plan.path, page.number, Path(tmp) / "scan")
                if scan is None:
                    image, dpi = Path(tmp) / "page.pgm", page.dpi
                    ex.render_pdf_page(plan.path, page.number, dpi, image)
                else:
                    image, dpi = scan
            return ex.ocr_image(image, dpi=dpi)  # + the invisible text layer
        # An image file. A single upload (``image_pdf``) gets its searchable PDF — the image with
        # its text layer — from the same Tesseract run; a digitisation batch asks for text and
        # confidences only (its PDFs are made on first download, ensure_searchable_pdf), so it
        # spends its CPU on OCR alone.
        return ex.ocr_image(
            _image_for_tesseract(plan.path, plan.mime, Path(tmp)),
            want_pdf=image_pdf,
            text_only_pdf=False,
        )


def _store_ocr_page(work: FileWork, number: int, result: ex.OcrResult) -> None:
    ExtractedPage.objects.update_or_create(
        extraction=work.extraction,
        number=number,
        defaults={
            "source": ExtractedPage.Source.OCR,
            "text": result.text,
            "confidence": result.confidence,
            "needs_review": result.confidence is not None
            and result.confidence < review_threshold(),
        },
    )
    if result.pdf:
        (work_dir(work.plan.sha256) / f"page-{number:05d}.pdf").write_bytes(result.pdf)


CUT_MARK = "cut:"  # Extraction.error of a finished extraction whose text was cut: "cut:<chars>"


def finish_extraction(work: FileWork) -> Extraction:
    """All pages known: assemble the text (cut at OPENSTX_EXTRACT_MAX_CHARS characters, which is
    recorded for :func:`extraction_notice`), searchable PDF, flags."""
    extraction = work.extraction
    if extraction.status == Extraction.Status.DONE:
        return extraction
    if work.plan.text is not None:
        extraction.text = work.plan.text
        extraction.method = work.plan.mime.rsplit(".", 1)[-1].rsplit("/", 1)[-1][:32]
        extraction.page_count = 0
    else:
        pages = list(extraction.pages.order_by("number"))
        extraction.text = "\n\n".join(p.text for p in pages if p.text).strip()
        ocr = [p for p in pages if p.source == ExtractedPage.Source.OCR]
        extraction.ocr_pages = len(ocr)
        extraction.page_count = len(pages)
        confidences = [p.confidence for p in ocr if p.confidence is not None]
        extraction.mean_confidence = (
            round(sum(confidences) / len(confidences), 2) if confidences else None
        )
        extraction.needs_review = any(p.needs_review for p in ocr)
        extraction.method = "ocr" if len(ocr) == len(pages) else ("mixed" if ocr else "text")
    extraction.text, cut_from = ex.cap_text(extraction.text)
    cut_from = max(cut_from, work.plan.cut_from)
    extraction.status = Extraction.Status.DONE
    extraction.error = f"{CUT_MARK}{cut_from}" if cut_from else ""
    extraction.seconds = round(time.monotonic() - work.started, 3)
    extraction.save()
    return extraction


def extraction_notice(document: Document) -> str:
    """What the uploader should know about the extraction of the document's original file, in
    the current language: its text was cut at the limit, or the extraction failed (why)."""
    from openstx.core.limits import limit, truncation_notice

    original = document.files.filter(kind=DocumentFile.Kind.ORIGINAL).only("sha256").first()
    if original is None:
        return ""
    row = (
        Extraction.objects.filter(sha256=original.sha256)
        .exclude(error="")
        .values("status", "error")
        .first()
    )
    if row is None:
        return ""
    if row["status"] == Extraction.Status.FAILED:
        return _("The text of the file could not be extracted: %(reason)s") % {
            "reason": row["error"]
        }
    if row["error"].startswith(CUT_MARK):
        length = int(row["error"][len(CUT_MARK) :] or 0)
        return truncation_notice(length, limit("OPENSTX_EXTRACT_MAX_CHARS"))
    return ""


def searchable_pdf_path(work: FileWork) -> Path | None:
    """The original with an invisible OCR text layer on its OCR'd pages. None if nothing was
    OCR'd or a page's layer is missing (a resumed run whose work folder was lost)."""
    plan = work.plan
    folder = work_dir(plan.sha256)
    if plan.mime in ex.IMAGE_TYPES:  # made whole by Tesseract (upload jobs only)
        made = folder / "page-00001.pdf"
        return made if made.exists() else None
    if plan.mime != ex.PDF:
        return None
    layers: dict[int, bytes] = {}
    for page in plan.ocr_pages:
        part = folder / f"page-{page.number:05d}.pdf"
        if not part.exists():
            return None
        layers[page.number] = part.read_bytes()
    if not layers:
        return None
    out = folder / "searchable.pdf"
    try:
        ex.searchable_pdf(layers, plan.path, out)
    except Exception as exc:  # pikepdf raises its own types; the PDF is optional
        log.warning("searchable PDF for %s failed: %s", plan.path, exc)
        return None
    return out


class Runner:
    """Runs OCR pages of many files on a pool of Tesseract processes; stores results as they
    arrive (main thread only touches the database); calls ``work.on_done`` per finished file."""

    def __init__(
        self,
        workers: int | None = None,
        progress: Progress | None = None,
        image_pdf: bool = False,
    ) -> None:
        self.workers = max(1, workers or ocr_workers())
        self.progress = progress
        self.image_pdf = image_pdf  # image files: also write their searchable PDF

    def run(self, works: list[FileWork]) -> None:
        tasks = [
            (work, page)
            for work in works
            for page in work.plan.ocr_pages
            if page.number in work.pending
        ]
        for work in works:
            if not work.pending:
                self._complete(work)
        if not tasks:
            return
        queue = iter(tasks)
        running: dict[Future, tuple[FileWork, ex.PagePlan]] = {}
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="ocr") as pool:

            def submit_next() -> bool:
                for work, page in queue:
                    if work.error:
                        continue
                    running[pool.submit(_ocr_page, work.plan, page, self.image_pdf)] = (work, page)
                    return True
                return False

            for _slot in range(self.workers * 2):
                if not submit_next():
                    break
            while running:
                finished, _rest = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    work, page = running.pop(future)
                    try:
                        result = future.result()
                    except ex.ExtractionError as exc:
                        work.error = _("page %(n)d: %(reason)s") % {"n": page.number, "reason": exc}
                    except Exception as exc:  # a broken page must not stop the batch
                        log.exception("OCR of %s page %s", work.plan.path, page.number)
                        work.error = _("page %(n)d: %(reason)s") % {"n": page.number, "reason": exc}
                    else:
                        _store_ocr_page(work, page.number, result)
                    work.pending.discard(page.number)
                    if self.progress is not None:
                        self.progress.advance(message=work.plan.path.name)
                    if work.error:
                        work.pending.clear()
                    if not work.pending:
                        self._complete(work)
                    submit_next()

    def _complete(self, work: FileWork) -> None:
        if work.on_done is not None and not getattr(work, "_completed", False):
            work._completed = True  # type: ignore[attr-defined]
            work.on_done(work)


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
