"""Day one of a business, in a browser: it signs up choosing "register a new organisation",
confirms its e-mail, registers its company (tax code, 2025 province and ward, type), posts a draft
demand and submits it; an officer sees the company on the verification screen, verifies it and
publishes the demand; the business then sees offers matching its demand. Screenshots at 1366
and 360 px go to var/screenshots/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openstx.accounts.models import Membership, User
from openstx.directory.models import Organization
from openstx.exchange.models import Demand, ListingStatus, Notification, Offer
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
EMAIL = "giamdoc@phuongnam-food.vn"
PASSWORD = "Khom-say-deo-2026!"
OFFICER_PASSWORD = "Can-bo-So-KHCN-2026!"
WIDTHS = (1366, 360)


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"day_one_{name}_{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


@pytest.fixture
def world(transactional_db, settings):
    from openstx.matching import services as matching

    settings.OPENSTX_MATCHING_AUTO = False
    matching.invalidate()
    can_tho = AdministrativeUnit.objects.create(code="92", name="Thành phố Cần Thơ", level=1)
    AdministrativeUnit.objects.create(
        code="31117", name="Phường Ninh Kiều", level=3, parent=can_tho
    )
    AdministrativeUnit.objects.create(code="31120", name="Phường Cái Khế", level=3, parent=can_tho)
    AdministrativeUnit.objects.create(code="01", name="Thành phố Hà Nội", level=1)
    food = FieldOfScience.objects.create(
        code="211", level=2, name_vi="Kỹ thuật thực phẩm và đồ uống", name_en="Food engineering"
    )
    institute = Organization.objects.create(
        name="Viện Cây ăn quả miền Nam", type="research_institute", verified=True
    )
    now = timezone.now()
    dryer = Offer.objects.create(
        title="Công nghệ sấy lạnh khóm giữ màu tự nhiên",
        summary="Sấy lạnh bơm nhiệt cho khóm, giữ màu và 90% vitamin C.",
        owner=institute,
        trl=7,
        status="published",
        published_at=now,
        keywords="sấy khóm; sấy lạnh; khóm sấy dẻo",
    )
    dryer.fields.set([food])
    Offer.objects.create(
        title="Máy đánh vảy và mổ bụng cá tra",
        owner=institute,
        trl=8,
        status="published",
        published_at=now,
    )
    officer = User.objects.create_user(
        "canbo",
        "canbo@sokhcn.cantho.gov.vn",
        OFFICER_PASSWORD,
        role="officer",
        full_name="Cán bộ Sở",
        email_verified=True,
    )
    yield {"officer": officer, "dryer": dryer, "food": food}
    matching.invalidate()


def act(page, action: str) -> None:
    """Press a listing's action button and wait for the page to show the new status."""
    status = page.locator("[data-testid=status]")
    before = status.inner_text()
    page.click(f"button[name=action][value={action}]")
    expect(status).not_to_have_text(before)


