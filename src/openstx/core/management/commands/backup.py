from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openstx.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write one consistent archive of the database, media files and data directory."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="archive to write, e.g. backups/openstx-2026-11-28.tar.gz")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            manifest = backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path} ({manifest['engine']})."))
