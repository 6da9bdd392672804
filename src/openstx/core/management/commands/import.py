"""``openstx import KIND PATH [--dry-run]`` — see openstx.core.importing and docs/importing.md."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from openstx.core import importing


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Import records of KIND (organizations, experts, …) from a JSONL, CSV or XLSX file. "
        "Idempotent by external_id; rejected rows are reported with their line numbers and the "
        "exit status is non-zero when any row was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="kind of record: " + ", ".join(importing.kinds()))
        parser.add_argument("path", help="file to import (.jsonl, .csv or .xlsx)")
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--user", help="username recorded as the author in the change history")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="do not bring the search index up to date before returning",
        )

    def handle(self, *args, **options):
        user = None
        if options.get("user"):
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {options['user']!r}")
        try:
            result = importing.run_import(
                options["kind"],
                options["path"],
                user=user,
                dry_run=options["dry_run"],
                progress=None if not options["no_progress"] else False,
            )
        except importing.ImportFileError as exc:
            raise CommandError(str(exc), returncode=2)
        if not result.dry_run and (result.created or result.updated) and not options["no_index"]:
            self._update_search_index(progress=not options["no_progress"])
        if not result.dry_run and (result.created or result.updated):
            self._update_vectors(options["kind"], options)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            for warning in result.warnings:
                self.stderr.write(self.style.WARNING(warning))
            for rejected in result.rejected:
                self.stderr.write(str(rejected))
            self.stdout.write(result.summary())
        if result.rejected:
            raise CommandError(
                f"{len(result.rejected)} row(s) rejected; the valid rows were "
                + ("validated" if result.dry_run else "imported"),
                returncode=1,
            )

    def _update_vectors(self, kind: str, options: dict) -> None:
        """Matching: the vectors of what was written are computed or queued (it says which)."""
        from django.apps import apps

        if apps.is_installed("openstx.matching"):
            from openstx.matching.store import after_write

            done = after_write([kind], bar=False if options["no_progress"] else None)
            if done["message"]:
                (self.stderr if options["json"] else self.stdout).write(done["message"])

    def _update_search_index(self, progress: bool) -> None:
        """docs/architecture.md: when ``import`` returns, what it wrote is searchable."""
        from openstx.core.progress import Progress
        from openstx.search import writer

        with Progress(desc="search index", unit=" rows", bar=None if progress else False) as bar:
            writer.apply_pending(progress=bar)
