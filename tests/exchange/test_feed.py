"""The Atom feed: newest published listings, a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openstx.exchange.feeds import LIMIT
from openstx.exchange.models import ListingStatus

from .factories import DemandFactory, FieldFactory, OfferFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _publish_many(n_offers: int, n_demands: int) -> None:
    fields = [FieldFactory(code="405"), FieldFactory(code="211")]
    now = timezone.now()
    for i in range(n_offers):
        OfferFactory(
            owner=OrganizationFactory(),
            status=ListingStatus.PUBLISHED,
            published_at=now,
            fields=fields,
        )
    for i in range(n_demands):
        DemandFactory(
            requester=OrganizationFactory(),
            status=ListingStatus.PUBLISHED,
            published_at=now,
            requester_anonymous=bool(i % 2),
            fields=fields[:1],
        )


def _count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(reverse("exchange:feed"))
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_feed_queries_do_not_grow_with_items(client, django_assert_max_num_queries):
    _publish_many(2, 2)
    small = _count(client)
    _publish_many(LIMIT, LIMIT)
    with django_assert_max_num_queries(4):
        r = client.get(reverse("exchange:feed"))
    body = r.content.decode()
    assert body.count("<entry>") == LIMIT
    assert _count(client) == small
    # categories (fields) and authors still come through, anonymous requesters stay anonymous
    assert "<category" in body and "<author>" in body
