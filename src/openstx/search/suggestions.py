"""Type-ahead: titles that start a word with what was typed (accents optional), dictionary
entries and completed words, only among what the viewer may see."""

from __future__ import annotations

import json
import logging
from typing import Any

import tantivy

from openstx.core.text import fold
from openstx.search import highlight
from openstx.search.access import scopes_for
from openstx.search.analysis import BIGRAM_SEP
from openstx.search.index import SCHEMA, IndexStore, default_store
from openstx.search.query import (
    combine,
    parse,
    scope_query,
)
from openstx.search.service import _filter_queries, _listify, _Plan, index_stamp

log = logging.getLogger(__name__)


def suggest(
    prefix: Any,
    user: Any = None,
    limit: int = 8,
    types: Any = None,
    store: IndexStore | None = None,
) -> list[dict[str, str]]:
    """Type-ahead: records whose title starts a word with what was typed (accents optional)."""
    from openstx.core.text import fold
    from openstx.search.analysis import analyze

    text = str(prefix or "")[:200]
    tokens = [fold(t) for t in analyze(text)][:8]
    if not tokens:
        return []
    store = store or default_store()
    searcher, path = store.searcher()
    if searcher is None:
        return []

    Q, Occur = tantivy.Query, tantivy.Occur
    head, last = tokens[:-1], tokens[-1]
    parts: list[tuple[Any, tantivy.Query]] = [
        (Occur.Must, Q.term_query(SCHEMA, "title_f", t)) for t in head
    ]
    parts.append((Occur.Must, Q.phrase_prefix_query(SCHEMA, "title_f", [last])))
    loose = Q.boolean_query(parts)
    scored = (
        Q.boolean_query(
            [
                (
                    Occur.Should,
                    Q.boost_query(Q.phrase_prefix_query(SCHEMA, "title_f", list(tokens)), 3.0),
                ),
                (Occur.Should, loose),
            ]
        )
        if len(tokens) > 1
        else loose
    )
    plan = _Plan(parse(""), scopes_for(user), _listify(types), {})
    q = combine(scored, _filter_queries(plan), [])
    queries = _query_suggestions(text, tokens, searcher, plan.scopes, index_stamp(path))
    out: list[dict[str, str]] = []
    try:
        found = searcher.search(q, max(1, limit - len(queries)), count=False)
    except Exception:
        log.exception("search: suggest failed")
        return []
    for _score, address in found.hits:
        stored = searcher.doc(address).to_dict()
        meta = json.loads(bytes(stored["meta"][0]).decode("utf-8"))
        title = meta.get("title", "")
        out.append(
            {
                "type": stored["type"][0],
                "id": meta.get("pk", ""),
                "title": title,
                "title_html": highlight.mark(title, _prefix_spans(title, tokens)),
                "url": meta.get("url", ""),
            }
        )
    return out + queries  # records first, then suggested queries (type "query")


QUERY_SUGGESTIONS = 3


def _search_url(q: str) -> str:
    from urllib.parse import urlencode

    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("search:search") + "?" + urlencode({"q": q})
    except NoReverseMatch:
        return ""


def _query_suggestions(
    text: str,
    tokens: list[str],
    searcher: tantivy.Searcher,
    scopes: list[str] | None,
    stamp: tuple = (),
) -> list[dict[str, str]]:
    """Type-ahead queries: dictionary entries (``dbs`` → ``ĐBSCL — đồng bằng sông Cửu Long``)
    and the last word completed from the titles the viewer may see (``nuoi tr`` →
    ``nuôi trồng``)."""
    from django.utils.html import escape

    from openstx.search import spelling, synonyms
    from openstx.search.analysis import analyze

    out: list[dict[str, str]] = []
    seen: set[str] = set()

    def add(query: str, label: str) -> None:
        key = " ".join(fold(t) for t in analyze(query))
        if key and key not in seen and len(out) < QUERY_SUGGESTIONS:
            seen.add(key)
            out.append(
                {
                    "type": "query",
                    "id": "",
                    "title": label,
                    "title_html": escape(label),
                    "url": _search_url(query),
                }
            )

    typed = " ".join(tokens)
    for entries in synonyms.dictionary().values():
        for forms in entries:
            folded_forms = [" ".join(fold(t) for t in form) for form in forms]
            if any(f.startswith(typed) for f in folded_forms):
                display = " — ".join(" ".join(form) for form in forms)
                add(" ".join(forms[0]), display)
    head, last = tokens[:-1], tokens[-1]
    if len(last) >= 2:
        filt = scope_query(scopes) if scopes is not None else None
        try:
            if head:  # complete the last word as it follows the previous one in titles
                prefix = f"{head[-1]}{BIGRAM_SEP}{last}"
                found = searcher.terms_with_prefix("title_b", prefix, filter_query=filt, limit=6)
                completions = [(t.split(BIGRAM_SEP, 1)[1], c) for t, c in found]
            else:
                completions = searcher.terms_with_prefix(
                    "title_f", last, filter_query=filt, limit=6
                )
        except Exception:
            completions = []
        for term, count in completions:
            if not count or term == last:  # the word is complete already
                continue
            query = " ".join(spelling.restore([*head, term], searcher, scopes, stamp or None))
            add(query, query)
    return out


def _prefix_spans(title: str, tokens: list[str]) -> list[tuple[int, int]]:
    from openstx.core.text import fold
    from openstx.search.analysis import WORD_RE

    spans = []
    for m in WORD_RE.finditer(title):
        word = fold(m.group(0))
        if word in tokens[:-1] or word.startswith(tokens[-1]):
            spans.append(m.span())
    return spans
