"""``openstx bench search [--size N] [--listings N] [--queries N] [--mode M] [--relevance]``.

1. Generates ``--size`` deterministic Vietnamese documents of ~3 KB (bench/corpus.py) and
   loads them through the normal write path: bulk insert into the database, bulk outbox rows in
   the same transaction, then the node's writer (``writer.apply_pending``). Records already
   loaded by an earlier run (``external_id`` ``bench-…``) are kept, so a second run only queries.
2. Runs ``--queries`` queries (half without diacritics, 1–4 words), warm, three ways:
   the search service as the API/CLI call it (hits + snippets), the service as the web page
   calls it (plus facet counts and type tabs), and the bare Tantivy query (the same query
   object, top 20 with count, no stored fields) on the same index.
3. Prints build rates, index size, p50/p95/p99 of each, and the ratios to bare Tantivy.

Targets: service p95 ≤ 50 ms and ≤ 2× bare; writer ≥ 1,000 documents/s.

``--mode hybrid`` (default) also loads the bench listings with their e5 vectors so that every
query goes through semantic recall too; ``--mode lexical`` leaves it out.

``--relevance`` instead runs the judged queries of ``bench/data/relevance`` — ``listings.jsonl``
over the bench listings, ``demo.jsonl`` over the demo data (``openstx demo --scale small``,
loaded by the run) — and prints Recall@10, MRR, nDCG@10 and the zero-result rate for
lexical-only, semantic-only and hybrid ranking side by side, for both sets together and for
each alone, and the fusion variants compared.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from typing import Any

TARGET_P95_MS = 50.0
TARGET_RATIO = 2.0
TARGET_WRITE_RATE = 1000.0


def add_arguments(parser: Any) -> None:
    parser.add_argument("--size", type=int, default=20000, help="documents (~3 KB each)")
    parser.add_argument(
        "--listings",
        type=int,
        default=0,
        help="offers/demands (~600 B) when those types are registered",
    )
    parser.add_argument("--queries", type=int, default=200, help="number of queries")
    parser.add_argument(
        "--type",
        dest="bench_type",
        default=None,
        help="registered type to load (default: document, else organization)",
    )
    parser.add_argument("--chunk", type=int, default=5000, help="records per transaction")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--relevance",
        action="store_true",
        help="judged queries (bench/data/relevance): lexical, semantic, hybrid side by side",
    )
    parser.add_argument(
        "--mode",
        choices=("hybrid", "lexical"),
        default="hybrid",
        help="latency run: the service's ranking (hybrid = with semantic recall)",
    )


def _pick_type(wanted: str | None, exclude: tuple[str, ...] = ()) -> Any:
    from openstx.search import registry

    candidates = [wanted] if wanted else ["document", "organization"]
    for name in candidates:
        spec = registry.get(name)
        if spec is not None and name not in exclude and spec.bench_record(0, _probe()) is not None:
            return spec
    return None


def _probe() -> dict:
    from bench import corpus

    return corpus.document(0, target_chars=100)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def _load(spec: Any, total: int, prefix: str, make: Any, chunk: int, out: Any) -> dict:
    """Insert records ``prefix-0 … prefix-(total-1)`` not yet present, with outbox rows."""
    from django.db import transaction

    from openstx.core.progress import Progress
    from openstx.search import outbox

    model = spec.model
    existing = model._default_manager.filter(external_id__startswith=prefix).count()
    if existing >= total:
        out.write(f"  {spec.type}: {existing} bench records already loaded")
        return {"inserted": 0, "seconds": 0.0}
    t0 = time.perf_counter()
    inserted = 0
    generating = 0.0  # building the synthetic records is the benchmark's cost, not the database's
    with Progress(total=total - existing, desc=f"Load {spec.type}", unit="rec") as progress:
        for start in range(existing, total, chunk):
            g0 = time.perf_counter()
            ids = range(start, min(total, start + chunk))
            objs = [spec.bench_record(i, make(i)) for i in ids]
            for i, obj in zip(ids, objs, strict=True):
                obj.external_id = f"{prefix}{i}"
            generating += time.perf_counter() - g0
            with transaction.atomic():  # records and their outbox rows commit together
                with outbox.suppressed():
                    created = model._default_manager.bulk_create(objs, batch_size=1000)
                pks = [o.pk for o in created]
                if any(pk is None for pk in pks):
                    pks = list(
                        model._default_manager.filter(
                            external_id__in=[o.external_id for o in objs]
                        ).values_list("pk", flat=True)
                    )
                outbox.record_changes(model, pks)
            inserted += len(pks)
            progress.advance(len(pks))
    return {
        "inserted": inserted,
        "seconds": time.perf_counter() - t0 - generating,
        "generating": generating,
    }


def run(options: dict, out: Any) -> int:
    if options.get("relevance"):
        return run_relevance(options, out)
    return run_latency(options, out)


def run_latency(options: dict, out: Any) -> int:
    from django.db import connection

    from bench import corpus
    from openstx.search import registry, service, writer
    from openstx.search.index import default_store

    size = options["size"]
    spec = _pick_type(options.get("bench_type"))
    if spec is None:
        out.write("no registered type can hold benchmark documents (bench_record)")
        return 2
    store = default_store()
    out.write(
        f"bench search: {size} × ~3 KB documents as type {spec.type!r} "
        f"({spec.model._meta.label}); database {connection.vendor}; index {store.root}"
    )
    # make sure the node has an index, so that the load goes through the outbox path (only
    # when it has none: rows left pending by an interrupted run are applied below, timed)
    if store.current_path() is None:
        writer.apply_pending()

    loads = [_load(spec, size, "bench-", corpus.document, options["chunk"], out)]
    listings = options.get("listings") or 0
    if listings:
        for name in ("offer", "demand"):
            lspec = registry.get(name)
            if lspec is None or lspec.bench_record(0, _probe()) is None:
                out.write(f"  listings: type {name!r} not registered for benchmarking; skipped")
                continue
            loads.append(
                _load(lspec, listings // 2, f"bench-{name}-", corpus.listing, options["chunk"], out)
            )
    db_seconds = sum(x["seconds"] for x in loads)
    gen_seconds = sum(x.get("generating", 0.0) for x in loads)
    inserted = sum(x["inserted"] for x in loads)

    from openstx.core.progress import Progress
    from openstx.search.models import OutboxEntry

    pending = OutboxEntry.objects.count()
    t0, c0 = time.perf_counter(), time.process_time()
    with Progress(total=pending, desc="Index", unit="doc") as progress:
        result = writer.apply_pending(batch_size=5000, progress=progress, threads=2)
    index_seconds = time.perf_counter() - t0
    index_cpu = time.process_time() - c0
    applied = result.get("applied", 0) or result.get("added", 0)

    writer.compact(store)
    searcher, _path = store.searcher()
    num_docs = searcher.num_docs if searcher else 0
    size_mb = store.size_bytes() / 1e6
    out.write("")
    out.write(f"documents in index        {num_docs:>12,}")
    out.write(f"index size                {size_mb:>12,.0f} MB")
    if inserted:
        out.write(
            f"database insert           {inserted / db_seconds:>12,.0f} rec/s "
            f"({inserted:,} in {db_seconds:.1f} s, with outbox rows; generating the "
            f"synthetic records took another {gen_seconds:.1f} s)"
        )
    if applied:
        out.write(
            f"writer (outbox → index)   {applied / index_seconds:>12,.0f} doc/s "
            f"({applied:,} in {index_seconds:.1f} s)   target ≥ {TARGET_WRITE_RATE:,.0f}"
        )
        out.write(
            f"writer CPU per document   {index_cpu / applied * 1000:>12.2f} ms "
            f"(all threads; ≈ {2 * applied / index_cpu:,.0f} doc/s on 2 idle cores)"
        )
        out.write(
            f"end to end                {inserted / (db_seconds + index_seconds):>12,.0f} doc/s"
        )

    mode = options.get("mode") or "hybrid"
    if mode == "hybrid":
        # records with e5 vectors, so that the semantic side runs for every query
        _load_listings(out)
    queries = corpus.queries(options["queries"])
    bare_q = [service.build_query(q) for q in queries]
    embed_ms: list[float] = []
    if mode == "hybrid":
        from openstx.search import semantic

        types = semantic.semantic_types()
        out.write(f"semantic recall on: types with vectors {types or 'none'}")
        from openstx.matching import embeddings

        for q in queries:  # what a query costs the first time it is embedded (then cached)
            t = time.perf_counter()
            embeddings.encode_one(service.parse(q).plain_text(), embeddings.QUERY)
            embed_ms.append((time.perf_counter() - t) * 1000)

    def bare(i: int) -> None:
        s, _ = store.searcher()
        s.search(bare_q[i], 20, count=True)

    def api(i: int) -> None:
        service.search(queries[i], facets=False, mode=mode)

    def page(i: int) -> None:
        service.search(queries[i], facets=True, mode=mode)

    for fn in (bare, api, page):  # warm-up
        for i in range(len(queries)):
            fn(i)
    timings: dict[str, list[float]] = {"bare": [], "api": [], "page": []}
    cpu: dict[str, list[float]] = {"bare": [], "api": [], "page": []}
    gc.collect()
    for _round in range(2):
        for i in range(len(queries)):
            for name, fn in (("bare", bare), ("api", api), ("page", page)):
                t, c = time.perf_counter(), time.thread_time()
                fn(i)
                cpu[name].append((time.thread_time() - c) * 1000)
                timings[name].append((time.perf_counter() - t) * 1000)
    hits = [service.search(q, facets=False, snippets=False, mode=mode).total for q in queries]
    out.write(
        f"queries                   {len(queries):>12} (half without diacritics, "
        f"median {statistics.median(hits):,.0f} matches; service mode {mode})"
    )
    rows = [
        ("bare Tantivy (same query)", "bare"),
        ("service: hits + snippets (API)", "api"),
        ("service: + facets, tabs (page)", "page"),
    ]
    for title, data in (("wall-clock latency (ms)", timings), ("CPU time per query (ms)", cpu)):
        out.write("")
        out.write(f"{title:<34}{'p50':>8}{'p95':>8}{'p99':>8}{'p95/bare':>10}")
        base = _pct(data["bare"], 95)
        for label, key in rows:
            vals = data[key]
            p95 = _pct(vals, 95)
            ratio = p95 / base if base else 0.0
            out.write(
                f"{label:<34}{_pct(vals, 50):>8.1f}{p95:>8.1f}{_pct(vals, 99):>8.1f}{ratio:>9.2f}×"
            )
    if embed_ms:
        out.write("")
        out.write(
            f"query embedding, first time (then cached): p50 {_pct(embed_ms, 50):.1f} ms, "
            f"p95 {_pct(embed_ms, 95):.1f} ms"
        )
    out.write("")
    out.write(f"load average (1 min)      {os.getloadavg()[0]:>12.1f} on {os.cpu_count()} CPUs")
    bare_p95 = _pct(timings["bare"], 95)
    api_p95 = _pct(timings["api"], 95)
    ok = api_p95 <= TARGET_P95_MS and api_p95 <= TARGET_RATIO * bare_p95
    if applied:
        ok = ok and applied / index_seconds >= TARGET_WRITE_RATE
    out.write("")
    out.write(
        f"target: service p95 ≤ {TARGET_P95_MS:.0f} ms and ≤ {TARGET_RATIO:.0f}× bare "
        f"→ {'PASS' if ok else 'MISS'}"
    )
    return 1 if (options.get("strict") and not ok) else 0


# --- relevance: judged queries ------------------------------------------------------------------

RELEVANCE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "relevance")
MODES = ("lexical", "semantic", "hybrid")
TARGET_RECALL = 0.9
TARGET_MRR = 0.9


#: Judged sets: file name (without .jsonl) -> what its queries are judged over.
JUDGED_SETS = {
    "listings": "bench/data listings",
    "demo": "demo data (openstx demo --scale small, seed 2016)",
}
DEMO_SCALE, DEMO_SEED = "small", 2016


def load_judged() -> list[dict]:
    """Every judged query of ``bench/data/relevance/*.jsonl``; each row's ``set`` is its file's
    name (``listings``: the bench listings; ``demo``: the demo data)."""
    import json

    rows = []
    for name in sorted(os.listdir(RELEVANCE_DIR)):
        if name.endswith(".jsonl"):
            with open(os.path.join(RELEVANCE_DIR, name), encoding="utf-8") as fh:
                rows += [
                    {"set": name[: -len(".jsonl")], **json.loads(line)}
                    for line in fh
                    if line.strip()
                ]
    return rows


def relevance_metrics(ranked: list[list[str]], totals: list[int], rows: list[dict]) -> dict:
    import math

    n = len(rows) or 1
    recall = mrr = ndcg = zero = 0.0
    for ids, total, row in zip(ranked, totals, rows, strict=True):
        rel = {k: int(v) for k, v in row["relevant"].items()}
        top = ids[:10]
        recall += sum(1 for k in rel if k in top) / len(rel)
        mrr += next((1 / (i + 1) for i, k in enumerate(top) if k in rel), 0.0)
        dcg = sum((2 ** rel.get(k, 0) - 1) / math.log2(i + 2) for i, k in enumerate(top))
        ideal = sorted(rel.values(), reverse=True)[:10]
        idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcg += dcg / idcg if idcg else 0.0
        zero += 1 if total == 0 else 0
    return {"recall10": recall / n, "mrr": mrr / n, "ndcg10": ndcg / n, "zero": zero / n}


def _rank(rows: list[dict], mode: str) -> tuple[list[list[str]], list[int]]:
    from openstx.search import service

    ranked, totals = [], []
    for row in rows:
        res = service.search(
            row["query"],
            types=row.get("types") or None,
            per_page=10,
            facets=False,
            snippets=False,
            spelling=False,
            mode=mode,
        )
        ranked.append([h.external_id for h in res.hits])
        totals.append(res.total)
    return ranked, totals


def _load_listings(out: Any) -> None:
    from bench import match
    from openstx.matching import services as matching
    from openstx.search import semantic, writer

    offers, demands = match.load_devset()
    out.write(f"loading {len(offers)} offers and {len(demands)} demands (bench/data)…")
    writer.apply_pending()
    match.load_devset_rows(offers, demands)  # the same loader as the matching benchmark
    t0 = time.perf_counter()
    matching.embed_pending(kinds=("offer", "demand"), roles=("passage",))
    out.write(f"  embeddings up to date in {time.perf_counter() - t0:.1f} s")
    writer.apply_pending()
    semantic.clear_cache()


def _load_demo(out: Any) -> None:
    """The demo data the ``demo`` judged set was written over (deterministic by seed; a second
    run finds it loaded), with the passage vectors of its offers, demands and experts."""
    from openstx.matching import services as matching
    from openstx.search import semantic, writer
    from openstx.web import demo

    out.write(f"loading the demo data (--scale {DEMO_SCALE}, seed {DEMO_SEED})…")
    t0 = time.perf_counter()
    demo.generate(scale=DEMO_SCALE, seed=DEMO_SEED, log=lambda _msg: None)
    matching.embed_pending(kinds=("offer", "demand", "expert"), roles=("passage",))
    writer.apply_pending()
    semantic.clear_cache()
    out.write(f"  demo data and its vectors ready in {time.perf_counter() - t0:.1f} s")


def run_relevance(options: dict, out: Any) -> int:
    from openstx.search import semantic, service

    _load_listings(out)
    _load_demo(out)
    rows = load_judged()
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row.get("kind", "plain")] = kinds.get(row.get("kind", "plain"), 0) + 1
    out.write(
        f"judged queries: {len(rows)} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + ")"
    )
    # the query embeddings are computed once here; the timings below are warm
    t0 = time.perf_counter()
    for row in rows:
        semantic.embed_query(service.parse(row["query"]).plain_text())
    out.write(f"query embeddings: {(time.perf_counter() - t0) / len(rows) * 1000:.1f} ms each")

    def table(title: str, results: dict[str, dict]) -> None:
        out.write("")
        out.write(f"{title:<28}{'R@10':>8}{'MRR':>8}{'nDCG@10':>9}{'zero':>8}")
        for name, m in results.items():
            out.write(
                f"{name:<28}{m['recall10']:>8.3f}{m['mrr']:>8.3f}{m['ndcg10']:>9.3f}"
                f"{m['zero']:>8.3f}"
            )

    results = {}
    sets = sorted({r["set"] for r in rows})
    per_set: dict[str, dict[str, dict]] = {}
    per_kind: dict[str, dict[str, dict]] = {}

    def subset(ranked: list, totals: list, keep: list[int]) -> dict:
        return relevance_metrics(
            [ranked[i] for i in keep], [totals[i] for i in keep], [rows[i] for i in keep]
        )

    for mode in MODES:
        ranked, totals = _rank(rows, mode)
        results[mode] = relevance_metrics(ranked, totals, rows)
        for name in sets:
            keep = [i for i, r in enumerate(rows) if r["set"] == name]
            per_set.setdefault(name, {})[mode] = subset(ranked, totals, keep)
        for kind in sorted(kinds):
            keep = [i for i, r in enumerate(rows) if r.get("kind", "plain") == kind]
            per_kind.setdefault(kind, {})[mode] = subset(ranked, totals, keep)
    table(f"all {len(rows)} queries", results)
    for name, data in per_set.items():
        count = sum(1 for r in rows if r["set"] == name)
        out.write(f"\n{name}: {JUDGED_SETS.get(name, name)}")
        table(f"{name} ({count})", data)
    for kind, data in per_kind.items():
        table(f"{kind} ({kinds[kind]})", data)

    # fusion: reciprocal rank vs weighted sum (the product uses service.FUSION)
    saved = (service.FUSION, service.RRF_K, service.LEXICAL_WEIGHT)
    variants = {}
    try:
        for fusion, k, weight in (
            ("rrf", 60, 0.5),
            ("rrf", 60, 0.6),
            ("rrf", 20, 0.5),
            ("rrf", 10, 0.6),
            ("weighted", 0, 0.3),
            ("weighted", 0, 0.5),
            ("weighted", 0, 0.7),
        ):
            service.FUSION, service.RRF_K, service.LEXICAL_WEIGHT = fusion, k or 60, weight
            ranked, totals = _rank(rows, "hybrid")
            label = f"{fusion} k={k} w={weight}" if fusion == "rrf" else f"{fusion} w={weight}"
            variants[label] = relevance_metrics(ranked, totals, rows)
    finally:
        service.FUSION, service.RRF_K, service.LEXICAL_WEIGHT = saved
    table("fusion (hybrid, all)", variants)

    hybrid = results["hybrid"]
    ok = (
        hybrid["recall10"] >= TARGET_RECALL
        and hybrid["mrr"] >= TARGET_MRR
        and hybrid["recall10"]
        >= max(results["lexical"]["recall10"], results["semantic"]["recall10"])
    )
    out.write("")
    out.write(
        f"target: hybrid Recall@10 ≥ {TARGET_RECALL}, MRR ≥ {TARGET_MRR}, beats lexical and "
        f"semantic → {'PASS' if ok else 'MISS'}"
    )
    return 1 if (options.get("strict") and not ok) else 0
