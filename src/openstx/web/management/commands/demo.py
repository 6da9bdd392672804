from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openstx.web import demo


class Command(BaseCommand):
    help = "Load realistic Vietnamese demo data (deterministic by seed; idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2016)

    def handle(self, *args: Any, scale: str, seed: int, **options: Any) -> None:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)  # a fresh data directory works
        try:
            counts = demo.generate(scale=scale, seed=seed, log=self.stdout.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for key, value in counts.items():
            self.stdout.write(f"  {key}: {value}")
        if counts:  # matching: vectors of what was written computed or queued (says which)
            from openstx.matching.store import after_write

            self.stdout.write(after_write(["offer", "demand", "expert"])["message"])
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
