"""A record whose URL cannot be computed is indexed without one, the failure is logged, and the
type's URLs are not retried on every document (a failing reverse() re-imports the URL conf)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from openstx.search import documents


@pytest.fixture(autouse=True)
def _clean():
    documents._url_failed.clear()
    yield
    documents._url_failed.clear()


def test_a_failing_url_is_logged_once_and_not_retried_for_a_while(caplog, monkeypatch):
    calls = []

    def url(obj):
        calls.append(obj.pk)
        if obj.pk < 3:
            raise ImportError("the URL conf cannot be imported")
        return f"/x/{obj.pk}/"

    spec = SimpleNamespace(type="thing", url=url)
    with caplog.at_level(logging.ERROR, logger="openstx.search.documents"):
        assert documents._url(spec, SimpleNamespace(pk=1)) == ""
        assert documents._url(spec, SimpleNamespace(pk=2)) == ""  # not tried: backing off
        assert documents._url(spec, SimpleNamespace(pk=3)) == ""
    assert calls == [1]
    assert len(caplog.records) == 1 and "thing 1" in caplog.records[0].getMessage()

    # once the back-off has passed it is tried again, and a success clears the failure
    monkeypatch.setattr(documents, "URL_RETRY_SECONDS", 0.0)
    assert documents._url(spec, SimpleNamespace(pk=4)) == "/x/4/"
    assert "thing" not in documents._url_failed
    assert calls == [1, 4]


def test_other_types_are_not_held_back():
    def broken(obj):
        raise RuntimeError("no route")

    documents._url(SimpleNamespace(type="broken", url=broken), SimpleNamespace(pk=1))
    ok = SimpleNamespace(type="fine", url=lambda obj: f"/fine/{obj.pk}/")
    assert documents._url(ok, SimpleNamespace(pk=7)) == "/fine/7/"
