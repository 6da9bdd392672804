"""A real Celery worker over the real Redis on 127.0.0.1:6379: a worker killed with SIGKILL in the
middle of a job leaves the job to another worker, which finishes it exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

REDIS_DB = 14


def _env(tmp_path: Path):
    env = dict(os.environ)
    env.update(
        OPENSTX_DATA_DIR=str(tmp_path / "data"),
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        OPENSTX_VISIBILITY_TIMEOUT="4",
        OPENSTX_RESTORE_INTERVAL="1",  # look for abandoned messages every second, not every ~100 s
        DJANGO_SETTINGS_MODULE="openstx.settings",
        PYTHONUNBUFFERED="1",
        OPENSTX_CODE_LISTS_ON_MIGRATE="0",  # not needed here; saves most of migrate's time
    )
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"openstx_worker_{uuid.uuid4().hex[:8]}"
        base = url.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{base}/{name}"

        def query(sql: str) -> tuple:
            with psycopg.connect(env["DATABASE_URL"]) as conn:
                return conn.execute(sql).fetchone()

        def drop() -> None:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return env, query, drop
    env.pop("DATABASE_URL", None)
    db_file = tmp_path / "data" / "openstx.sqlite3"

    def query(sql: str) -> tuple:
        with sqlite3.connect(db_file) as conn:
            return conn.execute(sql).fetchone()

    return env, query, lambda: None


def _openstx(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "openstx.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, f"openstx {' '.join(args)} failed:\n{out.stderr[-3000:]}"
    return out.stdout


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
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
            "default",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_job_of_a_killed_worker_is_finished_by_another(tmp_path):
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    client.ping()  # the machine's Redis must be up: this test is about the real broker
    client.flushdb()
    env, query, drop = _env(tmp_path)
    workers: list[subprocess.Popen] = []
    try:
        _openstx(env, "migrate", "--verbosity", "0")
        first = _worker(env, tmp_path / "worker1.log")
        workers.append(first)
        job_id = int(_openstx(env, "jobs", "selftest", "--steps", "30", "--pause", "0.2").strip())
        state = f"SELECT status, done, attempts, result FROM core_job WHERE id = {job_id}"
        _wait(lambda: (query(state) or ("", 0))[1] >= 3, 90, "the first worker to start the job")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        status, done, attempts, _ = query(state)
        assert status == "running" and done < 30

        second = _worker(env, tmp_path / "worker2.log")
        workers.append(second)
        _wait(lambda: query(state)[0] in ("done", "failed"), 120, "the second worker to finish")
        status, done, attempts, result = query(state)
        assert status == "done", (tmp_path / "worker2.log").read_text()[-2000:]
        assert done == 30
        assert attempts == 2  # run once by each worker, finished once
        assert '"steps": 30' in str(result) or "'steps': 30" in str(result)
        time.sleep(5)  # past the visibility timeout: no third delivery
        assert query(state)[2] == 2
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
                try:
                    w.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(w.pid, signal.SIGKILL)
        client.flushdb()
        drop()
