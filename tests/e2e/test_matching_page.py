"""The matching page as people see it, at 1366 and 360 px (headless Chromium, live server):
reasons with field names and whole phrases, the score as a label with the number on hover, an
action on every expert, the "publish first" sentence on a draft demand; and the confidential
details journey: request (accepting the owner's terms) → grant → the details are shown.
Screenshots go to ``OPENSTX_SCREENSHOT_DIR`` (default ``var/screenshots``)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openstx.accounts.models import Membership, User
from openstx.directory.models import Expert, Organization
from openstx.exchange import services as exchange
from openstx.exchange.models import ConfidentialRequest, Demand, Offer
from openstx.exchange.services import confidential
from openstx.matching import services
from openstx.taxonomy.models import FieldOfScience
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
WIDTHS = (1366, 360)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def shoot(page: Any, name: str, width: int) -> None:
    path = Path(os.environ.get("OPENSTX_SCREENSHOT_DIR") or REPO / "var" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path / f"matching_{name}_{width}.png"), full_page=True)


def no_overflow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def member(username: str, org: Organization) -> User:
    u = User.objects.create(
        username=username, email=f"{username}@example.vn", full_name=username.title()
    )
    u.set_password(PASSWORD)
    u.save()
    Membership.objects.create(user=u, organization=org, status=Membership.Status.APPROVED)
    return u


@pytest.fixture
def world(transactional_db, settings):
    settings.OPENSTX_MATCHING_AUTO = False
    services.invalidate()
    f4 = FieldOfScience.objects.create(code="4", name_vi="Khoa học nông nghiệp", level=1)
    f401 = FieldOfScience.objects.create(code="401", name_vi="Trồng trọt", level=2, parent=f4)
    f40107 = FieldOfScience.objects.create(
        code="40107", name_vi="Bảo quản và chế biến nông sản", level=3, parent=f401
    )
    institute = Organization.objects.create(
        name="Viện Cây ăn quả miền Nam", type="research_institute"
    )
    business = Organization.objects.create(name="Vựa xoài Cao Lãnh", type="enterprise")
    owner = member("vuaxoai", business)
    researcher = member("vienqua", institute)
    now = timezone.now()
    mango = Offer.objects.create(
        title="Chế phẩm bao màng chitosan kéo dài thời gian bảo quản xoài sau thu hoạch",
        summary="Bao màng chitosan giữ xoài tươi thêm 10 ngày khi chở đi xa.",
        owner=institute,
        trl=7,
        status="published",
        published_at=now,
        keywords="bao màng; bảo quản xoài; chậm chín",
        confidential_detail="<p>Công thức: chitosan 1,5% và sáp cọ 0,5%.</p>",
    )
    mango.fields.set([f40107])
    exchange.add_attachment(
        mango, researcher, SimpleUploadedFile("cong-thuc.pdf", PDF), confidential=True
    )
    need = Demand.objects.create(
        title="Xoài chín nhanh, để vài ngày là hỏng",
        requester=business,
        status="published",
        published_at=now,
        problem="Chở xoài lên Sài Gòn tới nơi đã mềm nhũn, có đốm đen. Cần bảo quản xoài lâu hơn.",
    )
    need.fields.set([f401])
    draft = Demand.objects.create(
        title="Nhu cầu nháp: bảo quản xoài sau thu hoạch",
        requester=business,
        status="draft",
        problem="Bảo quản xoài sau thu hoạch cho vựa nhỏ.",
    )
    draft.fields.set([f401])
    expert = Expert.objects.create(
        full_name="Nguyễn Văn Quả",
        organization=institute,
        keywords="bảo quản sau thu hoạch; xoài; bao màng",
    )
    expert.fields.set([f40107])
    yield {
        "owner": owner,
        "researcher": researcher,
        "mango": mango,
        "need": need,
        "draft": draft,
        "expert": expert,
    }
    services.invalidate()


@pytest.mark.parametrize("width", WIDTHS)
def test_matching_page_reads_well(page, login, world, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, world["owner"])
    page.goto(f"/matching/demands/{world['need'].pk}/")
    offer = page.locator("[data-testid=match-offer]").first
    offer.wait_for()
    reasons = offer.locator("[data-testid=reasons]").inner_text()
    assert "Bảo quản và chế biến nông sản" in reasons or "Trồng trọt" in reasons
    assert not re.search(r"\b\d{3,}\b", reasons), reasons  # no field code
    badge = offer.locator("[data-testid=match-score]")
    assert badge.inner_text().strip() in ("rất phù hợp", "phù hợp", "có liên quan")
    assert re.search(r"\d[.,]\d\d", badge.get_attribute("title") or "")
    assert offer.get_by_role("button", name="Gửi yêu cầu kết nối").count() == 1
    experts = page.locator("[data-testid=match-expert]")
    assert experts.count() >= 1
    for i in range(experts.count()):
        assert experts.nth(i).locator("[data-testid=expert-action]").count() == 1
    no_overflow(page)
    shoot(page, "demand", width)
    # a draft demand: no request button, a sentence saying to publish it first
    page.goto(f"/matching/demands/{world['draft'].pk}/")
    hint = page.locator("[data-testid=connect-hint]")
    hint.wait_for()
    assert "Công bố nhu cầu" in hint.inner_text()
    assert page.get_by_role("button", name="Gửi yêu cầu kết nối").count() == 0
    no_overflow(page)
    shoot(page, "draft_demand", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_confidential_request_grant_and_see(page, login, world, width, browser, live_server):
    mango = world["mango"]
    confidential.set_terms(
        world["researcher"], mango, "Bên nhận không tiết lộ công thức cho bên thứ ba trong 2 năm."
    )
    page.set_viewport_size({"width": width, "height": 900})
    login(page, world["owner"])
    page.goto(mango.get_absolute_url())
    assert "chitosan 1,5%" not in page.content()
    form = page.locator("[data-testid=confidential-request-form]")
    form.wait_for()
    assert "không tiết lộ công thức" in form.inner_text()
    form.locator("textarea[name=message]").fill("Cần công thức để thử trên xoài cát Hòa Lộc.")
    form.locator("[data-testid=accept-terms]").check()
    shoot(page, "confidential_request", width)
    form.get_by_role("button", name="Yêu cầu xem thông tin bảo mật").click()
    page.locator("[data-testid=confidential-pending]").wait_for()
    no_overflow(page)
    req = ConfidentialRequest.objects.get()
    assert req.nda_version == 1 and req.nda_accepted_at is not None
    # the owner grants it from the offer page
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    owner_page = context.new_page()
    owner_page.set_viewport_size({"width": width, "height": 900})
    login(owner_page, world["researcher"])
    owner_page.goto(mango.get_absolute_url() + "#confidential-requests")
    item = owner_page.locator(f"[data-testid=confidential-request-{req.pk}]")
    item.wait_for()
    no_overflow(owner_page)
    shoot(owner_page, "confidential_owner", width)
    item.get_by_role("button", name="Đồng ý cho xem").click()
    owner_page.wait_for_load_state()
    context.close()
    req.refresh_from_db()
    assert req.status == "granted"
    # the requester now sees the detail and the confidential document
    page.goto(mango.get_absolute_url())
    page.locator("[data-testid=confidential-granted]").wait_for()
    assert "chitosan 1,5%" in page.locator("[data-testid=confidential]").inner_text()
    assert page.get_by_role("link", name="cong-thuc.pdf").count() == 1
    no_overflow(page)
    shoot(page, "confidential_granted", width)
