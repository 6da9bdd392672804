"""Make scheduled articles whose time has come public (and searchable). Pages, the feed and the
API also do this on read; run this from cron for the search index to follow promptly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from openstx.portal import services


class Command(BaseCommand):
    help = "Publish scheduled articles whose publication time has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        n = services.publish_due()
        try:
            from openstx.search import writer

            writer.apply_pending()
        except Exception as exc:  # the index catches up on the next apply
            self.stderr.write(f"search index not updated now: {exc}")
        self.stdout.write(f"{n} article(s) published")
