from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Migrate if needed, load code lists, make sure an administrator exists, then start the "
        "web server (gunicorn) and one background worker beside it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--demo", action="store_true", help="load demo data first")
        parser.add_argument("--host", default=os.environ.get("OPENSTX_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("OPENSTX_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")
        parser.add_argument("--no-worker", action="store_true", help="do not start a job worker")

    def handle(self, *args: Any, **opts: Any) -> None:
        from openstx.accounts.services import ensure_admin
        from openstx.taxonomy.services import load_all

        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        load_all()
        user, password = ensure_admin("admin", "admin@localhost")
        if password:
            self.stdout.write(
                self.style.WARNING(
                    f"Administrator created — user: {user.username}  password: {password}\n"
                    "This password is shown only once; change it after logging in."
                )
            )
        if opts["demo"]:
            call_command("demo", scale="small")

        env = dict(os.environ, DJANGO_SETTINGS_MODULE="openstx.settings")
        # web processes hand search-index updates to the worker's `index` queue (one writer)
        env.setdefault("OPENSTX_SEARCH_APPLY", "celery" if not opts["no_worker"] else "inline")
        children: list[subprocess.Popen] = []
        if not opts["no_worker"]:
            children.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "openstx",
                        "worker",
                        "--pool",
                        "solo",
                        "-Q",
                        "default,index",
                        "--loglevel",
                        "WARNING",
                        "--beat",  # periodic work: expiry, reminders, digests, scheduled news
                        "--schedule",
                        str(settings.DATA_DIR / "celerybeat-schedule"),
                    ],
                    env=env,
                )
            )
        bind = f"{opts['host']}:{opts['port']}"
        self.stdout.write(self.style.SUCCESS(f"OpenSTX on http://{bind}/  (Ctrl+C stops)"))
        web = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "openstx.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(opts["workers"]),
                "--access-logfile",
                "-",
                "--timeout",
                "120",
            ],
            env=env,
        )
        children.append(web)
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
