"""Vectors never block matching; they are stored batch by batch; the candidate index is updated
in place; bulk writers leave what they wrote matchable (#14, #19)."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from openstx.matching import candidates, embeddings, services, store
from openstx.matching.engine import CandidateIndex, Query, Record
from openstx.matching.models import Embedding

from .conftest import offer

pytestmark = pytest.mark.django_db


def _bulk_offers(world, n: int) -> list:
    """``n`` published offers written without vectors (as a bulk import leaves them)."""
    return [
        offer(
            f"Quy trình bảo quản xoài lô {i} bằng màng phủ sinh học",
            world.institute,
            [world.f40107],
            7,
            keywords="bảo quản xoài; màng phủ",
        )
        for i in range(n)
    ]


class Interrupted(Exception):
    pass


def test_embed_stores_each_batch_and_resumes(world, monkeypatch):
    objs = _bulk_offers(world, 7)
    monkeypatch.setattr(embeddings, "CHUNK", 3)

    def stop_after_first(done: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        store.embed(objs, embeddings.PASSAGE, on_batch=stop_after_first)
    ids = [o.pk for o in objs]
    kept = Embedding.objects.filter(object_id__in=ids, role=embeddings.PASSAGE)
    assert kept.count() == 3  # the first batch survived the interruption
    seen = []
    assert store.embed(objs, embeddings.PASSAGE, on_batch=seen.append) == 4  # only the rest
    assert seen == [3, 4]
    assert kept.count() == 7
    assert store.embed(objs, embeddings.PASSAGE) == 0


def test_matching_answers_at_once_and_says_what_waits(world, monkeypatch):
    calls = []
    real = embeddings.get_model

    def counting(*args):
        calls.append(1)
        return real(*args)

    services.match_demand(world.need)  # the world's vectors and the demand's query vector
    fresh = _bulk_offers(world, candidates.INLINE_ENCODE_MAX + 3)
    monkeypatch.setattr(embeddings, "get_model", counting)
    found = services.match_demand(world.need, limit=50)
    assert not calls  # nothing was encoded while the user waited
    assert services.waiting("offer") == len(fresh)
    ids = {m.record.id for m in found}
    assert {o.pk for o in fresh} <= ids  # ranked by their words meanwhile
    assert world.mango.pk in ids

    out = StringIO()
    call_command("match", str(world.need.pk), stdout=out)
    assert f"{len(fresh)} candidate(s) still waiting" in out.getvalue()
    out = StringIO()
    call_command("match", str(world.need.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["waiting_for_vectors"] == len(fresh)
    c = Client()
    r = c.get(f"/api/v1/demands/{world.need.pk}/matches")
    assert r.status_code == 200 and r["X-Matching-Waiting"] == str(len(fresh))
    c.force_login(world.owner)
    page = c.get(f"/matching/demands/{world.need.pk}/").content.decode()
    assert 'data-testid="match-waiting"' in page
    monkeypatch.setattr(embeddings, "get_model", real)

    assert services.after_write(["offers"], mode="now", processes=1)["count"] == len(fresh)
    assert services.waiting("offer") == 0
    out = StringIO()
    call_command("match", str(world.need.pk), stdout=out)
    assert "waiting" not in out.getvalue()


def test_index_is_updated_in_place(world):
    index = services.get_index("offer")
    assert world.mango.pk in index.pos and world.draft.pk not in index.pos
    new = offer("Máy bóc vỏ hạt điều tự động", world.institute, [world.f203], 8)
    same = services.get_index("offer")
    assert same is index and new.pk in same.pos  # not rebuilt: one record added
    assert services.match_demand(world.need, limit=50)
    world.dryer.title = "Máy sấy lúa tầng sôi dùng trấu"
    world.dryer.save()
    rec = services.get_index("offer").records[index.pos[world.dryer.pk]]
    assert rec.title == "Máy sấy lúa tầng sôi dùng trấu"
    assert index.has_vector[index.pos[world.dryer.pk]]  # its vector stayed with it
    world.dryer.status = "archived"
    world.dryer.save()
    assert world.dryer.pk not in services.get_index("offer").pos
    world.draft.status = "published"
    world.draft.save()
    assert world.draft.pk in services.get_index("offer").pos
    world.shrimp.delete()
    assert world.shrimp.pk not in services.get_index("offer").pos
    assert services.get_index("offer") is index


def test_incremental_index_ranks_like_a_fresh_one():
    rng = np.random.default_rng(3)
    words = [
        "xoài",
        "tôm",
        "lúa",
        "màng",
        "phủ",
        "bảo",
        "quản",
        "máy",
        "sấy",
        "chế",
        "phẩm",
        "vi",
        "sinh",
        "nuôi",
        "giống",
        "nước",
        "mặn",
    ]

    def rec(i: int) -> Record:
        text = " ".join(rng.choice(words, size=12))
        return Record(id=i, title=text[:20], text=text, fields=("401",), trl=5)

    recs = [rec(i) for i in range(40)]
    vecs = rng.normal(size=(40, embeddings.DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    live = CandidateIndex(recs[:30], vecs[:30])
    for i in range(30, 40):
        live.upsert(recs[i], vecs[i])
    for i in range(0, 10):
        live.remove(i)
    replaced = Record(id=15, title="x", text="máy sấy xoài màng phủ", fields=("401",), trl=5)
    live.upsert(replaced)  # keeps its vector
    recs[15] = replaced
    fresh = CandidateIndex(recs[10:], vecs[10:])
    q = Query(text="bảo quản xoài bằng màng phủ", vector=vecs[20])
    for method in ("lexical", "semantic", "hybrid"):
        a = [(m.record.id, round(m.score, 5)) for m in live.search(q, 20, method, reasons=False)]
        b = [(m.record.id, round(m.score, 5)) for m in fresh.search(q, 20, method, reasons=False)]
        assert a == b, method
    assert len(live) == 30 and live.free_slots == 11
    assert sorted(r.id for r in live.compact().live_records()) == sorted(r.id for r in recs[10:])


def test_import_leaves_vectors_computed_and_says_so(world, tmp_path, settings):
    settings.OPENSTX_MATCH_EMBED_AFTER_IMPORT = "now"
    services.match_demand(world.need)  # the world's own vectors
    path = tmp_path / "offers.jsonl"
    path.write_text(
        json.dumps(
            {
                "external_id": "IMP-1",
                "title": "Chế phẩm sinh học phân hủy rơm rạ ngay trên ruộng",
                "description": "Giúp rơm rạ phân hủy nhanh, giảm đốt đồng.",
                "kind": "technology",
                "owner": world.institute.name,
                "trl": 6,
                "status": "published",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import", "offers", str(path), "--no-progress", "--no-index", stdout=out)
    assert "matching vectors: 1 computed" in out.getvalue()
    assert services.waiting("offer") == 0


def test_after_write_queues_when_asked(world, django_capture_on_commit_callbacks):
    services.match_demand(world.need)  # the world's own vectors
    _bulk_offers(world, candidates.INLINE_ENCODE_MAX + 1)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.after_write(["offer"], mode="queue")
    assert done["mode"] == "queued" and "queued for the job worker" in done["message"]
    assert done["count"] == candidates.INLINE_ENCODE_MAX + 1


def test_demo_says_what_happened_to_vectors(db, settings, django_capture_on_commit_callbacks):
    settings.OPENSTX_MATCH_EMBED_AFTER_IMPORT = "queue"
    from openstx.core.models import Job

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=False):
        call_command("demo", scale="small", stdout=out)
    assert "matching vectors:" in out.getvalue() and "queued for the job worker" in out.getvalue()
    assert Job.objects.filter(kind="matching.embed").exists()
