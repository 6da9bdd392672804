"""The exchange journey in a browser: a business posts a demand, an officer approves it, a broker
connects a researcher's offer to it, both sides exchange a message, the deal is closed with a
value, and the deal shows in the statistics."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from openstx.accounts.models import Membership, User
from openstx.directory.models import Organization
from openstx.exchange import services
from openstx.exchange.models import Connection, Demand, ListingStatus, Offer
from openstx.taxonomy.models import FieldOfScience

pytestmark = pytest.mark.browser
PASSWORD = "Ch3-ph4m sinh hoc!"


def make_user(username: str, role: str = "member", org: Organization | None = None) -> User:
    user = User.objects.create_user(
        username,
        f"{username}@example.vn",
        PASSWORD,
        role=role,
        full_name=username.title(),
        email_verified=True,
    )
    if org is not None:
        Membership.objects.create(user=user, organization=org, status="approved")
    return user


def switch_user(page, login, user) -> None:
    # Let the page's own requests (the htmx matching fragment) finish first, so a late response
    # cannot set a cookie for the previous user after the cookies are cleared.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    login(page, user)


def test_exchange_journey(page, login):
    field = FieldOfScience.objects.get_or_create(
        code="211",
        defaults={"level": 2, "name_vi": "Công nghệ thực phẩm", "name_en": "Food technology"},
    )[0]
    institute = Organization.objects.create(
        name="Viện Cây ăn quả miền Nam", type="research_institute"
    )
    company = Organization.objects.create(
        name="Công ty Chế biến Nông sản Hậu Giang", type="enterprise"
    )
    business = make_user("doanhnghiep", org=company)
    researcher = make_user("nghiencuu", org=institute)
    officer = make_user("canbo", role="officer")
    broker = make_user("moigioi", role="broker")
    offer = Offer(
        title="Công nghệ sấy lạnh khóm giữ màu tự nhiên",
        owner=institute,
        kind="technology",
        summary="Sấy lạnh bơm nhiệt, giữ 90% vitamin C.",
        description="<p>Chi tiết</p>",
        advantages="Tiết kiệm 40% điện",
        trl=7,
        transfer_modes="licence_nonexclusive",
    )
    services.save_listing(offer, researcher, fields=[field])
    services.submit(offer, researcher)
    services.approve(offer, officer)

    # 1. the business posts a demand and submits it
    login(page, business)
    page.goto("/exchange/demands/new/")
    page.fill("#id_title", "Cần dây chuyền sấy khóm xuất khẩu")
    page.fill("#id_problem", "Khóm chính vụ dư thừa, sấy nóng làm mất màu.")
    page.fill("#id_desired_outcome", "Sản phẩm khóm sấy giữ màu, hạn dùng 12 tháng.")
    page.select_option("#id_fields", str(field.pk))
    page.select_option("#id_min_trl", "6")
    page.fill("#id_budget_min_vnd", "300000000")
    page.fill("#id_budget_max_vnd", "900000000")
    page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=120)).isoformat())
    page.click("main form button.primary")
    page.wait_for_url(re.compile(r"/exchange/demands/\d+/"))
    demand = Demand.objects.get(title="Cần dây chuyền sấy khóm xuất khẩu")
    assert demand.requester == company and demand.status == ListingStatus.DRAFT
    page.click("button[name=action][value=submit]")
    page.wait_for_selector("[data-testid=status]")
    demand.refresh_from_db()
    assert demand.status == ListingStatus.SUBMITTED

    # 2. an officer approves it from the moderation queue
    switch_user(page, login, officer)
    page.goto("/exchange/moderation/")
    page.click(f"main a[href='{demand.get_absolute_url()}']")
    page.click("button[name=action][value=approve]")
    page.wait_for_selector("[data-testid=status]")
    demand.refresh_from_db()
    assert demand.status == ListingStatus.PUBLISHED
    page.goto("/exchange/demands/")
    assert demand.title in page.content()

    # 3. a broker connects the researcher's offer to it
    switch_user(page, login, broker)
    page.goto(demand.get_absolute_url())
    page.click(f"a[href$='?demand={demand.pk}']")
    page.check(f"input[name=offer][value='{offer.pk}']")
    page.fill("#b-msg", "Đề xuất kết nối hai bên về công nghệ sấy lạnh.")
    page.click("main form button.primary")
    page.wait_for_url(re.compile(r"/exchange/connections/\d+/"))
    conn = Connection.objects.get()
    assert conn.demand == demand and conn.offer == offer and conn.broker == broker

    # 4. the researcher accepts and writes; the business answers
    switch_user(page, login, researcher)
    page.goto(conn.get_absolute_url())
    page.click("button[name=accept][value='1']")
    page.wait_for_selector("#msg-body")
    page.fill("#msg-body", "Chúng tôi mời quý công ty đến xem mô hình trình diễn.")
    page.click("#thread button.primary")
    page.wait_for_selector("text=mô hình trình diễn")
    switch_user(page, login, business)
    page.goto(conn.get_absolute_url())
    assert "mô hình trình diễn" in page.content()
    page.fill("#msg-body", "Đồng ý, hẹn thứ Hai tuần sau.")
    page.click("#thread button.primary")
    page.wait_for_selector("text=hẹn thứ Hai")
    # the offer's confidential detail is now open to the business
    page.goto(offer.get_absolute_url())
    assert page.locator("[data-testid=confidential]").count() == 1

    # 5. the broker records the contract and closes the deal with success
    switch_user(page, login, broker)
    page.goto(conn.get_absolute_url())
    assert "hẹn thứ Hai" in page.content()
    page.click("details:has([data-testid=save-contract]) summary")
    page.fill("#id_contract-value_vnd", "750000000")
    page.select_option("#id_contract-contract_type", "transfer")
    page.fill("#id_contract-date", dt.date.today().isoformat())
    page.click("[data-testid=save-contract]")
    page.wait_for_selector("[data-testid=contract]")
    page.click("details:has([data-testid=close-deal]) summary")
    page.select_option("#id_close-success", "1")
    page.fill("#id_close-reason", "Đã ký hợp đồng chuyển giao.")
    page.check("#id_close-close_demand")
    page.click("[data-testid=close-deal]")
    page.wait_for_selector("[data-testid=stage]")
    conn.refresh_from_db()
    assert conn.stage == "closed" and conn.outcome == "success"
    assert conn.contract_value_vnd == 750_000_000
    assert Demand.objects.get(pk=demand.pk).status == ListingStatus.WITHDRAWN

    # 6. the deal appears in the statistics
    switch_user(page, login, officer)
    page.goto("/exchange/statistics/")
    assert page.inner_text("[data-testid=deal-count]").strip() == "1"
    assert "750.000.000" in page.inner_text("[data-testid=deal-total]")
    assert page.locator("main svg").count() >= 4


def test_event_and_expert_journey(page, login):
    """An officer prepares and publishes a Techmart in the app, a researcher registers an offer,
    a business shows interest at the event (counted for the event) and asks an expert for its
    demand; the expert accepts."""
    from openstx.directory.models import Expert
    from openstx.exchange.models import Event

    field = FieldOfScience.objects.get_or_create(
        code="211",
        defaults={"level": 2, "name_vi": "Công nghệ thực phẩm", "name_en": "Food technology"},
    )[0]
    institute = Organization.objects.create(name="Trường Đại học Cần Thơ", type="university")
    company = Organization.objects.create(name="Công ty Trái cây Sóc Trăng", type="enterprise")
    business = make_user("doanhnghiep2", org=company)
    researcher = make_user("nghiencuu2", org=institute)
    officer = make_user("canbo2", role="officer")
    expert_user = make_user("chuyengia")
    expert = Expert.objects.create(
        full_name="Nguyễn Văn Sấy",
        user=expert_user,
        organization=institute,
        open_to_consulting=True,
    )
    expert.fields.set([field])
    offer = Offer(
        title="Máy sấy bơm nhiệt cho trái cây",
        owner=institute,
        kind="equipment",
        summary="Sấy nhiệt độ thấp, giữ màu.",
        description="<p>Chi tiết</p>",
        advantages="Tiết kiệm điện",
        trl=8,
    )
    services.save_listing(offer, researcher, fields=[field])
    services.submit(offer, researcher)
    services.approve(offer, officer)
    demand = Demand(
        title="Cần công nghệ sấy xoài",
        requester=company,
        problem="<p>Xoài chín rộ, giá thấp.</p>",
        desired_outcome="Xoài sấy dẻo xuất khẩu.",
    )
    services.save_listing(demand, business, fields=[field])
    services.submit(demand, business)
    services.approve(demand, officer)

    # 1. the officer creates the event (a draft) and publishes it
    login(page, officer)
    page.goto("/exchange/events/")
    page.click("a[href='/exchange/events/new/']")
    page.fill("#id_title", "Techmart Sóc Trăng 2026")
    page.fill("#id_start_date", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.fill("#id_place", "Trung tâm Hội nghị tỉnh")
    page.click("main form button.primary")
    page.wait_for_selector("[data-testid=event-publish]")
    event = Event.objects.get()
    assert event.status == "draft"
    page.click("[data-testid=event-publish]")
    page.wait_for_selector("[data-testid=event-cancel]")
    event.refresh_from_db()
    assert event.status == "published"

    # 2. the researcher registers the offer
    switch_user(page, login, researcher)
    page.goto("/exchange/events/")
    page.click(f"a[href='{event.get_absolute_url()}']")
    page.select_option("#reg", f"offer:{offer.pk}")
    page.click("form[action$='/register/'] button")
    page.wait_for_selector(f"main a[href='{offer.get_absolute_url()}']")
    assert page.inner_text("[data-testid=event-offers]").strip() == "1"

    # 3. the business shows interest at the event
    switch_user(page, login, business)
    page.goto(event.get_absolute_url())
    page.click("[data-testid=event-interest] summary")
    page.fill(f"#int-offer-{offer.pk}", "Gặp nhau tại gian hàng số 12.")
    page.click("[data-testid=event-interest] button.primary")
    page.wait_for_url(re.compile(r"/exchange/connections/\d+/"))
    conn = Connection.objects.get(offer=offer)
    assert conn.event == event and conn.seeker_org == company
    page.goto(event.get_absolute_url())
    assert page.inner_text("[data-testid=event-connections]").strip() == "1"

    # 4. the business asks an expert for its demand; the expert accepts
    page.goto(demand.get_absolute_url())
    page.click(f"a[href='/exchange/demands/{demand.pk}/ask-expert/']")
    page.check(f"input[name=expert][value='{expert.pk}']")
    page.fill("#id_message", "Xin thầy tư vấn quy trình sấy xoài.")
    page.click("main form button.primary")
    page.wait_for_url(re.compile(r"/exchange/connections/\d+/"))
    ask = Connection.objects.get(expert=expert)
    assert ask.demand == demand and ask.broker is None and ask.stage == "requested"
    switch_user(page, login, expert_user)
    page.goto(ask.get_absolute_url())
    page.click("button[name=accept][value='1']")
    page.wait_for_selector("#msg-body")
    ask.refresh_from_db()
    assert ask.stage == "accepted"
