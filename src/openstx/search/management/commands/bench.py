"""``openstx bench WORKLOAD [options]`` — benchmark workloads living in the top-level ``bench/``
package. Each workload module registers itself in :data:`WORKLOADS` below (one line) and exposes
``add_arguments(parser)`` and ``run(options, stdout) -> int``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

#: workload name -> module. Other workloads (ingest, match, ocr, web) add one line each.
WORKLOADS: dict[str, str] = {
    "search": "bench.search",
    "match": "bench.match",
    "ingest": "bench.ingest",
    "ocr": "bench.ocr",
    "web": "bench.web",
}


def _load(name: str):
    root = (
        Path(__file__).resolve().parents[5]
    )  # repository root (src/openstx/search/management/commands)
    if (root / "bench").is_dir() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(WORKLOADS[name])


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "Run a benchmark workload: " + ", ".join(sorted(WORKLOADS))

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="workload", required=True)
        for name in sorted(WORKLOADS):
            p = sub.add_parser(name, help=f"{name} benchmark")
            try:
                _load(name).add_arguments(p)
            except ImportError as exc:  # pragma: no cover - a workload not written yet
                p.description = f"unavailable: {exc}"

    def handle(self, *args, **options):
        name = options["workload"]
        if name not in WORKLOADS:
            raise CommandError(f"unknown workload {name!r}")
        try:
            module = _load(name)
        except ImportError as exc:
            raise CommandError(f"bench {name} is not available: {exc}")
        code = module.run(options, self.stdout)
        if code:
            raise CommandError(f"bench {name}: target missed", returncode=code)
