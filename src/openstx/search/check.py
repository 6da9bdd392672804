"""Compare the index with the database: missing, extra, stale and duplicated documents."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import tantivy

from openstx.search import outbox, registry
from openstx.search.documents import extract, fingerprint, index_language, key_of, read_meta
from openstx.search.index import IndexStore, default_store
from openstx.search.models import OutboxEntry


@dataclass
class Drift:
    documents: int = 0
    records: int = 0
    pending: int = 0  # outbox rows not applied yet (drift that will heal by itself)
    missing: list[str] = field(default_factory=list)  # in the DB, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not (indexable) in the DB
    stale: list[str] = field(default_factory=list)  # content differs
    duplicated: list[str] = field(default_factory=list)
    no_index: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.duplicated or self.no_index)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "documents": self.documents,
            "records": self.records,
            "pending_outbox": self.pending,
            "no_index": self.no_index,
            "missing": self.missing,
            "extra": self.extra,
            "stale": self.stale,
            "duplicated": self.duplicated,
        }


def check(
    store: IndexStore | None = None, types: list[str] | None = None, progress: Any = None
) -> Drift:
    store = store or default_store()
    drift = Drift()
    searcher, path = store.searcher()
    if searcher is None or path is None:
        drift.no_index = True
        return drift
    from openstx.search.index import read_state

    last = int(read_state(path).get("last_applied", 0))
    drift.pending = OutboxEntry.objects.filter(id__gt=last).count()
    specs = [s for s in registry.specs() if not types or s.type in types]
    wanted = {s.type for s in specs}
    indexed: dict[str, str] = {}
    counts: Counter[str] = Counter()
    total = searcher.num_docs
    if total:
        found = searcher.search(tantivy.Query.all_query(), total, count=False)
        for _score, address in found.hits:
            stored = searcher.doc(address).to_dict()
            type_name = stored["type"][0]
            if type_name not in wanted:
                continue
            meta = read_meta(stored)
            key = key_of(type_name, meta.get("pk", ""))
            counts[key] += 1
            indexed[key] = meta.get("fp", "")
    drift.documents = sum(counts.values())
    drift.duplicated = sorted(k for k, n in counts.items() if n > 1)
    if progress is not None:
        progress.set_total(sum(s.queryset().count() for s in specs))
    seen: set[str] = set()
    for spec in specs:
        for obj in spec.queryset().order_by("pk").iterator(chunk_size=2000):
            if progress is not None:
                progress.advance()
            if not spec.should_index(obj):
                continue
            drift.records += 1
            key = key_of(spec.type, obj.pk)
            seen.add(key)
            fp = indexed.get(key)
            if fp is None:
                drift.missing.append(key)
            elif fp != _fingerprint(spec, obj):
                drift.stale.append(key)
    drift.extra = sorted(set(indexed) - seen)
    return drift


def fix(drift: Drift) -> int:
    """Queue every drifted record in the outbox (the writer then repairs the index)."""
    n = 0
    for key in [*drift.missing, *drift.stale, *drift.duplicated]:
        type_name, _, pk = key.partition(":")
        spec = registry.get(type_name)
        if spec is not None:
            n += outbox.record_changes(spec.model, [pk])
    for key in drift.extra:
        type_name, _, pk = key.partition(":")
        spec = registry.get(type_name)
        if spec is not None:
            n += outbox.record_deletes(spec.model, [pk])
    return n


def _fingerprint(spec: Any, obj: Any) -> str:
    # the writer extracts labels in the site language; compare in the same language, whatever
    # language the caller (a request, a test after an English page) has active
    with index_language():
        return fingerprint(extract(spec, obj))
