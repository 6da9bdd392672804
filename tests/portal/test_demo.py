"""Demo data: the portal contributor fills every part, idempotently."""

from __future__ import annotations

import pytest

from openstx.portal import demo
from openstx.portal.models import Application, Article, Service, ServiceRequest, StartupProfile
from openstx.reports import registry

from .factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_generate_small():
    orgs = [OrganizationFactory(type="enterprise") for _ in range(6)]
    counts = demo.generate("small", 7, orgs, [], log=lambda m: None)
    assert counts["portal_services"] == Service.objects.count() > 8
    assert ServiceRequest.objects.count() == 40 and Application.objects.count() == 36
    assert StartupProfile.objects.count() == 10
    assert Article.objects.filter(category="call").exists()
    assert Article.objects.filter(category="event", organization__type="intermediary").exists()
    assert Article.objects.filter(live=False).count() == 1  # the scheduled one
    with_images = Article.objects.exclude(image="")
    assert with_images.count() == 4
    assert all(a.image.name.endswith(".jpg") and a.thumbnail for a in with_images)
    assert {r.status for r in ServiceRequest.objects.all()} >= {"done", "in_progress"}
    rows = registry.get("portal.support_amount").compute(2022, 2026)
    assert sum(r.value for r in rows) > 0
    assert demo.generate("small", 7, orgs, [], log=lambda m: None) == {}
