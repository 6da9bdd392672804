"""Background jobs of the library (core.jobs): extraction of an upload, digitisation batches."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from openstx.core.jobs import job_task
from openstx.core.models import Job
from openstx.core.progress import Progress


@job_task(queue="default")
def extract_document(job: Job, *, document_id: int) -> dict[str, Any]:
    from openstx.library import services
    from openstx.library.models import Document, DocumentFile

    document = Document.objects.get(pk=document_id)
    original = document.files.filter(kind=DocumentFile.Kind.ORIGINAL).first()
    if original is None:
        return {"document": document_id, "pages": 0}
    with Progress(desc="extract", job=job, bar=False) as progress:
        document = services.extract_document_file(
            document, Path(original.file.path), progress=progress, image_pdf=True
        )
    services.refresh_search()
    derivatives = services.make_derivatives(document)
    return {
        "document": document.pk,
        "characters": len(document.full_text),
        "derivatives": derivatives,
    }


@job_task(queue="default")
def ocr_batch(
    job: Job,
    *,
    folder: str,
    collection: str,
    access_level: str,
    user_id: int | None = None,
    cleanup: bool = True,
) -> dict[str, Any]:
    """A staff-uploaded batch: the files were saved to ``folder``; same pipeline as the CLI."""
    from django.contrib.auth import get_user_model

    from openstx.library import services

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    summary = services.process_paths(
        [folder], job=job, user=user, collection=collection, access_level=access_level, bar=False
    )
    if cleanup:
        shutil.rmtree(folder, ignore_errors=True)
    return summary


@job_task(queue="default", max_retries=0)
def ocr_digitise(
    job: Job,
    *,
    paths: list[str],
    collection: str,
    access_level: str,
    workers: int | None = None,
    digitised: bool = True,
    bar: bool | None = None,
) -> dict[str, Any]:
    """``openstx ocr PATH…`` run in this process (core.jobs.run_now)."""
    from openstx.library import services

    return services.process_paths(
        paths,
        job=job,
        collection=collection,
        access_level=access_level,
        workers=workers,
        digitised=digitised,
        bar=bar,
    )
