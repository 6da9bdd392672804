from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from openstx.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore an archive written by `openstx backup` (stop the site first), then rebuild the search index."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--no-reindex", action="store_true")

    def handle(self, *args: Any, path: str, no_reindex: bool, **options: Any) -> None:
        try:
            manifest = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Restored {manifest['engine']} backup of {manifest['created_at']}.")
        )
        if not no_reindex:
            try:
                call_command("reindex")
            except Exception as exc:  # the index is derived; say so rather than fail the restore
                self.stderr.write(f"Search index not rebuilt ({exc}); run `openstx reindex`.")
