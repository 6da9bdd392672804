from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from openstx.core import jobs as core_jobs
from openstx.core.jobs import enqueue
from openstx.core.models import Job


class Command(BaseCommand):
    help = (
        "List background jobs, list the stuck ones (running on a worker that is gone) and "
        "re-queue them, or queue a self-test job to check that workers run jobs."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action")
        ls = sub.add_parser("list", help="recent jobs")
        ls.add_argument("--status", choices=[s for s, _ in Job.Status.choices])
        ls.add_argument("--limit", type=int, default=20)
        sub.add_parser("stuck", help="running jobs whose worker is gone")
        rq = sub.add_parser("requeue", help="send jobs again (they restart or resume)")
        rq.add_argument("ids", nargs="*", type=int, help="job ids (default: every stuck job)")
        sub.add_parser("workers", help="workers with a fresh heartbeat")
        st = sub.add_parser("selftest", help="queue a job that only reports progress")
        st.add_argument("--steps", type=int, default=10)
        st.add_argument("--pause", type=float, default=0.1)

    def handle(self, *args: Any, action: str | None = None, **opts: Any) -> None:
        if action == "stuck":
            for job in core_jobs.stuck_jobs():
                self._line(job, f"worker gone: {job.worker or '?'}")
            return
        if action == "workers":
            for name in core_jobs.live_workers():
                self.stdout.write(name)
            return
        if action == "requeue":
            targets = (
                list(Job.objects.filter(pk__in=opts["ids"]).order_by("pk"))
                if opts["ids"]
                else core_jobs.stuck_jobs()
            )
            for job in targets:
                if job.status == Job.Status.RUNNING and core_jobs.worker_alive(job.worker):
                    self.stderr.write(f"{job.pk}: still running on {job.worker}, left alone")
                elif core_jobs.requeue(job):
                    self.stdout.write(f"{job.pk}: re-queued")
                else:
                    self.stderr.write(f"{job.pk}: cannot be re-queued ({job.status}, no task)")
            return
        if action == "selftest":
            from openstx.core.tasks import selftest

            job = enqueue(
                selftest,
                kind="selftest",
                title="self-test",
                steps=opts["steps"],
                pause=opts["pause"],
            )
            self.stdout.write(str(job.pk))
            return
        jobs = Job.objects.all()
        if opts.get("status"):
            jobs = jobs.filter(status=opts["status"])
        for job in jobs[: opts.get("limit", 20)]:
            self._line(job, job.message)

    def _line(self, job: Job, note: str) -> None:
        pct = f"{job.percent}%" if job.percent is not None else "-"
        self.stdout.write(f"{job.pk:>6} {job.kind:<16} {job.status:<9} {pct:>5} {note}")
