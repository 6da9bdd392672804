"""``openstx expire_listings``: re-confirmation reminders and expiry (run daily; idempotent)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from openstx.exchange.services import REMIND_DAYS, expire_listings


class Command(BaseCommand):
    help = "Ask owners to re-confirm listings about to expire and expire those past their date."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD).")
        parser.add_argument(
            "--remind-days",
            type=int,
            default=REMIND_DAYS,
            help="Remind this many days before the validity date.",
        )

    def handle(self, *args, **options):
        today = dt.date.fromisoformat(options["today"]) if options["today"] else None
        counts = expire_listings(today, remind_days=options["remind_days"])
        self.stdout.write(f"reminded: {counts['reminded']}, expired: {counts['expired']}")
