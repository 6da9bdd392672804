"""``openstx reindex [--type T]`` — rebuild beside the live index and swap atomically."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from openstx.core.progress import Progress
from openstx.search import registry, writer


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Rebuild the search index from the database into a new directory and swap it in "
        "atomically (an interrupted run resumes). --type T replaces one type in the live index."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--type", dest="type_name", help="only this type: " + ", ".join(registry.types())
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        bar = False if options["no_progress"] else None
        with Progress(desc="Reindex", unit="rec", bar=bar) as progress:
            if options.get("type_name"):
                if registry.get(options["type_name"]) is None:
                    raise CommandError(
                        f"Unknown type {options['type_name']!r}; known: {', '.join(registry.types())}"
                    )
                n = writer.reindex_type(options["type_name"], progress=progress)
                self.stdout.write(f"{options['type_name']}: {n} document(s) indexed")
                return
            try:
                result = writer.rebuild(progress=progress)
            except RuntimeError as exc:
                raise CommandError(str(exc))
        self.stdout.write(
            f"Index {result['generation']} is live: {result['documents']} document(s)"
            + (" (resumed)" if result.get("resumed") else "")
        )
