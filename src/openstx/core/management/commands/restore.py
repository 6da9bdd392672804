from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from openstx.core.backup import BackupError, restore, verify


class Command(BaseCommand):
    help = (
        "Restore an archive written by `openstx backup` (stop the site first), then rebuild the "
        "search index. The whole archive is checked against its manifest first: a damaged or "
        "truncated archive is refused and nothing is changed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--no-reindex", action="store_true")
        parser.add_argument(
            "--check", action="store_true", help="only verify the archive; change nothing"
        )

    def handle(self, *args: Any, path: str, no_reindex: bool, check: bool, **options: Any) -> None:
        try:
            manifest = verify(path) if check else restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        members = len(manifest.get("members", {}))
        if check:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{path}: {manifest['engine']} backup of {manifest['created_at']}, "
                    f"{members} members, every checksum matches."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Restored {manifest['engine']} backup of {manifest['created_at']}.")
        )
        if not no_reindex:
            try:
                call_command("reindex")
            except Exception as exc:  # the index is derived; say so rather than fail the restore
                self.stderr.write(f"Search index not rebuilt ({exc}); run `openstx reindex`.")
