"""Background jobs of the IP app (core.jobs)."""

from __future__ import annotations

from typing import Any

from openstx.core.jobs import job_task
from openstx.core.models import Job


@job_task(queue="default", max_retries=0)
def import_sheet(
    job: Job, *, kind_: str, path: str, dry_run: bool = False, user_id: int | None = None
) -> dict[str, Any]:
    """Import a spreadsheet the import page kept (``kind_``: ``enqueue`` has its own ``kind``)."""
    from openstx.ipr import services

    return services.run_import_job(job, kind=kind_, path=path, dry_run=dry_run, user_id=user_id)
