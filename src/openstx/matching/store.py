"""The vectors store: what is encoded, when, and where it is kept (``matching.Embedding``).

- :func:`embed` encodes the records whose text changed since their vector was stored and saves
  the vectors **batch by batch** as they are computed (one transaction per batch): a run that is
  killed keeps what it computed, and the next run encodes only the rest.
- :func:`embed_pending` brings every candidate up to date (``openstx match-embed``, jobs).
- :func:`after_write` is what bulk writers call when they return (``openstx import``, ``openstx
  demo``): the vectors of what they wrote are computed now, on every core with a progress bar, or
  queued for the job worker when one is running; it says which.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from openstx.matching import embeddings
from openstx.matching.models import Embedding
from openstx.matching.texts import models_by_kind, text_of

log = logging.getLogger(__name__)

PUBLISHED = "published"


def _ct(model: Any) -> ContentType:
    return ContentType.objects.get_for_model(model)


def stored_vectors(
    model: Any, role: str, ids: Iterable[int] | None = None
) -> dict[int, tuple[str, np.ndarray]]:
    qs = Embedding.objects.filter(
        content_type=_ct(model), role=role, model_name=embeddings.MODEL_NAME
    )
    if ids is not None:
        qs = qs.filter(object_id__in=list(ids))
    return {
        oid: (h, embeddings.from_bytes(v))
        for oid, h, v in qs.values_list("object_id", "text_hash", "vector").iterator(
            chunk_size=2000
        )
    }


def embed(
    objs: Sequence[Any],
    role: str,
    processes: int = 1,
    progress: Any = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Encode the records whose text changed since their vector was stored; returns how many.

    Vectors are stored as each chunk of ``embeddings.CHUNK`` texts is computed (``on_batch(n)``
    is called after each stored chunk with the number stored so far)."""
    if not objs:
        return 0
    model = type(objs[0])
    ct = _ct(model)
    texts = {o.pk: text_of(o) for o in objs}
    hashes = {pk: embeddings.text_hash(t, role) for pk, t in texts.items()}
    have: dict[int, str] = {}
    pks = list(texts)
    for i in range(0, len(pks), 5000):
        have.update(
            Embedding.objects.filter(
                content_type=ct, role=role, object_id__in=pks[i : i + 5000]
            ).values_list("object_id", "text_hash")
        )
    todo = [pk for pk in pks if have.get(pk) != hashes[pk]]
    if progress is not None and len(todo) < len(pks):
        progress.advance(len(pks) - len(todo))
    if not todo:
        return 0
    by_pk = {o.pk: o for o in objs}
    batch = [texts[pk] for pk in todo]
    done = 0
    for start, vecs in embeddings.iter_encode(batch, role, processes=max(1, processes)):
        part = todo[start : start + len(vecs)]
        store_vectors([by_pk[pk] for pk in part], role, vecs, texts=[texts[pk] for pk in part])
        done += len(part)
        if progress is not None:
            progress.advance(len(part))
        if on_batch is not None:
            on_batch(done)
    return done


def store_vectors(
    objs: Sequence[Any], role: str, vecs: np.ndarray, texts: Sequence[str] | None = None
) -> int:
    """Save vectors computed elsewhere (a job, worker processes, a cache on disk)."""
    from openstx.matching import candidates

    if not objs:
        return 0
    ct = _ct(type(objs[0]))
    texts = list(texts) if texts is not None else [text_of(o) for o in objs]
    rows = [
        Embedding(
            content_type=ct,
            object_id=o.pk,
            role=role,
            text_hash=embeddings.text_hash(texts[i], role),
            model_name=embeddings.MODEL_NAME,
            vector=embeddings.to_bytes(vecs[i]),
        )
        for i, o in enumerate(objs)
    ]
    with transaction.atomic():
        Embedding.objects.filter(
            content_type=ct, role=role, object_id__in=[o.pk for o in objs]
        ).delete()
        Embedding.objects.bulk_create(rows, batch_size=500)
    candidates.bump()
    return len(rows)


def roles_for(kind: str) -> tuple[str, ...]:
    # offers and demands are found (passage) and also ask (query: offer -> demands and back)
    return (embeddings.PASSAGE,) if kind == "expert" else (embeddings.PASSAGE, embeddings.QUERY)


def candidates_qs(kind: str) -> Any:
    model = models_by_kind()[kind]
    if kind == "expert":
        return model.objects.select_related("organization").prefetch_related(
            "fields", "publications"
        )
    qs = model.objects.filter(status=PUBLISHED).prefetch_related("fields")
    return qs.select_related("region__parent__parent", "region__successor")


