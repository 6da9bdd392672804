"""Stuck jobs (their worker is gone), re-queueing, duplicate messages, and the worker check of
/readyz. The real-process versions are tests/core/test_worker_filesystem.py (kill -9 mid-OCR)
and tests/web/test_serve.py (serve restarts a dead worker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from openstx.core import jobs
from openstx.core.jobs import enqueue, job_task
from openstx.core.models import Job
from openstx.core.progress import Progress


@job_task()
def add_up(job, *, n):
    with Progress(total=n, job=job, bar=False, min_interval=0) as progress:
        for _ in range(n):
            progress.advance()
    return {"n": n}


@pytest.fixture
def eager():
    from openstx.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _running(worker: str, attempts: int = 1) -> Job:
    return Job.objects.create(
        kind="add",
        status=Job.Status.RUNNING,
        task_name=add_up.name,
        arguments={"n": 3},
        worker=worker,
        attempts=attempts,
    )


@pytest.mark.django_db(transaction=True)
def test_enqueue_records_task_and_arguments(eager):
    job = enqueue(add_up, kind="add", n=4)
    job.refresh_from_db()
    assert job.task_name == add_up.name and job.arguments == {"n": 4}
    assert job.status == Job.Status.DONE and job.worker == jobs.worker_name()


@pytest.mark.django_db
def test_a_job_whose_worker_is_gone_is_stuck_and_requeued(eager):
    here = socket.gethostname()
    dead_here = _running(f"{here}:{_dead_pid()}")
    jobs.beat(f"{here}:{_dead_pid()}")  # a heartbeat does not save a dead local process
    silent_remote = _running("other-host:12")
    jobs.beat("live-host:7")
    alive_remote = _running("live-host:7")

    stuck = {j.pk for j in jobs.stuck_jobs()}
    assert stuck == {dead_here.pk, silent_remote.pk}

    out = StringIO()
    call_command("jobs", "stuck", stdout=out)
    assert f"{dead_here.pk:>6}" in out.getvalue() and "other-host:12" in out.getvalue()

    assert jobs.recover_orphans() == {"requeued": [dead_here.pk, silent_remote.pk], "failed": []}
    for job in (dead_here, silent_remote):
        job.refresh_from_db()
        assert job.status == Job.Status.DONE and job.result == {"n": 3} and job.attempts == 2
    alive_remote.refresh_from_db()
    assert alive_remote.status == Job.Status.RUNNING


@pytest.mark.django_db
def test_a_job_that_keeps_killing_its_worker_fails_instead_of_looping(eager):
    job = _running("gone-host:1", attempts=jobs.MAX_ATTEMPTS)
    assert jobs.recover_orphans() == {"requeued": [], "failed": [job.pk]}
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "worker lost" in job.error


@pytest.mark.django_db
def test_requeue_command_by_id_leaves_live_and_finished_jobs_alone(eager):
    jobs.beat("live-host:9")
    live = _running("live-host:9")
    done = Job.objects.create(kind="add", status=Job.Status.DONE, task_name=add_up.name)
    cli = Job.objects.create(kind="cli", status=Job.Status.RUNNING, worker="gone:3")  # no task
    out, err = StringIO(), StringIO()
    call_command("jobs", "requeue", str(live.pk), str(done.pk), str(cli.pk), stdout=out, stderr=err)
    assert f"{live.pk}: still running on live-host:9" in err.getvalue()
    assert f"{done.pk}: cannot be re-queued" in err.getvalue()
    assert f"{cli.pk}: cannot be re-queued" in err.getvalue()
    assert Job.objects.get(pk=live.pk).status == Job.Status.RUNNING


@pytest.mark.django_db
def test_a_duplicate_message_for_a_job_running_on_a_live_worker_is_ignored():
    jobs.beat("live-host:5")
    job = _running("live-host:5")
    add_up.apply(kwargs={"job_id": job.pk, "n": 3}, throw=True)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1 and job.done == 0


@pytest.mark.django_db
def test_readyz_fails_while_an_expected_worker_does_not_beat(client, settings):
    settings.OPENSTX_EXPECT_WORKER = False
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == {"ok": True, "expected": False}

    settings.OPENSTX_EXPECT_WORKER = True
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "expected": True, "workers": 0}

    jobs.beat("some-host:1")
    assert client.get("/readyz").status_code == 200
    jobs.forget_worker("some-host:1")
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_a_reused_pid_does_not_keep_the_job_of_a_dead_worker_alive(eager):
    """A container's worker often has the same pid after a restart: the boot token tells them
    apart, even while the dead worker's heartbeat has not expired yet."""
    earlier_life = f"{socket.gethostname()}:{os.getpid()}:deadbeef"
    jobs.beat(earlier_life)
    job = _running(earlier_life)
    jobs.beat()
    assert jobs.worker_alive(jobs.worker_name())
    assert [j.pk for j in jobs.stuck_jobs()] == [job.pk]
