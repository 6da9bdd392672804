"""The listing forms show the service's own field rules (services.validate_listing), so a page,
the API and an import refuse the same values with the same words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from openstx.exchange import services
from openstx.exchange.forms import DemandForm, OfferForm
from openstx.exchange.models import Demand, Offer

from .factories import DemandFactory

pytestmark = pytest.mark.django_db


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}


def test_offer_form_and_service_refuse_a_negative_price_alike(researcher, research_org):
    data = {"title": "Máy sấy", "kind": "technology", "owner": research_org.pk, "price_vnd": -5}
    form = OfferForm(data, user=researcher)
    assert not form.is_valid()
    with pytest.raises(ValidationError) as exc:
        services.validate_listing(Offer(title="Máy sấy", owner=research_org, price_vnd=-5))
    # the service's own words are on the field (beside the model's generic minimum check)
    assert set(_messages(exc.value)["price_vnd"]) <= set(form.errors["price_vnd"])


def test_demand_form_and_service_refuse_budgets_and_past_dates_alike(business, business_org):
    yesterday = dt.date.today() - dt.timedelta(days=2)
    data = {
        "title": "Cần máy sấy",
        "requester": business_org.pk,
        "budget_min_vnd": 500,
        "budget_max_vnd": 100,
        "deadline": yesterday.isoformat(),
    }
    form = DemandForm(data, user=business)
    assert not form.is_valid()
    listing = Demand(
        title="x",
        requester=business_org,
        budget_min_vnd=500,
        budget_max_vnd=100,
        deadline=yesterday,
    )
    with pytest.raises(ValidationError) as exc:
        services.validate_listing(listing)
    expected = _messages(exc.value)
    assert set(expected["budget_max_vnd"]) <= set(form.errors["budget_max_vnd"])
    assert set(expected["deadline"]) <= set(form.errors["deadline"])


def test_an_unchanged_past_date_does_not_block_an_edit(business, business_org):
    """Editing an old demand whose deadline has passed keeps working: dates are checked when
    they change, as save_listing does."""
    demand = DemandFactory(requester=business_org, deadline=dt.date(2020, 1, 1))
    data = {"title": "Cần máy sấy mới", "requester": business_org.pk, "deadline": "2020-01-01"}
    form = DemandForm(data, instance=demand, user=business)
    assert form.is_valid(), form.errors
