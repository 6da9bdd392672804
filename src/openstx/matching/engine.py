"""The matcher core, on plain records: filters, lexical + semantic ranking, fusion, reasons.

Nothing here touches the database: :mod:`openstx.matching.services` builds :class:`Record` lists
from offers, demands and experts (and keeps the resulting :class:`CandidateIndex` cached), and the
benchmark builds them from the dev set. Vectors are L2-normalised, so cosine is a dot product:
brute force over a float32 matrix (10,000 × 384 ≈ 15 MB) takes about a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from openstx.matching.lexical import BM25Index, prepare, shared_phrases

#: Fusion defaults, chosen by ``openstx bench match`` (see docs/matching.md): a weighted sum of
#: min-max-normalised scores beat reciprocal-rank fusion on the dev set.
FUSION = "weighted"
SEMANTIC_WEIGHT = 0.7
RRF_K = 60
#: How deep each ranker's list goes into the fusion.
DEPTH = 100
#: Boosts applied after fusion (multiplicative): same region as the demand, same sector
#: (3-digit) or finer field code.
REGION_BOOST = 0.04
SECTOR_BOOST = 0.04
#: Cosine above which two texts are "close in meaning" for the reasons line (e5 cosines of
#: unrelated Vietnamese texts sit around 0.75–0.80).
CLOSE_MEANING = 0.84
#: A candidate with no shared term and a cosine below this is not shown at all.
MIN_COSINE = 0.75


@dataclass
class Record:
    """A candidate (offer, demand or expert) as the matcher sees it."""

    id: Any
    title: str
    text: str
    fields: tuple[str, ...] = ()
    field_names: dict[str, str] = field(default_factory=dict)
    trl: int | None = None
    region: str | None = None
    region_name: str = ""
    keywords: tuple[str, ...] = ()
    external_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Query:
    text: str
    vector: np.ndarray | None = None
    fields: tuple[str, ...] = ()
    min_trl: int | None = None
    region: str | None = None
    exclude: frozenset = frozenset()
    #: "strict": candidates with no compatible field are dropped; "soft": they stay, demoted.
    field_mode: str = "strict"
    #: When matching offers to demands the TRL test is reversed: the query has a TRL that must
    #: reach each candidate's minimum.
    trl: int | None = None


@dataclass
class Match:
    record: Record
    score: float
    semantic: float
    lexical: float
    reasons: list[str]
    concepts: list[str]


def top_level(codes: Sequence[str]) -> set[str]:
    return {c[:1] for c in codes if c}


def fields_compatible(a: Sequence[str], b: Sequence[str]) -> bool:
    """Same top-level field (a code and its ancestors share the first digit); no fields = any."""
    if not a or not b:
        return True
    return bool(top_level(a) & top_level(b))


def closest_field(a: Sequence[str], b: Sequence[str]) -> str | None:
    """The most specific code of ``b`` that equals, contains or is contained in a code of ``a``."""
    best = None
    for x in a:
        for y in b:
            if x.startswith(y) or y.startswith(x):
                code = y if len(y) >= len(x) else x
                if best is None or len(code) > len(best):
                    best = code
    return best


class CandidateIndex:
    """Records + their vectors + a BM25 index, searchable with filters."""

    def __init__(self, records: list[Record], vectors: np.ndarray | None) -> None:
        self.records = records
        self.pos = {r.id: i for i, r in enumerate(records)}
        n = len(records)
        if vectors is None:
            vectors = np.zeros((n, 384), dtype=np.float32)
        self.matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        self.has_vector = np.any(self.matrix != 0, axis=1) if n else np.zeros(0, dtype=bool)
        self.lex = BM25Index(r.text for r in records)
        self.trl = np.asarray([r.trl if r.trl is not None else -1 for r in records], dtype=np.int16)
        self.region = np.asarray([r.region or "" for r in records], dtype=object)
        bits = {str(d): 1 << d for d in range(10)}
        self.top_bits = np.asarray(
            [sum(bits.get(c, 0) for c in top_level(r.fields)) for r in records], dtype=np.int32
        )

    def __len__(self) -> int:
        return len(self.records)

    # --- filters ------------------------------------------------------------------------
    def mask(self, q: Query) -> tuple[np.ndarray, np.ndarray]:
        """(allowed, field-compatible) boolean arrays."""
        n = len(self.records)
        allowed = np.ones(n, dtype=bool)
        if q.min_trl:
            allowed &= (self.trl < 0) | (self.trl >= q.min_trl)
        if q.trl is not None:  # offer -> demands: the offer must reach each demand's minimum
            allowed &= self.trl <= q.trl
        for rid in q.exclude:
            i = self.pos.get(rid)
            if i is not None:
                allowed[i] = False
        qbits = sum(1 << int(c) for c in top_level(q.fields) if c.isdigit())
        if qbits:
            compatible = (self.top_bits == 0) | ((self.top_bits & qbits) != 0)
        else:
            compatible = np.ones(n, dtype=bool)
        if q.field_mode == "strict":
            allowed &= compatible
        return allowed, compatible

    # --- rankers ------------------------------------------------------------------------
    def semantic_scores(self, q: Query) -> np.ndarray:
        if q.vector is None or not len(self.records):
            return np.zeros(len(self.records), dtype=np.float32)
        return self.matrix @ np.asarray(q.vector, dtype=np.float32)

    def lexical_scores(self, q: Query) -> np.ndarray:
        return self.lex.score(q.text)

    def search(
        self,
        q: Query,
        limit: int = 10,
        method: str = "hybrid",
        fusion: str | None = None,
        weight: float | None = None,
        reasons: bool = True,
    ) -> list[Match]:
        if not self.records:
            return []
        allowed, compatible = self.mask(q)
        idx = np.flatnonzero(allowed)
        if not len(idx):
            return []
        sem_all = self.semantic_scores(q) if method != "lexical" else None
        lex_all = self.lexical_scores(q) if method != "semantic" else None
        fused = fuse(
            idx,
            sem_all,
            lex_all,
            fusion or FUSION,
            SEMANTIC_WEIGHT if weight is None else weight,
            q.vector is not None,
        )
        # boosts and soft field penalty
        if q.region:
            fused[self.region[idx] == q.region] *= 1 + REGION_BOOST
        if q.fields:
            qs = {c[:3] for c in q.fields if len(c) >= 3}
            if qs:
                for k, i in enumerate(idx):
                    if qs & {c[:3] for c in self.records[i].fields}:
                        fused[k] *= 1 + SECTOR_BOOST
        if q.field_mode != "strict":
            fused[~compatible[idx]] *= 0.8
        weak = np.ones(len(idx), dtype=bool)
        if sem_all is not None and q.vector is not None:
            weak &= sem_all[idx] < MIN_COSINE
        if lex_all is not None:
            weak &= lex_all[idx] <= 0
        fused = np.where(weak, -1.0, fused + 1e-6)
        order = np.argsort(-fused, kind="stable")[:limit]
        prep = prepare(q.text) if reasons else None
        out = []
        for k in order:
            if fused[k] < 0:
                break
            i = int(idx[k])
            rec = self.records[i]
            sem = float(sem_all[i]) if sem_all is not None else 0.0
            lex = float(lex_all[i]) if lex_all is not None else 0.0
            m = Match(rec, float(fused[k]), sem, lex, [], [])
            if reasons:
                explain(m, q, prep)
            out.append(m)
        return out


def fuse(
    idx: np.ndarray,
    sem_all: np.ndarray | None,
    lex_all: np.ndarray | None,
    fusion: str,
    weight: float,
    has_vector: bool,
) -> np.ndarray:
    """One score per allowed candidate (``idx``)."""
    n = len(idx)
    sem = sem_all[idx] if sem_all is not None and has_vector else None
    lex = lex_all[idx] if lex_all is not None else None
    if sem is None and lex is None:
        return np.zeros(n, dtype=np.float32)
    if sem is None:
        return _minmax_pos(lex)
    if lex is None or not np.any(lex > 0):
        return _minmax(sem) * (weight if lex is not None else 1.0) + 1e-6
    if fusion == "rrf":
        out = np.zeros(n, dtype=np.float32)
        for scores, positive_only in ((sem, False), (lex, True)):
            order = np.argsort(-scores, kind="stable")[:DEPTH]
            if positive_only:
                order = order[scores[order] > 0]
            out[order] += 1.0 / (RRF_K + 1 + np.arange(len(order)))
        return out
    # weighted sum of min-max normalised scores, each over its own top DEPTH
    return weight * _minmax(sem, DEPTH) + (1 - weight) * _minmax_pos(lex, DEPTH)


def _minmax(x: np.ndarray, depth: int | None = None) -> np.ndarray:
    if not len(x):
        return x
    hi = float(x.max())
    lo = float(np.partition(x, -depth)[-depth]) if depth and len(x) > depth else float(x.min())
    if hi - lo < 1e-9:
        return np.ones_like(x)
    return np.clip((x - lo) / (hi - lo), 0, None)


def _minmax_pos(x: np.ndarray, depth: int | None = None) -> np.ndarray:
    hi = float(x.max()) if len(x) else 0.0
    if hi <= 0:
        return np.zeros_like(x)
    return np.clip(x / hi, 0, None)


# --- reasons ------------------------------------------------------------------------------------


def explain(m: Match, q: Query, prep: tuple[str, set[str]] | None = None) -> None:
    """Fill ``m.concepts`` and ``m.reasons`` with what a person can check."""
    from django.utils.translation import gettext as _

    rec = m.record
    m.concepts = shared_phrases(prep or q.text, rec.text, rec.keywords)
    if m.concepts:
        m.reasons.append(_("Shared concepts: %(terms)s") % {"terms": ", ".join(m.concepts)})
    elif m.semantic >= CLOSE_MEANING:
        topics = ", ".join(rec.keywords[:3]) if rec.keywords else rec.title
        m.reasons.append(
            _("Close in meaning to the need, in other words: %(topics)s") % {"topics": topics}
        )
    code = closest_field(q.fields, rec.fields)
    if code:
        name = rec.field_names.get(code, "") or code
        m.reasons.append(_("Same field: %(field)s") % {"field": name})
    elif q.fields and rec.fields and not fields_compatible(q.fields, rec.fields):
        m.reasons.append(_("Different field of science"))
    if q.min_trl and rec.trl:
        m.reasons.append(
            _("Readiness TRL %(trl)s meets the required TRL %(min)s")
            % {"trl": rec.trl, "min": q.min_trl}
        )
    elif q.trl is not None and rec.trl:
        m.reasons.append(
            _("Readiness TRL %(trl)s meets the required TRL %(min)s")
            % {"trl": q.trl, "min": rec.trl}
        )
    elif rec.trl and not q.min_trl:
        m.reasons.append(_("Readiness level TRL %(trl)s") % {"trl": rec.trl})
    if q.region and rec.region == q.region:
        m.reasons.append(_("Same region: %(region)s") % {"region": rec.region_name or rec.region})
