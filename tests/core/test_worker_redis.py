"""A real Celery worker over the real Redis on 127.0.0.1:6379: a worker killed with SIGKILL in the
middle of a job leaves the job to another worker, which finishes it exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import redis

from tests.processes import deployment, openstx, wait_for, worker

REDIS_DB = 14


@pytest.mark.slow
def test_job_of_a_killed_worker_is_finished_by_another(tmp_path):
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    client.ping()  # the machine's Redis must be up: this test is about the real broker
    client.flushdb()
    env, query, drop = deployment(
        tmp_path,
        "worker",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        OPENSTX_VISIBILITY_TIMEOUT="4",
        OPENSTX_RESTORE_INTERVAL="1",  # look for abandoned messages every second, not every ~100 s
    )
    workers: list[subprocess.Popen] = []
    try:
        openstx(env, "migrate", "--verbosity", "0")
        first = worker(env, tmp_path / "worker1.log")
        workers.append(first)
        job_id = int(openstx(env, "jobs", "selftest", "--steps", "30", "--pause", "0.2").strip())
        state = f"SELECT status, done, attempts, result FROM core_job WHERE id = {job_id}"
        wait_for(lambda: (query(state) or ("", 0))[1] >= 3, 90, "the first worker to start the job")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        status, done, attempts, _ = query(state)
        assert status == "running" and done < 30

        second = worker(env, tmp_path / "worker2.log")
        workers.append(second)
        wait_for(lambda: query(state)[0] in ("done", "failed"), 120, "the second worker to finish")
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
