"""Connections and deals: who starts, who answers, who sees the thread, confidentiality."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openstx.core.permissions import VIEW, restrict
from openstx.exchange import services
from openstx.exchange.models import Connection, Demand, ListingStatus, Message, Notification

from .conftest import publish
from .factories import DemandFactory, ExpertFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db
Stage = Connection.Stage


@pytest.fixture
def offer(research_org, officer):
    return publish(OfferFactory(owner=research_org), officer)


@pytest.fixture
def demand(business_org, officer):
    return publish(DemandFactory(requester=business_org, requester_anonymous=True), officer)


def test_interest_in_offer_and_confidential_detail(offer, business, researcher, outsider):
    assert not services.can_see_confidential(business, offer)
    conn = services.express_interest(business, offer, "Chúng tôi quan tâm")
    assert conn.responder_side == "provider" and conn.stage == Stage.REQUESTED
    assert Notification.objects.filter(user=researcher, verb="connection_request").exists()
    with pytest.raises(ValidationError):  # only once while open
        services.express_interest(business, offer)
    # the requester cannot answer their own request; an outsider neither
    for user in (business, outsider):
        with pytest.raises(PermissionDenied):
            services.respond(conn, user, True)
    assert not services.can_see_confidential(business, offer)
    services.respond(conn, researcher, True, "Đồng ý")
    conn.refresh_from_db()
    assert conn.stage == Stage.ACCEPTED and conn.responded_at
    assert services.can_see_confidential(business, offer)
    assert not services.can_see_confidential(outsider, offer)
    assert not services.can_see_confidential(AnonymousUser(), offer)


def test_declined_connection_reveals_nothing(offer, business, researcher):
    conn = services.express_interest(business, offer)
    services.respond(conn, researcher, False, "Không phù hợp")
    assert not services.can_see_confidential(business, offer)
    with pytest.raises(ValidationError):
        services.respond(conn, researcher, True)


def test_cannot_express_interest_in_own_or_unpublished(research_org, researcher, offer, business):
    with pytest.raises(ValidationError):
        services.express_interest(researcher, offer)
    draft = OfferFactory(owner=research_org)
    with pytest.raises(ValidationError):
        services.express_interest(business, draft)
    with pytest.raises(PermissionDenied):
        services.express_interest(AnonymousUser(), offer)


def test_broker_connects_and_deal_closes_demand(
    demand, offer, broker, business, researcher, outsider, officer
):
    with pytest.raises(PermissionDenied):
        services.broker_connect(business, demand, offer=offer)
    conn = services.broker_connect(broker, demand, offer=offer, message="Đề xuất kết nối")
    assert conn.seeker_org == demand.requester and conn.provider_org == offer.owner
    services.respond(conn, researcher, True)
    services.post_message(conn, business, "Xin lịch gặp")
    services.post_message(conn, researcher, "Thứ Hai tuần sau")
    with pytest.raises(PermissionDenied):
        services.post_message(conn, outsider, "chen ngang")
    other_broker = UserFactory(role="broker")
    with pytest.raises(PermissionDenied):  # brokers not involved do not see the thread
        services.post_message(conn, other_broker, "x")
    assert not services.can_see_thread(other_broker, conn)
    assert services.can_see_thread(officer, conn)
    msgs = restrict(Message.objects.all(), outsider, VIEW)
    assert msgs.count() == 0
    assert restrict(Message.objects.all(), business, VIEW).count() == 2
    assert restrict(Message.objects.all(), other_broker, VIEW).count() == 0
    # all brokers see the pipeline, outsiders do not
    assert restrict(Connection.objects.all(), other_broker, VIEW).count() == 1
    assert restrict(Connection.objects.all(), outsider, VIEW).count() == 0

    services.record_meeting(
        conn, broker, date=timezone.now(), place="Sở KH&CN Cần Thơ", minutes="Thống nhất thử nghiệm"
    )
    services.record_mou(conn, business, date=timezone.localdate(), note="Ký MoU")
    with pytest.raises(ValidationError):
        services.record_contract(
            conn, broker, value_vnd=-5, contract_type="transfer", date=timezone.localdate()
        )
    with pytest.raises(PermissionDenied):
        services.record_contract(
            conn, outsider, value_vnd=5, contract_type="transfer", date=timezone.localdate()
        )
    services.record_contract(
        conn, broker, value_vnd=750_000_000, contract_type="transfer", date=timezone.localdate()
    )
    services.close_connection(
        conn, broker, success=True, reason="Chuyển giao xong", close_demand=True
    )
    conn.refresh_from_db()
    assert conn.stage == Stage.CLOSED and conn.outcome == "success"
    assert Demand.objects.get(pk=demand.pk).status == ListingStatus.WITHDRAWN
    steps = list(conn.steps.values_list("action", flat=True))
    assert steps == ["request", "accept", "meeting", "mou", "contract", "close"]
    assert Notification.objects.filter(user=business, verb="connection_close").exists()


def test_anonymous_requester_hidden(demand, business, researcher, broker, outsider, officer):
    anon = AnonymousUser()
    assert services.requester_label(anon, demand) != str(demand.requester)
    assert services.requester_label(outsider, demand) != str(demand.requester)
    assert services.requester_label(business, demand) == str(demand.requester)
    assert services.requester_label(broker, demand) == str(demand.requester)
    conn = services.express_interest(researcher, demand, "Chúng tôi có giải pháp")
    assert conn.responder_side == "seeker"
    assert not services.can_see_requester(researcher, demand)
    services.respond(conn, business, True)
    assert services.can_see_requester(researcher, demand)


def test_expert_connection(demand, broker):
    expert_user = UserFactory()
    expert = ExpertFactory(user=expert_user)
    conn = services.broker_connect(broker, demand, expert=expert)
    services.respond(conn, expert_user, True)
    assert Connection.objects.get(pk=conn.pk).stage == Stage.ACCEPTED
    services.post_message(conn, expert_user, "Tôi có thể tư vấn")


def test_failure_needs_reason(offer, business, researcher):
    conn = services.express_interest(business, offer)
    services.respond(conn, researcher, True)
    with pytest.raises(ValidationError):
        services.close_connection(conn, business, success=False)
    services.close_connection(conn, business, success=False, reason="Giá cao")
    with pytest.raises(ValidationError):
        services.record_meeting(conn, business, date=timezone.now() + dt.timedelta(days=1))


def test_pipeline_filters(offer, business, researcher, outsider, broker):
    conn = services.express_interest(business, offer)
    assert list(services.pipeline(business)) == [conn]
    assert list(services.pipeline(researcher)) == [conn]
    assert list(services.pipeline(outsider)) == []
    assert list(services.pipeline(broker)) == [conn]
    assert list(services.pipeline(broker, mine_only=True)) == []
    assert list(services.pipeline(broker, stage="accepted")) == []
