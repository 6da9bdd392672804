"""A connection that names both listings from its first step, and the demand owner asking an
expert directly (the same life cycle as a brokered connection)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openstx.exchange import services
from openstx.exchange.models import Connection, ListingStatus, Notification

from .conftest import publish
from .factories import (
    PASSWORD,
    DemandFactory,
    ExpertFactory,
    FieldFactory,
    MembershipFactory,
    OfferFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Stage = Connection.Stage


@pytest.fixture
def offer(research_org, officer):
    return publish(OfferFactory(owner=research_org), officer)


@pytest.fixture
def demand(business_org, officer):
    return publish(DemandFactory(requester=business_org), officer)


# --- counterpart ------------------------------------------------------------------------------


def test_demand_owner_interest_in_offer_records_the_demand(offer, demand, business, researcher):
    conn = services.express_interest(
        business, offer, "Cho nhu cầu của chúng tôi", counterpart=demand
    )
    assert (conn.offer_id, conn.demand_id) == (offer.pk, demand.pk)
    assert conn.seeker_org_id == demand.requester_id and conn.provider_org_id == offer.owner_id
    assert conn.responder_side == Connection.Side.PROVIDER
    # one history record, made with both sides set; one request step with what the person
    # wrote (the page names the demand in the reader's language, not the writer's)
    history = list(conn.history.all())
    assert len(history) == 1 and history[0].demand_id == demand.pk
    step = conn.steps.get()
    assert step.action == "request" and step.comment == "Cho nhu cầu của chúng tôi"
    services.respond(conn, researcher, True)
    assert Connection.objects.get(pk=conn.pk).stage == Stage.ACCEPTED
    # the same pair cannot be requested twice while open
    with pytest.raises(ValidationError):
        services.express_interest(business, offer, counterpart=demand)


def test_offer_owner_answers_demand_with_offer(offer, demand, business, researcher):
    conn = services.express_interest(researcher, demand, counterpart=offer)
    assert (conn.offer_id, conn.demand_id) == (offer.pk, demand.pk)
    assert conn.responder_side == Connection.Side.SEEKER and conn.expert_id is None
    assert conn.provider_org_id == offer.owner_id
    services.respond(conn, business, False, "Không phù hợp")
    assert Connection.objects.get(pk=conn.pk).stage == Stage.DECLINED


def test_counterpart_rules(offer, demand, business, researcher, outsider, business_org):
    other_offer = OfferFactory(owner=business_org, status=ListingStatus.PUBLISHED)
    with pytest.raises(ValidationError):  # same kind
        services.express_interest(business, offer, counterpart=other_offer)
    with pytest.raises(PermissionDenied):  # not the user's own listing
        services.express_interest(outsider, offer, counterpart=demand)
    draft = DemandFactory(requester=business_org)
    with pytest.raises(ValidationError):  # a draft is not shown to the other side
        services.express_interest(business, offer, counterpart=draft)
    assert not Connection.objects.exists()
    # without a counterpart, callers keep the old behaviour
    conn = services.express_interest(business, offer)
    assert conn.demand_id is None and conn.offer_id == offer.pk


def test_matching_connect_records_both_sides_in_one_step(offer, demand, business):
    from openstx.matching import services as matching

    conn = matching.connect(business, demand=demand, offer=offer, message="Xin gặp")
    assert (conn.offer_id, conn.demand_id) == (offer.pk, demand.pk)
    assert conn.history.count() == 1 and conn.steps.count() == 1


# --- demand owner asks an expert --------------------------------------------------------------


@pytest.fixture
def expert_user(research_org):
    return UserFactory(username="expert")


@pytest.fixture
def expert(expert_user, research_org):
    e = ExpertFactory(user=expert_user, organization=research_org, open_to_consulting=True)
    e.fields.set([FieldFactory(code="211")])
    return e


def test_owner_asks_expert_and_expert_accepts(demand, business, expert, expert_user, officer):
    conn = services.request_expert(business, demand, expert, "Xin tư vấn")
    assert conn.stage == Stage.REQUESTED and conn.broker_id is None
    assert conn.expert_id == expert.pk and conn.seeker_org_id == demand.requester_id
    assert conn.responder_side == Connection.Side.PROVIDER
    assert Notification.objects.filter(user=expert_user, verb="connection_request").exists()
    assert conn.steps.get().action == "request"
    # the requester and staff cannot answer for the expert
    for user in (business, officer):
        with pytest.raises(PermissionDenied):
            services.respond(conn, user, True)
    assert services.can_respond(expert_user, conn)
    services.respond(conn, expert_user, True, "Đồng ý")
    conn.refresh_from_db()
    assert conn.stage == Stage.ACCEPTED
    services.post_message(conn, business, "Cảm ơn")
    with pytest.raises(ValidationError):  # once while open
        services.request_expert(business, demand, expert)


def test_only_owner_and_reachable_experts(demand, business, outsider, broker, officer, expert):
    for user in (outsider, broker, officer):
        with pytest.raises(PermissionDenied):
            services.request_expert(user, demand, expert)
    with pytest.raises(ValidationError):
        services.request_expert(business, demand, ExpertFactory())  # no account, no organisation
    draft = DemandFactory(requester=demand.requester)
    with pytest.raises(ValidationError):
        services.request_expert(business, draft, expert)
    assert not Connection.objects.exists()


def test_expert_of_an_organisation_without_account_is_answered_by_it(demand, business, researcher):
    expert = ExpertFactory(organization=OrganizationFactory())
    member = MembershipFactory(organization=expert.organization).user
    conn = services.request_expert(business, demand, expert)
    assert not services.can_respond(researcher, conn)
    services.respond(conn, member, False, "Chuyên gia đang bận")
    assert Connection.objects.get(pk=conn.pk).stage == Stage.DECLINED


def test_matching_connect_from_expert_suggestion(demand, business, expert):
    from openstx.matching import services as matching

    conn = matching.connect(business, demand=demand, expert=expert)
    assert conn.expert_id == expert.pk and conn.broker_id is None


def test_ask_expert_page(client, demand, business, outsider, expert, expert_user):
    url = reverse("exchange:ask-expert", args=[demand.pk])
    assert client.login(username=outsider.username, password=PASSWORD)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.login(username=business.username, password=PASSWORD)
    detail = client.get(demand.get_absolute_url()).content.decode()
    assert url in detail  # linked from the demand page for its owner
    page = client.get(url).content.decode()
    assert expert.full_name in page  # suggested: same field
    found = client.get(url, {"q": expert.full_name.split()[-1]}).content.decode()
    assert expert.full_name in found
    r = client.post(url, {"expert": expert.pk, "message": "Xin tư vấn"})
    conn = Connection.objects.get()
    assert r.status_code == 302 and r["Location"] == conn.get_absolute_url()
    client.logout()
    assert client.login(username=expert_user.username, password=PASSWORD)
    r = client.post(
        reverse("exchange:connection-action", args=[conn.pk, "respond"]), {"accept": "1"}
    )
    assert Connection.objects.get().stage == Stage.ACCEPTED
