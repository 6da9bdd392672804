import pytest

from openstx.core.jobs import job_task, run_now
from openstx.core.models import Job
from openstx.core.progress import Progress


@job_task()
def count_to(job, *, n):
    with Progress(total=n, job=job, bar=False, min_interval=0) as progress:
        for i in range(n):
            progress.advance(message=f"step {i}")
    return {"counted": n}


@job_task(max_retries=0)
def explode(job):
    raise ValueError("broken input file")


@pytest.mark.django_db
def test_job_runs_and_records_progress_and_result():
    job = run_now(count_to, kind="count", n=5)
    assert job.status == Job.Status.DONE
    assert job.done == 5 and job.total == 5 and job.percent == 100
    assert job.result == {"counted": 5}
    assert job.started_at and job.finished_at and job.attempts == 1


@pytest.mark.django_db
def test_failed_job_keeps_the_reason():
    with pytest.raises(ValueError):
        run_now(explode, kind="explode")
    job = Job.objects.get(kind="explode")
    assert job.status == Job.Status.FAILED
    assert "broken input file" in job.error


@pytest.mark.django_db
def test_redelivered_message_for_finished_job_does_nothing():
    job = run_now(count_to, kind="count", n=2)
    count_to.apply(kwargs={"job_id": job.pk, "n": 2}, throw=True)
    job.refresh_from_db()
    assert job.attempts == 1