def _login(page, email: str, password: str) -> None:
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_business_day_one(page, world, mailoutbox):
    page.set_viewport_size({"width": 1366, "height": 900})

    # 1. sign up, asking to register a new organisation
    page.goto("/accounts/signup/")
    page.fill("#id_full_name", "Trần Văn Phương")
    page.fill("#id_email", EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.check("#id_new_organization")
    shoot(page, "1_signup")
    page.click("main form[action$='/accounts/signup/'] button[type=submit]")
    page.wait_for_url("**/accounts/signup/done/")

    # 2. confirm the e-mail, log in: straight to the registration form
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mailoutbox[0].body).group(0)
    page.goto(link)
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_password", PASSWORD)
    page.click("main form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/directory/organizations/register/")

    # 3. register the company: a bad tax code is explained, then corrected
    page.fill("#id_name", "Công ty TNHH Chế biến Nông sản Phương Nam")
    page.fill("#id_short_name", "Phương Nam Food")
    page.select_option("#id_kind", "business")
    page.fill("#id_tax_code", "18001234")
    page.select_option("#id_province", label="Thành phố Cần Thơ")
    page.wait_for_selector("#id_ward option:has-text('Phường Ninh Kiều')", state="attached")
    page.select_option("#id_ward", label="Phường Ninh Kiều")
    page.fill("#id_address", "Số 12 đường 30/4")
    page.click("main form.register-org button[type=submit]")
    page.wait_for_selector("main .errorlist")  # only on the answer to the POST
    assert "1800123456" not in page.input_value("#id_tax_code")
    # what was chosen is kept: province, and the ward among that province's wards
    ward = AdministrativeUnit.objects.get(code="31117")
    assert page.input_value("#id_ward") == str(ward.pk)
    shoot(page, "2_register_error")
    page.fill("#id_tax_code", "1800123456")
    page.click("main form.register-org button[type=submit]")
    page.wait_for_url(re.compile(r"/directory/organizations/\d+/"))
    company = Organization.objects.get(tax_code="1800123456")
    assert company.awaiting_verification and company.admin_unit.name == "Phường Ninh Kiều"
    user = User.objects.get(email=EMAIL)
    assert Membership.objects.get(user=user, organization=company).role == "admin"
    assert "chờ xác minh" in page.inner_text("main")
    shoot(page, "3_company_awaiting")

    # 4. a draft demand at once, submitted for moderation
    page.goto("/exchange/demands/new/")
    page.fill("#id_title", "Cần công nghệ sấy khóm giữ màu")
    page.fill("#id_problem", "Khóm chính vụ dư thừa, sấy nóng làm mất màu.")
    page.fill("#id_desired_outcome", "Khóm sấy dẻo giữ màu, hạn dùng 12 tháng.")
    page.select_option("#id_fields", str(world["food"].pk))
    page.select_option("#id_min_trl", "6")
    page.fill("#id_budget_min_vnd", "200000000")
    page.fill("#id_budget_max_vnd", "800000000")
    page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=120)).isoformat())
    page.click("main form button.primary")
    page.wait_for_url(re.compile(r"/exchange/demands/\d+/"))
    demand = Demand.objects.get(title="Cần công nghệ sấy khóm giữ màu")
    assert demand.requester == company and demand.status == ListingStatus.DRAFT
    act(page, "submit")
    demand.refresh_from_db()
    assert demand.status == ListingStatus.SUBMITTED

    # the public does not see the company yet
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    assert page.goto(company.get_absolute_url()).status == 404

    # 5. the officer was told; verifies the company (no duplicates), then publishes the demand
    officer = world["officer"]
    assert Notification.objects.filter(user=officer, verb="organization_registered").exists()
    _login(page, officer.email, OFFICER_PASSWORD)
    page.goto("/directory/organizations/verification/")
    assert "Phương Nam" in page.inner_text("main")
    shoot(page, "4_verification_queue")
    page.click(f"main a[href$='/directory/organizations/{company.pk}/verify/']")
    page.wait_for_url(f"**/organizations/{company.pk}/verify/")
    shoot(page, "5_verify")
    page.click("main form button.primary")
    page.wait_for_url("**/directory/organizations/verification/")
    company.refresh_from_db()
    assert company.verified and not company.awaiting_verification
    page.goto("/exchange/moderation/")
    page.click(f"main a[href='{demand.get_absolute_url()}']")
    act(page, "approve")
    demand.refresh_from_db()
    assert demand.status == ListingStatus.PUBLISHED

    # 6. the business was told, and sees offers matching its demand
    assert Notification.objects.filter(user=user, verb="organization_verified").exists()
    _login(page, EMAIL, PASSWORD)
    page.goto(f"/matching/demands/{demand.pk}/")
    first = page.locator("[data-testid=match-offer]").first
    first.wait_for()
    assert "sấy lạnh khóm" in first.inner_text()
    shoot(page, "6_matches")
