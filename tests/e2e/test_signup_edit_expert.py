"""Sign up through the UI, confirm the e-mail, log in, edit one's own expert profile."""

from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse

from openstx.accounts.models import User
from openstx.directory.models import Expert

pytestmark = pytest.mark.browser

EMAIL = "lan.nguyen@example.vn"
PASSWORD = "Thuy-san-Can-Tho-2026"


def test_signup_verify_login_and_edit_expert_profile(page, live_server, mailoutbox):
    # 1. sign up
    page.goto("/accounts/signup/")
    page.fill("#id_full_name", "Nguyễn Thị Lan")
    page.fill("#id_email", EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main form[action$='/accounts/signup/'] button[type=submit]")
    page.wait_for_url("**/accounts/signup/done/")
    assert EMAIL in page.inner_text("main")

    # 2. the confirmation e-mail, and its link
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [EMAIL]
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mailoutbox[0].body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.wait_for_url("**/accounts/login/**")
    user = User.objects.get(email=EMAIL)
    assert user.is_active and user.email_verified

    # 3. log in (the e-mail is already filled in from the link)
    assert page.input_value("#id_username") == EMAIL
    page.fill("#id_password", PASSWORD)
    page.click("main form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.locator(".header-user").get_by_text("Nguyễn Thị Lan").is_visible()

    # 4. the expert profile linked to this account shows on the profile page
    expert = Expert.objects.create(
        full_name="Nguyễn Thị Lan", degree="TS", user=user, position="Nghiên cứu viên"
    )
    page.goto("/accounts/profile/")
    assert "TS. Nguyễn Thị Lan" in page.inner_text("main")

    try:
        edit_url = reverse("directory:expert-edit", args=[expert.pk])
    except NoReverseMatch:
        pytest.skip("the directory's expert edit page (directory:expert-edit) is not built yet")

    # 5. edit it through the directory's edit page and see the change on the detail page
    page.goto(edit_url)
    page.fill("[name=position]", "Trưởng phòng Công nghệ sinh học")
    page.click("main form:has([name=position]) [type=submit]")
    page.wait_for_load_state()
    expert.refresh_from_db()
    assert expert.position == "Trưởng phòng Công nghệ sinh học"
    page.goto(expert.get_absolute_url())
    assert "Trưởng phòng Công nghệ sinh học" in page.inner_text("main")

    # 6. add a publication from the expert page; a bad DOI is explained, then corrected
    page.click("a[href$='/publications/new/']")
    page.fill("[name=title]", "Vi khuẩn có lợi trong ao nuôi tôm thẻ")
    page.fill("[name=year]", "2024")
    page.fill("[name=venue]", "Tạp chí Khoa học Trường Đại học Cần Thơ")
    page.fill("[name=doi]", "khong-phai-doi")
    page.click("main form:has([name=doi]) [type=submit]")
    page.wait_for_load_state()
    assert "DOI" in page.locator("main .errorlist").first.inner_text()
    page.fill("[name=doi]", "https://doi.org/10.22144/ctu.jvn.2024.001")
    page.click("main form:has([name=doi]) [type=submit]")
    page.wait_for_url(f"**{expert.get_absolute_url()}**")
    main = page.inner_text("main")
    assert "Vi khuẩn có lợi trong ao nuôi tôm thẻ" in main
    assert "doi:10.22144/ctu.jvn.2024.001" in main


def test_api_docs_try_it_out_with_the_session(page, login, live_server):
    """Swagger UI at /api/v1/docs sends the CSRF token: a signed-in user creates a token."""
    from openstx.accounts.models import ApiToken
    from tests.factories import UserFactory

    user = UserFactory(full_name="Trần Văn Bình")
    login(page, user)
    page.goto("/api/v1/docs")
    block = page.locator(".opblock-post").filter(has_text="/api/v1/accounts/tokens").first
    # deep linking rewrites the URL hash on click: do not wait for a "navigation"
    block.locator(".opblock-summary").click(no_wait_after=True)
    block.locator(".try-out__btn").click(no_wait_after=True)
    block.locator("textarea.body-param__text").fill('{"name": "từ trang tài liệu API"}')
    block.locator(".execute").click(no_wait_after=True)
    status = block.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=30_000)
    assert status.inner_text().strip().startswith("201")
    assert ApiToken.objects.filter(user=user, name="từ trang tài liệu API").exists()
