"""Shared fragments of signed-in pages (openstx.web.fragments, issue #19): rendered once for
every viewer, never stale after a write, never holding what depends on the viewer; and the
per-card costs of the lists kept out of the loop."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openstx.accounts.models import User
from openstx.exchange import services
from openstx.exchange.models import Connection, ListingStatus
from openstx.reports.services import save_budget_year
from tests.exchange.factories import DemandFactory, OfferFactory
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

CSRF = "a" * 32


def _login(client, user):
    client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF
    return client


@pytest.fixture
def people(db):
    org = OrganizationFactory(name="Công ty TNHH Chế biến Thủy sản Sóc Trăng")
    member = UserFactory(username="hoa", full_name="Trần Thị Hoa")
    MembershipFactory(user=member, organization=org)
    officer = UserFactory(username="officer-nam", role=User.Role.OFFICER, full_name="Võ Văn Nam")
    return {"org": org, "member": member, "officer": officer}


@pytest.mark.django_db
def test_statistics_are_rendered_once_for_every_viewer(
    client, people, django_assert_max_num_queries
):
    url = reverse("reports:statistics")
    _login(client, people["member"])
    with django_assert_max_num_queries(60):  # the first look computes every indicator
        first = client.get(url).content.decode()
    officer = _login(type(client)(), people["officer"])
    with django_assert_max_num_queries(12):  # the indicators are not computed again
        theirs = officer.get(url).content.decode()
    # the same tables for both; the officer's own links stay outside the shared part
    assert first.count('class="card indicator"') == theirs.count('class="card indicator"') > 5
    assert reverse("reports:budget") in theirs and reverse("reports:budget") not in first
    assert "Trần Thị Hoa" in first and "Trần Thị Hoa" not in theirs  # each their own header


@pytest.mark.django_db
def test_statistics_follow_a_write_outside_the_search_index(client, people):
    """Budget figures are not indexed (the outbox does not move): saving them still drops the
    shared tables at once."""
    url = reverse("reports:statistics") + "?area=budget"
    _login(client, people["member"])
    year = timezone.localdate().year
    assert "987.654" not in client.get(url).content.decode()
    save_budget_year(
        people["officer"],
        year,
        development_investment_vnd=987_654_000_000,
        recurrent_vnd=0,
        total_provincial_budget_vnd=0,
    )
    assert "987" in client.get(url).content.decode()


@pytest.mark.django_db
def test_statistics_in_each_language(client, people):
    url = reverse("reports:statistics")
    _login(client, people["member"])
    vietnamese = client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "Offers and demands published" in english
    assert "Offers and demands published" not in vietnamese


@pytest.mark.django_db
def test_statistics_fragments_can_be_turned_off(client, people, settings):
    settings.OPENSTX_FRAGMENT_CACHE_SECONDS = 0
    url = reverse("reports:statistics")
    _login(client, people["member"])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(queries) > 20  # every indicator computed again


@pytest.mark.django_db
def test_demand_list_requester_labels_in_one_query(client, people, django_assert_max_num_queries):
    """An anonymous demand's requester: shown to officers, the requester's own members and the
    other party of an answered connection, hidden from everyone else — decided for the whole
    page in at most one query, not one per demand."""
    member, officer = people["member"], people["officer"]
    answered = DemandFactory(
        requester=OrganizationFactory(name="Hợp tác xã Tôm Lúa Mỹ Xuyên"),
        requester_anonymous=True,
        status=ListingStatus.PUBLISHED,
    )
    hidden = [
        DemandFactory(
            requester=OrganizationFactory(name=f"Doanh nghiệp Ẩn Danh {i}"),
            requester_anonymous=True,
            status=ListingStatus.PUBLISHED,
        )
        for i in range(6)
    ]
    Connection.objects.create(
        demand=answered,
        seeker_org=answered.requester,
        provider_org=people["org"],
        initiated_by=member,
        stage=Connection.Stage.ACCEPTED,
        responded_at=timezone.now(),
    )
    url = reverse("exchange:demand-list")
    _login(client, member)
    client.get(url)
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "Hợp tác xã Tôm Lúa Mỹ Xuyên" in page
    assert not any(d.requester.name in page for d in hidden)
    officer_page = _login(type(client)(), officer).get(url).content.decode()
    assert all(d.requester.name in officer_page for d in hidden)
    # the list and the demand's own page apply the same rule
    for d in [answered, *hidden[:2]]:
        assert services.requester_label(member, d) in page


@pytest.mark.django_db
def test_listing_views_are_added_up_and_written_together(
    client, people, settings, django_assert_max_num_queries
):
    settings.OPENSTX_VIEW_COUNT_FLUSH_SECONDS = 60
    offer = OfferFactory(owner=OrganizationFactory(), status=ListingStatus.PUBLISHED)
    url = offer.get_absolute_url()
    _login(client, people["member"])
    client.defaults["HTTP_USER_AGENT"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
    client.get(url)
    client.get(url)
    assert services.counts(offer)["views"] == 2
    services.count_interest(offer)
    assert services.counts(offer) == {"views": 2, "interests": 1}
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
        client.get(url)
    # the page writes nothing: views are added up in the process...
    assert not [q for q in queries.captured_queries if "listingdailycount" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        assert services.counts(offer)["views"] == 4
    # ...and written together (reading the counts writes this process's first)
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == 1 and "listingdailycount" in writes[0]
