"""``openstx ip_statistics [--json]`` — applications vs certificates by type and year, support."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from openstx.ipr import services
from openstx.ipr.models import IPType


class Command(BaseCommand):
    help = "Print IP statistics: applications and certificates by type and year, support by year."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        data = services.statistics()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        labels = dict(IPType.choices)
        self.stdout.write("type                          year  applications  certificates")
        for row in data["by_type_year"]:
            self.stdout.write(
                f"{str(labels.get(row['type'], row['type'])):<28}  {row['year']}  "
                f"{row['applications']:>12}  {row['grants']:>12}"
            )
        self.stdout.write("")
        self.stdout.write("year  supported  amount (VND)")
        for row in data["support"]:
            self.stdout.write(
                f"{row['year']}  {row['records']:>9}  {row['amount_vnd']:>14,}".replace(",", ".")
            )
