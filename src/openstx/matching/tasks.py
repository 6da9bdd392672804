"""Background jobs of the matching app (core.jobs): encoding and alerts run in worker
processes, one OpenMP thread each, in batches."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.apps import apps

from openstx.core.jobs import job_task


@job_task(queue="default")
def refresh_record(job: Any, *, model: str, pk: int) -> dict:
    """Re-encode one record if its text changed; for a newly published listing, run alerts."""
    from openstx.matching import services

    obj = apps.get_model(model)._default_manager.filter(pk=pk).first()
    if obj is None:
        return {"missing": True}
    return services.refresh(obj)


@job_task(queue="default")
def embed_all(job: Any, *, processes: int = 0) -> dict:
    """Bring every published listing's and every expert's vectors up to date."""
    from openstx.matching import services

    return services.embed_pending(processes=processes, job=job)


@job_task(queue="default")
def daily_digest(job: Any) -> dict:
    from openstx.matching import services

    return services.send_digest()


@shared_task(name="openstx.matching.tasks.send_daily_digest", acks_late=True)
def send_daily_digest() -> dict[str, int]:
    """The daily digest of new matches, for the periodic scheduler (Celery beat)."""
    from openstx.matching import services

    return services.send_digest()
