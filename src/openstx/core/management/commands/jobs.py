from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from openstx.core.jobs import enqueue
from openstx.core.models import Job


class Command(BaseCommand):
    help = "List background jobs, or queue a self-test job to check that workers run jobs."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action")
        ls = sub.add_parser("list", help="recent jobs")
        ls.add_argument("--status", choices=[s for s, _ in Job.Status.choices])
        ls.add_argument("--limit", type=int, default=20)
        st = sub.add_parser("selftest", help="queue a job that only reports progress")
        st.add_argument("--steps", type=int, default=10)
        st.add_argument("--pause", type=float, default=0.1)

    def handle(self, *args: Any, action: str | None = None, **opts: Any) -> None:
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
            pct = f"{job.percent}%" if job.percent is not None else "-"
            self.stdout.write(f"{job.pk:>6} {job.kind:<16} {job.status:<9} {pct:>5} {job.message}")
