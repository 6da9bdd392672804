"""``openstx load_taxonomies`` — load or refresh the shipped code lists (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from openstx.taxonomy import services


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Load the fields of science, technology readiness levels and administrative units "
        "(current provinces and wards, pre-2025 provinces) shipped with OpenSTX. Safe to re-run."
    )

    def handle(self, *args, **options):
        for name, stats in services.load_all().items():
            self.stdout.write(f"{name}: {stats}")
