"""Support programme applications: window, who applies, review with a checklist, decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openstx.core.permissions import restrict
from openstx.portal import services
from openstx.portal.models import Application

from .factories import MembershipFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db
A = Application.Status


def apply(user, org, programme=None, **kw):
    kw.setdefault("requested_amount_vnd", 300_000_000)
    return services.apply(
        programme or ProgrammeFactory(),
        user,
        org,
        project_title=kw.pop("project_title", "Máy sấy bơm nhiệt"),
        summary="Thay dây chuyền sấy",
        **kw,
    )


def test_life_cycle_approved(business, business_org, officer, mailoutbox):
    programme = ProgrammeFactory(max_amount_vnd=500_000_000)
    app = apply(business, business_org, programme, total_cost_vnd=1_000_000_000)
    assert app.status == A.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.start_review(app, business)
    services.start_review(app, officer)
    assert app.status == A.UNDER_REVIEW and app.reviewer == officer
    with pytest.raises(ValidationError):  # checklist incomplete
        services.approve(app, officer, 200_000_000)
    services.update_checklist(app, officer, programme.document_list)
    with pytest.raises(ValidationError):  # above the programme's maximum
        services.approve(app, officer, 500_000_001)
    mailoutbox.clear()
    services.approve(app, officer, 250_000_000, "123/QĐ-SKHCN")
    app.refresh_from_db()
    assert app.status == A.APPROVED and app.approved_amount_vnd == 250_000_000
    assert app.decided_by == officer and app.decided_at is not None
    assert app.decision_number == "123/QĐ-SKHCN"
    assert [t.to_status for t in app.transitions.all()] == ["submitted", "under_review", "approved"]
    assert any(business.email in m.to for m in mailoutbox)
    with pytest.raises(ValidationError):
        services.reject(app, officer, "muộn")


def test_reject_needs_reasons(business, business_org, officer):
    app = apply(business, business_org)
    with pytest.raises(ValidationError):
        services.reject(app, officer, " ")
    services.reject(app, officer, "Không thuộc đối tượng hỗ trợ")
    assert app.status == A.REJECTED and app.reasons == "Không thuộc đối tượng hỗ trợ"


def test_only_approved_members_apply(business_org, other_business):
    pending = UserFactory(username="pending")
    MembershipFactory(user=pending, organization=business_org, status="pending")
    for user in (pending, other_business):
        with pytest.raises(PermissionDenied):
            apply(user, business_org)


def test_closed_window_refused_with_message(business, business_org):
    today = timezone.localdate()
    closed = ProgrammeFactory(
        opens_at=today - dt.timedelta(days=40), closes_at=today - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as exc:
        apply(business, business_org, closed)
    assert (today - dt.timedelta(days=1)).strftime("%d/%m/%Y") in exc.value.messages[0]
    future = ProgrammeFactory(opens_at=today + dt.timedelta(days=3))
    with pytest.raises(ValidationError):
        apply(business, business_org, future)
    assert not Application.objects.exists()


def test_amount_rules(business, business_org):
    programme = ProgrammeFactory(max_amount_vnd=100)
    with pytest.raises(ValidationError):
        apply(business, business_org, programme, requested_amount_vnd=101)
    with pytest.raises(ValidationError):
        apply(business, business_org, programme, requested_amount_vnd=0)
    with pytest.raises(ValidationError):
        apply(business, business_org, programme, requested_amount_vnd=90, total_cost_vnd=50)


def test_visibility(business, business_org, other_business, officer):
    app = apply(business, business_org)
    assert list(restrict(Application.objects.all(), business)) == [app]
    assert not restrict(Application.objects.all(), other_business).exists()
    assert list(restrict(Application.objects.all(), officer)) == [app]


def test_withdraw(business, business_org, other_business, officer):
    app = apply(business, business_org)
    with pytest.raises(PermissionDenied):
        services.withdraw(app, other_business)
    services.withdraw(app, business)
    assert app.status == A.WITHDRAWN
