from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openstx.core.progress import Progress
from openstx.reports import services
from openstx.reports.documents import build


class Command(BaseCommand):
    help = "Generate the periodic implementation report (DOCX, PDF or XLSX) from live data."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="year_from", type=int, required=True)
        parser.add_argument("--to", dest="year_to", type=int, required=True)
        parser.add_argument("--format", choices=["docx", "pdf", "xlsx"], required=True)
        parser.add_argument("--out", required=True, help="file to write")

    def handle(
        self, *args: Any, year_from: int, year_to: int, format: str, out: str, **o: Any
    ) -> None:  # noqa: A002
        try:
            services.check_period(year_from, year_to)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        with Progress(total=3, desc="Report", unit="step") as progress:
            content = build(year_from, year_to, format, progress=progress)
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.stdout.write(
            self.style.SUCCESS(
                f"Report {year_from}–{year_to} written to {path} ({len(content):,} bytes)."
            )
        )
