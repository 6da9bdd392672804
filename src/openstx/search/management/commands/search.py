"""``openstx search QUERY [--type T] [--limit N] [--json]`` (docs/architecture.md, "Command line and API contract")."""

from __future__ import annotations

import json
import re

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from openstx.search import service

_TAGS = re.compile(r"</?mark>")


_WITH_VALUE = {
    "--type",
    "--limit",
    "--page",
    "--sort",
    "--user",
    "--settings",
    "--pythonpath",
    "-v",
    "--verbosity",
}
_FLAGS = {"-h", "--help", "--json", "--version", "--traceback", "--no-color", "--force-color"}


def _query_last(argv: list[str]) -> list[str]:
    """Let query words start with "-" (``openstx search cá -tôm``): options stay options,
    everything else goes after ``--``."""
    head, rest = argv[:2], argv[2:]
    options: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        if token == "--":
            words += rest[i + 1 :]
            break
        if token in _WITH_VALUE and i + 1 < len(rest):
            options += [token, rest[i + 1]]
            i += 2
            continue
        if token in _FLAGS or token.split("=", 1)[0] in _WITH_VALUE:
            options.append(token)
        else:
            words.append(token)
        i += 1
    return head + options + (["--", *words] if words else [])


class Command(BaseCommand):
    requires_system_checks: list[str] = []

    def run_from_argv(self, argv):
        super().run_from_argv(_query_last(list(argv)))

    help = (
        "Search the index. --json prints a list of {type, id, external_id, title, score, snippet}."
    )

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="+", help='words, "phrases", -exclusions, type:…')
        parser.add_argument(
            "--type", action="append", dest="types", help="result type (repeatable)"
        )
        parser.add_argument("--limit", type=int, default=20, help="number of results (max 100)")
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--sort", choices=service.SORTS, default="relevance")
        parser.add_argument("--user", help="search as this user (default: anonymous visitor)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        user = None
        if options.get("user"):
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {options['user']!r}")
        types = []
        for t in options.get("types") or []:
            types += [x for x in t.split(",") if x]
        # this node's index is brought up to date first (built on first use)
        from openstx.search import writer

        writer.apply_pending(lock_timeout=5)
        results = service.search(
            " ".join(options["query"]),
            user=user,
            types=types or None,
            page=options["page"],
            per_page=max(1, min(100, options["limit"])),
            sort=options["sort"],
            facets=False,
        )
        if options["json"]:
            rows = [
                {
                    k: h.as_dict()[k]
                    for k in ("type", "id", "external_id", "title", "score", "snippet")
                }
                for h in results.hits
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{results.total} result(s), {results.complete} with every word"
            + (f"; some lack: {', '.join(results.missing)}" if results.partial else "")
        )
        if results.suggestion:
            self.stdout.write(f"Did you mean: {results.suggestion['query']}")
        for n, hit in enumerate(results.hits, start=(results.page - 1) * results.per_page + 1):
            ident = hit.external_id or hit.id
            note = " [similar meaning]" if hit.similar else ""
            if hit.missing and not hit.similar:
                note = f" [missing: {', '.join(hit.missing)}]"
            self.stdout.write(f"{n:>3}. [{hit.type} {ident}] {hit.title}  ({hit.score:.2f}){note}")
            snippet = _TAGS.sub("", str(hit.snippet))
            if snippet:
                import html

                self.stdout.write(f"     {html.unescape(snippet)}")
