"""Statistics against a hand-computed fixture."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from openstx.exchange.models import Connection, Event, ListingStatus, Offer
from openstx.exchange.stats import exchange_statistics

from .factories import DemandFactory, FieldFactory, OfferFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
S = ListingStatus


def test_statistics_values():
    aqua, food = (
        FieldFactory(code="405", name_vi="Thủy sản"),
        FieldFactory(code="211", name_vi="Thực phẩm"),
    )
    org = OrganizationFactory()
    o1 = OfferFactory(owner=org, kind="technology", status=S.PUBLISHED, fields=[aqua])
    OfferFactory(owner=org, kind="technology", status=S.DRAFT, fields=[aqua, food])
    OfferFactory(owner=org, kind="service", status=S.PUBLISHED, fields=[food])
    d1 = DemandFactory(status=S.PUBLISHED, fields=[food])
    DemandFactory(status=S.SUBMITTED, fields=[aqua])
    event = Event.objects.create(title="Techmart Cần Thơ 2026", start_date=dt.date(2026, 10, 1))
    now = timezone.now()

    def conn(stage, value=None, responded_hours=None, event=None, outcome=""):
        c = Connection.objects.create(
            offer=o1,
            demand=d1,
            stage=stage,
            contract_value_vnd=value,
            contract_date=dt.date(2026, 5, 1) if value is not None else None,
            event=event,
            outcome=outcome,
        )
        created = now - dt.timedelta(days=10)
        Connection.objects.filter(pk=c.pk).update(
            created_at=created,
            responded_at=created + dt.timedelta(hours=responded_hours) if responded_hours else None,
        )
        return c

    conn("requested")
    conn("accepted", responded_hours=2)
    conn("declined", responded_hours=4, event=event)
    conn("contract", value=100_000_000, responded_hours=10)
    conn("closed", value=300_000_000, responded_hours=24, outcome="success", event=event)
    conn("closed", value=500_000_000, responded_hours=48, outcome="success")
    conn("closed", responded_hours=1, outcome="failure")

    st = exchange_statistics()
    assert st["offers_total"] == 3 and st["demands_total"] == 2
    kinds = {r["key"]: r["count"] for r in st["offers_by_kind"]}
    assert kinds == {"technology": 2, "equipment": 0, "service": 1, "solution": 0}
    offer_status = {r["key"]: r["count"] for r in st["offers_by_status"]}
    assert offer_status["published"] == 2 and offer_status["draft"] == 1
    by_field = {r["key"]: (r["offers"], r["demands"]) for r in st["listings_by_field"]}
    assert by_field == {"405": (2, 1), "211": (2, 1)}
    stages = {r["key"]: r["count"] for r in st["connections_by_stage"]}
    assert stages == {
        "requested": 1,
        "accepted": 1,
        "declined": 1,
        "meeting": 0,
        "mou": 0,
        "contract": 1,
        "closed": 3,
    }
    assert st["deals"] == {
        "count": 3,
        "total_value_vnd": 900_000_000,
        "median_value_vnd": 300_000_000,
    }
    # responses after 1, 2, 4, 10, 24, 48 hours: median (4 + 10) / 2 = 7
    assert st["first_response"]["count"] == 6
    assert st["first_response"]["median_hours"] == 7.0
    assert st["first_response"]["mean_hours"] == round(89 / 6, 2)
    assert st["conversion"] == {"interests": 7, "contracts": 3, "rate": round(3 / 7, 4)}
    assert st["outcomes"] == {"success": 2, "failure": 1}
    assert st["events"] == {"count": 1, "connections": 2}
    assert Offer.objects.count() == 3
    # a period that excludes everything
    empty = exchange_statistics(dt.date(2000, 1, 1), dt.date(2000, 12, 31))
    assert empty["deals"]["median_value_vnd"] is None and empty["conversion"]["rate"] is None


def test_hbar_chart_svg_scales_bars_and_escapes_labels():
    from openstx.core.charts import hbar_chart_svg

    svg = hbar_chart_svg(["Thủy sản <b>", "Thực phẩm"], [4, 2], title="Theo lĩnh vực")
    widths = [float(w) for w in __import__("re").findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths == [320.0, 160.0]  # the largest value fills the bar width
    assert "Thủy sản &lt;b&gt;" in svg and "<b>" not in svg
    assert 'aria-label="Theo lĩnh vực"' in svg
    assert hbar_chart_svg([], []).startswith("<svg")  # empty data still draws


def test_statistics_page_draws_core_charts(client):
    from openstx.accounts.models import User

    from .factories import PASSWORD, UserFactory

    org = OrganizationFactory()
    OfferFactory(owner=org, kind="service", status=S.PUBLISHED, fields=[FieldFactory(code="405")])
    staff = UserFactory(role=User.Role.OFFICER)
    assert client.login(username=staff.username, password=PASSWORD)
    body = client.get("/exchange/statistics/").content.decode()
    # five charts (fields, kind, offer status, demand status, stage), each an svg from core.charts
    assert body.count("<svg xmlns") == 5 and 'style="max-width' not in body
    assert body.count("<table") >= 5  # the same numbers as tables
    import openstx.exchange.views as views

    assert not hasattr(views, "_bars")
