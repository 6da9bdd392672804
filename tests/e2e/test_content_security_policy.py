"""The strict Content-Security-Policy holds in a real browser: the main pages, the htmx
fragments they load and the API docs' "Try it out" page run with no violation reported."""

from __future__ import annotations

import pytest

from tests.exchange.factories import DemandFactory, OfferFactory
from tests.factories import OfficerFactory

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/exchange/offers/",
    "/exchange/demands/",
    "/search/?q=m%C3%A1y%20s%E1%BA%A5y",
    "/directory/organizations/",
    "/directory/experts/",
    "/projects/",
    "/ip/",
    "/library/",
    "/portal/",
    "/statistics/",
    "/accounts/login/",
    "/accounts/signup/",
    "/api/v1/docs",
]


def _watch(page):
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"{page.url} {msg.location.get('url', '')}: {msg.text[:90]}")
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return problems


def test_main_pages_run_under_the_policy(page, login):
    from openstx.exchange.models import ListingStatus

    officer = OfficerFactory()
    offer = OfferFactory(title="Máy sấy lạnh nông sản", status=ListingStatus.PUBLISHED)
    demand = DemandFactory(title="Cần máy sấy xoài", status=ListingStatus.PUBLISHED)
    problems = _watch(page)
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    login(page, officer)
    for path in [offer.get_absolute_url(), demand.get_absolute_url(), "/exchange/moderation/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    # the search box's type-ahead is an htmx request whose answer is swapped into the page
    page.goto("/search/")
    page.fill("input[name=q]", "máy")
    page.wait_for_load_state("networkidle")
    assert problems == [], "\n".join(f"{p}" for p in problems)
