"""The search service: the one entry point for the web page, the API, the CLI and other apps.

    from openstx.search.service import search, suggest

    results = search("nuoi tom ĐBSCL", user=request.user, types=["offer"],
                     filters={"year": ["2020..2024"]}, page=1, sort="relevance")
    results.total, results.hits[0].title, results.hits[0].snippet, results.facets["field"]

Access scopes are a filter *inside* the Tantivy query, so hits, totals, facet counts and
snippets only ever come from documents the viewer may see.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import tantivy
from django.utils.safestring import SafeString, mark_safe

from openstx.search import facets as facet_labels
from openstx.search import highlight, registry
from openstx.search.access import scopes_for
from openstx.search.index import IndexStore, default_store
from openstx.search.query import (
    ParsedQuery,
    combine,
    exclusion_queries,
    filter_query,
    parse,
    scope_query,
    text_query,
)
from openstx.search.registry import FACETS

log = logging.getLogger(__name__)

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_OFFSET = 10_000
FACET_SIZE = 15
SORTS = ("relevance", "date")
_FACET_FIELDS = {
    "field": "f_field",
    "org": "f_org",
    "region": "f_region",
    "kind": "f_kind",
    "trl": "trl",
    "year": "year",
}


@dataclass
class Hit:
    type: str
    id: str
    external_id: str
    title: str
    url: str
    score: float
    snippet: SafeString
    title_html: SafeString
    date: dt.datetime | None = None

    @property
    def type_label(self) -> str:
        spec = registry.get(self.type)
        return spec.label_text if spec else self.type

    def as_dict(self) -> dict[str, Any]:
        """The CLI/API shape (DESIGN §4) plus url."""
        return {
            "type": self.type,
            "id": self.id,
            "external_id": self.external_id,
            "title": self.title,
            "score": round(self.score, 4),
            "snippet": str(self.snippet),
            "url": self.url,
        }


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResults:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE
    sort: str = "relevance"
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    type_counts: dict[str, int] = field(default_factory=dict)
    relaxed: bool = False  # no record had every word: showing records with most of them
    filters: dict[str, list[str]] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        reachable = min(self.total, MAX_OFFSET + self.per_page)
        return max(1, math.ceil(reachable / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "num_pages": self.num_pages,
            "sort": self.sort,
            "relaxed": self.relaxed,
            "results": [h.as_dict() for h in self.hits],
            "facets": {k: [asdict(v) for v in vs] for k, vs in self.facets.items()},
            "type_counts": self.type_counts,
        }


def _listify(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int):
        return [str(value)]
    return [str(v) for v in value if v is not None and str(v) != ""]


def _int(value: Any, default: int, lo: int, hi: int) -> int:
    try:
        number = int(str(value).strip()[:9])
    except (TypeError, ValueError):
        return default
    return max(lo, min(hi, number))


@dataclass
class _Plan:
    pq: ParsedQuery
    scopes: list[str] | None
    types: list[str]
    filters: dict[str, list[str]]


def _plan(query: Any, user: Any, types: Any, filters: Any) -> _Plan:
    pq = parse(query)
    merged: dict[str, list[str]] = {}
    for name, values in (filters or {}).items():
        if name in FACETS:
            merged.setdefault(name, []).extend(_listify(values))
    for name, values in pq.filters.items():
        if name != "type":
            merged.setdefault(name, []).extend(values)
    type_list = _listify(types) + pq.filters.get("type", [])
    if filters and "type" in filters:
        type_list += _listify(filters["type"])
    return _Plan(pq, scopes_for(user), list(dict.fromkeys(type_list)), merged)


def _filter_queries(plan: _Plan, with_types: bool = True) -> list[tantivy.Query]:
    out = []
    if plan.scopes is not None:
        out.append(scope_query(plan.scopes))
    if with_types and plan.types:
        out.append(filter_query("type", plan.types))
    for name, values in plan.filters.items():
        out.append(filter_query(name, values))
    return out


def build_query(
    query: Any, user: Any = None, types: Any = None, filters: Any = None, relaxed: bool = False
) -> tantivy.Query | None:
    """The Tantivy query the service runs (also used by the benchmark's bare measurement)."""
    plan = _plan(query, user, types, filters)
    return _query_for(plan, relaxed)


def _query_for(plan: _Plan, relaxed: bool = False, with_types: bool = True) -> tantivy.Query | None:
    scored = text_query(plan.pq, relaxed=relaxed)
    excluded = exclusion_queries(plan.pq)
    if scored is None and not excluded and not plan.filters and not plan.types:
        return None
    return combine(scored, _filter_queries(plan, with_types), excluded)


def search(
    query: Any,
    user: Any = None,
    types: Any = None,
    filters: dict[str, Any] | None = None,
    page: Any = 1,
    per_page: Any = PER_PAGE,
    sort: str = "relevance",
    facets: bool = True,
    snippets: bool = True,
    store: IndexStore | None = None,
) -> SearchResults:
    """Search the index as ``user`` sees it. Never raises on user input."""
    per_page = _int(per_page, PER_PAGE, 1, MAX_PER_PAGE)
    page = _int(page, 1, 1, MAX_OFFSET // per_page + 1)
    sort = sort if sort in SORTS else "relevance"
    plan = _plan(query, user, types, filters)
    results = SearchResults(
        query=plan.pq.text,
        page=page,
        per_page=per_page,
        sort=sort,
        filters=plan.filters,
        types=plan.types,
    )
    store = store or default_store()
    searcher, _path = store.searcher()
    q = _query_for(plan)
    if searcher is None or q is None:
        return results
    offset = (page - 1) * per_page
    found = _run(searcher, q, per_page, offset, sort)
    if found.count == 0 and len(plan.pq.groups) > 1:
        q = _query_for(plan, relaxed=True)
        found = _run(searcher, q, per_page, offset, sort)
        results.relaxed = found.count > 0
    results.total = found.count or 0
    exact, folded = plan.pq.highlight_terms()
    for score, address in found.hits:
        results.hits.append(_hit(searcher, address, score, sort, exact, folded, snippets))
    if facets:
        _facets(searcher, plan, q, results)
    return results


def _run(
    searcher: tantivy.Searcher, q: tantivy.Query, limit: int, offset: int, sort: str
) -> tantivy.SearchResult:
    if sort == "date":
        return searcher.search(
            q, limit, count=True, order_by_field="date", offset=offset, order=tantivy.Order.Desc
        )
    return searcher.search(q, limit, count=True, offset=offset)


def _hit(
    searcher: tantivy.Searcher,
    address: Any,
    score: Any,
    sort: str,
    exact: set[str],
    folded: set[str],
    snippets: bool,
) -> Hit:
    stored = searcher.doc(address).to_dict()
    meta = json.loads(bytes(stored["meta"][0]).decode("utf-8"))
    title = meta.get("title", "")
    source = bytes(stored["snip"][0]).decode("utf-8") if stored.get("snip") else ""
    stamp = meta.get("date") or 0
    return Hit(
        type=stored["type"][0],
        id=meta.get("pk", ""),
        external_id=meta.get("external_id", ""),
        title=title,
        url=meta.get("url", ""),
        score=float(score) if sort != "date" else 0.0,
        snippet=mark_safe(highlight.snippet(source, exact, folded)) if snippets else mark_safe(""),  # noqa: S308
        title_html=mark_safe(highlight.highlight_title(title, exact, folded)),  # noqa: S308
        date=dt.datetime.fromtimestamp(stamp, tz=dt.UTC) if stamp else None,
    )


def _facets(
    searcher: tantivy.Searcher, plan: _Plan, q: tantivy.Query, results: SearchResults
) -> None:
    aggs = {
        name: {"terms": {"field": fld, "size": FACET_SIZE}} for name, fld in _FACET_FIELDS.items()
    }
    if not plan.types:  # no type filter: the type tabs come from the same pass
        aggs["_type"] = {"terms": {"field": "type", "size": 50}}
    try:
        data = searcher.aggregate(q, aggs)
    except Exception:  # an aggregation problem must not take the results down
        log.exception("search: facet aggregation failed")
        data = {}
    for name in FACETS:
        buckets = (data.get(name) or {}).get("buckets", [])
        values = [str(b["key"]) for b in buckets]
        labels = facet_labels.labels(name, values)
        selected = set(plan.filters.get(name, []))
        items = [
            FacetValue(v, labels.get(v, v), int(b["doc_count"]), v in selected)
            for v, b in zip(values, buckets, strict=False)
        ]
        if name == "year":
            items.sort(key=lambda f: f.value, reverse=True)
        if items:
            results.facets[name] = items
    if "_type" in data:
        results.type_counts = {b["key"]: int(b["doc_count"]) for b in data["_type"]["buckets"]}
        return
    # type tabs: counts for every type, ignoring the type filter itself
    q_all = _query_for(plan, relaxed=results.relaxed, with_types=False)
    try:
        tdata = searcher.aggregate(q_all, {"type": {"terms": {"field": "type", "size": 50}}})
        results.type_counts = {b["key"]: int(b["doc_count"]) for b in tdata["type"]["buckets"]}
    except Exception:
        log.exception("search: type counts failed")


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
    searcher, _ = store.searcher()
    if searcher is None:
        return []
    from openstx.search.index import SCHEMA

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
                    Q.boost_query(Q.phrase_prefix_query(SCHEMA, "title_f", tokens), 3.0),
                ),
                (Occur.Should, loose),
            ]
        )
        if len(tokens) > 1
        else loose
    )
    plan = _Plan(parse(""), scopes_for(user), _listify(types), {})
    q = combine(scored, _filter_queries(plan), [])
    out = []
    try:
        found = searcher.search(q, limit, count=False)
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
