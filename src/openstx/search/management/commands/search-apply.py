"""``openstx search-apply`` — apply the pending search outbox now (what the index worker does)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from openstx.search import writer


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "Apply pending search outbox rows to this node's index (builds it if missing)."

    def handle(self, *args, **options):
        result = writer.apply_pending()
        self.stdout.write(json.dumps(result, default=str))
