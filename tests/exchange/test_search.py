"""What the exchange puts into the search index: no anonymous requester, scopes by status."""

from __future__ import annotations

import pytest

from openstx.exchange.models import ListingStatus
from openstx.search import registry

from .factories import DemandFactory, OfferFactory

pytestmark = pytest.mark.django_db


def test_offer_spec(research_org):
    spec = registry.get("offer")
    offer = OfferFactory(
        owner=research_org,
        status=ListingStatus.PUBLISHED,
        description="<p>Quy trình <b>tuần hoàn</b></p>",
    )
    text = spec.text(offer)
    assert offer.title in text["title"] and "Quy trình tuần hoàn" in " ".join(text["body"])
    assert spec.scope(offer) == ["public"] and spec.should_index(offer)
    assert "4" in spec.facets(offer)["field"]  # ancestors of 405
    draft = OfferFactory(owner=research_org)
    assert not spec.should_index(draft)
    submitted = OfferFactory(owner=research_org, status=ListingStatus.SUBMITTED)
    # brokers curate submitted listings too (exchange.policies: the same rule as restrict)
    assert sorted(spec.scope(submitted)) == sorted([f"org:{research_org.pk}", "staff", "broker"])


def test_anonymous_requester_not_indexed(business_org):
    spec = registry.get("demand")
    demand = DemandFactory(
        requester=business_org, requester_anonymous=True, status=ListingStatus.PUBLISHED
    )
    everything = " ".join(v for values in spec.text(demand).values() for v in values)
    assert business_org.name not in everything
    assert spec.facets(demand)["org"] is None
    named = DemandFactory(requester=business_org, status=ListingStatus.PUBLISHED)
    assert business_org.name in " ".join(spec.text(named)["summary"])
