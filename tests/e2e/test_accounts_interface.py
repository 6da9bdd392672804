"""Accounts in the browser, at 1366 and 360 px: a business signs up (account type, the
password-strength meter), confirms and lands on the organisation registration form; "remember
me" decides whether the session outlives the browser; a picture is uploaded, shown in the header
and the profile, and removed. Screenshots go to ``OPENSTX_SCREENSHOT_DIR`` (default
``var/screenshots``)."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import path
from django.views.static import serve
from PIL import Image
from playwright.sync_api import expect

from openstx.accounts.models import User
from openstx.urls import urlpatterns as site_urlpatterns
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
WIDTHS = [1366, 360]

# the live server runs with DEBUG off, which serves no media: this URLconf adds it for the test
urlpatterns = [
    *site_urlpatterns,
    path("media/<path:path>", serve, {"document_root": django_settings.MEDIA_ROOT}),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    urlpatterns[-1] = path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    settings.ROOT_URLCONF = __name__
    return settings.MEDIA_ROOT


def shoot(page: Any, name: str, width: int) -> None:
    folder = Path(os.environ.get("OPENSTX_SCREENSHOT_DIR") or REPO / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"accounts_{name}_{width}.png"), full_page=True)


def no_serious_violations(page: Any) -> None:
    """axe-core (vendored; injected by the test only) finds nothing serious or critical."""
    from tests.e2e.test_interface_a11y import run_axe

    blocking = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    assert not blocking, blocking


def no_overflow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("width", WIDTHS)
def test_business_signs_up_with_the_meter_and_lands_on_registration(page, mailoutbox, width, media):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/signup/")
    page.check("#account-type input[value=business]")
    page.fill("#id_full_name", "Lê Minh Châu")
    page.fill("#id_email", "chau@congty.example.vn")
    page.fill("#id_password1", "12345678")
    label = page.locator("#id_password1_strength")
    label.wait_for()
    assert label.get_attribute("aria-live") == "polite"
    expect(label).to_contain_text("yếu")
    assert "Độ mạnh mật khẩu" in label.inner_text()
    strong = "Tôm-càng-xanh ruộng lúa 2026!"
    page.fill("#id_password1", strong)
    expect(label).to_contain_text(re.compile(r"(rất )?mạnh$"))
    assert "id_password1_strength" in (
        page.get_attribute("#id_password1", "aria-describedby") or ""
    )
    page.fill("#id_password2", strong)
    no_overflow(page)
    shoot(page, "signup_business", width)
    no_serious_violations(page)
    page.click("main form[action$='/accounts/signup/'] button[type=submit]")
    page.wait_for_url("**/accounts/signup/done/")
    assert "Đăng ký tổ chức của bạn" in page.inner_text("#signup-next")
    user = User.objects.get(email="chau@congty.example.vn")
    assert user.account_type == "business"
    (message,) = mailoutbox
    link = re.search(r"https?://\S+/accounts/verify/\S+/", message.body).group(0)
    page.goto(link)
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_password", strong)
    page.click("main form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/directory/organizations/register/")
    no_overflow(page)


def _session_cookie(page: Any) -> dict:
    (cookie,) = [
        c for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
    ]
    return cookie


@pytest.mark.parametrize("width", WIDTHS)
def test_remember_me_decides_whether_the_session_outlives_the_browser(page, width):
    user = UserFactory(email="nho@example.vn")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    assert not page.is_checked("#id_remember_me")
    no_overflow(page)
    shoot(page, "login_remember_me", width)
    no_serious_violations(page)
    page.click("main form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert _session_cookie(page)["expires"] == -1  # a browser-session cookie
    page.context.clear_cookies()

    page.goto("/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.check("#id_remember_me")
    page.click("main form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expires = _session_cookie(page)["expires"]
    assert expires > time.time() + django_settings.SESSION_COOKIE_AGE - 3600


@pytest.mark.parametrize("width", WIDTHS)
def test_avatar_upload_shows_in_header_and_profile_then_removed(
    page, login, tmp_path, width, media
):
    user = UserFactory(email="anh@example.vn", full_name="Đỗ Thu Trang")
    picture = tmp_path / "trang.jpg"
    image = Image.new("RGB", (900, 600), (30, 110, 90))
    for x in range(300, 600):  # something to see after the square crop
        for y in range(200, 400, 4):
            image.putpixel((x, y), (240, 200, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    picture.write_bytes(buffer.getvalue())

    page.set_viewport_size({"width": width, "height": 900})
    login(page, user)
    page.goto("/accounts/profile/")
    page.set_input_files("#id_avatar", str(picture))
    page.click("#avatar form[enctype] button[type=submit]")
    page.wait_for_url("**/accounts/profile/#avatar")
    profile_img = page.locator("#profile-avatar")
    header_img = page.locator("header img.avatar")
    src = profile_img.get_attribute("src")
    assert src and src.endswith(".webp") and header_img.get_attribute("src") == src
    expect(profile_img).to_have_js_property("naturalWidth", 256)
    no_overflow(page)
    shoot(page, "profile_avatar", width)
    no_serious_violations(page)

    # a file that is not a picture is refused with a message; the picture stays
    bogus = tmp_path / "not-a-picture.png"
    bogus.write_bytes(b"%PDF-1.4 this is not an image" * 20)
    page.set_input_files("#id_avatar", str(bogus))
    page.click("#avatar form[enctype] button[type=submit]")
    assert "PNG, JPEG, WebP" in page.inner_text("#id_avatar_errors")
    assert page.locator("#profile-avatar").get_attribute("src") == src

    page.click("#avatar-remove")
    page.wait_for_url("**/accounts/profile/#avatar")
    assert page.locator("#no-avatar").is_visible()
    assert page.locator("header img.avatar").count() == 0
