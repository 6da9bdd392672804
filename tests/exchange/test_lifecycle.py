"""Listing life cycle: who may perform each transition, quality check, edits, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from openstx.core.permissions import CHANGE, VIEW, can, restrict
from openstx.exchange import services
from openstx.exchange.models import Demand, ListingStatus, Notification, Offer

from .factories import DemandFactory, OfferFactory, future

S = ListingStatus
pytestmark = pytest.mark.django_db


def test_full_offer_life_cycle_is_logged(researcher, research_org, officer):
    offer = OfferFactory(owner=research_org)
    services.submit(offer, researcher, "xin duyệt")
    offer.refresh_from_db()
    assert offer.status == S.SUBMITTED
    services.reject(offer, officer, "Thiếu thông tin sở hữu trí tuệ")
    offer.refresh_from_db()
    assert offer.status == S.REJECTED
    assert offer.moderation_note == "Thiếu thông tin sở hữu trí tuệ"
    # the owner sees the reasons in a notification
    assert Notification.objects.filter(user=researcher, verb="listing_reject").exists()
    services.transition(offer, "redraft", researcher)
    services.submit(offer, researcher)
    services.approve(offer, officer)
    offer.refresh_from_db()
    assert offer.status == S.PUBLISHED and offer.published_at and offer.valid_until
    services.transition(offer, "pause", researcher)
    services.transition(offer, "resume", researcher)
    services.transition(offer, "withdraw", officer, "trùng lặp")
    offer.refresh_from_db()
    assert offer.status == S.WITHDRAWN
    log = list(
        offer.transitions.values_list("action", "from_status", "to_status", "actor__username")
    )
    assert log == [
        ("submit", "draft", "submitted", "researcher"),
        ("reject", "submitted", "rejected", "officer"),
        ("redraft", "rejected", "draft", "researcher"),
        ("submit", "draft", "submitted", "researcher"),
        ("approve", "submitted", "published", "officer"),
        ("pause", "published", "paused", "researcher"),
        ("resume", "paused", "published", "researcher"),
        ("withdraw", "published", "withdrawn", "officer"),
    ]
    assert offer.transitions.get(action="withdraw").comment == "trùng lặp"
    assert offer.history.count() >= 8


def test_who_may_perform_each_transition(researcher, research_org, officer, outsider, broker):
    offer = OfferFactory(owner=research_org)
    for user in (outsider, broker, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.submit(offer, user)
    services.submit(offer, researcher)
    # owners cannot moderate their own listing; brokers cannot either
    for user in (researcher, broker, outsider):
        with pytest.raises(PermissionDenied):
            services.approve(offer, user)
    with pytest.raises(ValidationError):  # reasons are required
        services.reject(offer, officer, "  ")
    services.approve(offer, officer)
    with pytest.raises(PermissionDenied):
        services.transition(offer, "pause", outsider)
    with pytest.raises(ValidationError):  # not from published
        services.approve(offer, officer)
    with pytest.raises(PermissionDenied):  # the system alone expires
        services.transition(offer, "expire", officer)
    assert services.allowed_actions(researcher, Offer.objects.get(pk=offer.pk)) == [
        "pause",
        "withdraw",
        "reconfirm",
    ]
    assert services.allowed_actions(outsider, offer) == []


def test_quality_check_blocks_submission(researcher, research_org):
    offer = OfferFactory(owner=research_org, summary="", advantages="", trl=None, fields=[])
    issues = services.quality_issues(offer)
    assert len(issues) == 4
    assert any("tóm tắt" in i for i in issues) and any("TRL" in i for i in issues)
    with translation.override("en"):
        assert "Add a one-line summary." in services.quality_issues(offer)
    with pytest.raises(ValidationError) as exc:
        services.submit(offer, researcher)
    assert len(exc.value.messages) == 4
    assert Offer.objects.get(pk=offer.pk).status == S.DRAFT
    demand = DemandFactory(problem="", fields=[])
    assert len(services.quality_issues(demand)) == 2


def test_edit_after_publish_reenters_moderation(researcher, research_org, officer):
    offer = OfferFactory(owner=research_org)
    services.submit(offer, researcher)
    services.approve(offer, officer)
    offer = Offer.objects.get(pk=offer.pk)
    offer.contact_phone = "0292 3831 000"  # not substantive
    services.save_listing(offer, researcher)
    assert Offer.objects.get(pk=offer.pk).status == S.PUBLISHED
    offer.summary = "Tóm tắt mới"
    services.save_listing(offer, researcher)
    offer.refresh_from_db()
    assert offer.status == S.SUBMITTED
    assert offer.transitions.last().action == "edit"
    assert Notification.objects.filter(user=officer, verb="listing_edit").exists()
    # an officer's edit does not send it back
    services.approve(offer, officer)
    offer = Offer.objects.get(pk=offer.pk)
    offer.title = "Tiêu đề do cán bộ sửa"
    services.save_listing(offer, officer)
    assert Offer.objects.get(pk=offer.pk).status == S.PUBLISHED


def test_other_organisation_cannot_edit(researcher, research_org, outsider, officer):
    offer = OfferFactory(owner=research_org)
    assert can(researcher, CHANGE, offer)
    assert not can(outsider, CHANGE, offer)
    assert can(officer, CHANGE, offer)
    offer.title = "Chiếm quyền"
    with pytest.raises(PermissionDenied):
        services.save_listing(offer, outsider)
    # nor create a listing in someone else's name
    with pytest.raises(PermissionDenied):
        services.save_listing(Offer(title="x", owner=research_org), outsider)
    assert restrict(Offer.objects.all(), outsider, CHANGE).count() == 0
    assert restrict(Offer.objects.all(), researcher, CHANGE).count() == 1


def test_drafts_are_private(researcher, research_org, outsider, broker, officer):
    offer = OfferFactory(owner=research_org)
    anon = AnonymousUser()
    assert not can(anon, VIEW, offer) and not can(outsider, VIEW, offer)
    assert not can(broker, VIEW, offer)
    assert can(researcher, VIEW, offer) and can(officer, VIEW, offer)
    services.submit(offer, researcher)
    assert can(broker, VIEW, Offer.objects.get(pk=offer.pk))
    services.approve(offer, officer)
    assert restrict(Offer.objects.all(), anon).count() == 1


def test_prices_budgets_and_dates_validated(researcher, research_org, business, business_org):
    past = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.save_listing(
            Offer(title="x", owner=research_org, price_vnd=-1, valid_until=past), researcher
        )
    assert set(exc.value.message_dict) == {"price_vnd", "valid_until"}
    with pytest.raises(ValidationError) as exc:
        services.save_listing(
            Demand(
                title="y",
                requester=business_org,
                budget_min_vnd=10,
                budget_max_vnd=5,
                deadline=past,
            ),
            business,
        )
    assert set(exc.value.message_dict) == {"budget_max_vnd", "deadline"}
    ok = services.save_listing(
        Demand(
            title="Cần máy sấy",
            requester=business_org,
            budget_min_vnd=5,
            budget_max_vnd=5,
            deadline=future(),
        ),
        business,
    )
    assert ok.status == S.DRAFT and ok.slug == "can-may-say"


def test_expiry_command_is_idempotent(researcher, research_org, officer, settings):
    offer = OfferFactory(owner=research_org)
    services.submit(offer, researcher)
    services.approve(offer, officer)
    today = timezone.localdate()
    Offer.objects.filter(pk=offer.pk).update(valid_until=today + dt.timedelta(days=5))
    mail.outbox.clear()
    assert services.expire_listings(today) == {"reminded": 1, "expired": 0}
    assert services.expire_listings(today) == {"reminded": 0, "expired": 0}
    later = today + dt.timedelta(days=6)
    assert services.expire_listings(later) == {"reminded": 0, "expired": 1}
    assert services.expire_listings(later) == {"reminded": 0, "expired": 0}
    offer.refresh_from_db()
    assert offer.status == S.EXPIRED
    assert offer.transitions.last().actor is None
    assert Notification.objects.filter(user=researcher, verb="listing_reconfirm").count() == 1
    # re-confirming brings it back for another period
    services.transition(offer, "reconfirm", researcher)
    offer.refresh_from_db()
    assert offer.status == S.PUBLISHED and offer.valid_until > later
    call_command("expire_listings")


def test_reconfirm_email_is_sent(
    researcher, research_org, officer, django_capture_on_commit_callbacks
):
    offer = OfferFactory(owner=research_org, valid_until=future(3))
    services.submit(offer, researcher)
    services.approve(offer, officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_listings()
    assert [m.to for m in mail.outbox] == [[researcher.email]]
    assert "re-confirm" in mail.outbox[0].subject.lower() or "xác nhận" in mail.outbox[0].subject


def test_rich_text_is_sanitised(research_org):
    offer = OfferFactory(
        owner=research_org,
        description='<p onclick="x()">Tốt<script>alert(1)</script> <a href="javascript:x">x</a></p>',
    )
    assert "script" not in offer.description and "onclick" not in offer.description
    assert "javascript" not in offer.description
    assert "<p>Tốt" in offer.description


def test_expiry_task_runs_the_service(researcher, research_org, officer):
    from openstx.exchange.tasks import expire_listings

    assert expire_listings() == {"reminded": 0, "expired": 0}


def test_notices_are_in_each_recipients_language(researcher, research_org, officer):
    """An officer working in Vietnamese rejects the listing of a researcher who reads English."""
    researcher.language = "en"
    researcher.save(update_fields=["language"])
    offer = OfferFactory(owner=research_org, title="Máy sấy lạnh")
    services.submit(offer, researcher)
    with translation.override("vi"):
        services.reject(offer, officer, "Thiếu ảnh")
    note = Notification.objects.get(user=researcher, verb="listing_reject")
    assert note.title == "“Máy sấy lạnh”: rejected"
    assert note.body == "Thiếu ảnh"  # the officer's own words stay as written
    officer_note = Notification.objects.get(user=officer, verb="listing_submit")
    assert officer_note.title == "Cần duyệt: Máy sấy lạnh"  # the officer reads Vietnamese
