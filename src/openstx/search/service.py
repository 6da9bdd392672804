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

from openstx.core.text import has_diacritics
from openstx.search import facets as facet_labels
from openstx.search import highlight, registry, semantic
from openstx.search.access import scopes_for
from openstx.search.index import SCHEMA, IndexStore, default_store
from openstx.search.query import (
    COVER_BONUS,
    ParsedQuery,
    combine,
    coverage_query,
    exclusion_queries,
    filter_query,
    graded_query,
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
MODES = ("hybrid", "lexical", "semantic")
#: Fewer records than this contain every word: records with some of the words follow them.
PARTIAL_BELOW = 20
#: Fewer hits than this (or only partial ones): look for a spelling suggestion.
FEW_HITS = 3
#: Fusion of the lexical and semantic rankings (measured: docs/search.md §6).
FUSION = "rrf"
RRF_K = 60
LEXICAL_WEIGHT = 0.5
#: Queries typed without accents are embedded with the accents the index's vocabulary suggests.
RESTORE_ACCENTS = True
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
    missing: list[str] = field(default_factory=list)  # typed words this record lacks
    similar: bool = False  # found by meaning only (semantic recall), no typed word

    @property
    def type_label(self) -> str:
        spec = registry.get(self.type)
        return spec.label_text if spec else self.type

    def as_dict(self) -> dict[str, Any]:
        """The CLI/API shape (docs/architecture.md, "Command line and API contract") plus url."""
        return {
            "type": self.type,
            "id": self.id,
            "external_id": self.external_id,
            "title": self.title,
            "score": round(self.score, 4),
            "snippet": str(self.snippet),
            "url": self.url,
            "missing": list(self.missing),
            "similar": self.similar,
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
    relaxed: bool = False  # same as partial (kept for older callers)
    filters: dict[str, list[str]] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # the typed words (groups)
    complete: int = 0  # records that contain every typed word
    partial: bool = False  # some shown record lacks a typed word
    missing: list[str] = field(default_factory=list)  # typed words some shown record lacks
    suggestion: dict[str, str] | None = None  # did you mean: {"query", "html"}

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
            "partial": self.partial,
            "missing": self.missing,
            "complete": self.complete,
            "suggestion": self.suggestion,
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
    query: Any, user: Any = None, types: Any = None, filters: Any = None, graded: bool = False
) -> tantivy.Query | None:
    """The Tantivy query the service runs first (every word; ``graded``: any word, ranked by
    how many it has). The benchmark's bare measurement uses it."""
    plan = _plan(query, user, types, filters)
    return _query_for(plan, graded=graded)


def _query_for(plan: _Plan, graded: bool = False, with_types: bool = True) -> tantivy.Query | None:
    scored = graded_query(plan.pq) if graded else text_query(plan.pq)
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
    mode: str = "hybrid",
    spelling: bool = True,
) -> SearchResults:
    """Search the index as ``user`` sees it. Never raises on user input.

    ``mode``: ``hybrid`` (default: graded lexical matching fused with semantic recall where
    records have vectors), ``lexical`` or ``semantic`` (the benchmark compares them)."""
    per_page = _int(per_page, PER_PAGE, 1, MAX_PER_PAGE)
    page = _int(page, 1, 1, MAX_OFFSET // per_page + 1)
    sort = sort if sort in SORTS else "relevance"
    mode = mode if mode in MODES else "hybrid"
    plan = _plan(query, user, types, filters)
    results = SearchResults(
        query=plan.pq.text,
        page=page,
        per_page=per_page,
        sort=sort,
        filters=plan.filters,
        types=plan.types,
        words=plan.pq.words(),
    )
    store = store or default_store()
    searcher, _path = store.searcher()
    if searcher is None:
        return results
    run = _Run(searcher, plan, results, mode, index_stamp(_path))
    run.execute((page - 1) * per_page, per_page, sort)
    exact, folded = plan.pq.highlight_terms()
    for item in run.page_items:
        results.hits.append(
            _hit(searcher, item.address, item.score, sort, exact, folded, snippets, item)
        )
    run.mark_missing()
    if facets:
        _facets(searcher, plan, run.union_query(), results, run.union_query(with_types=False))
    if spelling and plan.pq.groups and (results.total < FEW_HITS or results.complete == 0):
        from openstx.search import spelling as spelling_help

        results.suggestion = spelling_help.did_you_mean(plan.pq, searcher, plan.scopes, run.stamp)
    return results


@dataclass
class _Item:
    address: Any
    score: float = 0.0
    lexical: float | None = None  # lexical score (None: not a lexical match)
    lexical_rank: int | None = None
    similarity: float | None = None
    semantic_rank: int | None = None
    key: str = ""


def index_stamp(path: Any) -> tuple:
    """What a searcher on ``path`` sees changes with every commit (``state.json``) or swap:
    the key of the spelling caches."""
    import os

    try:
        return (str(path), os.stat(os.path.join(str(path), "state.json")).st_mtime_ns)
    except (OSError, TypeError):
        return (str(path), 0)


def _addr(address: Any) -> tuple[int, int]:
    return (address.segment_ord, address.doc)


class _Run:
    """One search: the lexical side (strict, then graded), the semantic side, the fusion."""

    def __init__(
        self,
        searcher: tantivy.Searcher,
        plan: _Plan,
        results: SearchResults,
        mode: str,
        stamp: tuple = (),
    ):
        self.searcher = searcher
        self.stamp = stamp
        self.plan = plan
        self.results = results
        self.mode = mode
        self.lexical_q: tantivy.Query | None = None
        self.graded = False
        self.keys: list[str] = []  # visible semantic candidates, most similar first
        self.all_keys: list[str] = []  # semantic candidates of every type (type tabs)
        self.page_items: list[_Item] = []
        self.sort = "relevance"

    # --- the lexical side ------------------------------------------------------------------
    def _lexical(self, limit: int, offset: int, sort: str) -> tantivy.SearchResult | None:
        plan = self.plan
        q = _query_for(plan)
        if q is None:
            return None
        found = _run(self.searcher, q, limit, offset, sort)
        self.results.complete = _count(found)
        self.lexical_q = q
        if len(plan.pq.groups) > 1 and _count(found) < PARTIAL_BELOW:
            graded = _query_for(plan, graded=True)
            assert graded is not None  # the query has words, so it has a graded form
            more = _run(self.searcher, graded, limit, offset, sort)
            if _count(more) > _count(found):
                self.lexical_q, self.graded, found = graded, True, more
        return found

    # --- the semantic side -----------------------------------------------------------------
    def _candidates(self) -> dict[str, float]:
        """Semantic candidates (key -> cosine), not yet checked for visibility."""
        plan = self.plan
        if not plan.pq.groups or not semantic.enabled():
            return {}
        text = plan.pq.plain_text()
        if RESTORE_ACCENTS and not has_diacritics(text) and semantic.semantic_types(plan.types):
            # e5 reads "nuôi tôm" far better than "nuoi tom": restore the accents from the
            # index's own vocabulary (what the viewer may see) before embedding
            from openstx.search import spelling

            restored = spelling.did_you_mean(plan.pq, self.searcher, plan.scopes, self.stamp)
            if restored:
                text = restored["query"]
        sims = dict(semantic.candidates(text, plan.types or None))
        if sims:
            self.all_keys = (
                [k for k, _ in semantic.candidates(text, None)] if plan.types else list(sims)
            )
        return sims

    def _visible(self, sims: dict[str, float], lexical_q: tantivy.Query | None) -> list[_Item]:
        """The candidates the viewer may see and that pass the facets and exclusions, checked
        by the index, with their lexical score when they also match the words (one query)."""
        plan = self.plan
        keyset = tantivy.Query.const_score_query(
            tantivy.Query.term_set_query(SCHEMA, "key", list(sims)), 0.0
        )
        scored = keyset
        if lexical_q is not None:
            scored = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, keyset), (tantivy.Occur.Should, lexical_q)]
            )
        q = combine(scored, _filter_queries(plan), exclusion_queries(plan.pq))
        found = self.searcher.search(q, len(sims), count=False)
        items = []
        for score, address in found.hits:
            key = self.searcher.doc(address).to_dict()["key"][0]
            lexical = float(score) if lexical_q is not None and score > 0 else None
            items.append(_Item(address, similarity=sims.get(key, 0.0), key=key, lexical=lexical))
        items.sort(key=lambda it: -(it.similarity or 0.0))
        for rank, it in enumerate(items, 1):
            it.semantic_rank = rank
        self.keys = [it.key for it in items]
        return items

    # --- putting it together ---------------------------------------------------------------
    def execute(self, offset: int, limit: int, sort: str) -> None:
        self.sort = sort
        res = self.results
        if self.mode == "semantic" and self.plan.pq.groups:
            sims = self._candidates()
            sem = self._visible(sims, None) if sims else []
            res.total = len(sem)
            if sort == "date":
                union = self.union_query()
                if union is None:  # no semantic candidate: nothing to list (was a TypeError)
                    return
                dated = _run(self.searcher, union, limit, offset, sort)
                self.page_items = [_Item(a) for _s, a in dated.hits]
            else:
                for it in sem:
                    it.score = it.similarity or 0.0
                self.page_items = sem[offset : offset + limit]
            return
        sims = self._candidates() if self.mode == "hybrid" else {}
        if not sims:
            lexical = self._lexical(limit, offset, sort)
            if lexical is None:
                return
            res.total = _count(lexical)
            self.page_items = [
                _Item(a, score=float(s), lexical=float(s), lexical_rank=offset + i + 1)
                for i, (s, a) in enumerate(lexical.hits)
            ]
            return
        depth = offset + limit + len(sims)
        found = self._lexical(depth if sort != "date" else 1, 0, "relevance")
        sem = self._visible(sims, self.lexical_q)
        if sort == "date":
            union = self.union_query()
            assert union is not None  # hybrid with candidates: the query has words
            by_date = _run(self.searcher, union, limit, offset, sort)
            res.total = _count(by_date)
            self.page_items = [_Item(a) for _s, a in by_date.hits]
            return
        lexical_count = _count(found) if found is not None else 0
        pool: dict[tuple[int, int], _Item] = {}
        for i, (score, address) in enumerate(found.hits if found is not None else []):
            pool[_addr(address)] = _Item(address, lexical=float(score), lexical_rank=i + 1)
        also = 0
        for it in sem:
            also += it.lexical is not None
            item = pool.get(_addr(it.address))
            if item is None:
                pool[_addr(it.address)] = it
            else:
                item.similarity, item.semantic_rank, item.key = (
                    it.similarity,
                    it.semantic_rank,
                    it.key,
                )
        res.total = lexical_count + len(sem) - also
        fused = fuse(list(pool.values()), depth)
        self.page_items = fused[offset : offset + limit]

    def union_query(self, with_types: bool = True) -> tantivy.Query | None:
        """Every record this search counts: lexical matches plus visible semantic candidates."""
        plan = self.plan
        keys = self.keys if with_types else (self.all_keys or self.keys)
        lexical = (
            None
            if self.mode == "semantic"
            else (graded_query(plan.pq) if self.graded else text_query(plan.pq))
        )
        if not keys:
            if self.mode == "semantic" and plan.pq.groups:
                return None
            return _query_for(plan, with_types=with_types, graded=self.graded)
        keyset = tantivy.Query.const_score_query(
            tantivy.Query.term_set_query(SCHEMA, "key", keys), 0.0
        )
        scored = keyset if lexical is None else _should_q([lexical, keyset])
        return combine(scored, _filter_queries(plan, with_types), exclusion_queries(plan.pq))

    def mark_missing(self) -> None:
        """Which typed words each shown record lacks (graded matching, semantic recall)."""
        res = self.results
        groups = self.plan.pq.groups
        words = self.plan.pq.words()
        if len(groups) < 1 or not res.hits:
            return
        full = COVER_BONUS * len(groups) * 0.999
        unsure = []
        for hit, item in zip(res.hits, self.page_items, strict=False):
            if item.lexical is not None and (
                not self.graded or (self.sort != "date" and item.lexical >= full)
            ):
                continue
            if item.lexical is None:
                continue  # found by meaning: shown as such, not as missing words
            unsure.append(hit)
        res.partial = any(h.similar for h in res.hits)
        res.relaxed = res.partial
        if not unsure:
            return
        keys = [f"{h.type}:{h.id}" for h in unsure]
        keyset = tantivy.Query.term_set_query(SCHEMA, "key", keys)
        has: dict[str, set[int]] = {k: set() for k in keys}
        for gi, group in enumerate(groups):
            q = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, keyset), (tantivy.Occur.Must, coverage_query(group))]
            )
            for _s, address in self.searcher.search(q, len(keys), count=False).hits:
                key = self.searcher.doc(address).to_dict()["key"][0]
                has.setdefault(key, set()).add(gi)
        missing_all: list[str] = []
        for hit, key in zip(unsure, keys, strict=True):
            hit.missing = [w for gi, w in enumerate(words) if gi not in has.get(key, set())]
            for w in hit.missing:
                if w not in missing_all:
                    missing_all.append(w)
        res.partial = any(h.missing or h.similar for h in res.hits)
        res.missing = [w for w in words if w in missing_all]
        res.relaxed = res.partial


