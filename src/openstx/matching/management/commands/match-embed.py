"""``openstx match-embed [--processes N]`` — bring every published listing's and every expert's
vectors up to date (after a restore, a model change, or a bulk load with signals off). Vectors
are stored batch by batch: an interrupted run resumes where it stopped."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compute missing or stale matching vectors (parallel worker processes)."

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=0, help="0 = one per core")

    def handle(self, *args, **options):
        from openstx.matching import services

        counts = services.embed_pending(processes=options["processes"], bar=None)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
