"""Celery application. Production: Redis broker. Embedded default: Kombu's filesystem transport
(no server process), with one worker started by ``openstx serve``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

app = Celery("openstx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