def _should_q(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def fuse(items: list[_Item], depth: int, method: str | None = None) -> list[_Item]:
    """Order lexical and semantic candidates together (``FUSION``: reciprocal rank or a
    weighted sum of normalised scores; chosen by ``openstx bench search --relevance``)."""
    method = method or FUSION
    if method == "rrf":
        for it in items:
            lr = it.lexical_rank or (depth + 1 if it.lexical is not None else None)
            score = 0.0
            if lr is not None:
                score += LEXICAL_WEIGHT / (RRF_K + lr)
            if it.semantic_rank is not None:
                score += (1 - LEXICAL_WEIGHT) / (RRF_K + it.semantic_rank)
            it.score = score
    else:
        top = max((it.lexical or 0.0) for it in items) or 1.0
        for it in items:
            lex = (it.lexical or 0.0) / top
            sim = it.similarity
            sem = (
                0.0
                if sim is None
                else max(0.0, (sim - semantic.MIN_SIMILARITY)) / (1 - semantic.MIN_SIMILARITY)
            )
            it.score = LEXICAL_WEIGHT * lex + (1 - LEXICAL_WEIGHT) * sem
    return sorted(items, key=lambda it: (-it.score, -(it.lexical or 0.0)))


def _count(found: tantivy.SearchResult) -> int:
    """How many documents matched (0 when the search did not count)."""
    # tantivy's stub omits SearchResult.count, which the extension has at run time
    return found.count or 0  # type: ignore[attr-defined]


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
    item: Any = None,
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
        similar=bool(item is not None and item.lexical is None and item.similarity is not None),
    )


def _facets(
    searcher: tantivy.Searcher,
    plan: _Plan,
    q: tantivy.Query | None,
    results: SearchResults,
    q_all: tantivy.Query | None = None,
) -> None:
    if q is None:
        return
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
    if q_all is None:
        return
    try:
        tdata = searcher.aggregate(q_all, {"type": {"terms": {"field": "type", "size": 50}}})
        results.type_counts = {b["key"]: int(b["doc_count"]) for b in tdata["type"]["buckets"]}
    except Exception:
        log.exception("search: type counts failed")


def suggest(*args: Any, **kwargs: Any) -> list[dict[str, str]]:
    """Type-ahead for the search box and record choosers (``openstx.search.suggestions``)."""
    from openstx.search.suggestions import suggest as run

    return run(*args, **kwargs)
