"""The matcher core on plain records (no database, no model): filters, fusion, reasons."""

from __future__ import annotations

import numpy as np
import pytest

from openstx.matching.engine import CandidateIndex, Query, Record, fields_compatible, fuse
from openstx.matching.lexical import BM25Index, shared_phrases


def unit(*xs: float) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[: len(xs)] = xs
    return v / np.linalg.norm(v)


def records():
    return [
        Record(
            1,
            "Quy trình nuôi tôm thẻ chân trắng",
            "Quy trình nuôi tôm thẻ chân trắng trong bể lót bạt",
            fields=("405",),
            trl=7,
            region="92",
        ),
        Record(
            2,
            "Chế phẩm xử lý đáy ao",
            "Chế phẩm vi sinh xử lý đáy ao, giảm khí độc",
            fields=("405",),
            trl=8,
            region="86",
        ),
        Record(3, "Máy sấy lúa", "Máy sấy lúa tháp tuần hoàn", fields=("203",), trl=9),
        Record(4, "Giống lúa chịu mặn", "Giống lúa chịu mặn ngắn ngày", fields=("40103",), trl=3),
    ]


def index():
    vecs = np.stack([unit(1, 0, 0), unit(0.2, 1, 0), unit(0, 0, 1), unit(0.1, 0.1, 0.9)])
    return CandidateIndex(records(), vecs)


def test_fields_compatible_by_top_level():
    assert fields_compatible(("405",), ("40107",))
    assert not fields_compatible(("405",), ("203",))
    assert fields_compatible((), ("203",))


def test_filters_trl_fields_exclusions():
    idx = index()
    q = Query(text="nuôi tôm", vector=unit(1, 0, 0), fields=("4",), min_trl=5)
    ids = [m.record.id for m in idx.search(q, reasons=False)]
    assert 3 not in ids and 4 not in ids  # other field; TRL 3 < 5
    q = Query(text="nuôi tôm", vector=unit(1, 0, 0), exclude=frozenset({1}))
    assert 1 not in [m.record.id for m in idx.search(q, reasons=False)]
    soft = Query(text="máy sấy lúa", vector=unit(0, 0, 1), fields=("4",), field_mode="soft")
    assert 3 in [m.record.id for m in idx.search(soft, reasons=False)]


def test_semantic_finds_what_words_miss_and_hybrid_combines():
    idx = index()
    # no shared word with record 2, but its vector is the closest
    q = Query(text="ao bị đen, hôi", vector=unit(0.2, 1, 0))
    assert idx.search(q, method="semantic", reasons=False)[0].record.id == 2
    assert idx.search(q, method="hybrid", reasons=False)[0].record.id == 2
    # words and meaning agree
    q = Query(text="nuôi tôm thẻ chân trắng", vector=unit(1, 0.1, 0))
    for fusion in ("weighted", "rrf"):
        assert idx.search(q, fusion=fusion, reasons=False)[0].record.id == 1


def test_fuse_rrf_and_weighted_shapes():
    idx = np.arange(3)
    sem = np.array([0.9, 0.8, 0.1], dtype=np.float32)
    lex = np.array([0.0, 5.0, 1.0], dtype=np.float32)
    w = fuse(idx, sem, lex, "weighted", 0.7, True)
    r = fuse(idx, sem, lex, "rrf", 0.7, True)
    assert w.argmax() == 1 and r.argmax() == 1
    assert fuse(idx, sem, None, "weighted", 0.7, True).argmax() == 0


def test_bm25_bigrams_and_folding():
    bm = BM25Index(["nuôi trồng thủy sản ven biển", "trồng cây, nuôi cá, thủy lợi, sản xuất"])
    s = bm.score("nuoi trong thuy san")  # no accents typed
    assert s[0] > s[1] > 0  # adjacent syllables (bigrams) outrank the scattered ones


def test_shared_phrases_are_the_candidates_words():
    found = shared_phrases(
        "Đáy ao bị đen, tôm chết rải rác",
        "Chế phẩm xử lý Đáy Ao nuôi tôm",
        keywords=["đáy ao", "khí độc"],
    )
    assert found[0] == "đáy ao"
    assert "khí độc" not in found


