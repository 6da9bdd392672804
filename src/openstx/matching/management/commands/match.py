"""``openstx match DEMAND_ID [--limit N] [--experts] [--json]`` — a demand's best offers or experts.

DEMAND_ID is the demand's ``external_id`` or platform id. Vectors that are missing or stale are
computed first (with a progress bar), so what ``import`` just wrote is matchable.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Best published offers (or experts) for a technology demand."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("demand_id")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--experts", action="store_true", help="match experts, not offers")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from openstx.exchange.models import Demand
        from openstx.matching import services

        demand = services.resolve(Demand, options["demand_id"])
        if demand is None:
            raise CommandError(f"no demand {options['demand_id']!r}")
        services.embed_pending(
            kinds=("expert",) if options["experts"] else ("offer",), roles=("passage",)
        )
        limit = max(1, min(int(options["limit"]), 100))
        matches = services.match_demand(demand, limit=limit, experts=options["experts"])
        rows = [services.match_to_dict(m) for m in matches]
        if options["json"]:
            out = [
                {k: r[k] for k in ("id", "external_id", "title", "score", "reasons")} for r in rows
            ]
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{demand.title}\n")
        for i, r in enumerate(rows, 1):
            ext = f" [{r['external_id']}]" if r["external_id"] else ""
            self.stdout.write(f"{i:>2}. {r['score']:.3f}  #{r['id']}{ext} {r['title']}")
            for reason in r["reasons"]:
                self.stdout.write(f"      – {reason}")
        if not rows:
            self.stdout.write("(no match)")
