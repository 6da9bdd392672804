"""``openstx match-digest`` — send the daily digest of new matches (run it once a day, e.g. from
cron or Celery beat). Users who chose "immediately" were told at publication time."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Send the daily e-mail and notification digest of new matches and saved-search hits."

    def handle(self, *args, **options):
        from openstx.matching import services

        result = services.send_digest()
        self.stdout.write(f"digest: {result['alerts']} alerts to {result['users']} users")
