"""The matcher core, on plain records: filters, lexical + semantic ranking, fusion, reasons.

Nothing here touches the database: :mod:`openstx.matching.services` builds :class:`Record` lists
from offers, demands and experts (and keeps the resulting :class:`CandidateIndex` cached), and the
benchmark builds them from the dev set. Vectors are L2-normalised, so cosine is a dot product:
brute force over a float32 matrix (10,000 × 384 ≈ 15 MB) takes about a millisecond.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from openstx.matching.lexical import BM25Index, prepare

DIM = 384

#: Fusion defaults, chosen by ``openstx bench match`` (see docs/matching.md and :func:`fuse`).
FUSION = "adaptive"
SEMANTIC_WEIGHT = 0.7
#: Adaptive fusion: a candidate covering this share of the demand's content (IDF-weighted)
#: keeps its full lexical weight; below, the lexical part shrinks as (cover / COVER_FULL)^POWER.
COVER_FULL = 0.5
COVER_POWER = 1.0
RRF_K = 60
#: How deep each ranker's list goes into the fusion.
DEPTH = 100
#: Hubness correction of the semantic ranker (CSLS, Conneau et al. 2018): a candidate whose
#: vector sits close to many other candidates — a broad, generic text — is near every demand
#: too and would top the list for demands it does not answer. Its semantic score loses
#: ``DENSITY_WEIGHT`` × its *density*, the mean cosine to its ``DENSITY_K`` nearest
#: candidates of the same index. Chosen by ``openstx bench match`` (docs/matching.md §5).
DENSITY_K = 10
DENSITY_WEIGHT = 0.5
#: Above this many candidates the density is measured against an evenly spread sample of them
#: (with k scaled to the sample), so a 10,000-offer index costs ~0.5 s to measure, not 1.5 s.
DENSITY_REFERENCE_MAX = 4000
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
    """Records + their vectors + a BM25 index, searchable with filters, updated in place.

    Each record sits in a *slot*. :meth:`upsert` adds a record or replaces one (the old slot is
    freed, the new one appended), :meth:`set_vector` stores a vector computed later and
    :meth:`remove` frees a slot — each costs one record's tokenisation, not a rebuild. Free slots
    never rank. ``records[slot]`` is ``None`` for a free slot."""

    def __init__(self, records: Sequence[Record] = (), vectors: np.ndarray | None = None) -> None:
        #: held by updates and searches: a search never sees a half-applied update
        self.lock = threading.RLock()
        self.records: list[Record | None] = []
        self.pos: dict[Any, int] = {}
        self.lex = BM25Index()
        cap = max(16, len(records))
        self.matrix = np.zeros((cap, DIM), dtype=np.float32)
        self._has_vector = np.zeros(cap, dtype=bool)
        #: per slot: mean cosine to the nearest candidates (see ``DENSITY_K``), and whether
        #: it was measured for the slot's current vector
        self._density = np.zeros(cap, dtype=np.float32)
        self._density_ok = np.zeros(cap, dtype=bool)
        self._density_todo = 0
        self._alive = np.zeros(cap, dtype=bool)
        self._trl = np.full(cap, -1, dtype=np.int16)
        self._top_bits = np.zeros(cap, dtype=np.int32)
        self._region: list[str] = []
        self._region_arr: np.ndarray | None = None
        #: 3-digit sector code -> slots (free slots stay listed; the alive mask drops them)
        self._sectors: dict[str, list[int]] = {}
        for i, rec in enumerate(records):
            self.upsert(rec, None if vectors is None else vectors[i])

    # --- updates ------------------------------------------------------------------------
    def _grow(self) -> None:
        cap = len(self._alive) * 2
        for name in (
            "matrix",
            "_has_vector",
            "_density",
            "_density_ok",
            "_alive",
            "_trl",
            "_top_bits",
        ):
            old = getattr(self, name)
            new = np.zeros((cap, *old.shape[1:]), dtype=old.dtype)
            if name == "_trl":
                new[:] = -1
            new[: len(old)] = old
            setattr(self, name, new)

    def upsert(self, rec: Record, vector: np.ndarray | None = None) -> int:
        """Add ``rec`` or replace the record with the same id; ``vector`` None keeps the one the
        record had (if any). Returns the new slot."""
        with self.lock:
            return self._upsert(rec, vector)

    def _upsert(self, rec: Record, vector: np.ndarray | None) -> int:
        old = self.pos.get(rec.id)
        if vector is None and old is not None and self._has_vector[old]:
            vector = self.matrix[old].copy()
        if old is not None:
            self.remove(rec.id)
        slot = self.lex.add(rec.text)
        if slot >= len(self._alive):
            self._grow()
        self.records.append(rec)
        self._region.append(rec.region or "")
        self._region_arr = None
        self.pos[rec.id] = slot
        self._alive[slot] = True
        self._trl[slot] = rec.trl if rec.trl is not None else -1
        self._top_bits[slot] = sum(1 << int(c) for c in top_level(rec.fields) if c.isdigit())
        for sector in {c[:3] for c in rec.fields if len(c) >= 3}:
            self._sectors.setdefault(sector, []).append(slot)
        if vector is not None:
            self.set_vector(rec.id, vector)
        return slot

    def set_vector(self, rid: Any, vector: np.ndarray | None) -> bool:
        with self.lock:
            return self._set_vector(rid, vector)

    def _set_vector(self, rid: Any, vector: np.ndarray | None) -> bool:
        slot = self.pos.get(rid)
        if slot is None:
            return False
        if vector is None:
            self.matrix[slot] = 0
            self._has_vector[slot] = False
        else:
            self.matrix[slot] = vector
            self._has_vector[slot] = bool(np.any(self.matrix[slot] != 0))
        self._density_ok[slot] = False
        self._density[slot] = 0
        self._density_todo += 1
        return True

    def remove(self, rid: Any) -> bool:
        with self.lock:
            return self._remove(rid)

    def _remove(self, rid: Any) -> bool:
        slot = self.pos.pop(rid, None)
        if slot is None:
            return False
        self.lex.remove(slot)
        self.records[slot] = None
        self._alive[slot] = False
        self._has_vector[slot] = False
        self.matrix[slot] = 0
        return True

    def compact(self) -> CandidateIndex:
        """A fresh index with the live records only (after many removals)."""
        live = [(r, self.pos[r.id]) for r in self.records if r is not None]
        vectors = np.asarray(
            [self.matrix[s] for _r, s in live] or np.zeros((0, DIM)), dtype=np.float32
        )
        return CandidateIndex([r for r, _s in live], vectors)

    # --- views --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.pos)

    @property
    def slots(self) -> int:
        return len(self.records)

    @property
    def free_slots(self) -> int:
        return self.slots - len(self.pos)

    @property
    def has_vector(self) -> np.ndarray:
        return self._has_vector[: self.slots]

    @property
    def waiting(self) -> int:
        """Live records that have no vector yet (ranked lexically only)."""
        n = self.slots
        return int(np.count_nonzero(self._alive[:n] & ~self._has_vector[:n]))

    def live_records(self) -> list[Record]:
        return [r for r in self.records if r is not None]

    def subset(self, keep: Sequence[Any]) -> CandidateIndex:
        """A new index of the records with these ids (the benchmark's dev-set pool)."""
        slots = [self.pos[rid] for rid in keep if rid in self.pos]
        return CandidateIndex(
            [self.records[s] for s in slots],  # type: ignore[misc]
            self.matrix[slots] if slots else np.zeros((0, DIM), dtype=np.float32),
        )

    # --- filters ------------------------------------------------------------------------
    def mask(self, q: Query) -> tuple[np.ndarray, np.ndarray]:
        """(allowed, field-compatible) boolean arrays, one per slot."""
        n = self.slots
        allowed = self._alive[:n].copy()
        trl = self._trl[:n]
        if q.min_trl:
            allowed &= (trl < 0) | (trl >= q.min_trl)
        if q.trl is not None:  # offer -> demands: the offer must reach each demand's minimum
            allowed &= trl <= q.trl
        for rid in q.exclude:
            i = self.pos.get(rid)
            if i is not None:
                allowed[i] = False
        qbits = sum(1 << int(c) for c in top_level(q.fields) if c.isdigit())
        bits = self._top_bits[:n]
        compatible = (bits == 0) | ((bits & qbits) != 0) if qbits else np.ones(n, dtype=bool)
        if q.field_mode == "strict":
            allowed &= compatible
        return allowed, compatible

    @property
    def region(self) -> np.ndarray:
        if self._region_arr is None or len(self._region_arr) != self.slots:
            self._region_arr = np.asarray(self._region, dtype=object)
        return self._region_arr

    # --- rankers ------------------------------------------------------------------------
    def refresh_density(self) -> int:
        """Measure the density of every vector not measured yet; returns how many.

        A new or changed candidate is measured against the index as it is; the others keep
        the value measured when they came in (one neighbour more or less barely moves a mean
        of ten) until the index is built again (``candidates.FULL_REBUILD_SECONDS``)."""
        with self.lock:
            if not self._density_todo:
                return 0
            n = self.slots
            live = self._alive[:n] & self._has_vector[:n]
            todo = np.flatnonzero(live & ~self._density_ok[:n])
            ref = np.flatnonzero(live)
            k = DENSITY_K
            if len(ref) > DENSITY_REFERENCE_MAX:
                step = len(ref) / DENSITY_REFERENCE_MAX
                k = max(1, round(DENSITY_K / step))
                ref = ref[(np.arange(DENSITY_REFERENCE_MAX) * step).astype(np.int64)]
            k = min(k, len(ref) - 1)
            if k >= 1:
                refs = self.matrix[ref]
                for start in range(0, len(todo), 512):
                    part = todo[start : start + 512]
                    sims = self.matrix[part] @ refs.T
                    # a candidate is not its own neighbour
                    at = np.searchsorted(ref, part)
                    at_ok = at < len(ref)
                    mine = np.flatnonzero(at_ok)[ref[at[at_ok]] == part[at_ok]]
                    sims[mine, at[mine]] = -1.0
                    self._density[part] = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
            else:
                self._density[todo] = 0
            self._density_ok[todo] = True
            self._density_todo = 0
            return len(todo)

    @property
    def density(self) -> np.ndarray:
        """Per slot: mean cosine to the ``DENSITY_K`` nearest candidates (0 without a vector)."""
        self.refresh_density()
        return self._density[: self.slots]

    def semantic_scores(self, q: Query) -> np.ndarray:
        n = self.slots
        if q.vector is None or not n:
            return np.zeros(n, dtype=np.float32)
        return self.matrix[:n] @ np.asarray(q.vector, dtype=np.float32)

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
        density: float | None = None,
    ) -> list[Match]:
        """The best ``limit`` candidates for ``q``. ``method``: "hybrid" (the product),
        "semantic" or "lexical" (one ranker alone, for the benchmark); ``density`` overrides
        ``DENSITY_WEIGHT`` (0 = plain e5 cosine)."""
        with self.lock:
            return self._search(
                q,
                limit,
                method,
                fusion,
                weight,
                reasons,
                DENSITY_WEIGHT if density is None else density,
            )

    def _search(
        self,
        q: Query,
        limit: int,
        method: str,
        fusion: str | None,
        weight: float | None,
        reasons: bool,
        density: float,
    ) -> list[Match]:
        if not self.pos:
            return []
        allowed, compatible = self.mask(q)
        idx = np.flatnonzero(allowed)
        if not len(idx):
            return []
        sem_all = self.semantic_scores(q) if method != "lexical" else None
        # ranked by the cosine less the candidate's density; filtered and shown by the cosine
        sem_rank = sem_all
        if sem_all is not None and q.vector is not None and density:
            sem_rank = sem_all - density * self.density
        cover_all = None
        if method != "semantic":
            lex_all, cover_all = self.lex.score(q.text, coverage=True)
        else:
            lex_all = None
        has_vec = self._has_vector[: self.slots][idx]
        fused = fuse(
            idx,
            sem_rank,
            lex_all,
            fusion or FUSION,
            SEMANTIC_WEIGHT if weight is None else weight,
            q.vector is not None,
            cover=cover_all[idx] if cover_all is not None else None,
            has_vec=has_vec,
        )
        # boosts and soft field penalty
        if q.region:
            fused[self.region[idx] == q.region] *= 1 + REGION_BOOST
        if q.fields:
            qs = {c[:3] for c in q.fields if len(c) >= 3}
            if qs:
                same = np.zeros(self.slots, dtype=bool)
                for sector in qs:
                    same[self._sectors.get(sector, [])] = True
                fused[same[idx]] *= 1 + SECTOR_BOOST
        if q.field_mode != "strict":
            fused[~compatible[idx]] *= 0.8
        weak = np.ones(len(idx), dtype=bool)
        if sem_all is not None and q.vector is not None:
            # a candidate without a vector yet is judged by its words alone
            weak &= (sem_all[idx] < MIN_COSINE) | ~has_vec
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
            assert rec is not None
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
    cover: np.ndarray | None = None,
    has_vec: np.ndarray | None = None,
) -> np.ndarray:
    """One score per allowed candidate (``idx``).

    - ``weighted``: ``weight`` × min-max semantic + (1 − ``weight``) × lexical / best lexical;
    - ``rrf``: reciprocal-rank fusion (k = ``RRF_K``) of both rankings' top ``DEPTH``;
    - ``adaptive``: the weighted sum, but each candidate's lexical part is scaled by how much
      of the demand it covers (IDF-weighted share of the demand's content syllables, synonyms
      included), relative to ``COVER_FULL``: words shared by chance (one syllable of a long
      demand) no longer push a close-in-meaning answer out of the top 10, while a candidate
      that repeats most of the demand keeps its full lexical weight.

    Candidates without a vector yet (``has_vec`` False) get their semantic part from their
    lexical rank instead, so they are neither dropped nor favoured.
    """
    n = len(idx)
    sem = sem_all[idx] if sem_all is not None and has_vector else None
    lex = lex_all[idx] if lex_all is not None else None
    if sem is None and lex is None:
        return np.zeros(n, dtype=np.float32)
    if sem is None:
        assert lex is not None  # both None returned above
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
    sem_part = _minmax(sem, DEPTH)
    lex_part = _minmax_pos(lex, DEPTH)
    if has_vec is not None and not has_vec.all():
        sem_part = np.where(has_vec, sem_part, lex_part)
    if fusion == "adaptive" and cover is not None:
        lex_part = lex_part * np.clip(cover / COVER_FULL, 0, 1) ** COVER_POWER
    # weighted sum of min-max normalised scores, each over its own top DEPTH
    return weight * sem_part + (1 - weight) * lex_part


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

    from openstx.matching.reasons import field_name, shared_concepts

    rec = m.record
    # whole phrases of both texts, never across punctuation, no stop-word or generic-only
    # phrase (matching/reasons.py; ``prep`` is the ranker's and is not needed here)
    m.concepts = shared_concepts(q.text, rec.text, rec.keywords)
    if m.concepts:
        m.reasons.append(_("Shared concepts: %(terms)s") % {"terms": ", ".join(m.concepts)})
    elif m.semantic >= CLOSE_MEANING:
        topics = ", ".join(rec.keywords[:3]) if rec.keywords else rec.title
        m.reasons.append(
            _("Close in meaning to the need, in other words: %(topics)s") % {"topics": topics}
        )
    code = closest_field(q.fields, rec.fields)
    if code:
        # by name in the viewer's language (the record's names were read when it was indexed)
        name = field_name(code) or rec.field_names.get(code, "")
        if name:
            m.reasons.append(_("Same field: %(field)s") % {"field": name})
        else:  # never a bare code
            m.reasons.append(_("Same field of science"))
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
