"""``openstx demo`` / ``serve --demo`` print one demo account per role, each attached to demo
records, with the documented demo password (never the administrator's)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from openstx.accounts.models import Membership, User
from openstx.directory.models import Expert, Organization
from openstx.web import demo
from tests.exchange.factories import DemandFactory, OfferFactory
from tests.factories import ExpertFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_records(db):
    firm = OrganizationFactory(external_id="demo-org-1", type=Organization.Type.ENTERPRISE)
    idle_firm = OrganizationFactory(external_id="demo-org-2", type=Organization.Type.ENTERPRISE)
    institute = OrganizationFactory(
        external_id="demo-org-3", type=Organization.Type.RESEARCH_INSTITUTE
    )
    hub = OrganizationFactory(external_id="demo-org-4", type=Organization.Type.INTERMEDIARY)
    DemandFactory(requester=firm)
    DemandFactory(requester=firm)
    OfferFactory(owner=institute)
    ExpertFactory(organization=institute, full_name="Võ Diễm Vân")
    return {"firm": firm, "idle": idle_firm, "institute": institute, "hub": hub}


def test_one_account_per_role_attached_to_records(demo_records):
    accounts = {a.role: a for a in demo.ensure_demo_accounts()}
    assert set(accounts) == {"business", "researcher", "broker", "officer"}
    for account in accounts.values():
        user = authenticate(username=account.username, password=demo.DEMO_PASSWORD)
        assert user is not None and user.is_active and user.email_verified, account
    business = User.objects.get(username=accounts["business"].username)
    (membership,) = Membership.objects.filter(user=business)
    # the business runs the enterprise that has demands
    assert membership.organization == demo_records["firm"]
    assert membership.status == "approved" and membership.role == "admin"
    researcher = User.objects.get(username=accounts["researcher"].username)
    expert = Expert.objects.get(user=researcher)
    assert expert.organization == demo_records["institute"] and expert.organization.offers.exists()
    assert User.objects.get(username=accounts["broker"].username).role == "broker"
    assert User.objects.get(username=accounts["officer"].username).role == "officer"
    # idempotent
    again = demo.ensure_demo_accounts()
    assert len(again) == 4 and User.objects.filter(username__startswith="demo-").count() == 4
    assert Expert.objects.filter(user=researcher).count() == 1


def test_demo_prints_the_accounts(demo_records):
    lines: list[str] = []
    demo.generate(log=lines.append)  # demo records exist: the already-loaded path
    text = "\n".join(lines)
    assert demo.DEMO_PASSWORD in text
    for role in ("business", "researcher", "broker", "officer"):
        assert f"demo-{role}" in text


def test_admin_never_gets_the_demo_password(demo_records):
    from openstx.accounts.services import ensure_admin

    admin, password = ensure_admin("admin", "admin@localhost")
    demo.ensure_demo_accounts()
    admin.refresh_from_db()
    assert password and password != demo.DEMO_PASSWORD
    assert not admin.check_password(demo.DEMO_PASSWORD)
