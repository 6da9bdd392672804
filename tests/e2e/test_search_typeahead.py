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


def test_typeahead_suggests_dictionary_entries_and_partial_results_say_so(page):
    from openstx.search.models import Synonym

    # (browser tests flush the tables, seeded entries included: add the one this test uses)
    Synonym.objects.get_or_create(terms="ĐBSCL = đồng bằng sông Cửu Long")
    OrganizationFactory(
        name="Hợp tác xã khóm đóng hộp Tân Phước",
        description="Chế biến khóm đóng hộp xuất khẩu.",
    )
    writer.apply_pending()
    page.goto("/search/")
    # the abbreviation dictionary: typing the start of ĐBSCL offers the expansion as a search
    page.fill("#search-q", "dbs")
    query = page.locator("#search-suggest li.suggest-query a").first
    query.wait_for()
    assert "đồng bằng sông cửu long" in query.inner_text()
    # a word no record has: the record with the other words is shown, flagged partial
    page.fill("#search-q", "khom dong hop Ben Tre")
    page.press("#search-q", "Enter")
    page.wait_for_url("**/search/?q=khom*")
    assert page.locator(".search-results > li").count() == 1
    assert "Kết quả chứa một phần từ khóa" in page.locator(".search-partial").inner_text()
    assert page.locator(".search-missing s", has_text="ben").count() == 1
    # did you mean: the accented spelling the index holds, one click away
    suggestion = page.locator(".search-suggestion a")
    assert "khóm" in suggestion.inner_text()
    suggestion.click()
    page.wait_for_url("**q=kh%C3%B3m*")
    assert page.locator(".search-results > li").count() == 1
