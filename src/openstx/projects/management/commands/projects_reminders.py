"""Send deadline reminders for S&T tasks (periodic checks due, end dates passed). Idempotent:
run it daily from cron or the scheduler; a reminder is sent once per task, kind and due date."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from openstx.projects.services import send_reminders


class Command(BaseCommand):
    help = "Send S&T task deadline reminders (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        today = dt.date.fromisoformat(options["date"]) if options.get("date") else None
        counts = send_reminders(today)
        self.stdout.write(
            f"check_due={counts['check_due']} overdue={counts['overdue']} "
            f"already_sent={counts['already_sent']}"
        )
