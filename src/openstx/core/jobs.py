"""Background jobs: enqueue a Celery task after commit and track it in a ``Job`` row.

    @job_task(queue="default")
    def rebuild_something(job: Job, *, path: str) -> dict:
        with Progress(total=…, job=job) as progress: …
        return {"rows": n}              # stored in job.result

    job = enqueue(rebuild_something, kind="rebuild", user=request.user, path="/x")

Tasks are acknowledged late and must be idempotent: a worker killed mid-job leaves the message
to another worker, which runs the job again from its start (or from the job's own checkpoint).

Kombu's filesystem transport (the embedded default broker) cannot do that: it deletes a message's
file when a worker fetches it, so unacknowledged messages live only in the worker's memory and
die with it on ``kill -9``. Every job therefore records its task, its arguments and the worker
running it; workers announce themselves with a heartbeat in the shared cache, and a starting
worker re-queues the jobs whose worker is gone (:func:`recover_orphans`). ``openstx jobs stuck``
lists such jobs and ``openstx jobs requeue`` sends them again on any broker.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
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
            me = worker_name()
            other = job.status == Job.Status.RUNNING and job.worker not in ("", me)
            if other and worker_alive(job.worker):
                log.warning("job %s already runs on %s: duplicate ignored", job.pk, job.worker)
                return None
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.RUNNING,
                started_at=timezone.now(),
                attempts=job.attempts + 1,
                error="",
                worker=me,
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

        run.run_inline = func
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
        task_name=task.name,
        arguments=kwargs,
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


# --- Workers: heartbeat, readiness, orphaned jobs ---------------------------------------------

log = logging.getLogger("openstx.jobs")
_REGISTRY = "openstx:workers"
_KEY = "openstx:worker:"
_stop = threading.Event()
_BOOT = uuid.uuid4().hex[:8]  # outside a worker: this process
MAX_ATTEMPTS = 3


def worker_name() -> str:
    """``host:pid:boot`` of this worker's main process (of this process outside a worker). The
    boot token tells a restarted worker from its dead predecessor when the pid is reused (a
    container's worker is often pid 1 after every restart)."""
    # set by openstx.celery at ``worker_init`` (pool processes inherit them); `openstx serve`
    # chooses the boot token so that it can name the worker it started
    pid = os.environ.get("OPENSTX_WORKER_PID") or str(os.getpid())
    return f"{socket.gethostname()}:{pid}:{os.environ.get('OPENSTX_WORKER_BOOT') or _BOOT}"


def heartbeat_interval() -> float:
    return float(getattr(settings, "OPENSTX_WORKER_HEARTBEAT", 10))


def beat(name: str | None = None) -> None:
    """Announce a live worker for three heartbeat intervals."""
    name = name or worker_name()
    ttl = max(1, round(3 * heartbeat_interval()))
    cache.set(_KEY + name, time.time(), timeout=ttl)
    registry = set(cache.get(_REGISTRY) or ())
    if name not in registry:  # read-modify-write: a lost update is repaired by the next beat
        cache.set(_REGISTRY, sorted(registry | {name}), timeout=None)


def forget_worker(name: str) -> None:
    """A worker is gone (shut down, or found dead by ``openstx serve``)."""
    cache.delete(_KEY + name)
    registry = set(cache.get(_REGISTRY) or ())
    if name in registry:
        cache.set(_REGISTRY, sorted(registry - {name}), timeout=None)


def live_workers() -> list[str]:
    names = list(cache.get(_REGISTRY) or ())
    found = cache.get_many([_KEY + n for n in names]) if names else {}
    return [n for n in names if _KEY + n in found]


def worker_alive(name: str) -> bool:
    """A fresh heartbeat, and on this host also a running process with that pid that is not
    this worker under another boot token."""
    host, pid, boot = ([*name.split(":"), "", ""])[:3]
    if host == socket.gethostname() and pid.isdigit():
        me = worker_name().split(":")
        if pid == me[1] and boot and boot != me[2]:
            return False  # our pid, an earlier life: the worker that ran it was restarted
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
    return cache.get(_KEY + name) is not None


def worker_readiness() -> dict[str, Any]:
    """For ``/readyz``: when a worker is expected (``OPENSTX_EXPECT_WORKER``, set by ``openstx
    serve`` when it starts one), at least one worker must have beaten recently."""
    expected = bool(getattr(settings, "OPENSTX_EXPECT_WORKER", False)) and not bool(
        getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    )
    if not expected:
        return {"ok": True, "expected": False}
    try:
        workers = live_workers()
    except Exception as exc:  # a health check reports, never raises
        return {"ok": False, "expected": True, "error": str(exc)[:200]}
    return {"ok": bool(workers), "expected": True, "workers": len(workers)}


def stuck_jobs() -> list[Job]:
    """Running jobs whose worker is gone (killed, crashed, machine lost)."""
    running = Job.objects.filter(status=Job.Status.RUNNING).order_by("pk")
    return [job for job in running if not job.worker or not worker_alive(job.worker)]


def requeue(job: Job) -> bool:
    """Send a job's task again (it runs from its start or its own checkpoint). False when the job
    has no recorded task (run in a CLI process) or has finished."""
    from celery import current_app

    if not job.task_name or job.status in (Job.Status.DONE, Job.Status.CANCELLED):
        return False
    task = current_app.tasks.get(job.task_name)
    if task is None:
        return False
    changed = Job.objects.filter(pk=job.pk, status=job.status, worker=job.worker).update(
        status=Job.Status.QUEUED, worker="", message="re-queued"
    )
    if changed:
        task.apply_async(kwargs={"job_id": job.pk, **(job.arguments or {})})
    return bool(changed)


def recover_orphans() -> dict[str, list[int]]:
    """Re-queue the stuck jobs; fail those whose worker died ``MAX_ATTEMPTS`` times (a job that
    kills its worker must not loop)."""
    out: dict[str, list[int]] = {"requeued": [], "failed": []}
    for job in stuck_jobs():
        if job.attempts >= MAX_ATTEMPTS or not job.task_name:
            Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                status=Job.Status.FAILED,
                finished_at=timezone.now(),
                error=f"worker lost ({job.worker or 'unknown'}) after {job.attempts} attempts",
            )
            out["failed"].append(job.pk)
        elif requeue(job):
            out["requeued"].append(job.pk)
    if out["requeued"] or out["failed"]:
        log.warning("jobs of dead workers: re-queued %s, failed %s", out["requeued"], out["failed"])
    return out


def broker_redelivers() -> bool:
    """Whether the broker gives an unacknowledged message back when its worker dies (Redis and
    AMQP do; Kombu's filesystem transport does not)."""
    return not str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("filesystem")


def on_worker_ready() -> None:
    """Start the heartbeat thread; on a broker that loses messages, recover orphaned jobs."""
    from django.db import close_old_connections

    beat()
    _stop.clear()

    def loop() -> None:
        while not _stop.wait(heartbeat_interval()):
            try:
                beat()
            except Exception:  # keep beating; the cache may come back
                log.exception("worker heartbeat failed")

    threading.Thread(target=loop, name="openstx-heartbeat", daemon=True).start()
    if not broker_redelivers():
        try:
            recover_orphans()
        finally:
            close_old_connections()


def on_worker_shutdown() -> None:
    _stop.set()
    forget_worker(worker_name())
