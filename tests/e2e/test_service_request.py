"""A service request in the browser: a business files it (with an attachment), an officer
assigns it, starts the work, writes a message and marks it done; the business sees it done."""

from __future__ import annotations

import pytest
from django.utils import translation

from openstx.portal.models import ServiceRequest
from tests.portal.factories import (
    MembershipFactory,
    OfficerFactory,
    OrganizationFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def label(status: str) -> str:
    with translation.override("vi"):
        return str(ServiceRequest.Status(status).label)


def test_service_request_filed_handled_and_seen_done(page, browser, live_server, login, mailoutbox):
    service = ServiceFactory(title="Phân tích chỉ tiêu vi sinh trong thực phẩm", expected_days=7)
    org = OrganizationFactory(name="Công ty TNHH Thực phẩm Mekong", type="enterprise")
    business = UserFactory(username="doanhnghiep", full_name="Lê Thị Doanh")
    MembershipFactory(user=business, organization=org)
    officer = OfficerFactory(username="canbo", full_name="Trần Văn Cán Bộ")

    # the business files the request
    login(page, business)
    page.goto(service.get_absolute_url())
    page.fill("#id_subject", "Kiểm nghiệm Coliform trong nước mắm")
    page.fill("#id_details", "Ba mẫu nước mắm cá cơm, lô sản xuất tháng 11.")
    page.fill("#id_contact_phone", "0292 3830 123")
    page.select_option("#id_organization", str(org.pk))
    page.set_input_files(
        "#id_files",
        files=[{"name": "phieu-yeu-cau.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("form[action$='/request/'] button[type=submit]")
    page.wait_for_url("**/portal/requests/*/")
    req = ServiceRequest.objects.get()
    assert page.inner_text("#request-status") == label("received")
    assert "phieu-yeu-cau.pdf" in page.content()
    assert req.organization == org and req.attachments.count() == 1

    # the officer handles it from the queue
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        pg = context.new_page()
        login(pg, officer)
        pg.goto("/portal/requests/queue/")
        pg.click(f"text={req.reference}")
        pg.wait_for_url(f"**/portal/requests/{req.pk}/")
        pg.select_option("#id_assignee", str(officer.pk))
        pg.click("button[name=action][value=assign]")
        assert pg.inner_text("#request-status") == label("assigned")
        pg.click("button[name=action][value=start]")
        assert pg.inner_text("#request-status") == label("in_progress")
        pg.fill("#id_body", "Đã nhận mẫu, kết quả đạt chỉ tiêu vi sinh.")
        pg.click("form[action$='/message/'] button[type=submit]")
        pg.wait_for_selector("text=Đã nhận mẫu, kết quả đạt chỉ tiêu vi sinh.")
        pg.fill("#id_comment", "Đã trả kết quả")
        pg.click("button[name=action][value=complete]")
        assert pg.inner_text("#request-status") == label("done")
    finally:
        context.close()

    # the business sees it done, with the message and the history
    page.goto("/portal/requests/")
    assert label("done") in page.inner_text("table.data")
    page.click(f"text={req.reference}")
    assert page.inner_text("#request-status") == label("done")
    assert "Đã nhận mẫu, kết quả đạt chỉ tiêu vi sinh." in page.content()
    assert "Đã trả kết quả" in page.content()
    req.refresh_from_db()
    assert req.status == "done" and req.assignee == officer
    assert [t.to_status for t in req.transitions.all()] == [
        "received",
        "assigned",
        "in_progress",
        "done",
    ]
    assert any(business.email in m.to for m in mailoutbox)
