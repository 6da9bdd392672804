"""Alerts (never twice per pair), saved searches and the digest, CLI/API shapes, permissions."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from openstx.exchange.models import Notification
from openstx.matching import services
from openstx.matching.models import MatchAlert, Subscription

from .conftest import offer

pytestmark = pytest.mark.django_db


def test_alert_once_per_pair(world):
    sub = services.subscribe(world.owner, world.need)
    new = offer(
        "Gói hấp thụ ethylene giữ xoài chậm chín khi chở đi xa",
        world.institute,
        [world.f40107],
        8,
        keywords="chậm chín; xoài",
    )
    assert services.check_alerts(new) == 1
    assert services.check_alerts(new) == 0  # re-run (job redelivered): nothing twice
    alert = MatchAlert.objects.get(subscription=sub)
    assert alert.notified_at is not None and alert.listing_id == new.pk
    assert Notification.objects.filter(user=world.owner, verb="match_alert").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchAlert.objects.create(
            subscription=sub, listing_type="offer", listing_id=new.pk, title="x"
        )


def test_unrelated_listing_does_not_alert(world):
    services.subscribe(world.owner, world.need)
    other = offer("Máy đánh vảy cá cho cơ sở chế biến khô", world.institute, [world.f203], 8)
    assert services.check_alerts(other) == 0


def test_saved_search_daily_digest(world, django_capture_on_commit_callbacks):
    services.save_search(world.outsider, "bảo quan xoai", target="offer", frequency="daily")
    new = offer("Quy trình bảo quản xoài bằng kho lạnh", world.institute, [world.f40107], 7)
    assert services.check_alerts(new) == 1
    assert MatchAlert.objects.get().notified_at is None  # daily: wait for the digest
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.send_digest()
    assert result == {"users": 1, "alerts": 1}
    assert len(mail.outbox) == 1 and world.outsider.email in mail.outbox[0].to
    assert services.send_digest() == {"users": 0, "alerts": 0}
    out = StringIO()
    call_command("match-digest", stdout=out)
    assert "0 alerts" in out.getvalue()


def test_only_own_listings_can_be_followed(world):
    with pytest.raises(Exception):
        services.subscribe(world.outsider, world.need)
    assert not Subscription.objects.exists()


def test_cli_json_shape(world):
    out = StringIO()
    world.need.external_id = "NC-001"
    world.need.save()
    call_command("match", "NC-001", "--json", "--limit", "3", stdout=out)
    data = json.loads(out.getvalue())
    assert data["demand"] == world.need.pk and data["waiting_for_vectors"] == 0
    rows = data["matches"]
    assert rows and set(rows[0]) == {"id", "external_id", "title", "score", "reasons"}
    assert rows[0]["id"] == world.mango.pk
    out = StringIO()
    call_command("match", str(world.need.pk), "--experts", "--json", stdout=out)
    assert json.loads(out.getvalue())["matches"][0]["id"] == world.expert.pk


def test_api_shapes_and_ids(world):
    c = Client()
    world.mango.external_id = "CB-XOAI"
    world.mango.save()
    r = c.get(f"/api/v1/demands/{world.need.pk}/matches?limit=5")
    assert r.status_code == 200
    rows = r.json()
    assert {"id", "external_id", "title", "score", "reasons"} <= set(rows[0])
    assert rows[0]["external_id"] == "CB-XOAI" and rows[0]["reasons"]
    r = c.get("/api/v1/offers/CB-XOAI/matches")
    assert r.status_code == 200 and r.json()[0]["id"] == world.need.pk


def test_anonymous_requester_never_revealed(world):
    c = Client()
    rows = c.get(f"/api/v1/offers/{world.mango.pk}/matches").json()
    assert rows[0]["title"] == world.need.title
    assert world.business.name not in json.dumps(rows, ensure_ascii=False)
    c.force_login(world.researcher)  # the offer's owner sees candidate demands, not who asked
    page = c.get(f"/matching/offers/{world.mango.pk}/").content.decode()
    assert world.need.title in page and world.business.name not in page
    c.force_login(world.owner)
    page = c.get(f"/matching/offers/{world.mango.pk}/").content.decode()
    assert world.business.name in page  # the requester's own members


def test_unpublished_listings_stay_hidden(world):
    c = Client()
    assert c.get(f"/api/v1/demands/{world.draft_need.pk}/matches").status_code == 404
    assert c.get(f"/api/v1/offers/{world.draft.pk}/matches").status_code == 404
    c.force_login(world.owner)
    assert c.get(f"/api/v1/demands/{world.draft_need.pk}/matches").status_code == 200
    rows = c.get(f"/api/v1/demands/{world.need.pk}/matches").json()
    assert world.draft.pk not in [r["id"] for r in rows]


def test_pages_connect_and_pairs(world):
    c = Client()
    c.force_login(world.owner)
    page = c.get(f"/matching/demands/{world.need.pk}/")
    assert page.status_code == 200 and world.mango.title in page.content.decode()
    r = c.post("/matching/connect/", {"demand": world.need.pk, "offer": world.mango.pk})
    assert r.status_code == 302
    assert world.need.connections.filter(offer=world.mango).exists()
    assert c.get("/matching/pairs/").status_code == 403
    c.force_login(world.broker)
    assert c.get("/matching/pairs/").status_code == 200
    c.force_login(world.owner)
    r = c.post(f"/matching/follow/demand/{world.need.pk}/", {"frequency": "daily"})
    assert Subscription.objects.get(user=world.owner).frequency == "daily"
    assert c.get("/matching/alerts/").status_code == 200
