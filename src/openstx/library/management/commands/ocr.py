"""``openstx ocr PATH…`` — digitise files (or folders of files) into the library."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from openstx.library.models import AccessLevel, Collection


class Command(BaseCommand):
    help = (
        "Digitise scanned files into the library: text layers are read, image pages are OCR'd "
        "with Tesseract (vie+eng) on a pool of processes, searchable PDFs are written. Each "
        "distinct file is processed once (content hash); a re-run after a crash resumes. "
        "When the command returns the documents are searchable."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files or folders")
        parser.add_argument("--collection", default=Collection.OTHER, choices=Collection.values)
        parser.add_argument("--access", default=AccessLevel.PUBLIC, choices=AccessLevel.values)
        parser.add_argument("--workers", type=int, default=None, help="OCR processes (default 2)")
        parser.add_argument(
            "--not-digitised",
            action="store_true",
            help="born-digital files: do not set the digitised-from-paper flag",
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        from openstx.core.jobs import run_now
        from openstx.library.tasks import ocr_digitise

        job = run_now(
            ocr_digitise,
            kind="library.ocr",
            title="openstx ocr",
            paths=[str(p) for p in options["paths"]],
            collection=options["collection"],
            access_level=options["access"],
            workers=options["workers"],
            digitised=not options["not_digitised"],
            bar=False if options["no_progress"] else None,
        )
        summary = job.result
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            for failure in summary.get("failed", []):
                self.stderr.write(f"{failure['name']}: {failure['reason']}")
            self.stdout.write(
                f"{summary.get('done', 0)} digitised, {summary.get('skipped', 0)} already in the "
                f"library, {len(summary.get('failed', []))} failed"
            )
        if summary.get("failed"):
            raise CommandError(f"{len(summary['failed'])} file(s) failed", returncode=1)
