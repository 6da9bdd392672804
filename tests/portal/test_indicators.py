"""Indicators against hand-computed numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from openstx.portal.models import Application, ServiceRequest
from openstx.reports import registry

from .factories import ApplicationFactory, ProgrammeFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db


def at(year: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, 6, 15, 10))


def test_support_by_programme_and_year():
    p1 = ProgrammeFactory(title="A. Đổi mới công nghệ")
    p2 = ProgrammeFactory(title="B. Sở hữu trí tuệ")
    approved = Application.Status.APPROVED
    ApplicationFactory(programme=p1, status=approved, approved_amount_vnd=100, decided_at=at(2024))
    ApplicationFactory(programme=p1, status=approved, approved_amount_vnd=250, decided_at=at(2024))
    ApplicationFactory(programme=p1, status=approved, approved_amount_vnd=40, decided_at=at(2025))
    ApplicationFactory(programme=p2, status=approved, approved_amount_vnd=7, decided_at=at(2025))
    ApplicationFactory(programme=p2, status="rejected", decided_at=at(2025))
    ApplicationFactory(programme=p2, status="submitted", approved_amount_vnd=999)
    ind = registry.get("portal.support_amount")
    assert ind is not None and ind.area == "portal" and ind.unit == registry.VND
    rows = {(r.year, r.label): r.value for r in ind.compute(2024, 2025)}
    assert rows == {
        (2024, p1.title): 350,
        (2024, p2.title): 0,
        (2025, p1.title): 40,
        (2025, p2.title): 7,
    }
    decided = {
        (r.year, r.group): r.value for r in registry.get("portal.applications").compute(2024, 2025)
    }
    assert decided == {
        (2024, "approved"): 2,
        (2024, "rejected"): 0,
        (2025, "approved"): 2,
        (2025, "rejected"): 1,
    }


def test_service_requests_by_area():
    lab = ServiceFactory(category="lab")
    cal = ServiceFactory(category="calibration")
    for s, y in [(lab, 2025), (lab, 2025), (cal, 2025), (cal, 2024)]:
        r = ServiceRequestFactory(service=s)
        ServiceRequest.objects.filter(pk=r.pk).update(created_at=at(y))
    rows = {
        (r.year, r.group): r.value
        for r in registry.get("portal.service_requests").compute(2024, 2025)
    }
    assert rows[(2025, "lab")] == 2 and rows[(2025, "calibration")] == 1
    assert rows[(2024, "calibration")] == 1 and rows[(2024, "lab")] == 0
