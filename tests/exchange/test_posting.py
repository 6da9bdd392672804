"""Posting a listing: steps validated on "next", drafts kept, files attached while creating,
preview, completeness, IP records, deleting drafts, view and interest counts."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from openstx.exchange import services
from openstx.exchange.models import Demand, ListingStatus, Offer
from openstx.exchange.models.listings import ListingDailyCount
from openstx.ipr.models import IPRecord

from .factories import (
    PASSWORD,
    DemandFactory,
    FieldFactory,
    MembershipFactory,
    OfferFactory,
    future,
)

pytestmark = pytest.mark.django_db
S = ListingStatus
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def login(user) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 60)).save(out, "PNG")
    return out.getvalue()


def published(listing, officer):
    type(listing).objects.filter(pk=listing.pk).update(status=S.SUBMITTED)
    services.approve(listing, officer)
    listing.refresh_from_db()
    return listing


def step(kind, pk, name):
    return reverse("exchange:listing-step", args=[kind, pk, name])


# --- Completeness -----------------------------------------------------------------------------------


@pytest.fixture(autouse=False)
def english():
    with translation.override("en"):
        yield


def test_completeness_counts_the_listing_fields(research_org, english):
    bare = Offer(title="Máy sấy", owner=research_org)
    c = services.completeness(bare)
    assert c.done == 1 and c.percent == round(100 / c.total)
    assert "a one-line summary" in c.missing and "fields of science" in c.missing
    offer = OfferFactory(owner=research_org, keywords="sấy", applications="Chế biến")
    before = services.completeness(offer)
    assert before.percent > c.percent
    assert "a price" not in before.missing  # price_vnd is set
    offer.contact_name, offer.contact_email = "Chị Lan", "lan@example.vn"
    offer.save()
    after = services.completeness(offer)
    assert after.done == before.done + 1
    assert "a contact person with e-mail or phone" not in after.missing


def test_completeness_of_a_demand_counts_budget_and_files(business_org, business, english):
    demand = DemandFactory(requester=business_org)
    c = services.completeness(demand)
    assert "a budget" not in c.missing and "an image or a document" in c.missing
    services.add_image(demand, business, SimpleUploadedFile("a.png", png()))
    assert "an image or a document" not in services.completeness(demand).missing


# --- Deleting drafts -------------------------------------------------------------------------------


def test_only_drafts_are_deleted_and_only_by_their_owner(
    research_org, researcher, outsider, officer
):
    draft = OfferFactory(owner=research_org)
    with pytest.raises(PermissionDenied):
        services.delete_draft(draft, outsider)
    assert not services.can_delete(outsider, draft)
    services.delete_draft(draft, researcher)
    assert not Offer.objects.filter(pk=draft.pk).exists()

    live = published(OfferFactory(owner=research_org), officer)
    assert not services.can_delete(researcher, live)
    with pytest.raises(ValidationError):
        services.delete_draft(live, researcher)
    with pytest.raises(ValidationError):
        services.delete_draft(live, officer)  # officers too: published listings are withdrawn
    assert Offer.objects.filter(pk=live.pk).exists()

    other = DemandFactory()
    services.delete_draft(other, officer)  # an officer may delete any draft
    assert not Demand.objects.filter(pk=other.pk).exists()


def test_delete_draft_page_confirms_then_deletes(research_org, researcher, outsider):
    draft = OfferFactory(owner=research_org)
    url = reverse("exchange:listing-delete", args=["offer", draft.pk])
    assert login(outsider).get(url).status_code == 404
    assert login(outsider).post(url).status_code == 404
    client = login(researcher)
    page = client.get(url)
    assert page.status_code == 200 and draft.title in page.content.decode()
    assert Offer.objects.filter(pk=draft.pk).exists()  # a GET only asks
    r = client.post(url)
    assert r.status_code == 302 and r["Location"] == reverse("exchange:my-listings")
    assert not Offer.objects.filter(pk=draft.pk).exists()


def test_delete_draft_over_the_api(research_org, researcher, outsider, officer):
    from openstx.accounts import services as accounts

    draft = OfferFactory(owner=research_org)
    live = published(OfferFactory(owner=research_org), officer)

    def delete(user, ident):
        token = accounts.create_token(user, "t").secret
        return Client().delete(f"/api/v1/offers/{ident}", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert delete(outsider, draft.pk).status_code == 404  # a draft is invisible to others
    assert delete(researcher, live.pk).status_code == 422
    assert delete(researcher, draft.pk).status_code == 204
    assert not Offer.objects.filter(pk=draft.pk).exists()


# --- Counts -----------------------------------------------------------------------------------------


def test_views_count_others_not_the_owner_nor_bots(research_org, researcher, business, officer):
    offer = published(OfferFactory(owner=research_org), officer)
    url = offer.get_absolute_url()
    Client(HTTP_USER_AGENT=BROWSER).get(url)  # anonymous visitor
    login(business).get(url)  # another organisation
    login(researcher).get(url)  # the owner: not counted
    Client(HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)").get(url)
    Client(HTTP_USER_AGENT="").get(url)
    assert services.counts(offer) == {"views": 2, "interests": 0}
    row = ListingDailyCount.objects.get(offer=offer)
    # only numbers and a day: no user, address or browser kept
    names = {f.name for f in ListingDailyCount._meta.get_fields()}
    assert names == {"id", "offer", "demand", "day", "views", "interests"}
    assert row.views == 2


def test_views_are_counted_when_the_page_cache_answers(research_org, officer, settings):
    settings.OPENSTX_PAGE_CACHE_SECONDS = 60
    offer = published(OfferFactory(owner=research_org), officer)
    visitor = Client(HTTP_USER_AGENT=BROWSER)
    first = visitor.get(offer.get_absolute_url())
    second = visitor.get(offer.get_absolute_url())
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert services.counts(offer)["views"] == 2
    Client(HTTP_USER_AGENT="Mozilla/5.0 (compatible; bingbot/2.0)").get(offer.get_absolute_url())
    assert services.counts(offer)["views"] == 2


def test_a_cached_signed_in_look_is_counted_without_a_query(
    research_org, business, officer, settings, django_assert_num_queries
):
    """Whether a look counts is decided when the page is rendered and kept with the copy: a
    signed-in viewer's cached page is counted without loading the session, the user or the
    listing, an officer's is not counted either way, and the decision never leaves the site."""
    settings.OPENSTX_PAGE_CACHE_SECONDS = 60
    settings.OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS = 30
    settings.OPENSTX_VIEW_COUNT_FLUSH_SECONDS = 60  # summed in the process: nothing written yet
    offer = published(OfferFactory(owner=research_org), officer)
    url = offer.get_absolute_url()
    member, staff = login(business), login(officer)
    for c in (member, staff):
        c.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32  # the browser's, after its first form
        first = c.get(url)
        assert first["X-Page-Cache"] == "miss" and "X-Listing-View" not in first
    with django_assert_num_queries(0):
        hits = [member.get(url), staff.get(url)]
    assert all(h["X-Page-Cache"] == "hit" and "X-Listing-View" not in h for h in hits)
    assert services.counts(offer)["views"] == 2  # the member's two looks, not the officer's


