"""``openstx search-check`` — compare index and database; exit 1 on drift."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from openstx.core.progress import Progress
from openstx.search import check


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "Compare the search index with the database and report drift (exit status 1 on drift)."

    def add_arguments(self, parser):
        parser.add_argument("--type", action="append", dest="types", help="only this type")
        parser.add_argument("--json", action="store_true", help="machine-readable report")
        parser.add_argument("--fix", action="store_true", help="queue drifted records and apply")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        bar = False if options["no_progress"] else None
        with Progress(desc="Check", unit="rec", bar=bar) as progress:
            drift = check.check(types=options.get("types"), progress=progress)
        if options["json"]:
            self.stdout.write(json.dumps(drift.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"index: {drift.documents} document(s); database: {drift.records} record(s); "
                f"outbox pending: {drift.pending}"
            )
            if drift.no_index:
                self.stdout.write("no index: run `openstx reindex`")
            for label in ("missing", "extra", "stale", "duplicated"):
                keys = getattr(drift, label)
                if keys:
                    shown = ", ".join(keys[:20]) + (" …" if len(keys) > 20 else "")
                    self.stdout.write(f"{label}: {len(keys)}  {shown}")
        if drift.ok:
            if not options["json"]:
                self.stdout.write("index and database agree")
            return
        if options["fix"]:
            from openstx.search import writer

            queued = check.fix(drift)
            writer.apply_pending()
            self.stdout.write(f"queued and applied {queued} change(s)")
        raise CommandError("search index drift", returncode=1)