def embed_pending(
    processes: int = 0,
    kinds: Sequence[str] = ("offer", "demand", "expert"),
    job: Any = None,
    roles: Sequence[str] | None = None,
    bar: bool | None = False,
    ids: dict[str, Sequence[int]] | None = None,
) -> dict[str, int]:
    """Bring candidates' vectors up to date (CLI, jobs, import, the benchmark).

    ``roles``: only these roles (``("passage",)`` is what makes records findable; a listing's
    query vector is computed when it is first matched). ``ids``: only these records per kind.
    ``processes``: 0 = one per core."""
    import os

    from openstx.core.progress import Progress

    processes = processes or (os.cpu_count() or 1)
    counts = {}
    with embeddings.worker_pool():
        for kind in kinds:
            qs = candidates_qs(kind)
            if ids is not None:
                if not ids.get(kind):
                    continue
                qs = qs.filter(pk__in=list(ids[kind]))
            objs = list(qs)
            for role in roles_for(kind):
                if roles is not None and role not in roles:
                    continue
                with Progress(
                    total=len(objs), desc=f"vectors {kind} {role}", job=job, unit="rec", bar=bar
                ) as progress:
                    counts[f"{kind}:{role}"] = embed(
                        objs, role, processes=processes, progress=progress
                    )
    return counts


# --- after a bulk write ----------------------------------------------------------------------

KIND_OF_IMPORT = {"offers": "offer", "demands": "demand", "experts": "expert"}


def worker_running() -> bool:
    """Is a job worker alive to take the vectors job?"""
    try:
        from openstx.core.jobs import live_workers

        return bool(live_workers())
    except Exception:  # noqa: BLE001 - no heartbeat support / no broker: compute here
        return False


def after_write(
    kinds: Iterable[str],
    *,
    processes: int = 0,
    bar: bool | None = None,
    mode: str | None = None,
) -> dict[str, Any]:
    """Make what a bulk writer just wrote matchable: compute the missing passage vectors of
    ``kinds`` now (``processes`` 0 = every core, progress bar through core.progress), or queue
    one job for the worker when one is running. ``mode``: ``"now"``, ``"queue"``, ``"off"`` or
    None (setting ``OPENSTX_MATCH_EMBED_AFTER_IMPORT``, default ``auto``: queue if a worker is
    alive, else now; off when ``OPENSTX_MATCHING_AUTO`` is off).

    Returns ``{"mode": "computed"|"queued", "count": …, "message": …}``."""
    from django.conf import settings

    kinds = [KIND_OF_IMPORT.get(k, k) for k in kinds]
    kinds = [k for k in kinds if k in models_by_kind()]
    if not kinds:
        return {"mode": "none", "count": 0, "message": ""}
    mode = mode or getattr(settings, "OPENSTX_MATCH_EMBED_AFTER_IMPORT", None) or "auto"
    if mode == "auto":
        from openstx.matching.signals import enabled

        if not enabled():  # OPENSTX_MATCHING_AUTO=0: automatic vectors are off
            mode = "off"
    if mode == "off":
        return {
            "mode": "off",
            "count": 0,
            "message": "matching vectors: not computed (run `openstx match-embed`)",
        }
    if mode == "auto":
        mode = "queue" if worker_running() else "now"
    if mode == "queue":
        from openstx.core.jobs import enqueue
        from openstx.matching import tasks

        waiting = sum(pending_count(k) for k in kinds)
        enqueue(tasks.embed_all, kind="matching.embed", title="vectors", processes=0)
        return {
            "mode": "queued",
            "count": waiting,
            "message": f"matching vectors: {waiting} queued for the job worker",
        }
    counts = embed_pending(processes=processes, kinds=kinds, roles=(embeddings.PASSAGE,), bar=bar)
    n = sum(counts.values())
    return {"mode": "computed", "count": n, "message": f"matching vectors: {n} computed"}


def pending_count(kind: str) -> int:
    """Candidates of ``kind`` with no passage vector stored (ranked by words only for now)."""
    model = models_by_kind()[kind]
    qs = model.objects.all() if kind == "expert" else model.objects.filter(status=PUBLISHED)
    have = Embedding.objects.filter(
        content_type=_ct(model), role=embeddings.PASSAGE, model_name=embeddings.MODEL_NAME
    ).values("object_id")
    return qs.exclude(pk__in=have).count()
