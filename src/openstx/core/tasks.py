"""Jobs of the core app."""

from __future__ import annotations

import time
from typing import Any

from openstx.core.jobs import job_task
from openstx.core.progress import Progress


@job_task(queue="default")
def selftest(job: Any, *, steps: int = 10, pause: float = 0.1) -> dict[str, int]:
    """A job that only reports progress: operators use it to check that workers run jobs
    (`openstx jobs selftest`), and the tests use it to kill a worker mid-job."""
    with Progress(total=steps, job=job, bar=False, min_interval=0) as progress:
        for i in range(steps):
            time.sleep(pause)
            progress.advance(message=f"{i + 1}/{steps}")
    return {"steps": steps}
