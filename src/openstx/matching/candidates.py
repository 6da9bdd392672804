"""Candidate indexes kept per process and updated incrementally.

One :class:`~openstx.matching.engine.CandidateIndex` per kind (published offers, published
demands, experts). It is built once; afterwards a request checks (at most once a second, or at
once after a change made in this process) a cheap *stamp* — row count and last change of the
candidates and of their passage vectors — and, when it moved, applies only the difference:

- rows changed since the last look (``updated_at`` ≥ last seen − ``OVERLAP``) are re-read and
  replaced in the index (or removed, when no longer published);
- vectors stored since the last look are set on their records;
- when the live count still disagrees with the database (rows deleted, or written without
  ``updated_at``), the ids are compared and the difference applied.

A record without a vector stays in the index and is ranked by its words
(:attr:`CandidateIndex.waiting` counts them); nothing is encoded while a user waits, except a
handful (``INLINE_ENCODE_MAX``) of new records, so a listing saved a moment ago is found by
meaning too. Every ``FULL_REBUILD_SECONDS`` (and when a third of the slots are free) the index
is rebuilt whole, as a safety net.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Max

from openstx.matching import embeddings
from openstx.matching.engine import CandidateIndex, Record
from openstx.matching.models import Embedding
from openstx.matching.texts import expert_text, models_by_kind, text_of

PUBLISHED = "published"
#: Seconds during which a cached index is trusted without asking the database (changes made in
#: this process are seen at once; other processes' changes show within this delay).
STAMP_SECONDS = 1.0
#: Rows changed this long before the last seen change are re-read (transactions that commit out
#: of order): re-reading a row is harmless.
OVERLAP = dt.timedelta(seconds=5)
#: The index is rebuilt whole at most this often (a safety net for writes that bypass
#: ``updated_at``).
FULL_REBUILD_SECONDS = 900.0
#: New records without a vector encoded inline when an index is updated (beyond that they are
#: ranked by their words until the job or ``match-embed`` stores their vectors).
INLINE_ENCODE_MAX = 4


@dataclass
class _State:
    index: CandidateIndex
    stamp: tuple
    version: int
    checked: float
    built: float
    #: ``updated_at`` of each record and of each vector as last applied: the overlap window
    #: re-reads only what really changed
    rows_seen: dict
    vecs_seen: dict


_states: dict[str, _State] = {}
_locks = {kind: threading.Lock() for kind in ("offer", "demand", "expert")}
_version = [0]


def bump() -> None:
    """Something changed in this process: the next request checks the stamp."""
    _version[0] += 1


def invalidate() -> None:
    """Forget every cached index (tests, bulk loads)."""
    for kind in list(_states):
        _states.pop(kind, None)
    bump()


def _model(kind: str) -> Any:
    return models_by_kind()[kind]


def _ct(model: Any) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


def _candidates(kind: str) -> Any:
    from openstx.matching.store import candidates_qs

    return candidates_qs(kind)


def _live_qs(kind: str) -> Any:
    model = _model(kind)
    return model.objects.all() if kind == "expert" else model.objects.filter(status=PUBLISHED)


def stamp(kind: str) -> tuple:
    model = _model(kind)
    rows = _live_qs(kind).aggregate(n=Count("pk"), m=Max("updated_at"))
    emb = Embedding.objects.filter(content_type=_ct(model), role=embeddings.PASSAGE).aggregate(
        n=Count("pk"), m=Max("updated_at")
    )
    return (rows["n"], rows["m"], emb["n"], emb["m"])


def province_of(unit: Any) -> Any:
    """The province of an administrative unit (after the 2025 merges: its successor)."""
    while unit is not None and getattr(unit, "level", 1) > 1 and unit.parent_id:
        unit = unit.parent
    if unit is not None and not getattr(unit, "is_current", True) and unit.successor_id:
        unit = unit.successor
    return unit


def field_info(obj: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    fields = list(obj.fields.all())
    return tuple(f.code for f in fields), {f.code: f.name for f in fields}


def record_of(obj: Any, kind: str) -> Record:
    codes, names = field_info(obj)
    if kind == "expert":
        return Record(
            id=obj.pk,
            external_id=obj.external_id or "",
            title=obj.display_name,
            text=expert_text(obj),
            fields=codes,
            field_names=names,
            keywords=tuple(obj.keyword_list),
            extra={"url": obj.get_absolute_url(), "kind": kind},
        )
    unit = province_of(obj.region)
    return Record(
        id=obj.pk,
        external_id=obj.external_id or "",
        title=obj.title,
        text=text_of(obj),
        fields=codes,
        field_names=names,
        trl=obj.trl if kind == "offer" else obj.min_trl,
        region=unit.code if unit else None,
        region_name=unit.name if unit else "",
        keywords=tuple(obj.keyword_list),
        extra={"url": obj.get_absolute_url(), "kind": kind},
    )


def _current_vectors(kind: str, objs: list[Any]) -> dict[int, np.ndarray]:
    """Stored passage vectors of ``objs`` (a stale vector is still better than none)."""
    from openstx.matching.store import stored_vectors

    model = _model(kind)
    ids = [o.pk for o in objs]
    out: dict[int, np.ndarray] = {}
    for i in range(0, len(ids), 5000):
        for oid, (_h, vec) in stored_vectors(model, embeddings.PASSAGE, ids[i : i + 5000]).items():
            out[oid] = vec
    return out


def _encode_few(kind: str, objs: list[Any], vectors: dict[int, np.ndarray]) -> None:
    missing = [o for o in objs if o.pk not in vectors]
    if missing and len(missing) <= INLINE_ENCODE_MAX:
        from openstx.matching.store import embed

        embed(missing, embeddings.PASSAGE)
        vectors.update(_current_vectors(kind, missing))


def _vectors_qs(kind: str) -> Any:
    return Embedding.objects.filter(
        content_type=_ct(_model(kind)),
        role=embeddings.PASSAGE,
        model_name=embeddings.MODEL_NAME,
    )


def build(kind: str) -> tuple[CandidateIndex, dict, dict]:
    """A whole index of ``kind`` from the database (and what it was built from)."""
    objs = list(_candidates(kind))
    vectors, vecs_seen = {}, {}
    rows = _vectors_qs(kind).values_list("object_id", "vector", "updated_at")
    for oid, vec, at in rows.iterator(chunk_size=2000):
        vectors[oid] = embeddings.from_bytes(vec)
        vecs_seen[oid] = at
    _encode_few(kind, objs, vectors)
    index = CandidateIndex()
    for o in objs:
        index.upsert(record_of(o, kind), vectors.get(o.pk))
    index.refresh_density()  # here, with the build, rather than in the first search
    return index, {o.pk: o.updated_at for o in objs}, vecs_seen


def _apply_changes(kind: str, st: _State, new: tuple) -> None:
    """Bring ``st.index`` from the state stamped ``st.stamp`` to the database's (``new``)."""
    model, index, old = _model(kind), st.index, st.stamp
    rows_since, emb_since = old[1], old[3]
    changed: list[Any] = []
    if new[1] != rows_since:
        qs = model.objects.all()
        if rows_since is not None:
            qs = qs.filter(updated_at__gte=rows_since - OVERLAP)
        touched = [
            pk for pk, at in qs.values_list("pk", "updated_at") if st.rows_seen.get(pk) != at
        ]
        live = {o.pk: o for o in _candidates(kind).filter(pk__in=touched)} if touched else {}
        for pk in touched:
            if pk not in live:
                index.remove(pk)
                st.rows_seen.pop(pk, None)
        changed = list(live.values())
    if len(index) + sum(1 for o in changed if o.pk not in index.pos) != new[0]:
        db_ids = set(_live_qs(kind).values_list("pk", flat=True))
        for rid in [rid for rid in index.pos if rid not in db_ids]:
            index.remove(rid)
            st.rows_seen.pop(rid, None)
        known = set(index.pos) | {o.pk for o in changed}
        extra = db_ids - known
        if extra:
            changed += list(_candidates(kind).filter(pk__in=list(extra)))
    vectors = _current_vectors(kind, changed) if changed else {}
    if changed:
        _encode_few(kind, changed, vectors)
    for o in changed:
        index.upsert(record_of(o, kind), vectors.get(o.pk))
        st.rows_seen[o.pk] = o.updated_at
    if new[3] != emb_since:
        qs = _vectors_qs(kind)
        if emb_since is not None:
            qs = qs.filter(updated_at__gte=emb_since - OVERLAP)
        todo = [
            oid
            for oid, at in qs.values_list("object_id", "updated_at")
            if st.vecs_seen.get(oid) != at and oid in index.pos
        ]
        if todo:
            rows = _vectors_qs(kind).filter(object_id__in=todo)
            for oid, vec, at in rows.values_list("object_id", "vector", "updated_at"):
                st.vecs_seen[oid] = at
                if oid not in vectors:
                    index.set_vector(oid, embeddings.from_bytes(vec))


def get_index(kind: str) -> CandidateIndex:
    """The candidate index of ``kind`` (published offers/demands, or experts), kept per process
    and brought up to date incrementally."""
    now = time.monotonic()
    st = _states.get(kind)
    if st is not None and st.version == _version[0] and now - st.checked < STAMP_SECONDS:
        return st.index
    with _locks[kind]:
        st = _states.get(kind)
        version = _version[0]
        new = stamp(kind)
        if st is not None and st.stamp == new:
            st.version, st.checked = version, time.monotonic()
            return st.index
        if st is not None and now - st.built < FULL_REBUILD_SECONDS:
            _apply_changes(kind, st, new)
            if st.index.free_slots > 1000 and st.index.free_slots * 3 > st.index.slots:
                st.index = st.index.compact()
            st.stamp, st.version, st.checked = new, version, time.monotonic()
            return st.index
        index, rows_seen, vecs_seen = build(kind)
        now = time.monotonic()
        _states[kind] = _State(index, new, version, now, now, rows_seen, vecs_seen)
        return index


def waiting(kind: str) -> int:
    """Candidates of ``kind`` that have no vector yet (ranked by their words alone)."""
    return get_index(kind).waiting
