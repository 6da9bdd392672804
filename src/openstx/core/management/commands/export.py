"""``openstx export KIND PATH`` — the same columns and formats that ``import`` reads."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError

from openstx.core import importing


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Export records of KIND to a .jsonl, .csv or .xlsx file in the columns `import` reads. "
        "By default everything is exported (the operator's view); --as-user or --public export "
        "only what that user (or an anonymous visitor) may see."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="kind of record: " + ", ".join(importing.kinds()))
        parser.add_argument("path", help="output file (.jsonl, .csv or .xlsx)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--as-user", help="export only what this username may see")
        group.add_argument("--public", action="store_true", help="export what the public sees")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        user = None
        if options.get("as_user"):
            try:
                user = get_user_model().objects.get(username=options["as_user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {options['as_user']!r}")
        elif options.get("public"):
            user = AnonymousUser()
        try:
            count = importing.run_export(
                options["kind"],
                options["path"],
                user=user,
                progress=None if not options["no_progress"] else False,
            )
        except importing.ImportFileError as exc:
            raise CommandError(str(exc), returncode=2)
        self.stdout.write(f"{options['kind']}: {count} rows written to {options['path']}")
