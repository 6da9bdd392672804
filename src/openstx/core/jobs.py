"""Background jobs: enqueue a Celery task after commit and track it in a ``Job`` row.

    @job_task(queue="default")
    def rebuild_something(job: Job, *, path: str) -> dict:
        with Progress(total=…, job=job) as progress: …
        return {"rows": n}              # stored in job.result

    job = enqueue(rebuild_something, kind="rebuild", user=request.user, path="/x")

Tasks are acknowledged late and must be idempotent: a worker killed mid-job leaves the message
to another worker, which runs the job again from its start (or from the job's own checkpoint).
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from openstx.core.models import Job


def job_task(queue: str = "default", max_retries: int = 3, **options: Any) -> Callable:
    """Decorate ``func(job, **kwargs)`` as a Celery task that keeps its ``Job`` row current."""

    def decorate(func: Callable[..., Any]) -> Any:
        @shared_task(
            bind=True,
            name=f"{func.__module__}.{func.__name__}",
            queue=queue,
            acks_late=True,
            reject_on_worker_lost=True,
            max_retries=max_retries,
            **options,
        )
        @functools.wraps(func)
        def run(self: Any, job_id: int, **kwargs: Any) -> Any:
            job = Job.objects.get(pk=job_id)
            if job.status in (Job.Status.DONE, Job.Status.CANCELLED):
                return job.result  # a redelivered message for finished work does nothing
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.RUNNING,
                started_at=timezone.now(),
                attempts=job.attempts + 1,
                error="",
            )
            job.refresh_from_db()
            try:
                result = func(job, **kwargs)
            except Exception as exc:
                if self.request.retries < max_retries and getattr(exc, "retryable", False):
                    raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1))
                Job.objects.filter(pk=job.pk).update(
                    status=Job.Status.FAILED,
                    finished_at=timezone.now(),
                    error="".join(traceback.format_exception_only(exc)).strip()[:4000],
                )
                raise
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.DONE,
                finished_at=timezone.now(),
                result=result if isinstance(result, dict) else {"value": result},
            )
            return result

        run.run_inline = func  # type: ignore[attr-defined]
        return run

    return decorate


def enqueue(
    task: Any,
    *,
    kind: str,
    user: Any = None,
    title: str = "",
    total: int | None = None,
    **kwargs: Any,
) -> Job:
    """Create a job row and send its task once the surrounding transaction commits."""
    job = Job.objects.create(
        kind=kind,
        title=title[:300],
        total=total,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: task.apply_async(kwargs={"job_id": job.pk, **kwargs}))
    return job


def run_now(task: Any, *, kind: str, user: Any = None, title: str = "", **kwargs: Any) -> Job:
    """Run a job task in this process (CLI commands): same bookkeeping, no broker."""
    job = Job.objects.create(
        kind=kind,
        title=title[:300],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    task.apply(kwargs={"job_id": job.pk, **kwargs}, throw=True)
    job.refresh_from_db()
    return job
