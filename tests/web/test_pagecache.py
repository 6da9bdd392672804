"""Anonymous visitors get cached public pages, never stale after a change, never someone's
personal page."""

import pytest
from django.urls import reverse

from tests.factories import OrganizationFactory, UserFactory


@pytest.fixture
def page_cache(settings):
    settings.OPENSTX_PAGE_CACHE_SECONDS = 60


@pytest.mark.django_db
def test_second_anonymous_visit_is_served_from_the_cache(client, page_cache):
    url = reverse("directory:organization-list")
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


@pytest.mark.django_db
def test_a_cached_page_costs_no_database_query(client, page_cache, django_assert_num_queries):
    """The outbox position that versions the copies is read from the cache with the copy."""
    url = reverse("directory:organization-list")
    client.get(url)
    with django_assert_num_queries(0):
        hit = client.get(url)
    assert hit["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_a_change_to_a_public_record_invalidates_cached_pages(client, page_cache):
    url = reverse("directory:organization-list")
    client.get(url)
    OrganizationFactory(name="Viện Công nghệ sinh học Đồng Tháp")
    fresh = client.get(url)
    assert fresh["X-Page-Cache"] == "miss"
    assert "Viện Công nghệ sinh học Đồng Tháp" in fresh.content.decode()


@pytest.mark.django_db
def test_signed_in_users_and_languages_are_never_mixed(client, page_cache):
    url = reverse("directory:organization-list")
    client.get(url)
    english = client.get(reverse("web:language", args=["en"]) + f"?next={url}", follow=True)
    assert '<html lang="en">' in english.content.decode()
    user = UserFactory(full_name="Nguyễn Văn Thành")
    client.force_login(user)
    personal = client.get(url)
    assert "X-Page-Cache" not in personal
    assert "Nguyễn Văn Thành" in personal.content.decode()
