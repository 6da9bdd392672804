from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start a background-job worker (any number, on any machine sharing the broker)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queues", default="default", help="comma-separated queues")
        parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args: Any, queues: str, concurrency: int, loglevel: str, **o: Any) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "openstx",
            "worker",
            "-Q",
            queues,
            "--concurrency",
            str(concurrency),
            "--loglevel",
            loglevel,
        ]
        if "index" in queues.split(","):
            # the search writer applies the outbox in order: one process, one task at a time
            argv += ["--pool", "solo"] if concurrency == 1 else []
        os.execv(sys.executable, argv)  # noqa: S606
