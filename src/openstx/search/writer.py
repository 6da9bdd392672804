"""The one index writer of a node: applies the outbox in order, rebuilds, prunes.

- :func:`apply_pending` — apply outbox rows after this replica's position, in id order, in
  batches; each batch is committed to Tantivy *then* the position is saved (``state.json`` in
  the generation directory and the node's ``SearchNode`` row). A crash between the two re-applies
  the batch, which is harmless: every upsert is delete-by-key then add.
- Outbox ids are allocated before commit, so on PostgreSQL a row with a smaller id can become
  visible after a larger one. The writer remembers such holes ("gaps") and looks for them on
  each run for ``SEARCH_GAP_SECONDS`` (default 600) before giving up on them (rolled back).
- :func:`rebuild` — build a new generation beside the live one from the database (resumable:
  progress is committed every few thousand records), catch up with the outbox, swap it in.
- :func:`prune` — delete outbox rows every live node has passed. A node whose position is
  behind the pruning point rebuilds on its next :func:`apply_pending`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from openstx.search import registry
from openstx.search.documents import build, index_language, key_of
from openstx.search.index import IndexStore, default_store, read_state, write_state
from openstx.search.models import OutboxEntry, SearchNode, SearchState

log = logging.getLogger(__name__)

GAP_WINDOW = 1000  # when taking a snapshot position, ids this far back may still be in flight
NODE_TIMEOUT_S = 7 * 24 * 3600  # a node silent for this long no longer holds back pruning

#: Test hook: called after each Tantivy commit, before the position is saved (crash tests).
after_commit_hook: Callable[[int], None] | None = None


def _gap_seconds() -> float:
    return float(getattr(settings, "SEARCH_GAP_SECONDS", 600))


def _writer(store: IndexStore, path: Path, threads: int = 1, heap: int = 64_000_000) -> Any:
    return store.open(path).index.writer(heap_size=heap, num_threads=threads)


def snapshot_position() -> dict[str, Any]:
    """An outbox position from which applying catches every change not in a DB read made now."""
    floor = pruned_through()
    top = max(OutboxEntry.objects.aggregate(m=Max("id"))["m"] or 0, floor)
    low = max(floor, top - GAP_WINDOW)
    present = set(OutboxEntry.objects.filter(id__gt=low).values_list("id", flat=True))
    now = time.time()
    gaps = {str(i): now for i in range(low + 1, top + 1) if i not in present}
    return {"last_applied": top, "gaps": gaps}


def safe_id(state: dict[str, Any]) -> int:
    gaps = [int(g) for g in state.get("gaps", {})]
    last = int(state.get("last_applied", 0))
    return min([last, *[g - 1 for g in gaps]]) if gaps else last


def pruned_through() -> int:
    row = SearchState.objects.filter(key="pruned_through").first()
    return row.value if row else 0


# --- applying ------------------------------------------------------------------------------


def _collapse(rows: list[OutboxEntry]) -> OrderedDict[tuple[str, str], str]:
    ops: OrderedDict[tuple[str, str], str] = OrderedDict()
    for row in rows:
        key = (row.model, row.pk_value)
        ops.pop(key, None)
        ops[key] = row.op
    return ops


def apply_ops(writer: Any, ops: dict[tuple[str, str], str]) -> int:
    """Apply collapsed (model label, pk) -> op to a Tantivy writer (no commit)."""
    with index_language():
        return _apply_ops(writer, ops)


def _apply_ops(writer: Any, ops: dict[tuple[str, str], str]) -> int:
    by_model: dict[str, list[tuple[str, str]]] = {}
    for (label, pk), op in ops.items():
        by_model.setdefault(label, []).append((pk, op))
    done = 0
    for label, items in by_model.items():
        spec = registry.for_model(label)
        if spec is None:
            continue  # model no longer registered: its documents go with the next rebuild
        upserts = [pk for pk, op in items if op == "u"]
        objs: dict[str, Any] = {}
        if upserts:
            for obj in spec.queryset().filter(pk__in=upserts):
                objs[str(obj.pk)] = obj
        for pk, _op in items:
            writer.delete_documents_by_term("key", key_of(spec.type, pk))
            obj = objs.get(pk)
            if obj is not None and spec.should_index(obj):
                writer.add_document(build(spec, obj))
            done += 1
    return done


def apply_pending(
    store: IndexStore | None = None,
    batch_size: int = 2000,
    stop_after: int | None = None,
    lock_timeout: float | None = 600.0,
    progress: Any = None,
    threads: int = 1,
) -> dict[str, Any]:
    """Apply every outbox row this replica has not applied. Builds the replica first if it
    has none or fell behind the pruning point. Returns ``{"applied", "last_applied", ...}``."""
    store = store or default_store()
    with store.lock("writer", timeout=lock_timeout) as got:
        if not got:
            return {"applied": 0, "busy": True}
        path = store.current_path()
        state = read_state(path) if path else {}
        if path is None or safe_id(state) < pruned_through():
            reason = "no index" if path is None else "behind the pruning point"
            log.info("search: node %s rebuilds (%s)", store.name, reason)
            result = _rebuild_locked(store, progress=progress)
            return {"applied": 0, "rebuilt": True, **result}
        applied = _apply_locked(
            store, path, state, batch_size, stop_after, threads=threads, progress=progress
        )
    if applied.get("applied"):
        prune()
    return applied


def _apply_locked(
    store: IndexStore,
    path: Path,
    state: dict[str, Any],
    batch_size: int,
    stop_after: int | None,
    threads: int = 1,
    suffix: str = "",
    progress: Any = None,
) -> dict[str, Any]:
    last = int(state.get("last_applied", 0))
    gaps: dict[str, float] = dict(state.get("gaps", {}))
    floor = pruned_through()
    total = 0
    writer = None
    try:
        while True:
            rows = list(OutboxEntry.objects.filter(id__gt=last).order_by("id")[:batch_size])
            gap_rows = (
                list(OutboxEntry.objects.filter(id__in=[int(g) for g in gaps]).order_by("id"))
                if gaps
                else []
            )
            now = time.time()
            expected = last + 1
            recent = timezone.now() - timedelta(seconds=_gap_seconds())
            for row in rows:
                # ids skipped below this row may belong to transactions still open — unless
                # they are pruned, far below (GAP_WINDOW), or this row is already old
                if row.created_at is None or row.created_at >= recent:
                    for missing in range(max(expected, floor + 1, row.id - GAP_WINDOW), row.id):
                        gaps[str(missing)] = now
                expected = row.id + 1
            for row in gap_rows:
                gaps.pop(str(row.id), None)
            gaps = {g: t for g, t in gaps.items() if now - t < _gap_seconds()}
            if len(gaps) > 10 * GAP_WINDOW:  # keep the newest; older holes are rollbacks
                gaps = dict(sorted(gaps.items(), key=lambda kv: int(kv[0]))[-10 * GAP_WINDOW :])
            if not rows and not gap_rows:
                if gaps != state.get("gaps", {}):
                    _save(store, path, state, last, gaps, suffix)
                break
            if writer is None:
                writer = _writer(store, path, threads=threads)
            # gap rows are older changes: apply them first, then the new batch in id order
            ops = _collapse(gap_rows + rows)
            total += apply_ops(writer, ops)
            writer.commit()
            if rows:
                last = rows[-1].id
            if after_commit_hook is not None:
                after_commit_hook(total)
            state = _save(store, path, state, last, gaps, suffix)
            store.committed(path)
            if progress is not None:
                progress.advance(len(rows) + len(gap_rows))
            if stop_after is not None and total >= stop_after:
                break
    finally:
        if writer is not None:
            del writer
    return {"applied": total, "last_applied": last, "gaps": len(gaps)}


def _save(
    store: IndexStore,
    path: Path,
    state: dict[str, Any],
    last: int,
    gaps: dict[str, float],
    suffix: str = "",
) -> dict[str, Any]:
    state = {**state, "last_applied": last, "gaps": gaps}
    write_state(path, state)
    _heartbeat(store, path, state, suffix=suffix)
    return state


def _heartbeat(
    store: IndexStore,
    path: Path | None,
    state: dict[str, Any],
    documents: int | None = None,
    suffix: str = "",
) -> None:
    values: dict[str, Any] = {
        "last_applied_id": int(state.get("last_applied", 0)),
        "safe_id": safe_id(state),
        "generation": path.name if path else "",
        "heartbeat": timezone.now(),
    }
    if documents is not None:
        values["documents"] = documents
    SearchNode.objects.update_or_create(name=(store.name[:190] + suffix), defaults=values)


def prune() -> int:
    """Delete outbox rows that every live node has applied. Returns rows deleted."""
    cutoff = timezone.now() - timedelta(seconds=NODE_TIMEOUT_S)
    nodes = SearchNode.objects.filter(heartbeat__gte=cutoff)
    ids = list(nodes.values_list("safe_id", flat=True))
    if not ids:
        return 0
    through = min(ids)
    if through <= pruned_through():
        return 0
    with transaction.atomic():
        deleted, _ = OutboxEntry.objects.filter(id__lte=through).delete()
        SearchState.objects.update_or_create(key="pruned_through", defaults={"value": through})
    return deleted


# --- rebuilding ----------------------------------------------------------------------------


def rebuild(
    store: IndexStore | None = None,
    progress: Any = None,
    commit_every: int = 5000,
    threads: int = 2,
) -> dict[str, Any]:
    """Build a new generation from the database and swap it in (resumes an unfinished one)."""
    store = store or default_store()
    with store.lock("build", timeout=0) as got:
        if not got:
            raise RuntimeError("another rebuild of this node is running")
        return _rebuild(store, progress, commit_every, threads)


def _rebuild_locked(store: IndexStore, progress: Any = None) -> dict[str, Any]:
    """Rebuild while already holding the writer lock (from apply_pending)."""
    with store.lock("build", timeout=None):
        return _rebuild(store, progress, 5000, 2, writer_locked=True)


def _rebuild(
    store: IndexStore, progress: Any, commit_every: int, threads: int, writer_locked: bool = False
) -> dict[str, Any]:
    builds = store.unfinished_builds()
    # generations left by killed runs: only the newest unfinished build is resumed
    store.clean_stale(resume=builds[-1] if builds else None)
    if builds:
        path = builds[-1]
        state = read_state(path)
        resumed = True
    else:
        path = store.new_generation()
        state = {**snapshot_position(), "building": True, "done": {}}
        write_state(path, state)
        resumed = False
    # Register the build at its start position so pruning keeps the rows it will need.
    _heartbeat(store, path, state, suffix="#build")
    done: dict[str, str] = dict(state.get("done", {}))
    complete: list[str] = list(state.get("complete", []))
    specs = registry.specs()
    counts = {spec.type: spec.queryset().count() for spec in specs}
    if progress is not None:
        progress.set_total(sum(counts.values()))
    writer = _writer(store, path, threads=threads, heap=256_000_000)
    added = 0
    language = index_language()
    language.__enter__()
    try:
        for spec in specs:
            if spec.type in complete:
                if progress is not None:
                    progress.advance(counts[spec.type])
                continue
            qs = spec.queryset().order_by("pk")
            after = done.get(spec.type)
            first_batch = after is not None  # resuming: the batch after `after` may be partial
            if after is not None:
                qs = qs.filter(pk__gt=_pk_value(spec, after))
                if progress is not None:
                    progress.advance(spec.queryset().filter(pk__lte=_pk_value(spec, after)).count())
            pending = 0
            last_pk = after
            for obj in qs.iterator(chunk_size=2000):
                if first_batch:
                    writer.delete_documents_by_term("key", key_of(spec.type, obj.pk))
                if spec.should_index(obj):
                    writer.add_document(build(spec, obj))
                    added += 1
                pending += 1
                last_pk = str(obj.pk)
                if progress is not None:
                    progress.advance()
                if pending >= commit_every:
                    writer.commit()
                    done[spec.type] = last_pk
                    state = {**state, "done": done}
                    write_state(path, state)
                    pending = 0
                    first_batch = False
            complete.append(spec.type)
            writer.commit()
            state = {**state, "done": done, "complete": complete}
            write_state(path, state)
    finally:
        language.__exit__(None, None, None)
        del writer
    # Catch up with changes made while building, then swap under the writer lock.
    _apply_locked(store, path, read_state(path), 5000, None, threads=threads, suffix="#build")
    if writer_locked:
        _finish_swap(store, path)
    else:
        with store.lock("writer", timeout=None):
            _apply_locked(store, path, read_state(path), 5000, None)
            _finish_swap(store, path)
    searcher, _ = store.searcher()
    docs = searcher.num_docs if searcher is not None else 0
    _heartbeat(store, path, read_state(path), documents=docs)
    SearchNode.objects.filter(name=store.name[:190] + "#build").delete()
    return {"generation": path.name, "documents": docs, "added": added, "resumed": resumed}


def _finish_swap(store: IndexStore, path: Path) -> None:
    state = read_state(path)
    state.pop("building", None)
    state.pop("done", None)
    state.pop("complete", None)
    write_state(path, state)
    store.swap_to(path)
    store.committed(path)


def _pk_value(spec: Any, raw: str) -> Any:
    field = spec.model._meta.pk
    try:
        return field.to_python(raw)
    except Exception:
        return raw


def compact(store: IndexStore | None = None) -> None:
    """Wait for pending segment merges and delete files no longer used (after bulk loads)."""
    store = store or default_store()
    with store.lock("writer", timeout=None):
        path = store.current_path()
        if path is None:
            return
        w = _writer(store, path, threads=1)
        w.garbage_collect_files()
        w.wait_merging_threads()
        store.committed(path)


def reindex_type(type_name: str, store: IndexStore | None = None, progress: Any = None) -> int:
    """Replace every document of one type in the live generation, in a single commit."""
    store = store or default_store()
    spec = registry.get(type_name)
    if spec is None:
        raise ValueError(f"unknown search type: {type_name}")
    with store.lock("writer", timeout=None):
        path = store.current_path()
        if path is None:
            _rebuild_locked(store, progress=progress)
            return 0
        writer = _writer(store, path, threads=2, heap=256_000_000)
        writer.delete_documents_by_term("type", type_name)
        qs = spec.queryset().order_by("pk")
        if progress is not None:
            progress.set_total(qs.count())
        n = 0
        with index_language():
            for obj in qs.iterator(chunk_size=2000):
                if spec.should_index(obj):
                    writer.add_document(build(spec, obj))
                    n += 1
                if progress is not None:
                    progress.advance()
        writer.commit()
        del writer
        state = read_state(path)
        write_state(path, state)
        store.committed(path)
        return n