def test_views_are_written_together_and_a_deleted_listing_is_skipped(
    research_org, officer, settings
):
    settings.OPENSTX_VIEW_COUNT_FLUSH_SECONDS = 60
    a = published(OfferFactory(owner=research_org), officer)
    b = published(OfferFactory(owner=research_org), officer)
    d = published(DemandFactory(requester=research_org), officer)
    for kind, pk, n in (("offer", a.pk, 3), ("offer", b.pk, 2), ("demand", d.pk, 1)):
        for _ in range(n):
            services.note_view(kind, pk)
    b_pk = b.pk
    b.delete()
    assert services.flush_views() == 6
    assert services.counts(a)["views"] == 3 and services.counts(d)["views"] == 1
    assert not ListingDailyCount.objects.filter(offer_id=b_pk).exists()
    assert services.flush_views() == 0  # nothing left to write


def test_interest_is_counted_and_shown_to_the_owner_only(
    research_org, researcher, business, officer
):
    offer = published(OfferFactory(owner=research_org), officer)
    services.express_interest(business, offer, "Chúng tôi quan tâm")
    assert services.counts(offer)["interests"] == 1
    owner_page = login(researcher).get(offer.get_absolute_url()).content.decode()
    assert 'data-testid="counts"' in owner_page
    mine = login(researcher).get(reverse("exchange:my-listings")).content.decode()
    assert re.search(r'data-testid="interests">1<', mine)
    assert (
        'data-testid="counts"' not in login(business).get(offer.get_absolute_url()).content.decode()
    )
    assert services.counts_by_listing("offer", [offer.pk])[offer.pk]["interests"] == 1


