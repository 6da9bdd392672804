"""Public pages, posting flow over HTTP, confidentiality and anonymity in pages and feed."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from openstx.exchange import services
from openstx.exchange.models import Connection, Demand, ListingStatus, Offer

from .factories import PASSWORD, DemandFactory, FieldFactory, OfferFactory, RegionFactory, future

pytestmark = pytest.mark.django_db
S = ListingStatus


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def published_offer(org, officer, **kw):
    offer = OfferFactory(owner=org, **kw)
    Offer.objects.filter(pk=offer.pk).update(status=S.SUBMITTED)
    services.approve(offer, officer)
    offer.refresh_from_db()
    return offer


def published_demand(org, officer, **kw):
    demand = DemandFactory(requester=org, **kw)
    Demand.objects.filter(pk=demand.pk).update(status=S.SUBMITTED)
    services.approve(demand, officer)
    demand.refresh_from_db()
    return demand


def test_offer_list_facets_sort_and_pagination(client, research_org, officer):
    region = RegionFactory(code="92", name="Thành phố Cần Thơ")
    food = FieldFactory(code="211", name_vi="Công nghệ thực phẩm")
    for i in range(25):
        published_offer(
            research_org,
            officer,
            trl=(i % 9) + 1,
            price_vnd=i * 1_000_000,
            kind="service" if i % 5 == 0 else "technology",
            region=region if i % 2 else None,
            fields=[food] if i % 3 == 0 else None,
        )
    OfferFactory(owner=research_org, title="Bản nháp bí mật")
    url = reverse("exchange:offer-list")
    r = client.get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert "Bản nháp bí mật" not in body
    assert "25" in body and 'rel="next"' in body
    assert len(r.context["items"]) == 20
    r = client.get(url, {"kind": "service"})
    assert r.context["page"].paginator.count == 5
    r = client.get(url, {"trl": "8"})
    assert all(o.trl >= 8 for o in r.context["items"])
    r = client.get(url, {"sort": "price"})
    prices = [o.price_vnd for o in r.context["items"]]
    assert prices == sorted(prices)
    r = client.get(url, {"sort": "trl"})
    assert r.context["items"][0].trl == 9
    r = client.get(url, {"price_min": "10000000", "price_max": "12000000"})
    assert r.context["page"].paginator.count == 3
    r = client.get(url, {"region": "92"})
    assert r.context["page"].paginator.count == 12
    r = client.get(url, {"field": "2"})
    assert r.context["page"].paginator.count == 9
    r = client.get(url, {"mode": "consulting_training", "org_type": "research_institute"})
    assert r.context["page"].paginator.count == 25
    # garbage parameters are ignored, not errors
    assert (
        client.get(url, {"trl": "x", "price_min": "-", "page": "999", "sort": "?"}).status_code
        == 200
    )


def test_detail_page_is_indexable(client, research_org, officer):
    offer = published_offer(research_org, officer, title="Chế phẩm sinh học xử lý ao nuôi tôm")
    url = offer.get_absolute_url()
    assert "/che-pham-sinh-hoc-xu-ly-ao-nuoi-tom/" in url
    r = client.get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert '<meta name="description" content="Nuôi tôm mật độ cao' in body
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)[1])
    assert ld["@type"] == "Product" and ld["name"] == offer.title
    assert ld["offers"]["priceCurrency"] == "VND"
    # a wrong slug redirects to the canonical URL
    r = client.get(reverse("exchange:offer-detail", args=[offer.pk, "sai"]))
    assert r.status_code == 301 and r["Location"] == url
    assert client.get(reverse("exchange:offer-short", args=[offer.pk])).status_code == 301


def test_confidential_detail_hidden_until_accepted(
    client, research_org, officer, business, researcher
):
    offer = published_offer(research_org, officer)
    secret = "men vi sinh 3%"
    assert secret not in client.get(offer.get_absolute_url()).content.decode()
    login(client, business)
    assert secret not in client.get(offer.get_absolute_url()).content.decode()
    r = client.post(reverse("exchange:interest", args=["offer", offer.pk]), {"message": "Quan tâm"})
    conn = Connection.objects.get()
    assert r.status_code == 302 and r["Location"] == conn.get_absolute_url()
    assert secret not in client.get(offer.get_absolute_url()).content.decode()
    services.respond(conn, researcher, True)
    assert secret in client.get(offer.get_absolute_url()).content.decode()
    client.logout()
    login(client, researcher)
    assert secret in client.get(offer.get_absolute_url()).content.decode()


def test_anonymous_requester_hidden_in_pages_and_feed(client, business_org, officer, business):
    demand = published_demand(business_org, officer, requester_anonymous=True)
    name = business_org.name
    for url in (
        demand.get_absolute_url(),
        reverse("exchange:demand-list"),
        reverse("exchange:feed"),
    ):
        body = client.get(url).content.decode()
        assert name not in body, url
    assert demand.title in client.get(reverse("exchange:feed")).content.decode()
    login(client, business)
    assert name in client.get(demand.get_absolute_url()).content.decode()


def test_drafts_not_visible_to_public(client, research_org):
    offer = OfferFactory(owner=research_org)
    assert client.get(offer.get_absolute_url()).status_code == 404


def test_posting_flow_over_http(client, business, business_org, officer, outsider):
    food = FieldFactory(code="211")
    login(client, business)
    r = client.post(
        reverse("exchange:demand-create"),
        {
            "title": "Cần dây chuyền sấy lạnh trái cây",
            "problem": "<p>Sấy nóng làm mất màu<script>x</script></p>",
            "desired_outcome": "Giữ màu và vitamin C",
            "fields": [food.pk],
            "min_trl": "6",
            "budget_min_vnd": "200000000",
            "budget_max_vnd": "100000000",
            "requester": business_org.pk,
            "deadline": future(30).isoformat(),
        },
    )
    assert r.status_code == 200 and "budget_max_vnd" in r.context["form"].errors
    r = client.post(
        reverse("exchange:demand-create"),
        {
            "title": "Cần dây chuyền sấy lạnh trái cây",
            "problem": "<p>Sấy nóng làm mất màu<script>x</script></p>",
            "desired_outcome": "Giữ màu và vitamin C",
            "fields": [food.pk],
            "min_trl": "6",
            "budget_min_vnd": "100000000",
            "budget_max_vnd": "200000000",
            "requester": business_org.pk,
            "deadline": future(30).isoformat(),
        },
    )
    demand = Demand.objects.get()
    assert r.status_code == 302 and demand.status == S.DRAFT and "script" not in demand.problem
    assert list(demand.fields.all()) == [food]
    r = client.post(
        reverse("exchange:listing-action", args=["demand", demand.pk]), {"action": "submit"}
    )
    demand.refresh_from_db()
    assert demand.status == S.SUBMITTED
    # the owner cannot approve
    client.post(
        reverse("exchange:listing-action", args=["demand", demand.pk]), {"action": "approve"}
    )
    assert Demand.objects.get(pk=demand.pk).status == S.SUBMITTED
    # another organisation cannot edit
    client.logout()
    login(client, outsider)
    assert client.get(reverse("exchange:demand-edit", args=[demand.pk])).status_code == 404
    r = client.post(reverse("exchange:demand-edit", args=[demand.pk]), {"title": "x"})
    assert r.status_code == 404
    client.logout()
    login(client, officer)
    assert demand.title in client.get(reverse("exchange:moderation")).content.decode()
    client.post(
        reverse("exchange:listing-action", args=["demand", demand.pk]),
        {"action": "reject", "comment": "Bổ sung ràng buộc kỹ thuật"},
    )
    client.logout()
    login(client, business)
    body = client.get(demand.get_absolute_url()).content.decode()
    assert "Bổ sung ràng buộc kỹ thuật" in body


def test_member_pages_need_login(client):
    for name in (
        "exchange:my-listings",
        "exchange:connection-list",
        "exchange:notifications",
        "exchange:offer-create",
    ):
        r = client.get(reverse(name))
        assert r.status_code == 302 and "login" in r["Location"]


def test_staff_pages_forbidden_to_members(client, business):
    login(client, business)
    for name in ("exchange:moderation", "exchange:statistics", "exchange:broker-connect"):
        assert client.get(reverse(name)).status_code == 403


def test_connection_pages_and_thread_visibility(
    client, research_org, business_org, officer, business, researcher, broker, outsider
):
    offer = published_offer(research_org, officer)
    demand = published_demand(business_org, officer, fields=[FieldFactory(code="405")])
    login(client, broker)
    r = client.get(reverse("exchange:broker-connect"), {"demand": demand.pk})
    assert offer.title in r.content.decode()
    r = client.post(
        reverse("exchange:broker-connect"),
        {"demand": demand.pk, "offer": offer.pk, "message": "Mời hai bên"},
    )
    conn = Connection.objects.get()
    assert r.status_code == 302
    client.logout()
    login(client, researcher)
    client.post(reverse("exchange:connection-action", args=[conn.pk, "respond"]), {"accept": "1"})
    client.post(
        reverse("exchange:connection-action", args=[conn.pk, "message"]),
        {"body": "Xin chào quý công ty"},
    )
    assert "Xin chào quý công ty" in client.get(conn.get_absolute_url()).content.decode()
    client.logout()
    login(client, outsider)
    assert client.get(conn.get_absolute_url()).status_code == 404
    r = client.post(reverse("exchange:connection-action", args=[conn.pk, "message"]), {"body": "x"})
    assert r.status_code == 404
    client.logout()
    login(client, officer)
    assert "Xin chào quý công ty" in client.get(conn.get_absolute_url()).content.decode()
    r = client.get(reverse("exchange:statistics"))
    assert r.status_code == 200 and "<svg" in r.content.decode()


def test_sitemap_and_feed(client, research_org, officer):
    offer = published_offer(research_org, officer)
    r = client.get(reverse("exchange:feed"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/atom+xml")
    assert offer.title in r.content.decode()


def test_sitemap_lists_published_only(client, research_org, officer):
    offer = published_offer(research_org, officer)
    draft = OfferFactory(owner=research_org)
    r = client.get("/sitemap.xml")
    assert r.status_code == 200
    body = r.content.decode()
    assert offer.get_absolute_url() in body and draft.get_absolute_url() not in body
    assert reverse("exchange:demand-list") in body


def test_confidential_attachment_download(client, research_org, officer, researcher, business):
    from django.core.files.uploadedfile import SimpleUploadedFile

    offer = published_offer(research_org, officer)
    pdf = b"%PDF-1.4\n%%EOF\n"
    public = services.add_attachment(offer, researcher, SimpleUploadedFile("brochure.pdf", pdf))
    secret = services.add_attachment(
        offer, researcher, SimpleUploadedFile("ban-ve.pdf", pdf), confidential=True
    )
    body = client.get(offer.get_absolute_url()).content.decode()
    assert "brochure.pdf" in body and "ban-ve.pdf" not in body
    assert client.get(reverse("exchange:attachment", args=[public.pk])).status_code == 200
    assert client.get(reverse("exchange:attachment", args=[secret.pk])).status_code == 404
    login(client, business)
    assert client.get(reverse("exchange:attachment", args=[secret.pk])).status_code == 404
    client.logout()
    login(client, researcher)
    r = client.get(reverse("exchange:attachment", args=[secret.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == pdf
    # an upload through the page with a spoofed type is refused with a message
    exe = SimpleUploadedFile("ket-qua.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    r = client.post(
        reverse("exchange:listing-upload", args=["offer", offer.pk, "attachment"]),
        {"file": exe},
        follow=True,
    )
    assert offer.attachments.count() == 2
    assert any("content" in str(m) or "Nội dung" in str(m) for m in r.context["messages"])


def test_facet_counts(client, research_org, officer):
    food = FieldFactory(code="211", name_vi="Công nghệ thực phẩm")
    for kind in ("service", "service", "equipment"):
        published_offer(research_org, officer, kind=kind, fields=[food])
    facets = client.get(reverse("exchange:offer-list")).context["facets"]
    kinds = {f["value"]: f["count"] for f in facets["kind"]}
    assert kinds == {"technology": 0, "equipment": 1, "service": 2, "solution": 0}
    assert facets["field"] == [{"value": "2", "label": "2", "count": 3}]
    modes = {f["value"]: f["count"] for f in facets["mode"]}
    assert modes["consulting_training"] == 3 and modes["sale"] == 0
    assert [(f["value"], f["count"]) for f in facets["org_type"]] == [("research_institute", 3)]


def test_facet_counts_follow_changes(client, research_org, officer):
    published_offer(research_org, officer, kind="service")
    url = reverse("exchange:offer-list")
    first = {f["value"]: f["count"] for f in client.get(url).context["facets"]["kind"]}
    published_offer(research_org, officer, kind="service")
    second = {f["value"]: f["count"] for f in client.get(url).context["facets"]["kind"]}
    assert (first["service"], second["service"]) == (1, 2)
