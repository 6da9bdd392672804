"""The JSON API: same permissions as the pages; ids or external ids."""

from __future__ import annotations

import pytest
from django.test import Client

from openstx.exchange import services
from openstx.exchange.models import Connection, Demand, ListingStatus, Offer

from .factories import (
    PASSWORD,
    DemandFactory,
    ExpertFactory,
    FieldFactory,
    OfferFactory,
    UserFactory,
    future,
)

pytestmark = pytest.mark.django_db
S = ListingStatus


def client_for(user=None) -> Client:
    c = Client(enforce_csrf_checks=False)
    if user is not None:
        assert c.login(username=user.username, password=PASSWORD)
    return c


def publish(listing, officer):
    type(listing).objects.filter(pk=listing.pk).update(status=S.SUBMITTED)
    services.approve(listing, officer)
    listing.refresh_from_db()
    return listing


def test_public_reads_and_confidential(research_org, officer, business, researcher):
    offer = publish(OfferFactory(owner=research_org, external_id="OF-9"), officer)
    OfferFactory(owner=research_org, title="Nháp")
    anon = client_for()
    r = anon.get("/api/v1/offers")
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == 1 and data["results"][0]["confidential_detail"] is None
    assert data["results"][0]["contact_email"] is None
    assert anon.get("/api/v1/offers/OF-9").json()["id"] == offer.pk
    assert anon.get(f"/api/v1/offers/{offer.pk}").json()["external_id"] == "OF-9"
    draft = Offer.objects.get(title="Nháp")
    assert anon.get(f"/api/v1/offers/{draft.pk}").status_code == 404
    assert client_for(researcher).get(f"/api/v1/offers/{draft.pk}").status_code == 200
    # confidential detail after the owner accepts
    biz = client_for(business)
    r = biz.post(
        f"/api/v1/offers/{offer.pk}/interest",
        {"message": "Quan tâm"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    conn_id = r.json()["id"]
    assert biz.get("/api/v1/offers/OF-9").json()["confidential_detail"] is None
    r = client_for(researcher).post(
        f"/api/v1/connections/{conn_id}/respond", {"accept": True}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["stage"] == "accepted"
    assert "men vi sinh" in biz.get("/api/v1/offers/OF-9").json()["confidential_detail"]


def test_anonymous_requester_hidden_in_api(business_org, officer, business, outsider):
    demand = publish(DemandFactory(requester=business_org, requester_anonymous=True), officer)
    for c in (client_for(), client_for(outsider)):
        body = c.get(f"/api/v1/demands/{demand.pk}").json()
        assert body["requester"] is None and body["requester_anonymous"] is True
        assert business_org.name not in c.get("/api/v1/demands").content.decode()
        assert (
            business_org.name
            not in c.get("/api/v1/demands", {"org_type": "enterprise"}).content.decode()
        )
    assert (
        client_for(business).get(f"/api/v1/demands/{demand.pk}").json()["requester"]["name"]
        == business_org.name
    )


def test_create_submit_and_moderate_via_api(business, business_org, officer, outsider):
    FieldFactory(code="211", name_vi="Thực phẩm")
    biz = client_for(business)
    r = biz.post(
        "/api/v1/demands",
        {
            "title": "Cần máy bóc vỏ dừa",
            "problem": "Bóc tay chậm",
            "desired_outcome": "200 trái/giờ",
            "fields": ["211"],
            "requester": str(business_org.pk),
            "budget_min_vnd": 5,
            "budget_max_vnd": 1,
            "deadline": future().isoformat(),
        },
        content_type="application/json",
    )
    assert r.status_code == 422 and "budget_max_vnd" in r.json()["detail"]
    r = biz.post(
        "/api/v1/demands",
        {
            "title": "Cần máy bóc vỏ dừa",
            "problem": "Bóc tay chậm",
            "desired_outcome": "200 trái/giờ",
            "fields": ["Thực phẩm"],
            "requester": str(business_org.pk),
            "budget_max_vnd": 900000000,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "draft"
    r = biz.post(
        f"/api/v1/demands/{pk}/transitions", {"action": "submit"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = biz.post(
        f"/api/v1/demands/{pk}/transitions", {"action": "approve"}, content_type="application/json"
    )
    assert r.status_code == 403
    r = client_for(outsider).patch(
        f"/api/v1/demands/{pk}", {"title": "Chiếm"}, content_type="application/json"
    )
    assert r.status_code in (403, 404)
    off = client_for(officer)
    r = off.post(
        f"/api/v1/demands/{pk}/transitions", {"action": "reject"}, content_type="application/json"
    )
    assert r.status_code == 422
    r = off.post(
        f"/api/v1/demands/{pk}/transitions", {"action": "approve"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "published"
    # a substantive edit by the owner re-enters moderation
    r = biz.patch(
        f"/api/v1/demands/{pk}",
        {"problem": "Bóc tay chậm, hao hụt 5%"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert Demand.objects.get(pk=pk).title == "Cần máy bóc vỏ dừa"


def test_writes_need_auth(research_org):
    anon = client_for()
    assert (
        anon.post("/api/v1/offers", {"title": "x"}, content_type="application/json").status_code
        == 401
    )
    assert anon.get("/api/v1/connections").status_code == 401


def test_connection_messages_visibility(
    research_org, business_org, officer, broker, business, researcher, outsider
):
    f = FieldFactory(code="405")
    offer = publish(OfferFactory(owner=research_org, fields=[f]), officer)
    demand = publish(DemandFactory(requester=business_org, fields=[f]), officer)
    r = client_for(outsider).post(
        "/api/v1/connections",
        {"demand": str(demand.pk), "offer": str(offer.pk)},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = client_for(broker).post(
        "/api/v1/connections",
        {"demand": str(demand.pk), "offer": str(offer.pk)},
        content_type="application/json",
    )
    assert r.status_code == 201
    cid = r.json()["id"]
    client_for(researcher).post(
        f"/api/v1/connections/{cid}/respond", {"accept": True}, content_type="application/json"
    )
    r = client_for(business).post(
        f"/api/v1/connections/{cid}/messages", {"body": "Chào"}, content_type="application/json"
    )
    assert r.status_code == 201
    assert client_for(outsider).get(f"/api/v1/connections/{cid}/messages").status_code == 404
    other_broker = type(broker).objects.create_user("b2", "b2@example.vn", "x", role="broker")
    c2 = Client()
    c2.force_login(other_broker)
    assert c2.get(f"/api/v1/connections/{cid}").status_code == 200  # pipeline: yes
    assert c2.get(f"/api/v1/connections/{cid}/messages").status_code == 403  # thread: no
    assert [
        m["body"]
        for m in client_for(researcher).get(f"/api/v1/connections/{cid}/messages").json()["results"]
    ] == ["Chào"]
    r = client_for(broker).post(
        f"/api/v1/connections/{cid}/contract",
        {"value_vnd": 250000000, "contract_type": "transfer", "date": "2026-01-15"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["stage"] == "contract"
    r = client_for(broker).post(
        f"/api/v1/connections/{cid}/close",
        {"success": True, "close_demand": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["outcome"] == "success"
    assert Connection.objects.get(pk=cid).contract_value_vnd == 250000000
    stats = client_for(officer).get("/api/v1/exchange/statistics").json()
    assert stats["deals"]["total_value_vnd"] == 250000000
    assert client_for(business).get("/api/v1/exchange/statistics").status_code == 403


def test_events_api(research_org, officer):
    from openstx.exchange.models import Event

    offer = publish(OfferFactory(owner=research_org), officer)
    e = Event.objects.create(
        title="Techmart ĐBSCL", start_date=future(), external_id="EV-1", status="published"
    )
    e.offers.add(offer)
    body = client_for().get("/api/v1/events/EV-1").json()
    assert body["offers"] == [offer.pk] and body["counts"]["offers"] == 1
    assert client_for().get("/api/v1/events").json()["count"] == 1
    # a draft event is for officers only, in the API as on the pages
    Event.objects.create(title="Techmart 2027", start_date=future(), external_id="EV-2")
    assert client_for().get("/api/v1/events").json()["count"] == 1
    assert client_for().get("/api/v1/events/EV-2").status_code == 404
    assert client_for(officer).get("/api/v1/events").json()["count"] == 2


def test_owners_connect_through_the_api(research_org, business_org, officer, business, researcher):
    offer = publish(OfferFactory(owner=research_org), officer)
    demand = publish(DemandFactory(requester=business_org), officer)
    expert_user = UserFactory()
    expert = ExpertFactory(user=expert_user)

    def post(user, body):
        return client_for(user).post("/api/v1/connections", body, content_type="application/json")

    r = post(business, {"demand": str(demand.pk), "expert": str(expert.pk), "message": "Xin"})
    assert r.status_code == 201 and r.json()["expert"] == expert.pk
    assert r.json()["responder_side"] == "provider" and r.json()["broker"] is None
    r = post(business, {"demand": str(demand.pk), "offer": str(offer.pk)})
    assert r.status_code == 201
    assert (r.json()["demand"], r.json()["offer"]) == (demand.pk, offer.pk)
    assert len(r.json()["steps"]) == 1
    r = client_for(business).post(
        f"/api/v1/offers/{offer.pk}/interest",
        {"counterpart": str(demand.pk)},
        content_type="application/json",
    )
    assert r.status_code == 422  # the pair is already connected


def test_events_write_api(officer, broker, research_org, researcher):
    r = client_for(broker).post(
        "/api/v1/events",
        {"title": "X", "start_date": future().isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 403
    c = client_for(officer)
    r = c.post(
        "/api/v1/events",
        {"title": "Techmart 2027", "start_date": future().isoformat(), "external_id": "EV-9"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["status"] == "draft"
    assert client_for().get("/api/v1/events/EV-9").status_code == 404
    r = c.patch("/api/v1/events/EV-9", {"place": "Cần Thơ"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["place"] == "Cần Thơ"
    r = c.post(
        "/api/v1/events/EV-9/transitions", {"action": "publish"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "published"
    offer = publish(OfferFactory(owner=research_org), officer)
    r = client_for(researcher).post(
        "/api/v1/events/EV-9/listings",
        {"kind": "offer", "listing": str(offer.pk)},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["offers"] == [offer.pk]
    r = c.post(
        "/api/v1/events/EV-9/transitions", {"action": "cancel"}, content_type="application/json"
    )
    assert r.status_code == 422  # a reason is required


def test_event_api_without_start_date_is_422_and_saves_nothing(officer):
    r = client_for(officer).post(
        "/api/v1/events", {"title": "Techmart"}, content_type="application/json"
    )
    assert r.status_code == 422 and "start_date" in r.content.decode()
    from openstx.exchange.models import Event

    assert not Event.objects.exists()
