"""Matching: real e5 vectors, the store, filters, reasons, directions, connections."""

from __future__ import annotations

import numpy as np
import pytest

from openstx.exchange.models import Connection
from openstx.matching import embeddings, services
from openstx.matching.models import Embedding

pytestmark = pytest.mark.django_db


def test_e5_vectors_are_real_and_prefixed(e5):
    q = embeddings.encode_one("xoài chín nhanh, để vài ngày là hỏng", embeddings.QUERY)
    p = embeddings.encode(
        [
            "Chế phẩm bao màng kéo dài thời gian bảo quản xoài sau thu hoạch",
            "Máy sấy lúa tháp tuần hoàn công suất 10 tấn mỗi mẻ",
        ],
        embeddings.PASSAGE,
    )
    assert q.shape == (384,) and p.shape == (2, 384)
    assert abs(float(np.linalg.norm(q)) - 1) < 1e-3
    assert float(p[0] @ q) > float(p[1] @ q)  # meaning, not shared words
    # the role matters: the same text as query and as passage gives different vectors
    as_passage = embeddings.encode_one("xoài chín nhanh, để vài ngày là hỏng", embeddings.PASSAGE)
    assert not np.allclose(q, as_passage)


def test_store_encodes_only_changed_text(world):
    objs = [world.mango, world.shrimp]
    assert services.embed(objs, embeddings.PASSAGE) == 2
    assert services.embed(objs, embeddings.PASSAGE) == 0
    row = Embedding.objects.get(
        object_id=world.mango.pk, role="passage", content_type__model="offer"
    )
    assert len(bytes(row.vector)) == 384 * 4
    world.mango.title += " cát Hòa Lộc"
    world.mango.save()
    assert services.embed([world.mango, world.shrimp], embeddings.PASSAGE) == 1


def test_demand_to_offers_filters(world):
    ids = [m.record.id for m in services.match_demand(world.need, limit=10)]
    assert ids[0] == world.mango.pk
    assert world.draft.pk not in ids  # published only
    assert world.low_trl.pk not in ids  # TRL 3 < minimum 5
    assert world.dryer.pk not in ids  # engineering field, demand in agriculture
    assert world.shrimp.pk in ids  # same top-level field (4), ranked lower


def test_reasons_are_readable(world):
    top = services.match_demand(world.need, limit=1)[0]
    text = " | ".join(top.reasons)
    assert top.concepts and any("xoài" in c for c in top.concepts), top.reasons
    assert "TRL 7" in text and "TRL 5" in text
    assert "Cần Thơ" in text  # same region
    assert "Bảo quản và chế biến nông sản" in text  # the shared field, by name


def test_offer_to_demands_and_trl_reversed(world):
    found = [m.record.id for m in services.match_offer(world.mango)]
    assert found == [world.need.pk]
    # an offer below the demand's minimum TRL is not proposed to it
    assert world.need.pk not in [m.record.id for m in services.match_offer(world.low_trl)]


def test_demand_to_experts_and_council(world):
    experts = services.match_demand(world.need, experts=True, limit=5)
    assert experts[0].record.id == world.expert.pk
    found = services.council_experts(
        "Nghiệm thu đề tài bảo quản trái xoài sau thu hoạch", ["401"], exclude_ids=[world.expert.pk]
    )
    assert world.expert.pk not in [m.record.id for m in found]
    found = services.council_experts("Nghiệm thu đề tài bảo quản trái xoài sau thu hoạch", ["4"])
    assert found[0].record.id == world.expert.pk


def test_connect_from_match_by_demand_owner(world):
    conn = services.connect(world.owner, demand=world.need, offer=world.mango, message="Xin gặp")
    conn.refresh_from_db()
    assert conn.demand_id == world.need.pk and conn.offer_id == world.mango.pk
    assert conn.stage == Connection.Stage.REQUESTED
    with pytest.raises(Exception):
        services.connect(world.outsider, demand=world.need, offer=world.shrimp)


def test_connect_by_broker_and_strongest_pairs(world):
    pairs = services.strongest_pairs()
    assert (world.need.pk, world.mango.pk) in [
        (p["demand"].pk, p["match"].record.id) for p in pairs
    ]
    services.connect(world.broker, demand=world.need, offer=world.mango)
    pairs = services.strongest_pairs()
    assert (world.need.pk, world.mango.pk) not in [
        (p["demand"].pk, p["match"].record.id) for p in pairs
    ]


def test_index_follows_changes(world):
    first = [m.record.id for m in services.match_demand(world.need)]
    assert world.mango.pk in first
    world.mango.status = "paused"
    world.mango.save()
    assert world.mango.pk not in [m.record.id for m in services.match_demand(world.need)]


def test_refresh_job_encodes_and_alerts_once(world):
    from openstx.core.jobs import run_now
    from openstx.matching import tasks

    services.subscribe(world.owner, world.need)
    assert services.needs_refresh(world.mango)
    job = run_now(
        tasks.refresh_record, kind="matching.refresh", model="exchange.offer", pk=world.mango.pk
    )
    assert job.status == "done" and job.result["encoded"] == 2 and job.result["alerts"] == 1
    world.mango.refresh_from_db()
    assert not services.needs_refresh(world.mango)
    again = run_now(
        tasks.refresh_record, kind="matching.refresh", model="exchange.offer", pk=world.mango.pk
    )
    assert again.result == {"encoded": 0, "alerts": 0}
    assert not services.needs_refresh(world.draft)  # drafts are not encoded
