"""The organisation page links out: joining, the start-up profile, published offers and demands,
IP records; with a small, fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openstx.accounts.models import Membership
from openstx.exchange.models import ListingStatus
from openstx.ipr.models import IPRecord
from openstx.portal.models import StartupProfile
from tests.exchange.factories import DemandFactory, OfferFactory
from tests.factories import ExpertFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def page(client, org):
    response = client.get(org.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def join_link(org) -> str:
    return f"{reverse('accounts:membership-request')}?organization={org.pk}"


def test_signed_in_non_member_sees_ask_to_join(client, org, member):
    client.force_login(member)
    html = page(client, org)
    assert join_link(org) in html
    # the link lands on the request form with the organisation chosen
    response = client.get(join_link(org))
    assert response.status_code == 200
    assert f'<option value="{org.pk}" selected>' in response.content.decode()


def test_members_and_pending_requesters_get_no_join_link(client, org, org_member, pending_member):
    client.force_login(org_member)
    assert join_link(org) not in page(client, org)
    client.force_login(pending_member)
    html = page(client, org)
    assert join_link(org) not in html
    assert Membership.objects.filter(user=pending_member, status="pending").exists()


def test_anonymous_is_asked_to_log_in_first(client, org):
    html = page(client, org)
    assert join_link(org) not in html
    assert reverse("accounts:login") + "?next=" in html


def test_published_offers_and_demands_only(client, org):
    OfferFactory(owner=org, title="Chế phẩm vi sinh xử lý ao tôm", status=ListingStatus.PUBLISHED)
    OfferFactory(owner=org, title="Bản nháp chưa công bố", status=ListingStatus.DRAFT)
    DemandFactory(requester=org, title="Cần máy sấy khóm", status=ListingStatus.PUBLISHED)
    DemandFactory(
        requester=org,
        title="Nhu cầu ẩn danh",
        status=ListingStatus.PUBLISHED,
        requester_anonymous=True,
    )
    html = page(client, org)
    assert "Chế phẩm vi sinh xử lý ao tôm" in html
    assert "Cần máy sấy khóm" in html
    assert "Bản nháp chưa công bố" not in html
    assert "Nhu cầu ẩn danh" not in html  # an anonymous demand never names its requester


def test_startup_profile_link(client, org):
    assert "/startups/" not in page(client, org)
    profile = StartupProfile.objects.create(organization=org, pitch="Phân bón sinh học")
    assert profile.get_absolute_url() in page(client, org)


def test_ip_records_block(client, org):
    IPRecord.objects.create(
        type="patent",
        title="Quy trình nuôi tôm càng xanh toàn đực",
        applicant_organization=org,
        applicant_name=org.name,
        application_number="1-2024-00123",
        status="filed",
        is_public=True,
    )
    assert "Quy trình nuôi tôm càng xanh toàn đực" in page(client, org)


def _fill(org):
    for n in range(5):
        ExpertFactory(organization=org, full_name=f"Trần Văn {n}")
        OfferFactory(owner=org, status=ListingStatus.PUBLISHED)
        DemandFactory(requester=org, status=ListingStatus.PUBLISHED)
    StartupProfile.objects.create(organization=org, pitch="Khởi nghiệp")


def test_query_count_anonymous(client, org, django_assert_max_num_queries):
    _fill(org)
    page(client, org)  # warm up caches that are not per request (content types, sites)
    with django_assert_max_num_queries(9):
        page(client, org)


def test_query_count_signed_in(client, org, member, django_assert_max_num_queries):
    _fill(org)
    MembershipFactory(user=member, organization=org)
    client.force_login(member)
    page(client, org)
    with django_assert_max_num_queries(12):
        html = page(client, org)
    assert "Trần Văn 4" in html
