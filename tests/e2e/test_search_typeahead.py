"""Search page in a real browser: type-ahead suggestions (htmx), results, tabs, facets."""

from __future__ import annotations

import pytest

from openstx.search import writer
from tests.factories import ExpertFactory, OrganizationFactory

pytestmark = [pytest.mark.browser]


def test_search_as_you_type_and_results(page):
    org = OrganizationFactory(
        name="Viện Nghiên cứu Nuôi trồng Thủy sản II",
        description="Chuyển giao quy trình nuôi tôm càng xanh cho nông dân ĐBSCL.",
    )
    ExpertFactory(full_name="Lê Thị Thủy Sản", organization=org, keywords="thủy sản")
    writer.apply_pending()
    page.goto("/search/")
    page.fill("#search-q", "nuoi tr")
    suggestion = page.locator("#search-suggest li a").first
    suggestion.wait_for()
    assert "Nuôi trồng" in suggestion.inner_text()
    page.fill("#search-q", "thuy san")
    page.press("#search-q", "Enter")
    page.wait_for_url("**/search/?q=thuy+san*")
    assert page.locator(".search-results > li").count() == 2
    assert page.locator(".search-results mark").count() >= 2
    page.locator(".search-tabs a", has_text="(1)").first.click()
    page.wait_for_url("**type=*")
    assert page.locator(".search-results > li").count() == 1
