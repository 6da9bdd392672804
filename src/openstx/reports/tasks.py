"""The periodic report as a background job."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from openstx.core.jobs import job_task
from openstx.core.progress import Progress


@job_task(queue="default")
def generate_report(job: Any, *, report_id: int) -> dict[str, Any]:
    from openstx.reports.documents import build
    from openstx.reports.models import GeneratedReport

    report = GeneratedReport.objects.get(pk=report_id)
    with Progress(total=4, job=job, bar=False) as progress:
        content = build(report.year_from, report.year_to, report.format, progress=progress)
        name = f"bao-cao-khcn-{report.year_from}-{report.year_to}.{report.format}"
        report.file.save(name, ContentFile(content), save=True)
        progress.advance(message="saved")
    return {"report_id": report.pk, "file": report.file.name, "bytes": len(content)}