def test_draft_views_are_not_counted(research_org, researcher):
    draft = OfferFactory(owner=research_org)
    assert not services.count_view(draft, None, BROWSER)
    assert services.is_bot("Mozilla/5.0 HeadlessChrome/120") and not services.is_bot(BROWSER)


# --- IP records ---------------------------------------------------------------------------------------


def test_ip_records_of_the_owner_are_linked(research_org, researcher, business_org, english):
    offer = OfferFactory(owner=research_org)
    own = IPRecord.objects.create(
        type="patent", title="Quy trình nuôi tôm tuần hoàn", applicant_organization=research_org
    )
    foreign = IPRecord.objects.create(
        type="patent", title="Máy sấy khóm", applicant_organization=business_org
    )
    services.link_ip_records(offer, researcher, [own])
    assert list(offer.ip_records.all()) == [own]
    with pytest.raises(ValidationError):
        services.link_ip_records(offer, researcher, [foreign])
    services.link_ip_records(offer, researcher, [])
    own.refresh_from_db()
    assert own.offer_id is None
    assert "intellectual property" in services.completeness(offer).missing  # no free text either
    services.link_ip_records(offer, researcher, [own])
    assert "intellectual property" not in services.completeness(offer).missing


# --- The steps over HTTP -------------------------------------------------------------------------------


def test_offer_posted_step_by_step(research_org, researcher):
    food = FieldFactory(code="211", name_vi="Công nghệ thực phẩm", name_en="Food technology")
    client = login(researcher)
    start = reverse("exchange:offer-post")
    page = client.get(start).content.decode()
    # required fields marked for people and for assistive technology
    assert re.search(r'<input[^>]*name="title"[^>]*required', page)
    assert 'aria-required="true"' in page and 'class="form-row required' in page
    # fields of science: a grouped select with the hierarchy, not a raw list of codes
    assert "data-fos-picker" in page and "<optgroup" in page
    assert 'data-search="211 cong nghe thuc pham food technology' in page

    # step 1 refuses "next" without its required fields, and keeps what was typed
    r = client.post(start, {"title": "Máy sấy lạnh", "kind": "technology", "go": "next"})
    assert r.status_code == 200 and not Offer.objects.exists()
    errors = r.context["form"].errors
    assert {"summary", "fields"} <= set(errors)
    assert 'value="Máy sấy lạnh"' in r.content.decode()

    data = {
        "title": "Máy sấy lạnh",
        "kind": "technology",
        "summary": "Sấy trái cây giữ màu",
        "owner": research_org.pk,
        "fields": [food.pk],
        "go": "next",
    }
    r = client.post(start, data)
    offer = Offer.objects.get()
    assert offer.status == S.DRAFT and list(offer.fields.all()) == [food]
    assert r["Location"] == step("offer", offer.pk, "technical")

    # step 2: description and advantages required
    r = client.post(step("offer", offer.pk, "technical"), {"description": "<p>x</p>"})
    assert r.status_code == 200 and "advantages" in r.context["form"].errors
    r = client.post(
        step("offer", offer.pk, "technical"),
        {"description": "<p>Máy sấy bơm nhiệt</p>", "advantages": "Giữ màu", "go": "next"},
    )
    assert r["Location"] == step("offer", offer.pk, "readiness")
    offer.refresh_from_db()
    assert list(offer.fields.all()) == [food]  # a later step leaves earlier ones alone

    # step 3: TRL required; IP records of the owner by type-ahead, free text for the rest
    record = IPRecord.objects.create(
        type="patent",
        title="Thiết bị sấy bơm nhiệt",
        application_number="1-2024-01234",
        applicant_organization=research_org,
    )
    r = client.post(step("offer", offer.pk, "readiness"), {"trl": ""})
    assert "trl" in r.context["form"].errors
    page = client.get(step("offer", offer.pk, "readiness")).content.decode()
    assert 'hx-get="/lookup/ip-own/' in page
    r = client.post(
        step("offer", offer.pk, "readiness"),
        {"trl": "6", "ip_records": [str(record.pk)], "ip_items": "Bí quyết phối trộn"},
    )
    assert r["Location"] == step("offer", offer.pk, "terms")
    record.refresh_from_db()
    assert record.offer_id == offer.pk

    # step 4: a technology needs a transfer mode
    r = client.post(step("offer", offer.pk, "terms"), {"price_negotiable": "on"})
    assert r.status_code == 200 and "transfer_modes" in r.context["form"].errors
    r = client.post(
        step("offer", offer.pk, "terms"),
        {"transfer_modes": ["licence_nonexclusive"], "price_vnd": "250000000", "go": "save"},
    )
    assert r["Location"] == step("offer", offer.pk, "terms")  # "save draft" stays

    # step 5: attach while creating, before anything is submitted
    files = step("offer", offer.pk, "files")
    r = client.post(
        reverse("exchange:listing-upload", args=["offer", offer.pk, "image"]),
        {"file": SimpleUploadedFile("may-say.png", png()), "next": files},
    )
    assert r["Location"] == files and offer.images.count() == 1
    r = client.post(
        reverse("exchange:listing-upload", args=["offer", offer.pk, "attachment"]),
        {"file": SimpleUploadedFile("catalogue.pdf", b"%PDF-1.4\n%%EOF\n"), "next": files},
    )
    assert offer.attachments.count() == 1
    assert "catalogue.pdf" in client.get(files).content.decode()
    r = client.post(files, {"go": "next"})
    assert r["Location"] == reverse("exchange:listing-preview", args=["offer", offer.pk])

    # preview: the public template with a banner, the submit button, not counted as a view
    preview = client.get(r["Location"])
    body = preview.content.decode()
    assert 'data-testid="preview-banner"' in body and "Máy sấy bơm nhiệt" in body
    assert 'name="action" value="submit"' in body
    assert 'data-testid="completeness"' in body
    assert not ListingDailyCount.objects.exists()
    client.post(reverse("exchange:listing-action", args=["offer", offer.pk]), {"action": "submit"})
    offer.refresh_from_db()
    assert offer.status == S.SUBMITTED


