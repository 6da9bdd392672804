"""From any user string to a Tantivy query object — never through a query parser that throws.

Syntax (documented in docs/search.md)::

    nuôi trồng thủy sản          every word must match (accents optional)
    "nuôi tôm"                   exact phrase (adjacent words)
    -tôm   NOT tôm               exclude
    khóm OR dứa                  either
    type:offer  loai:offer       result type
    field:101   linhvuc:101      field-of-science code (with sub-fields)
    year:2023   year:2019..2023  year or range (nam: too)
    trl:6  trl:5..9  org:12  region:92  kind:equipment

Everything else (stray quotes, brackets, ``*``, ``:``, emoji, control characters) is just text:
tokenised into syllables, or dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import tantivy

from openstx.core.text import fold, has_diacritics, nfc
from openstx.search import synonyms
from openstx.search.analysis import BIGRAM_SEP, analyze
from openstx.search.index import SCHEMA, TIERS

MAX_QUERY_CHARS = 1000
MAX_GROUPS = 24

TIER_WEIGHT = {"title": 8.0, "summary": 3.0, "body": 1.0}
EXACT_BONUS = 1000.0  # per word typed with accents and found with exactly those accents
FOLDED_WITH_ACCENTS = 0.5  # accents typed but the record has other/no accents
BIGRAM_BOOST = 1.5  # adjacent syllables
SYNONYM_WEIGHT = 0.8  # an expansion counts a bit less than the words typed
#: Graded matching: a fixed bonus per typed word (group) a record contains, far above any text
#: score or exact-accent bonus, so records with every word rank first, then those missing one …
COVER_BONUS = 100_000.0

FILTER_ALIASES = {
    "type": "type",
    "loai": "type",
    "kieu": "type",
    "field": "field",
    "linhvuc": "field",
    "lv": "field",
    "year": "year",
    "nam": "year",
    "org": "org",
    "tochuc": "org",
    "organization": "org",
    "organisation": "org",
    "trl": "trl",
    "region": "region",
    "vung": "region",
    "tinh": "region",
    "province": "region",
    "kind": "kind",
    "dang": "kind",
}
INT_FILTERS = {"year", "trl"}

_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})


@dataclass
class Alternative:
    tokens: list[str]  # lower-cased, accents as typed (or as written in the dictionary)
    weight: float = 1.0
    phrase: bool = False
    exact: bool | None = None  # search the accented fields too (default: accents typed)

    def __post_init__(self) -> None:
        if self.exact is None:
            self.exact = any(has_diacritics(t) for t in self.tokens)

    @property
    def folded(self) -> list[str]:
        return [fold(t) for t in self.tokens]


@dataclass
class Group:
    alternatives: list[Alternative]


@dataclass
class ParsedQuery:
    text: str
    groups: list[Group] = field(default_factory=list)
    runs: list[list[str]] = field(default_factory=list)  # adjacent typed tokens (bigrams)
    excluded: list[Alternative] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_text(self) -> bool:
        return bool(self.groups)

    def words(self) -> list[str]:
        """What each group stands for, as typed (lower-case): for "missing: …" notices."""
        out = []
        for group in self.groups:
            alt = group.alternatives[0]
            text = " ".join(alt.tokens)
            out.append(f'"{text}"' if alt.phrase else text)
        return out

    def plain_text(self) -> str:
        """The words of the query without operators or filters (what the encoder reads)."""
        return " ".join(" ".join(g.alternatives[0].tokens) for g in self.groups)

    def highlight_terms(self) -> tuple[set[str], set[str]]:
        """(exact lower-case tokens typed with accents, folded tokens) for highlighting."""
        exact: set[str] = set()
        folded: set[str] = set()
        for group in self.groups:
            for alt in group.alternatives:
                for tok in alt.tokens:
                    if alt.exact and has_diacritics(tok):
                        exact.add(tok)
                    folded.add(fold(tok))
        return exact, folded


def parse(text: Any) -> ParsedQuery:
    """Parse any string (or anything with a str()) into groups, exclusions and filters."""
    raw = nfc(str(text) if text is not None else "")[:MAX_QUERY_CHARS].translate(_QUOTES)
    pq = ParsedQuery(text=raw)
    run: list[str] = []
    pending_or = False
    negate_next = False

    def close_run() -> None:
        nonlocal run
        if run:
            pq.runs.append(run)
            pq.groups.extend(_run_groups(run))
        run = []

    for m in _TOKEN_RE.finditer(raw):
        neg_quote, quoted, word = m.group(1), m.group(2), m.group(3)
        if quoted is not None:
            tokens = analyze(quoted)
            negative = bool(neg_quote) or negate_next
            negate_next = False
            close_run()
            if not tokens:
                continue
            alt = Alternative(tokens, phrase=len(tokens) > 1)
            if negative:
                pq.excluded.append(alt)
            else:
                _add_group(pq, Group([alt]), pending_or)
            pending_or = False
            continue
        if word in ("AND", "&&", "+"):
            continue
        if word in ("OR", "||", "|"):
            close_run()
            pending_or = bool(pq.groups)
            continue
        if word == "NOT":
            negate_next = True
            close_run()
            continue
        negative = negate_next
        negate_next = False
        if word.startswith("-") and len(word) > 1:
            negative = True
            word = word[1:]
        fm = re.match(r"^([A-Za-z]+):(.+)$", word)
        if fm and fold(fm.group(1)) in FILTER_ALIASES and not negative:
            name = FILTER_ALIASES[fold(fm.group(1))]
            pq.filters.setdefault(name, []).append(fm.group(2)[:100])
            close_run()
            continue
        tokens = analyze(word)
        if not tokens:
            continue
        if negative:
            close_run()
            pq.excluded.append(Alternative(tokens, phrase=len(tokens) > 1))
            continue
        if pending_or and pq.groups:
            # "a OR b": b joins a's group as another alternative
            pq.groups[-1].alternatives.append(Alternative(tokens, phrase=len(tokens) > 1))
            pending_or = False
            continue
        run.extend(tokens)
    close_run()
    pq.groups = pq.groups[:MAX_GROUPS]
    return pq


def _add_group(pq: ParsedQuery, group: Group, pending_or: bool) -> None:
    if pending_or and pq.groups:
        pq.groups[-1].alternatives.extend(group.alternatives)
    else:
        pq.groups.append(group)


def _run_groups(run: list[str]) -> list[Group]:
    """Groups for a run of plain words, expanding dictionary entries. The words typed stay a
    loose AND (adjacency only adds score); a dictionary expansion is matched as a phrase."""
    folded = [fold(t) for t in run]
    spans = {
        start: (end, alts) for start, end, alts in synonyms.expand(folded, [t.lower() for t in run])
    }
    groups = []
    i = 0
    while i < len(run):
        if i in spans:
            end, alts = spans[i]
            own = Alternative(run[i:end])
            group = Group([own])
            for form in alts:
                group.alternatives.append(
                    Alternative(
                        list(form), weight=SYNONYM_WEIGHT, phrase=len(form) > 1, exact=own.exact
                    )
                )
            groups.append(group)
            i = end
        else:
            groups.append(Group([Alternative([run[i]])]))
            i += 1
    return groups


# --- building Tantivy queries ---------------------------------------------------------------


def _boost(q: tantivy.Query, weight: float) -> tantivy.Query:
    return q if weight == 1.0 else tantivy.Query.boost_query(q, weight)


def _should(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _exact_parts(alt: Alternative, tiers: tuple[str, ...] = TIERS) -> list[tantivy.Query]:
    if len(alt.tokens) > 1 and not alt.phrase:
        per_token = [
            _should(_exact_parts(Alternative([t], weight=alt.weight, exact=True), tiers))
            for t in alt.tokens
        ]
        return [tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in per_token])]
    parts = []
    for tier in tiers:
        w = TIER_WEIGHT[tier] * alt.weight
        if len(alt.tokens) == 1:
            q = tantivy.Query.term_query(SCHEMA, f"{tier}_x", alt.tokens[0])
        else:
            q = tantivy.Query.phrase_query(SCHEMA, f"{tier}_x", list(alt.tokens))
        parts.append(_boost(q, w))
    return parts


def alternative_query(alt: Alternative, tiers: tuple[str, ...] = TIERS) -> tantivy.Query:
    """Match one alternative in any tier: folded always, accented too when accents were typed.
    Several words not marked as a phrase must each match somewhere (AND)."""
    if len(alt.tokens) > 1 and not alt.phrase:
        return tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Must,
                    alternative_query(Alternative([t], weight=alt.weight, exact=alt.exact), tiers),
                )
                for t in alt.tokens
            ]
        )
    parts = []
    folded = alt.folded
    fw = FOLDED_WITH_ACCENTS if alt.exact else 1.0
    for tier in tiers:
        w = TIER_WEIGHT[tier] * alt.weight * fw
        if len(folded) == 1:
            parts.append(_boost(tantivy.Query.term_query(SCHEMA, f"{tier}_f", folded[0]), w))
        else:
            parts.append(_boost(tantivy.Query.phrase_query(SCHEMA, f"{tier}_f", list(folded)), w))
    if alt.exact:
        parts += _exact_parts(alt, tiers)
    return _should(parts)


def group_query(group: Group) -> tantivy.Query:
    """Any alternative; with accents typed, an exact-accent match earns a fixed bonus so that
    ``cá`` is never outranked by records that only have ``ca``, ``cà`` or ``cả``."""
    parts = [alternative_query(a) for a in group.alternatives]
    exact = [q for a in group.alternatives if a.exact for q in _exact_parts(a)]
    if exact:
        parts.append(tantivy.Query.const_score_query(_should(exact), EXACT_BONUS))
    return _should(parts)


def text_query(pq: ParsedQuery) -> tantivy.Query | None:
    """Scored part of the query: every group must match (None when the query has no words)."""
    if not pq.groups:
        return None
    clauses: list[tuple[Any, tantivy.Query]] = [
        (tantivy.Occur.Must, group_query(g)) for g in pq.groups
    ]
    clauses += _bigram_clauses(pq)
    return tantivy.Query.boolean_query(clauses)


def _bigram_clauses(pq: ParsedQuery) -> list[tuple[Any, tantivy.Query]]:
    clauses = []
    for run in pq.runs:
        folded = [fold(t) for t in run]
        for a, b in zip(folded, folded[1:], strict=False):
            term = f"{a}{BIGRAM_SEP}{b}"
            for tier in TIERS:
                clauses.append(
                    (
                        tantivy.Occur.Should,
                        _boost(
                            tantivy.Query.term_query(SCHEMA, f"{tier}_b", term),
                            TIER_WEIGHT[tier] * BIGRAM_BOOST,
                        ),
                    )
                )
    return clauses


def coverage_query(group: Group) -> tantivy.Query:
    """Does a record contain this group (any alternative, any tier, accents ignored)?"""
    parts = []
    for alt in group.alternatives:
        folded = alt.folded
        if len(folded) > 1 and not alt.phrase:
            parts.append(
                tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Must, coverage_query(Group([Alternative([t])])))
                        for t in folded
                    ]
                )
            )
            continue
        for tier in TIERS:
            if len(folded) == 1:
                parts.append(tantivy.Query.term_query(SCHEMA, f"{tier}_f", folded[0]))
            else:
                parts.append(tantivy.Query.phrase_query(SCHEMA, f"{tier}_f", list(folded)))
    return _should(parts)


def graded_query(pq: ParsedQuery) -> tantivy.Query | None:
    """Any word matches; each word a record contains adds ``COVER_BONUS``, so the records with
    every word come first, then those missing one word, and so on; within a tier the usual
    score (tiers, exact accents, adjacency) decides."""
    if not pq.groups:
        return None
    group_queries = [group_query(g) for g in pq.groups]
    clauses: list[tuple[Any, tantivy.Query]] = [
        (
            tantivy.Occur.Must,
            tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, q) for q in group_queries], minimum_number_should_match=1
            ),
        )
    ]
    if len(pq.groups) > 1:
        clauses += [
            (tantivy.Occur.Should, tantivy.Query.const_score_query(coverage_query(g), COVER_BONUS))
            for g in pq.groups
        ]
    clauses += _bigram_clauses(pq)
    return tantivy.Query.boolean_query(clauses)


def exclusion_queries(pq: ParsedQuery) -> list[tantivy.Query]:
    out = []
    for alt in pq.excluded:
        folded = alt.folded
        for tier in TIERS:
            if len(folded) == 1:
                out.append(tantivy.Query.term_query(SCHEMA, f"{tier}_f", folded[0]))
            else:
                out.append(tantivy.Query.phrase_query(SCHEMA, f"{tier}_f", list(folded)))
    return out


def _int_range(value: str) -> tuple[int | None, int | None] | None:
    value = value.strip()
    m = re.fullmatch(r"(\d{1,6})", value)
    if m:
        n = int(m.group(1))
        return n, n
    m = re.fullmatch(r"(\d{1,6})?\s*(?:\.\.|-|–)\s*(\d{1,6})?", value)
    if m and (m.group(1) or m.group(2)):
        lo = int(m.group(1)) if m.group(1) else None
        hi = int(m.group(2)) if m.group(2) else None
        return lo, hi
    m = re.fullmatch(r"(>=|>|<=|<)\s*(\d{1,6})", value)
    if m:
        n = int(m.group(2))
        return {">=": (n, None), ">": (n + 1, None), "<=": (None, n), "<": (None, n - 1)}[
            m.group(1)
        ]
    return None


def filter_query(name: str, values: list[str]) -> tantivy.Query:
    """OR of the values of one facet; a value that cannot match gives an empty query."""
    parts: list[tantivy.Query] = []
    for value in values:
        value = str(value).strip()
        if not value:
            continue
        if name in INT_FILTERS:
            bounds = _int_range(value)
            if bounds is None:
                continue
            lo, hi = bounds
            if lo is not None and hi is not None and lo == hi:
                parts.append(tantivy.Query.term_query(SCHEMA, name, lo))
            else:
                parts.append(
                    tantivy.Query.range_query(
                        SCHEMA,
                        name,
                        tantivy.FieldType.Integer,
                        lower_bound=lo,
                        upper_bound=hi,
                    )
                )
        elif name == "type":
            parts.append(tantivy.Query.term_query(SCHEMA, "type", value))
        else:
            parts.append(tantivy.Query.term_query(SCHEMA, f"f_{name}", value))
    if not parts:
        return tantivy.Query.empty_query()
    return _should(parts)


def scope_query(scopes: list[str]) -> tantivy.Query:
    return tantivy.Query.term_set_query(SCHEMA, "scope", scopes)


def combine(
    scored: tantivy.Query | None,
    filters: list[tantivy.Query],
    excluded: list[tantivy.Query],
) -> tantivy.Query:
    """Scored part AND filters (score 0) AND NOT exclusions."""
    clauses: list[tuple[Any, tantivy.Query]] = []
    if scored is not None:
        clauses.append((tantivy.Occur.Must, scored))
    for f in filters:
        clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)))
    if not clauses:
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    for e in excluded:
        clauses.append((tantivy.Occur.MustNot, e))
    if len(clauses) == 1 and scored is not None:
        return scored
    return tantivy.Query.boolean_query(clauses)
