"""From a file to text: text layers, OCR page by page (resumable), caps, the searchable PDF."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from openstx.core.progress import Progress
from openstx.library import extraction as ex
from openstx.library.models import (
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
