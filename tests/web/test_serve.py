"""`openstx serve` as a real process tree: it stops cleanly on SIGTERM (no child left, port free),
restarts a job worker that died (and /readyz fails meanwhile), and stops with status 1 when the
web server dies."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import deployment, wait_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    """Nothing listens: a new server could bind it (SO_REUSEADDR, as servers do: connections in
    TIME_WAIT after our own requests do not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _children() -> dict[int, int]:
    """pid -> parent pid of every live (non-zombie) process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            out[int(entry.name)] = int(fields[1])
    return out


def _tree(root: int) -> set[int]:
    parents = _children()
    found, frontier = set(), {root}
    while frontier:
        found |= frontier
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
    return found - {root}


def _alive(pids: set[int]) -> set[int]:
    return set(_children()) & pids


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _readyz(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as r:  # noqa: S310
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except OSError:
        return 0, {}


@pytest.fixture
def serve_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env, _query, drop = deployment(
        tmp_path,
        "serve",
        # the embedded default: file cache, filesystem broker
        drop_env=("OPENSTX_CACHE_URL", "CELERY_BROKER_URL", "OPENSTX_JOBS_EAGER"),
        OPENSTX_WORKER_HEARTBEAT="1",
        OPENSTX_CODE_LISTS_ON_MIGRATE="1",  # as deployed: serve starts from a bare database
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
    )
    yield env
    drop()


class Serve:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "openstx.cli", "serve", "--port", str(self.port)]
            + ["--workers", "1", "--grace", "15"],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.seen: set[int] = set()

    def tree(self) -> set[int]:
        pids = _tree(self.proc.pid)
        self.seen |= pids
        return pids

    def ready(self) -> None:
        wait_for(lambda: _readyz(self.port)[0] == 200, 240, "/readyz 200", self.log)
        wait_for(lambda: len(self.tree()) >= 4, 30, "gunicorn and worker with beat", self.log)

    def child(self, word: str) -> int:
        pids = [p for p, pp in _children().items() if pp == self.proc.pid and word in _cmdline(p)]
        assert len(pids) == 1, (word, pids)
        return pids[0]

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pid in _alive(self.seen | _tree(self.proc.pid)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_sigterm_stops_every_child_and_frees_the_port_and_a_dead_worker_is_restarted(
    serve_env, tmp_path
):
    serve = Serve(serve_env, tmp_path / "serve.log")
    try:
        serve.ready()
        status, body = _readyz(serve.port)
        assert body["checks"]["worker"] == {"ok": True, "expected": True, "workers": 1}

        worker = serve.child("celery")
        os.kill(worker, signal.SIGKILL)
        seen: list[dict] = []

        def not_ready() -> bool:
            status, body = _readyz(serve.port)
            seen.append(body)
            return status == 503

        wait_for(not_ready, 30, "/readyz 503 without worker", serve.log)
        assert seen[-1]["checks"]["worker"] == {"ok": False, "expected": True, "workers": 0}
        assert seen[-1]["checks"]["database"]["ok"]
        wait_for(lambda: _readyz(serve.port)[0] == 200, 120, "the restarted worker", serve.log)
        assert serve.child("celery") != worker
        assert "job worker restarted" in serve.log.read_text()

        pids = serve.tree()
        assert len(pids) >= 4  # gunicorn master + worker, celery worker + its beat
        serve.proc.send_signal(signal.SIGTERM)
        assert serve.proc.wait(timeout=60) == 0, serve.log.read_text()[-3000:]
        time.sleep(0.5)
        assert not _alive(serve.seen), [(p, _cmdline(p)) for p in _alive(serve.seen)]
        assert _port_free(serve.port)
    finally:
        serve.cleanup()


def test_serve_stops_with_status_1_when_the_web_server_dies(serve_env, tmp_path):
    serve = Serve(serve_env, tmp_path / "serve.log")
    try:
        serve.ready()
        os.kill(serve.child("gunicorn"), signal.SIGKILL)
        assert serve.proc.wait(timeout=60) == 1, serve.log.read_text()[-3000:]
        time.sleep(0.5)
        assert not _alive(serve.seen), [(p, _cmdline(p)) for p in _alive(serve.seen)]
        assert _port_free(serve.port)
        assert "web server exited on its own" in serve.log.read_text()
    finally:
        serve.cleanup()
