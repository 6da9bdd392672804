"""``openstx match DEMAND_ID [--limit N] [--experts] [--json]`` — a demand's best offers or experts.

DEMAND_ID is the demand's ``external_id`` or platform id. The answer comes at once from what is
stored: candidates whose vectors are not computed yet (a bulk load the worker has not finished)
are ranked by their words, and the output says how many are still waiting
(``openstx match-embed`` computes them).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Best published offers (or experts) for a technology demand."

    def add_arguments(self, parser):
        parser.add_argument("demand_id")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--experts", action="store_true", help="match experts, not offers")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        from openstx.exchange.models import Demand
        from openstx.matching import services

        demand = services.resolve(Demand, options["demand_id"])
        if demand is None:
            raise CommandError(f"no demand {options['demand_id']!r}")
        limit = max(1, min(int(options["limit"]), 100))
        matches = services.match_demand(demand, limit=limit, experts=options["experts"])
        waiting = services.waiting("expert" if options["experts"] else "offer")
        rows = [services.match_to_dict(m) for m in matches]
        if options["json"]:
            out = {
                "demand": demand.pk,
                "waiting_for_vectors": waiting,
                "matches": [
                    {k: r[k] for k in ("id", "external_id", "title", "score", "reasons")}
                    for r in rows
                ],
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{demand.title}\n")
        if waiting:
            self.stdout.write(
                f"({waiting} candidate(s) still waiting for their vectors: ranked by their "
                "words only; `openstx match-embed` computes them)\n"
            )
        for i, r in enumerate(rows, 1):
            ext = f" [{r['external_id']}]" if r["external_id"] else ""
            self.stdout.write(f"{i:>2}. {r['score']:.3f}  #{r['id']}{ext} {r['title']}")
            for reason in r["reasons"]:
                self.stdout.write(f"      – {reason}")
        if not rows:
            self.stdout.write("(no match)")
