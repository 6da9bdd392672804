"""Events (Techmart, demo days): officers prepare and publish them in the app; members register
their listings; interest shown at the event counts as a connection made there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from openstx.exchange import services
from openstx.exchange.models import Connection, Event, ListingStatus, Notification

from .factories import PASSWORD, DemandFactory, OfferFactory, future

pytestmark = pytest.mark.django_db
S = ListingStatus


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def offer(research_org):
    return OfferFactory(owner=research_org, status=S.PUBLISHED, published_at=timezone.now())


@pytest.fixture
def demand(business_org):
    return DemandFactory(requester=business_org, status=S.PUBLISHED, published_at=timezone.now())


@pytest.fixture
def event(officer):
    e = services.save_event(
        Event(title="Techmart Đồng bằng sông Cửu Long 2026", start_date=future(30)), officer
    )
    return services.event_transition(e, "publish", officer)


def test_officer_creates_edits_and_publishes_in_the_app(client, officer, business):
    login(client, officer)
    assert (
        reverse("exchange:event-create")
        in client.get(reverse("exchange:event-list")).content.decode()
    )
    r = client.post(
        reverse("exchange:event-create"),
        {
            "title": "Ngày hội trình diễn công nghệ Cần Thơ",
            "start_date": future(20).isoformat(),
            "end_date": future(21).isoformat(),
            "place": "Trung tâm Hội nghị TP Cần Thơ",
            "description": "<p>Trình diễn</p><script>alert(1)</script>",
            "registration_open": "on",
        },
    )
    event = Event.objects.get()
    assert r.status_code == 302 and r["Location"] == event.get_absolute_url()
    assert event.status == Event.Status.DRAFT and event.created_by == officer
    assert "<script>" not in event.description
    # a draft is invisible to the public and to members
    client.logout()
    assert client.get(event.get_absolute_url()).status_code == 404
    assert event.title not in client.get(reverse("exchange:event-list")).content.decode()
    login(client, business)
    assert client.get(event.get_absolute_url()).status_code == 404
    assert client.get(reverse("exchange:event-create")).status_code == 403
    assert client.get(reverse("exchange:event-edit", args=[event.pk])).status_code == 404
    r = client.post(reverse("exchange:event-action", args=[event.pk]), {"action": "publish"})
    assert r.status_code == 404 and Event.objects.get().status == Event.Status.DRAFT
    client.logout()
    # the officer edits and publishes
    login(client, officer)
    r = client.post(
        reverse("exchange:event-edit", args=[event.pk]),
        {
            "title": "Ngày hội trình diễn công nghệ Cần Thơ 2026",
            "start_date": future(20).isoformat(),
            "end_date": future(19).isoformat(),  # before the start: refused
            "place": "Cần Thơ",
        },
    )
    assert r.status_code == 200 and "end_date" in r.context["form"].errors
    client.post(
        reverse("exchange:event-edit", args=[event.pk]),
        {
            "title": "Ngày hội trình diễn công nghệ Cần Thơ 2026",
            "start_date": future(20).isoformat(),
        },
    )
    client.post(reverse("exchange:event-action", args=[event.pk]), {"action": "publish"})
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED and event.published_at
    assert event.history.count() >= 3  # created, edited, published: audited
    client.logout()
    assert event.title in client.get(reverse("exchange:event-list")).content.decode()
    assert client.get(event.get_absolute_url()).status_code == 200


def test_only_officers_edit(event, broker, business):
    for user in (broker, business, None):
        with pytest.raises(PermissionDenied):
            services.save_event(Event(title="X", start_date=future()), user)
        with pytest.raises(PermissionDenied):
            services.event_transition(event, "cancel", user, "Lý do")


def test_cancel_needs_reason_and_tells_participants(event, officer, offer, researcher):
    services.register_for_event(event, researcher, offer)
    with pytest.raises(ValidationError):
        services.event_transition(event, "cancel", officer)
    services.event_transition(event, "cancel", officer, "Bão lớn")
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert Notification.objects.filter(user=researcher, verb="event_cancel").exists()
    with pytest.raises(ValidationError):  # no registration on a cancelled event
        services.register_for_event(event, researcher, offer)
    with pytest.raises(ValidationError):  # cannot publish a cancelled event again directly
        services.event_transition(event, "publish", officer)


def test_registration_rules(event, officer, offer, demand, researcher, business, outsider):
    with pytest.raises(PermissionDenied):  # not the outsider's listing
        services.register_for_event(event, outsider, offer)
    services.register_for_event(event, researcher, offer)
    services.register_for_event(event, business, demand)
    assert set(event.participants.all()) == {offer.owner, demand.requester}
    draft = OfferFactory(owner=offer.owner)
    with pytest.raises(ValidationError):
        services.register_for_event(event, researcher, draft)
    services.unregister_from_event(event, researcher, offer)
    assert offer.owner not in event.participants.all()
    # closed registration, or an event that is over: members cannot register, officers still can
    Event.objects.filter(pk=event.pk).update(registration_open=False)
    event.refresh_from_db()
    with pytest.raises(ValidationError):
        services.register_for_event(event, researcher, offer)
    services.register_for_event(event, officer, offer)
    past = Event.objects.create(
        title="Techmart 2020", start_date=dt.date(2020, 5, 1), status=Event.Status.PUBLISHED
    )
    assert not services.event_registration_open(past)
    with pytest.raises(ValidationError):
        services.register_for_event(past, researcher, offer)


def test_event_page_shows_listings_and_counts_interest(
    client, event, offer, demand, researcher, business, officer
):
    services.register_for_event(event, researcher, offer)
    # the officer showcases a listing by its number
    login(client, officer)
    client.post(
        reverse("exchange:event-register", args=[event.pk]), {"kind": "demand", "number": demand.pk}
    )
    assert demand in event.demands.all()
    client.logout()
    body = client.get(event.get_absolute_url()).content.decode()
    assert offer.title in body and demand.title in body
    # the listing page links back to the event
    assert event.get_absolute_url() in client.get(offer.get_absolute_url()).content.decode()
    # "I am interested" from the event page: a connection made at the event
    login(client, business)
    page = client.get(event.get_absolute_url()).content.decode()
    assert reverse("exchange:interest", args=["offer", offer.pk]) in page
    client.post(
        reverse("exchange:interest", args=["offer", offer.pk]),
        {"message": "Gặp tại gian hàng", "event": event.pk},
    )
    conn = Connection.objects.get()
    assert conn.event_id == event.pk and conn.offer_id == offer.pk
    assert services.event_counts(event)["connections"] == 1
    # an unrelated event id is ignored
    other = Event.objects.create(title="Khác", start_date=future(), status=Event.Status.PUBLISHED)
    client.logout()
    login(client, researcher)
    client.post(reverse("exchange:interest", args=["demand", demand.pk]), {"event": other.pk})
    assert Connection.objects.get(demand=demand).event_id is None


def test_event_list_filters_and_query_count(client, django_assert_max_num_queries, officer):
    for i in range(5):
        Event.objects.create(
            title=f"Sự kiện {i}", start_date=future(10 + i), status=Event.Status.PUBLISHED
        )
    Event.objects.create(
        title="Sự kiện cũ", start_date=dt.date(2020, 1, 1), status=Event.Status.PUBLISHED
    )
    with django_assert_max_num_queries(6):
        body = client.get(reverse("exchange:event-list"), {"when": "upcoming"}).content.decode()
    assert "Sự kiện 0" in body and "Sự kiện cũ" not in body
    body = client.get(reverse("exchange:event-list"), {"when": "past"}).content.decode()
    assert "Sự kiện cũ" in body and "Sự kiện 0" not in body


def test_sitemap_skips_draft_events(client, event, officer):
    draft = services.save_event(Event(title="Nháp", start_date=future()), officer)
    body = client.get("/sitemap.xml").content.decode()
    assert event.get_absolute_url() in body and draft.get_absolute_url() not in body


def test_event_needs_title_and_start_date_from_any_caller(officer):
    with pytest.raises(ValidationError) as exc:
        services.save_event(Event(title=" "), officer)
    assert set(exc.value.message_dict) == {"title", "start_date"}
    assert not Event.objects.exists()
