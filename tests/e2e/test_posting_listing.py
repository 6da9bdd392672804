"""A business posts a technology offer step by step in a browser, on a desktop (1366 px) and a
phone (360 px): fields of science found by typing without accents and shown as chips, a step
refused until its required fields are filled, a picture attached before submitting, the
preview, submission, and the owner's list with completeness and counts; a second draft is
deleted after confirmation. Screenshots go to ``OPENSTX_SCREENSHOT_DIR`` (default
``var/screenshots``)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from openstx.exchange.models import ListingStatus, Offer
from openstx.ipr.models import IPRecord
from openstx.taxonomy.services import load_fields_of_science
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "src/openstx/web/static/vendor/axe-core/axe.min.js"


def shots() -> Path:
    path = Path(os.environ.get("OPENSTX_SCREENSHOT_DIR") or REPO / "var" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def shoot(page: Any, name: str, width: int) -> None:
    page.screenshot(path=str(shots() / f"posting_{name}_{width}.png"), full_page=True)


def no_overflow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def no_serious_axe_violations(page: Any) -> None:
    """axe-core (vendored) finds nothing serious or critical on the page."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # DevTools evaluation: not subject to CSP
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )
    assert found == []


def picture(tmp_path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 120, 80)).save(out, "PNG")
    path = tmp_path / "may-say-lanh.png"
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("width", [1366, 360])
def test_business_posts_an_offer_step_by_step(page, login, tmp_path, width):
    load_fields_of_science()
    company = OrganizationFactory(name="Công ty Cơ khí Chế biến Hậu Giang", type="enterprise")
    user = UserFactory(username=f"cokhi{width}")
    MembershipFactory(user=user, organization=company)
    IPRecord.objects.create(
        type="utility_solution",
        title="Thiết bị sấy lạnh bơm nhiệt",
        application_number="2-2024-00077",
        applicant_organization=company,
    )
    page.set_viewport_size({"width": width, "height": 900})
    login(page, user)

    # 1. what: required fields refused on "next", then fields of science by type-ahead
    page.goto("/exchange/mine/")
    page.click("main a[href$='/exchange/offers/post/']")
    page.wait_for_url("**/exchange/offers/post/")
    assert page.get_attribute("#id_title", "aria-required") == "true"
    page.fill("#id_title", "Máy sấy lạnh bơm nhiệt cho trái cây")
    page.click("button[name=go][value=next]")
    page.wait_for_selector(".form-row.has-error")  # the refused step has come back
    assert page.locator(".form-row.has-error").count() >= 2  # summary, fields
    assert page.input_value("#id_title") == "Máy sấy lạnh bơm nhiệt cho trái cây"
    shoot(page, "1_what_errors", width)
    page.fill("#id_summary", "Sấy trái cây ở 40 °C, giữ màu và vitamin")
    picker = page.locator(".fos-picker .fos-input")
    picker.fill("ky thuat thuc pham")  # no accents: folded on both sides
    page.wait_for_selector(".fos-results [role=option]")
    option = page.locator(".fos-results [role=option]").first
    assert "thực phẩm" in option.inner_text().lower()
    option.dispatch_event("mousedown")
    page.wait_for_selector(".fos-chips .chip")
    picker.fill("dia chat")  # Địa chất: đ folds to d
    page.wait_for_selector(".fos-results [role=option]")
    page.keyboard.press("Enter")
    assert page.locator(".fos-chips .chip").count() == 2
    page.locator(".fos-chips .chip-remove").last.click()  # chips are removable
    assert page.locator(".fos-chips .chip").count() == 1
    shoot(page, "1_what", width)
    no_overflow(page)
    no_serious_axe_violations(page)
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"/steps/technical/$"))
    offer = Offer.objects.get(title="Máy sấy lạnh bơm nhiệt cho trái cây")
    assert offer.status == ListingStatus.DRAFT and offer.owner == company
    assert offer.fields.count() == 1

    # 2. technical detail
    page.fill("#id_description", "Máy sấy dùng bơm nhiệt, tuần hoàn khí kín, 200 kg/mẻ.")
    page.fill("#id_advantages", "Tiết kiệm 40% điện so với sấy nóng; giữ màu tự nhiên.")
    shoot(page, "2_technical", width)
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"/steps/readiness/$"))

    # 3. readiness and IP: the owner's IP record by its number, free text for the rest
    page.select_option("#id_trl", "7")
    page.fill("#id_ip_records_0", str(IPRecord.objects.get().pk))
    page.fill("#id_ip_items", "Bí quyết điều khiển nhiệt độ theo độ ẩm")
    shoot(page, "3_readiness", width)
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"/steps/terms/$"))
    assert IPRecord.objects.get().offer_id == offer.pk

    # 4. commercial terms: a technology needs a transfer mode
    page.click("button[name=go][value=next]")
    page.wait_for_selector(".form-row.has-error")  # the refused step has come back
    assert page.locator(".form-row.has-error").count() == 1
    page.check("input[name=transfer_modes][value=licence_nonexclusive]")
    page.fill("#id_price_vnd", "350000000")
    page.fill("#id_contact_name", "Anh Minh")
    page.fill("#id_contact_email", "minh@cokhi.example.vn")
    shoot(page, "4_terms", width)
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"/steps/files/$"))

    # 5. a picture attached while creating (the draft exists since step 1)
    page.set_input_files("#img-file", str(picture(tmp_path)))
    page.fill("#img-cap", "Máy sấy tại xưởng")
    page.click("form[action$='/image/'] button[type=submit]")
    page.wait_for_selector(".gallery img")
    assert offer.images.count() == 1
    shoot(page, "5_files", width)
    page.click("button[name=go][value=next]")

    # preview: the public page with a banner, then submission
    page.wait_for_url(re.compile(r"/preview/$"))
    assert page.locator("[data-testid=preview-banner]").is_visible()
    assert "Máy sấy dùng bơm nhiệt" in page.inner_text("main")
    shoot(page, "6_preview", width)
    no_overflow(page)
    no_serious_axe_violations(page)
    page.click("[data-testid=preview-banner] button[value=submit]")
    page.wait_for_selector("[data-testid=status]")
    offer.refresh_from_db()
    assert offer.status == ListingStatus.SUBMITTED

    # the owner's list: completeness and counts
    page.goto("/exchange/mine/")
    row = page.locator("table.my-listings tr", has_text="Máy sấy lạnh bơm nhiệt")
    assert row.locator("[data-testid=views]").inner_text() == "0"
    assert row.locator("progress").count() == 1
    shoot(page, "7_my_listings", width)
    no_overflow(page)

    # a second draft, deleted after confirmation
    draft = Offer.objects.create(title="Bản nháp bỏ đi", owner=company, created_by=user)
    page.goto(f"/exchange/listing/offer/{draft.pk}/delete/")
    shoot(page, "8_delete_confirm", width)
    page.click("main form button.danger")
    page.wait_for_url("**/exchange/mine/")
    assert not Offer.objects.filter(pk=draft.pk).exists()
