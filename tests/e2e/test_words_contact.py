"""The contact page and a connection page as a Vietnamese reader sees them, at 1366 and 360 px.

Screenshots go to ``OPENSTX_SCREENSHOT_DIR`` (default ``var/screenshots`` under the repository)
as CI artefacts: ``words-contact-<width>.png`` and ``words-connection-<party>-<width>.png``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from openstx.exchange import services as exchange
from openstx.exchange.models import ListingStatus
from openstx.portal import services as portal
from tests.exchange.factories import DemandFactory, OfferFactory
from tests.factories import MembershipFactory, OfficerFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
WIDTHS = (1366, 360)


def _shot(page: Any, name: str) -> Path:
    folder = Path(os.environ.get("OPENSTX_SCREENSHOT_DIR") or REPO / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_contact_page_in_vietnamese(page):
    officer = OfficerFactory()
    portal.save_department_contact(
        officer,
        name="Sở Khoa học và Công nghệ thành phố Cần Thơ",
        address="Số 02 Lý Thường Kiệt, phường Ninh Kiều, thành phố Cần Thơ",
        phone="0292 3820 674",
        email="sokhcn@cantho.gov.vn",
        office_hours="Thứ Hai – Thứ Sáu: 7:00 – 11:00 và 13:00 – 17:00",
        latitude="10.033800",
        longitude="105.787600",
    )
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/portal/contact/")
        assert page.get_by_test_id("contact-address").inner_text().startswith("Số 02 Lý")
        assert "7:00 – 11:00" in page.get_by_test_id("contact-hours").inner_text()
        href = page.get_by_test_id("contact-map").get_attribute("href")
        assert href.startswith("https://www.openstreetmap.org/?mlat=10.033800")
        assert page.locator("main h2", has_text="Gửi tin nhắn").count() == 1
        assert _no_horizontal_scroll(page)
        assert _shot(page, f"words-contact-{width}").stat().st_size > 0
    # the footer leads here from any page
    page.goto("/")
    page.locator("footer a[href='/portal/contact/']").click()
    page.wait_for_url("**/portal/contact/")


def _login(page: Any, user: Any) -> None:
    from tests.factories import PASSWORD

    page.goto("/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("main form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_connection_page_reads_vietnamese_for_both_parties(page):
    seller_org = OrganizationFactory(name="Viện Lúa Đồng bằng sông Cửu Long")
    buyer_org = OrganizationFactory(name="Công ty TNHH Chế biến Nông sản Hậu Giang")
    seller = UserFactory(language="vi")
    buyer = UserFactory(language="en")  # writes in English; the seller still reads Vietnamese
    MembershipFactory(user=seller, organization=seller_org)
    MembershipFactory(user=buyer, organization=buyer_org)
    offer = OfferFactory(owner=seller_org, status=ListingStatus.PUBLISHED)
    demand = DemandFactory(requester=buyer_org, status=ListingStatus.PUBLISHED)
    conn = exchange.express_interest(buyer, offer, "Chúng tôi quan tâm.", counterpart=demand)
    exchange.respond(conn, seller, True, "Đồng ý trao đổi")
    exchange.record_contract(
        conn, seller, value_vnd=1_200_000_000, contract_type="transfer", date=dt.date(2026, 3, 7)
    )
    for party, user in (("provider", seller), ("seeker", buyer)):
        page.context.clear_cookies()
        _login(page, user)
        page.context.add_cookies([{"name": "openstx_language", "value": "vi", "url": page.url}])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(conn.get_absolute_url())
            text = page.locator("main").inner_text()
            assert "Lịch sử kết nối" in text and "Đã gửi yêu cầu" in text
            assert "Bản ghi nhớ" not in text and "For the listing" not in text
            assert "1.200.000.000 đ" in text and "07/03/2026" in text
            assert _no_horizontal_scroll(page)
            _shot(page, f"words-connection-{party}-{width}")
