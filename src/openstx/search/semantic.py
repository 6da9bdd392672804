"""Semantic recall for the search service: e5 vectors of the records that have them.

The vectors are the ones the matching app stores (``openstx.matching.services.stored_vectors``,
role ``passage``); this module only reads them. A registered type takes part when vectors are
stored for its model (offers, demands, experts today; library documents as soon as the matching
store holds vectors for them) unless its spec says ``semantic = False``.

The vector side proposes candidates only: which of them a viewer may see, and whether they pass
the facets and exclusions, is decided by the Tantivy index (``service``), so a restricted
record's vector can never rank, count or produce a snippet for somebody who may not see it.

The query is embedded once (e5, one thread: matching.embeddings) and repeated queries come
from a cache.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings

from openstx.search import registry

log = logging.getLogger(__name__)

#: How long loaded vectors are trusted before they are read again (seconds).
VECTOR_TTL = 60.0
#: Query embeddings kept in memory.
QUERY_CACHE_SIZE = 1024
#: Vector candidates proposed per query (before the index checks who may see them).
CANDIDATES = 20
#: A candidate must be at least this similar to the query (cosine; e5 similarities are high).
MIN_SIMILARITY = 0.82
#: … and within this distance of the best candidate.
MAX_GAP = 0.05


def enabled() -> bool:
    """``settings.SEARCH_SEMANTIC`` / ``OPENSTX_SEARCH_SEMANTIC`` (default on)."""
    import os

    value = getattr(settings, "SEARCH_SEMANTIC", None)
    if value is None:
        value = os.environ.get("OPENSTX_SEARCH_SEMANTIC", "1")
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


@dataclass
class _Vectors:
    keys: list[str]
    matrix: np.ndarray  # (n, dim) float32, L2-normalised
    loaded: float


_lock = threading.Lock()
_vectors: dict[str, _Vectors] = {}
_queries: OrderedDict[str, np.ndarray] = OrderedDict()
_query_lock = threading.Lock()
stats = {"embedded": 0, "cached": 0}


def clear_cache() -> None:
    with _lock:
        _vectors.clear()
    with _query_lock:
        _queries.clear()


def _load(spec: Any) -> _Vectors:
    keys: list[str] = []
    rows: list[np.ndarray] = []
    if getattr(spec, "semantic", True):
        try:
            from openstx.matching import embeddings
            from openstx.matching.services import stored_vectors

            found = stored_vectors(spec.model, embeddings.PASSAGE)
        except Exception:  # no matching app, no table, another storage: lexical only
            log.debug("search: no vectors for %s", spec.type, exc_info=True)
            found = {}
        for pk, item in found.items():
            vec = item[1] if isinstance(item, tuple) else item
            vec = np.asarray(vec, dtype=np.float32).reshape(-1)
            if vec.size == 0 or not np.isfinite(vec).all():
                continue
            keys.append(f"{spec.type}:{pk}")
            rows.append(vec)
    if rows and len({r.size for r in rows}) == 1:
        matrix = np.vstack(rows)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms == 0, 1.0, norms)
    else:
        keys, matrix = [], np.empty((0, 0), dtype=np.float32)
    return _Vectors(keys, matrix.astype(np.float32), time.monotonic())


def vectors(type_name: str) -> _Vectors | None:
    """The vectors of one type (None when it has none)."""
    spec = registry.get(type_name)
    if spec is None:
        return None
    now = time.monotonic()
    with _lock:
        cached = _vectors.get(type_name)
        if cached is None or now - cached.loaded > VECTOR_TTL:
            cached = _load(spec)
            _vectors[type_name] = cached
    return cached if cached.keys else None


def semantic_types(types: list[str] | None = None) -> list[str]:
    names = types or registry.types()
    return [t for t in names if vectors(t) is not None]


def embed_query(text: str) -> np.ndarray | None:
    """The e5 query vector of ``text`` (cached); None when no encoder is available."""
    key = " ".join(text.split()).lower()[:500]
    if not key:
        return None
    with _query_lock:
        vec = _queries.get(key)
        if vec is not None:
            _queries.move_to_end(key)
            stats["cached"] += 1
            return vec
    try:
        from openstx.matching import embeddings

        vec = np.asarray(embeddings.encode_one(key, embeddings.QUERY), dtype=np.float32)
    except Exception:
        log.exception("search: query embedding failed")
        return None
    stats["embedded"] += 1
    with _query_lock:
        _queries[key] = vec
        while len(_queries) > QUERY_CACHE_SIZE:
            _queries.popitem(last=False)
    return vec


def candidates(
    text: str,
    types: list[str] | None = None,
    limit: int | None = None,
    min_similarity: float | None = None,
    max_gap: float | None = None,
) -> list[tuple[str, float]]:
    """``[(record key, cosine)]``, most similar first — NOT yet checked for visibility.

    At most ``limit`` per type (so a type filter only narrows, and the type tabs count what
    each tab shows), at least ``min_similarity`` and within ``max_gap`` of the type's best."""
    limit = CANDIDATES if limit is None else limit
    min_similarity = MIN_SIMILARITY if min_similarity is None else min_similarity
    max_gap = MAX_GAP if max_gap is None else max_gap
    names = semantic_types(types)
    if not names or not text.strip():
        return []
    qv = embed_query(text)
    if qv is None:
        return []
    out: list[tuple[str, float]] = []
    for name in names:
        vecs = vectors(name)
        if vecs is None or vecs.matrix.shape[1] != qv.shape[0]:
            continue
        scores = vecs.matrix @ qv
        k = min(limit, scores.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        floor = max(min_similarity, float(scores[top[0]]) - max_gap)
        out += [(vecs.keys[i], float(scores[i])) for i in top if scores[i] >= floor]
    out.sort(key=lambda kv: -kv[1])
    return out
