"""The judged query sets of ``openstx bench search --relevance``: both sets load, each row is
well formed, and every record the demo set judges exists in the demo data, visible to anyone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from openstx.core.text import fold

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import search as bench_search  # noqa: E402


def _rows(name: str) -> list[dict]:
    return [r for r in bench_search.load_judged() if r["set"] == name]


def test_both_judged_sets_load_with_their_set_name():
    rows = bench_search.load_judged()
    sets = {r["set"] for r in rows}
    assert sets == set(bench_search.JUDGED_SETS)
    assert len(_rows("listings")) >= 100
    demo = _rows("demo")
    assert len(demo) >= 60
    for row in rows:
        assert row["query"].strip() and row["types"]
        assert row["relevant"] and set(row["relevant"].values()) <= {1, 2}
        assert 2 in row["relevant"].values()  # every query has an answer
    # a third of the demo queries are typed without diacritics, and really are
    nodiac = [r for r in demo if r["kind"] == "nodiac"]
    assert len(nodiac) * 3 >= len(demo)
    assert all(fold(r["query"]) == r["query"].lower() for r in nodiac)


def test_metrics_split_by_set_add_up():
    rows = [
        {"set": "a", "relevant": {"x": 2}},
        {"set": "b", "relevant": {"y": 2, "z": 1}},
    ]
    ranked = [["x"], ["q", "z"]]
    both = bench_search.relevance_metrics(ranked, [1, 2], rows)
    a = bench_search.relevance_metrics(ranked[:1], [1], rows[:1])
    b = bench_search.relevance_metrics(ranked[1:], [2], rows[1:])
    assert a["recall10"] == 1.0 and a["mrr"] == 1.0
    assert b["recall10"] == 0.5 and b["mrr"] == 0.5
    assert both["recall10"] == pytest.approx((a["recall10"] + b["recall10"]) / 2)
    assert both["mrr"] == pytest.approx((a["mrr"] + b["mrr"]) / 2)


@pytest.mark.django_db(transaction=True)
def test_demo_judgements_name_public_demo_records(apply):
    from openstx.search import registry
    from openstx.search.documents import extract, index_language
    from openstx.web import demo

    demo.generate(scale=bench_search.DEMO_SCALE, seed=bench_search.DEMO_SEED, log=lambda _msg: None)
    apply()
    missing = []
    with index_language():
        for row in _rows("demo"):
            (type_name,) = row["types"]
            spec = registry.get(type_name)
            assert spec is not None, type_name
            for ext in row["relevant"]:
                obj = spec.queryset().filter(external_id=ext).first()
                if obj is None or not spec.should_index(obj):
                    missing.append((row["query"], ext, "absent"))
                elif "public" not in extract(spec, obj)["scope"]:
                    missing.append((row["query"], ext, "not public"))
    assert missing == []
