"""Browser tests: one headless Chromium per test session, a fresh page per test.

Fixtures for every app's e2e tests:

- ``browser``: the session's Playwright Chromium (Debian's /usr/bin/chromium; never downloaded).
- ``page``: a new browser context and page whose ``base_url`` is pytest-django's ``live_server``
  (so ``page.goto("/accounts/login/")`` works). It uses ``transactional_db``, because the live
  server thread must see rows the test writes; e-mails go to ``django.core.mail.outbox`` (the
  ``mailoutbox`` fixture works: the live server runs in this process) and links in e-mails point
  at the live server.
- ``login``: ``login(page, user, password=PASSWORD)`` signs in through the log-in form.

Mark browser tests ``@pytest.mark.browser``. On SQLite run them on a file database
(``OPENSTX_TEST_SQLITE_NAME=…``, as ``scripts/test`` does): with the in-memory one Django gives the
live server the test's own connection, and a page's concurrent requests then collide.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.factories import PASSWORD  # the password the factories give users

# Playwright's sync API keeps an asyncio loop on the main thread; Django would then refuse ORM
# calls made by the test itself ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, transactional_db: None, settings: Any) -> Iterator[Any]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def login() -> Callable[..., None]:
    def do_login(pg: Any, user: Any, password: str = PASSWORD) -> None:
        pg.goto("/accounts/login/")
        pg.fill("#id_username", user.email)
        pg.fill("#id_password", password)
        pg.click("main form[action$='/accounts/login/'] button[type=submit]")
        pg.wait_for_url(lambda url: "/accounts/login/" not in url)

    return do_login
