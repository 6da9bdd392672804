"""Connection pages read right in Vietnamese for both parties (issue #17): a stage is not a date
("Requested" is "Đã gửi yêu cầu", not the date column "Ngày gửi"), the step log is not a
memorandum (Django admin's "History" → "Bản ghi nhớ" must not leak in), and nothing written in
the other party's language is stored for the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from openstx.exchange import services
from openstx.exchange.models import Connection

from .conftest import publish
from .factories import DemandFactory, OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(research_org, officer):
    return publish(OfferFactory(owner=research_org), officer)


@pytest.fixture
def demand(business_org, officer):
    return publish(DemandFactory(requester=business_org), officer)


def _page(client, user, conn, lang="vi"):
    client.force_login(user)
    client.cookies["openstx_language"] = lang
    return client.get(conn.get_absolute_url()).content.decode()


def test_both_parties_read_vietnamese_labels(client, offer, demand, business, researcher):
    business.language = "en"  # the requester writes in English
    business.save()
    with translation.override("en"):
        conn = services.express_interest(business, offer, "", counterpart=demand)
    with translation.override("vi"):
        assert Connection.Stage.REQUESTED.label == "Đã gửi yêu cầu"
    for user in (researcher, business):
        html = _page(client, user, conn)
        assert "Đã gửi yêu cầu" in html and "Lịch sử kết nối" in html
        assert "Bản ghi nhớ" not in html and ">Ngày gửi<" not in html
        # the note naming the demand is written for the reader, in the reader's language
        assert f"Cho tin “{demand.title}”." in html
        assert "For the listing" not in html
    html = _page(client, researcher, conn, "en")
    assert "Requested" in html and f"For the listing “{demand.title}”." in html
    list_html = client.get("/exchange/connections/").content.decode()
    assert "Requested" in list_html  # English page, English stage filter


def test_contract_value_follows_the_readers_language(client, offer, business, researcher):
    conn = services.express_interest(business, offer, "Quan tâm")
    services.respond(conn, researcher, True)
    with translation.override("en"):
        services.record_contract(
            conn,
            researcher,
            value_vnd=1_200_000_000,
            contract_type="transfer",
            date=dt.date(2026, 3, 7),
        )
    html = _page(client, business, conn)
    assert "1.200.000.000 đ" in html and "1,200,000,000 VND" not in html
    assert "07/03/2026" in html


def test_other_date_columns_keep_ngay_gui(client):
    with translation.override("vi"):
        assert translation.gettext("Requested") == "Ngày gửi"  # membership requests: a date
        assert translation.pgettext("amount", "Requested") == "Số tiền đề nghị"
        assert translation.pgettext("processing steps", "History") == "Lịch sử xử lý"
