"""A business sees the best offers for its demand, with reasons, and turns one into a connection
request in one click (headless Chromium against the live server)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from openstx.accounts.models import Membership, User
from openstx.directory.models import Organization
from openstx.exchange.models import Connection, Demand, Offer
from openstx.matching import services
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def exchange(transactional_db, settings):
    settings.OPENSTX_MATCHING_AUTO = False
    services.invalidate()
    institute = Organization.objects.create(
        name="Viện Cây ăn quả miền Nam", type="research_institute"
    )
    business = Organization.objects.create(name="Vựa xoài Cao Lãnh", type="enterprise")
    owner = User.objects.create(username="vuaxoai", email="vuaxoai@example.vn", full_name="Chủ vựa")
    owner.set_password(PASSWORD)
    owner.save()
    Membership.objects.create(user=owner, organization=business, status=Membership.Status.APPROVED)
    now = timezone.now()
    mango = Offer.objects.create(
        title="Chế phẩm bao màng chitosan kéo dài thời gian bảo quản xoài sau thu hoạch",
        owner=institute,
        trl=7,
        status="published",
        published_at=now,
        keywords="bao màng; bảo quản xoài; chậm chín",
    )
    Offer.objects.create(
        title="Máy đánh vảy và mổ bụng cá",
        owner=institute,
        trl=8,
        status="published",
        published_at=now,
    )
    need = Demand.objects.create(
        title="Xoài chín nhanh, để vài ngày là hỏng",
        requester=business,
        status="published",
        published_at=now,
        problem="Chở xoài lên Sài Gòn tới nơi đã mềm nhũn, mối trả hàng.",
    )
    yield {"owner": owner, "mango": mango, "need": need}
    services.invalidate()


def test_business_sends_connection_request_from_a_match(page, login, exchange):
    login(page, exchange["owner"])
    page.goto(exchange["need"].get_absolute_url())  # the demand page loads its matches (htmx)
    first = page.locator("[data-testid=match-offer]").first
    first.wait_for()
    assert "bảo quản xoài" in first.inner_text()
    assert first.locator("[data-testid=reasons] li").count() >= 1
    first.locator("button[type=submit]").click()
    page.wait_for_url("**/exchange/connections/**")
    conn = Connection.objects.get()
    assert conn.offer_id == exchange["mango"].pk and conn.demand_id == exchange["need"].pk
    assert conn.initiated_by_id == exchange["owner"].pk


def test_demand_page_answers_while_vectors_wait(page, login, exchange, monkeypatch):
    """A bulk load the worker has not embedded yet: the page answers at once, by words, and
    says how many candidates are still waiting for their vectors."""
    from openstx.matching import candidates

    monkeypatch.setattr(candidates, "INLINE_ENCODE_MAX", 0)
    now = timezone.now()
    for i in range(3):
        Offer.objects.create(
            title=f"Quy trình bảo quản xoài lô {i} bằng màng phủ",
            owner=exchange["mango"].owner,
            trl=7,
            status="published",
            published_at=now,
        )
    services.invalidate()
    login(page, exchange["owner"])
    page.goto(f"/matching/demands/{exchange['need'].pk}/")
    note = page.locator("[data-testid=match-waiting]")
    note.wait_for()
    assert "5" in note.inner_text()  # the world's two offers and the three new ones
    assert page.locator("[data-testid=match-offer]").count() >= 3