def test_demand_steps_validate_budget_and_keep_the_draft(business_org, business):
    food = FieldFactory(code="211")
    client = login(business)
    r = client.post(
        reverse("exchange:demand-post"),
        {"title": "Cần máy sấy khóm", "requester": business_org.pk, "fields": [food.pk]},
    )
    demand = Demand.objects.get()
    assert r["Location"] == step("demand", demand.pk, "technical")
    r = client.post(step("demand", demand.pk, "technical"), {"problem": "Khóm dư thừa"})
    assert "desired_outcome" in r.context["form"].errors
    demand.refresh_from_db()
    assert demand.problem == ""  # a refused step changes nothing
    r = client.post(
        step("demand", demand.pk, "terms"),
        {"budget_min_vnd": "900000000", "budget_max_vnd": "100000000"},
    )
    assert r.status_code == 200 and "budget_max_vnd" in r.context["form"].errors
    r = client.post(
        step("demand", demand.pk, "terms"),
        {"budget_min_vnd": "100000000", "budget_max_vnd": "900000000", "deadline": future(60)},
    )
    assert r["Location"] == step("demand", demand.pk, "files")
    demand.refresh_from_db()
    assert demand.budget_max_vnd == 900_000_000


def test_steps_follow_the_policy(research_org, researcher, outsider, business):
    offer = OfferFactory(owner=research_org)
    for name in ("what", "files"):
        assert login(outsider).get(step("offer", offer.pk, name)).status_code == 404
    assert (
        login(outsider)
        .get(reverse("exchange:listing-preview", args=["offer", offer.pk]))
        .status_code
        == 404
    )
    assert login(researcher).get(step("offer", offer.pk, "nope")).status_code == 404
    MembershipFactory(user=business, organization=research_org)
    assert login(business).get(step("offer", offer.pk, "what")).status_code == 200
    # without an organisation one cannot start
    from .factories import UserFactory

    lone = UserFactory(username="lone")
    assert login(lone).get(reverse("exchange:offer-post"))["Location"].endswith("/profile/")


def test_ip_type_ahead_offers_only_the_users_organisations_records(
    research_org, researcher, business_org
):
    IPRecord.objects.create(
        type="patent", title="Máy sấy tôm bơm nhiệt", applicant_organization=research_org
    )
    IPRecord.objects.create(
        type="patent", title="Máy sấy khóm bơm nhiệt", applicant_organization=business_org
    )
    html = login(researcher).get("/lookup/ip-own/", {"q": "Máy sấy"}).content.decode()
    assert "Máy sấy tôm" in html and "Máy sấy khóm" not in html
