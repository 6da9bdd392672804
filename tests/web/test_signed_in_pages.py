"""Signed-in pages: bounded query counts, and their per-viewer cached copies are never stale
after a write and never shown to anyone else (openstx.web.pagecache, issue #19)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from openstx.accounts.models import User
from openstx.exchange import services
from openstx.exchange.models import ListingStatus
from tests.exchange.factories import DemandFactory, OfferFactory
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.projects.factories import TaskFactory

CSRF = "a" * 32  # a well-formed CSRF secret, as a browser that loaded a form holds


@pytest.fixture
def world(db):
    org = OrganizationFactory(name="Viện Nghiên cứu Nuôi trồng Thủy sản Cần Thơ")
    member = UserFactory(username="thanh", full_name="Nguyễn Văn Thành")
    MembershipFactory(user=member, organization=org)
    officer = UserFactory(username="officer-lan", role=User.Role.OFFICER, full_name="Lê Thị Lan")
    offers = [
        OfferFactory(owner=org if i % 2 else OrganizationFactory(), status=ListingStatus.PUBLISHED)
        for i in range(8)
    ]
    demands = [
        DemandFactory(requester=OrganizationFactory(), status=ListingStatus.PUBLISHED)
        for _ in range(8)
    ]
    submitted = OfferFactory(owner=org, status=ListingStatus.SUBMITTED)
    tasks = [TaskFactory(host=org) for _ in range(4)]
    return {
        "org": org,
        "member": member,
        "officer": officer,
        "offers": offers,
        "demands": demands,
        "submitted": submitted,
        "tasks": tasks,
    }


def _login(client, user):
    client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF
    return client


# (name, url, who, most queries) — the most each page may run when rendered (no cached copy);
# the counts do not grow with the number of cards (8 of each in the fixture). The statistics
# tables are a shared fragment (web.fragments): the second look, measured here, does not compute
# them again (tests/web/test_fragments.py measures the first).
PAGES = [
    ("offer list", lambda w: reverse("exchange:offer-list"), "member", 8),
    ("demand list", lambda w: reverse("exchange:demand-list"), "member", 8),
    ("offer detail", lambda w: w["offers"][0].get_absolute_url(), "member", 25),
    ("demand detail", lambda w: w["demands"][0].get_absolute_url(), "member", 14),
    ("search", lambda w: reverse("search:search") + "?q=tom", "member", 6),
    ("matching", lambda w: reverse("matching:demand", args=[w["demands"][0].pk]), "member", 11),
    ("task list", lambda w: reverse("projects:task-list"), "member", 11),
    ("task page", lambda w: w["tasks"][0].get_absolute_url(), "member", 18),
    ("statistics", lambda w: reverse("reports:statistics"), "member", 5),
    ("offer list", lambda w: reverse("exchange:offer-list"), "officer", 7),
    ("offer detail", lambda w: w["offers"][0].get_absolute_url(), "officer", 24),
    ("task page", lambda w: w["tasks"][0].get_absolute_url(), "officer", 15),
    ("moderation queue", lambda w: reverse("exchange:moderation"), "officer", 6),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "url", "who", "most"), PAGES, ids=[f"{p[0]}-{p[2]}" for p in PAGES]
)
def test_signed_in_pages_run_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries, name, url, who, most
):
    _login(client, world[who])
    path = url(world)
    assert client.get(path).status_code == 200  # warm the per-process caches (code lists, …)
    with django_assert_max_num_queries(most):
        response = client.get(path)
    assert response.status_code == 200
    assert "X-Page-Cache" not in response  # the suite runs with page caching off


@pytest.fixture
def signed_in_cache(settings):
    settings.OPENSTX_PAGE_CACHE_SECONDS = 60
    settings.OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS = 30


@pytest.mark.django_db
def test_a_second_visit_is_served_from_the_viewers_copy(
    client, world, signed_in_cache, django_assert_num_queries
):
    _login(client, world["member"])
    url = reverse("exchange:offer-list")
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):  # no session, no user; the outbox position is cached
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Nguyễn Văn Thành" in second.content.decode()


@pytest.mark.django_db
def test_an_edit_shows_at_once(client, world, signed_in_cache):
    _login(client, world["member"])
    offer = world["offers"][1]  # the member's organisation's
    url = offer.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    offer.title = "Quy trình nuôi tôm sú sinh thái rừng ngập mặn"
    services.save_listing(offer, world["officer"])
    fresh = client.get(offer.get_absolute_url())
    assert fresh["X-Page-Cache"] == "miss"
    assert "Quy trình nuôi tôm sú sinh thái rừng ngập mặn" in fresh.content.decode()


@pytest.mark.django_db
def test_any_write_request_drops_the_copies(client, world, signed_in_cache):
    """Records outside the search index (a task's team, a budget line) change through write
    requests: every successful one drops every signed-in copy."""
    _login(client, world["member"])
    url = world["tasks"][0].get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    other = client_class_for(client)
    _login(other, world["officer"])
    assert other.post(reverse("accounts:logout")).status_code < 400
    assert client.get(url)["X-Page-Cache"] == "miss"


def client_class_for(client):
    return type(client)()


@pytest.mark.django_db
def test_a_copy_is_never_shown_to_another_viewer(client, world, signed_in_cache):
    """The submitted offer is visible to its organisation and officers only: a member of it
    warms a copy; another member asking for the same address (same browser cookie even) gets
    the page their own rights give, never the copy."""
    submitted = world["submitted"]
    url = submitted.get_absolute_url()
    _login(client, world["member"])
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Page-Cache"] == "hit"
    outsider = UserFactory(username="outsider-minh", full_name="Phạm Văn Minh")
    MembershipFactory(user=outsider)
    other = client_class_for(client)
    _login(other, outsider)
    assert other.get(url).status_code == 404
    moderation = reverse("exchange:moderation")
    officer = _login(client_class_for(client), world["officer"])
    queue = officer.get(moderation)
    assert submitted.title in queue.content.decode()
    assert other.get(moderation).status_code in (302, 403)
    # the list copy of one member never reaches the other, whose name is in their own header
    lists = reverse("exchange:offer-list")
    client.get(lists)
    mine = other.get(lists)
    assert mine["X-Page-Cache"] == "miss"
    assert "Phạm Văn Minh" in mine.content.decode()
    assert "Nguyễn Văn Thành" not in mine.content.decode()


@pytest.mark.django_db
def test_a_change_of_rights_drops_the_copies(client, world, signed_in_cache):
    """Rights changed outside any page (the shell, an import) still drop the copies."""
    member = world["member"]
    member.role = User.Role.OFFICER
    member.save(update_fields=["role"])
    _login(client, member)
    url = reverse("exchange:moderation")
    assert client.get(url).status_code == 200
    queue = client.get(url)
    assert queue["X-Page-Cache"] == "hit"
    assert world["submitted"].title in queue.content.decode()
    member.role = User.Role.MEMBER
    member.save(update_fields=["role"])
    assert client.get(url).status_code in (302, 403)


@pytest.mark.django_db
def test_signing_out_drops_the_copies(client, world, signed_in_cache):
    _login(client, world["member"])
    url = reverse("exchange:offer-list")
    client.get(url)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("accounts:logout"))
    stale = type(client)()
    stale.cookies[settings.SESSION_COOKIE_NAME] = session_cookie  # a copied old cookie
    stale.cookies[settings.CSRF_COOKIE_NAME] = CSRF
    response = stale.get(url)
    assert "X-Page-Cache" not in response
    assert "Nguyễn Văn Thành" not in response.content.decode()


@pytest.mark.django_db
def test_pages_with_flash_messages_are_not_cached(client, world, signed_in_cache):
    _login(client, world["member"])
    url = reverse("exchange:offer-list")
    session = client.session
    session["_messages"] = '[["__json_message",0,20,"Đã lưu."]]'
    session.save()
    response = client.get(url)
    assert "X-Page-Cache" not in response


@pytest.mark.django_db
def test_a_dropped_write_stamp_never_revives_older_copies(client, world, signed_in_cache):
    """The shared cache may cull the write stamp; the copies made before the last write must
    not become current again when it does."""
    from django.core.cache import cache

    from openstx.web import pagecache

    _login(client, world["member"])
    url = reverse("exchange:offer-list")
    cache.delete(pagecache.WRITES_KEY)
    assert client.get(url)["X-Page-Cache"] == "miss"
    pagecache.note_write()
    cache.delete(pagecache.WRITES_KEY)  # culled
    assert client.get(url)["X-Page-Cache"] == "miss"
