"""Shared set-up for tests that run OpenSTX as real processes (serve, job workers): a deployment
environment with its own data directory and, on PostgreSQL, its own database; the CLI; a worker;
waiting for a condition with the process log in the failure message."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

Query = Callable[[str], Any]


def deployment(
    tmp_path: Path, name: str, *, drop_env: tuple[str, ...] = (), **overrides: str
) -> tuple[dict[str, str], Query, Callable[[], None]]:
    """``(env, query, drop)``: the environment for subprocesses, a one-row SQL query against the
    deployment's database, and a function that drops that database (PostgreSQL)."""
    env = dict(os.environ)
    for key in drop_env:
        env.pop(key, None)
    env.update(
        OPENSTX_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="openstx.settings",
        PYTHONUNBUFFERED="1",
        OPENSTX_CODE_LISTS_ON_MIGRATE="0",  # not needed by these tests; most of migrate's time
    )
    env.update(overrides)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        db = f"openstx_{name}_{uuid.uuid4().hex[:8]}"
        base = url.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        env["DATABASE_URL"] = f"{base}/{db}"

        def query(sql: str) -> Any:
            with psycopg.connect(env["DATABASE_URL"]) as conn:
                return conn.execute(sql).fetchone()

        def drop() -> None:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

        return env, query, drop
    env.pop("DATABASE_URL", None)
    db_file = tmp_path / "data" / "openstx.sqlite3"

    def sqlite_query(sql: str) -> Any:
        with sqlite3.connect(db_file) as conn:
            return conn.execute(sql).fetchone()

    return env, sqlite_query, lambda: None


def openstx(env: dict[str, str], *args: str) -> str:
    """Run the CLI; its stdout (a failure shows its stderr)."""
    out = subprocess.run(
        [sys.executable, "-m", "openstx.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, f"openstx {' '.join(args)} failed:\n{out.stderr[-3000:]}"
    return out.stdout


def worker(env: dict[str, str], log: Path, queues: str = "default") -> subprocess.Popen:
    """A Celery worker in its own process group (so a test can kill it and its children)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "openstx", "worker", "--pool", "solo"]
        + ["-Q", queues, "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(
    predicate: Callable[[], Any], timeout: float, what: str, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tail = f"\n{log.read_text()[-3000:]}" if log is not None and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}{tail}")
