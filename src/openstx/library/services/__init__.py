"""Every state change of the library: documents, files, extraction, digitisation batches.

Extraction runs page by page. Pages with a text layer are read directly; the others are rendered
(300 dpi, grayscale) and handed to Tesseract processes, ``OPENSTX_OCR_WORKERS`` (default 2) at
a time, each single-threaded. Results are stored page by page (``ExtractedPage``) under the
file's content hash, so a crashed batch resumes where it stopped and unchanged bytes are never
extracted again.

One module per seam: ``extraction`` (files to text, OCR, the searchable PDF), ``documents``
(creating, editing, moderating, derivatives, search outbox) and ``batches`` (digitising folders).
The public names are re-exported here."""

from __future__ import annotations

from openstx.library.services.batches import (
    expand_paths,
    process_paths,
)
from openstx.library.services.documents import (
    _attach,
    apply_extraction,
    attach_upload,
    create_document,
    delete_document,
    ensure_preview,
    ensure_searchable_pdf,
    extract_document_file,
    linked_task,
    make_derivatives,
    moderate,
    record_download,
    record_search_changes,
    refresh_search,
    title_from_filename,
    update_document,
)
from openstx.library.services.extraction import (
    CUT_MARK,
    FileWork,
    Runner,
    _store_ocr_page,
    extraction_notice,
    finish_extraction,
    ocr_workers,
    review_threshold,
    searchable_pdf_path,
    start_file,
    work_dir,
)

__all__ = [
    "_attach",
    "_store_ocr_page",
    "CUT_MARK",
    "FileWork",
    "Runner",
    "apply_extraction",
    "attach_upload",
    "create_document",
    "delete_document",
    "ensure_preview",
    "ensure_searchable_pdf",
    "expand_paths",
    "extract_document_file",
    "extraction_notice",
    "finish_extraction",
    "linked_task",
    "make_derivatives",
    "moderate",
    "ocr_workers",
    "process_paths",
    "record_download",
    "record_search_changes",
    "refresh_search",
    "review_threshold",
    "searchable_pdf_path",
    "start_file",
    "title_from_filename",
    "update_document",
    "work_dir",
]
