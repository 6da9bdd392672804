"""Celery application. Production: Redis broker. Embedded default: Kombu's filesystem transport
(no server process), with one worker started by ``openstx serve``."""

from __future__ import annotations

import os
import uuid

from celery import Celery
from celery.signals import worker_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

app = Celery("openstx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _worker_init(**kwargs: object) -> None:
    # the worker's identity for core.jobs (pool processes inherit it from the main process)
    os.environ["OPENSTX_WORKER_PID"] = str(os.getpid())
    os.environ.setdefault("OPENSTX_WORKER_BOOT", uuid.uuid4().hex[:8])


@worker_ready.connect
def _worker_ready(**kwargs: object) -> None:
    from openstx.core import jobs

    jobs.on_worker_ready()


@worker_shutdown.connect
def _worker_shutdown(**kwargs: object) -> None:
    from openstx.core import jobs

    jobs.on_worker_shutdown()