def test_reasons_name_region_trl_and_field():
    idx = index()
    q = Query(
        text="quy trình nuôi tôm thẻ chân trắng",
        vector=unit(1, 0, 0),
        fields=("40501",),
        min_trl=6,
        region="92",
    )
    top = idx.search(q)[0]
    assert top.record.id == 1
    joined = " ".join(top.reasons)
    assert "nuôi tôm thẻ chân trắng" in joined.lower()
    assert "TRL 7" in joined and "92" in joined
    assert "405" not in joined  # never a bare field code (no name known here: no database)


def _hub_index():
    """Five topics far apart, and one broad text close to all of them (a hub)."""
    topics = [np.eye(384, dtype=np.float32)[i] for i in range(5)]
    hub = np.sum(topics, axis=0)
    hub /= np.linalg.norm(hub)
    recs = [Record(i, f"topic {i}", f"chủ đề {i}") for i in range(5)]
    recs.append(Record("hub", "broad", "tổng quát"))
    return CandidateIndex(recs, np.stack([*topics, hub]))


def test_density_demotes_a_candidate_close_to_everything(monkeypatch):
    from openstx.matching import engine

    monkeypatch.setattr(engine, "DENSITY_K", 2)
    idx = _hub_index()
    dens = idx.density
    assert dens[idx.pos["hub"]] > dens[idx.pos[0]] + 0.2
    # a demand about topic 0 said vaguely: the cosine puts the broad text first ...
    q_vec = np.eye(384, dtype=np.float32)[0] * 0.6 + unit(1, 1, 1, 1, 1) * 0.75
    q = Query(text="nhu cầu", vector=q_vec / np.linalg.norm(q_vec))
    plain = idx.search(q, method="semantic", density=0.0, reasons=False)
    assert plain[0].record.id == "hub"
    # ... the density-corrected one puts the topic first, and shows the same cosine
    corrected = idx.search(q, method="semantic", reasons=False)
    assert corrected[0].record.id == 0
    assert {m.record.id: m.semantic for m in corrected} == pytest.approx(
        {m.record.id: m.semantic for m in plain}
    )
    assert idx.search(q, reasons=False)[0].record.id == 0  # hybrid: same side


def test_density_is_measured_for_new_vectors_only_and_never_against_itself(monkeypatch):
    from openstx.matching import engine

    monkeypatch.setattr(engine, "DENSITY_K", 1)
    idx = _hub_index()
    before = idx.density.copy()
    assert np.all(before < 0.99)  # its own cosine (1.0) is never its nearest neighbour
    # a copy of topic 0 arrives: it is measured at once, the others keep their values
    idx.upsert(Record("twin", "topic 0 again", "chủ đề 0"), np.eye(384, dtype=np.float32)[0])
    assert idx.refresh_density() == 1
    assert idx.density[idx.pos["twin"]] == pytest.approx(1.0)
    assert idx.density[idx.pos[1]] == pytest.approx(before[idx.pos[1]])
    assert idx.refresh_density() == 0  # nothing left to measure
    # a record without a vector has no density and is measured when its vector comes
    idx.upsert(Record("late", "late", "muộn"))
    assert idx.density[idx.pos["late"]] == 0
    idx.set_vector("late", unit(1, 1, 1, 1, 1))
    assert idx.density[idx.pos["late"]] > 0.4


def test_density_on_a_large_index_uses_a_sample(monkeypatch):
    from openstx.matching import engine

    monkeypatch.setattr(engine, "DENSITY_REFERENCE_MAX", 8)
    rng = np.random.default_rng(3)
    vecs = rng.normal(size=(40, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    idx = CandidateIndex([Record(i, f"r{i}", f"bản ghi {i}") for i in range(40)], vecs)
    dens = idx.density
    assert dens.shape == (40,) and np.all(np.isfinite(dens)) and np.all(dens < 0.99)
