"""search-check compares in the site language, whatever language the caller has active."""

import pytest
from django.utils import translation

from openstx.search import check
from tests.factories import OrganizationFactory


@pytest.mark.django_db(transaction=True)
def test_no_drift_reported_when_english_is_active(apply):
    OrganizationFactory(name="Công ty Thủy sản Bình An", type="enterprise")
    apply()
    with translation.override("en"):  # e.g. after an English page in the same thread
        drift = check.check()
    assert drift.ok, drift
