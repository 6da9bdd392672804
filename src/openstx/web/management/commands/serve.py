"""``openstx serve``: the embedded deployment in one command, supervising its children.

It starts gunicorn (the shipped ``openstx.gunicorn_conf``) and, unless ``--no-worker``, one job
worker with its embedded beat, each in its own process group. SIGTERM/SIGINT/SIGHUP are
forwarded to both groups; after ``--grace`` seconds what is left is killed. A job worker that
dies is restarted (at most ``--max-restarts`` times per ten minutes, each one logged) and its
heartbeat forgotten at once, so ``/readyz`` answers 503 until the new one is ready. If the web
server dies, or the worker keeps dying, everything is stopped and the exit status is 1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

RESTART_WINDOW = 600.0  # seconds over which --max-restarts counts


class Command(BaseCommand):
    help = (
        "Migrate if needed, load code lists, make sure an administrator exists, then start the "
        "web server (gunicorn) and one background worker beside it, and supervise both."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--demo", action="store_true", help="load demo data first")
        parser.add_argument("--host", default=os.environ.get("OPENSTX_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("OPENSTX_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")
        parser.add_argument("--no-worker", action="store_true", help="do not start a job worker")
        parser.add_argument(
            "--grace",
            type=float,
            default=float(os.environ.get("OPENSTX_STOP_GRACE", "30")),
            help="seconds children get to stop before they are killed",
        )
        parser.add_argument(
            "--max-restarts",
            type=int,
            default=5,
            help="job-worker restarts allowed within ten minutes before serve gives up",
        )

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
        with_worker = not opts["no_worker"]
        # web processes hand search-index updates to the worker's `index` queue (one writer)
        env.setdefault("OPENSTX_SEARCH_APPLY", "celery" if with_worker else "inline")
        # /readyz fails while no worker beats (core.jobs.worker_readiness)
        env["OPENSTX_EXPECT_WORKER"] = "1" if with_worker else "0"
        bind = f"{opts['host']}:{opts['port']}"
        supervisor = Supervisor(
            web_argv=[
                sys.executable,
                "-m",
                "gunicorn",
                "openstx.wsgi:application",
                "--config",
                "python:openstx.gunicorn_conf",
                "--bind",
                bind,
                "--workers",
                str(opts["workers"]),
                "--graceful-timeout",
                str(max(1, int(opts["grace"]) - 2)),
            ],
            worker_argv=[
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
            ]
            if with_worker
            else None,
            env=env,
            grace=opts["grace"],
            max_restarts=opts["max_restarts"],
            log=lambda msg: self.stderr.write(f"serve: {msg}"),
        )
        self.stdout.write(self.style.SUCCESS(f"OpenSTX on http://{bind}/  (Ctrl+C stops)"))
        self.stdout.flush()
        code = supervisor.run()
        if code:
            raise CommandError("stopped because a child process died", returncode=code)


class Supervisor:
    """Runs the web server and the job worker as process groups and stops them together."""

    def __init__(
        self,
        *,
        web_argv: list[str],
        worker_argv: list[str] | None,
        env: dict[str, str],
        grace: float,
        max_restarts: int,
        log: Any,
    ) -> None:
        self.web_argv = web_argv
        self.worker_argv = worker_argv
        self.env = env
        self.grace = grace
        self.max_restarts = max_restarts
        self.log = log
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.restarts: list[float] = []
        self.stop_signal: int | None = None
        self.worker_boot = ""

    def _spawn(self, argv: list[str], boot: str = "") -> subprocess.Popen:
        # own process group: the worker's embedded beat and gunicorn's workers go with their parent
        env = dict(self.env, OPENSTX_WORKER_BOOT=boot) if boot else self.env
        return subprocess.Popen(argv, env=env, start_new_session=True)  # noqa: S603

    def _spawn_worker(self) -> subprocess.Popen:
        # serve picks the worker's boot token so that it can name it (core.jobs.worker_name)
        self.worker_boot = uuid.uuid4().hex[:8]
        return self._spawn(self.worker_argv or [], self.worker_boot)

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.stop_signal = signum

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        code = 0
        try:
            if self.worker_argv:
                self.worker = self._spawn_worker()
            self.web = self._spawn(self.web_argv)
            while self.stop_signal is None:
                time.sleep(0.2)
                if self.web.poll() is not None:
                    self.log(f"the web server exited on its own (status {self.web.returncode})")
                    code = 1
                    break
                worker_died = self.worker is not None and self.worker.poll() is not None
                if worker_died and not self._restart_worker():
                    code = 1
                    break
            if self.stop_signal is not None:
                self.log(f"{signal.Signals(self.stop_signal).name} received, stopping")
        finally:
            self._stop_all()
        return code

    def _restart_worker(self) -> bool:
        assert self.worker is not None
        dead = self.worker
        self.log(f"the job worker (pid {dead.pid}) died with status {dead.returncode}")
        _kill_group(dead.pid, signal.SIGKILL)  # what it left behind (its beat process)
        _forget_worker(dead.pid, self.worker_boot)
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW] + [now]
        if len(self.restarts) > self.max_restarts:
            self.worker = None
            self.log(
                f"the job worker died {len(self.restarts)} times in {RESTART_WINDOW:.0f} s: "
                "giving up, stopping"
            )
            return False
        self.worker = self._spawn_worker()
        self.log(
            f"job worker restarted (pid {self.worker.pid}; restart {len(self.restarts)} of at "
            f"most {self.max_restarts} per {RESTART_WINDOW:.0f} s)"
        )
        return True

    def _stop_all(self) -> None:
        children = [c for c in (self.web, self.worker) if c is not None]
        for child in children:
            if child.poll() is None:
                _kill_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log(f"pid {child.pid} did not stop within {self.grace:.0f} s: killed")
        # whatever is still in the groups (a stuck child, an orphaned pool process) is killed
        for child in children:
            _kill_group(child.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=5)
        if self.worker is not None:
            _forget_worker(self.worker.pid, self.worker_boot)


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _forget_worker(pid: int, boot: str) -> None:
    try:
        from openstx.core.jobs import forget_worker

        forget_worker(f"{socket.gethostname()}:{pid}:{boot}")
    except Exception as exc:  # best effort: the heartbeat expires anyway
        sys.stderr.write(f"serve: could not clear the worker's heartbeat: {exc}\n")
