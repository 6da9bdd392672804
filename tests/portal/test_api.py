"""The portal API: articles public; a requester sees only their own requests; staff all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from openstx.accounts import services as accounts
from openstx.portal.models import ServiceRequest

from .factories import PASSWORD, ArticleFactory, ProgrammeFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    c = Client()
    if user is not None:
        assert c.login(username=user.username, password=PASSWORD)
    return c


def test_articles_public_and_scheduled(client):
    ArticleFactory(title="Tin công khai", external_id="TIN-1")
    ArticleFactory(title="Tin hẹn giờ", publish_at=timezone.now() + dt.timedelta(days=1))
    data = client.get("/api/v1/articles").json()
    assert [a["title"] for a in data["results"]] == ["Tin công khai"]
    assert client.get("/api/v1/articles/TIN-1").json()["title"] == "Tin công khai"
    assert client.get("/api/v1/articles?category=policy").json()["count"] == 0


def test_requests_by_token_own_only(business, other_business, officer):
    service = ServiceFactory(external_id="DV-VS")
    token = accounts.create_token(business, "script").secret
    c = client_for(business)
    r = c.post(
        "/api/v1/service-requests",
        {"service": "DV-VS", "subject": "Kiểm nghiệm", "details": "2 mẫu"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    client_for(other_business).post(
        "/api/v1/service-requests",
        {"service": str(service.pk), "subject": "Khác", "details": "x"},
        content_type="application/json",
    )
    mine = c.get("/api/v1/service-requests").json()
    assert [x["id"] for x in mine["results"]] == [rid]
    assert client_for(other_business).get(f"/api/v1/service-requests/{rid}").status_code == 404
    assert client_for(officer).get("/api/v1/service-requests").json()["count"] == 2
    assert Client().get("/api/v1/service-requests").status_code == 401
    # the requester cannot move it; the officer can
    r = c.post(
        f"/api/v1/service-requests/{rid}/transitions",
        {"action": "assign", "assignee": business.pk},
        content_type="application/json",
    )
    assert r.status_code == 403
    oc = client_for(officer)
    for body in (
        {"action": "assign", "assignee": officer.pk},
        {"action": "start"},
        {"action": "complete", "comment": "Xong"},
    ):
        r = oc.post(
            f"/api/v1/service-requests/{rid}/transitions", body, content_type="application/json"
        )
        assert r.status_code == 200, r.content
    assert r.json()["status"] == "done"
    assert [t["to_status"] for t in r.json()["transitions"]] == [
        "received",
        "assigned",
        "in_progress",
        "done",
    ]
    assert ServiceRequest.objects.get(pk=rid).status == "done"
    tc = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert tc.get("/api/v1/service-requests").json()["count"] == 1


def test_applications_api(business, business_org, other_business, officer):
    p = ProgrammeFactory(external_id="CT-DMCN", max_amount_vnd=1000)
    c = client_for(business)
    r = c.post(
        "/api/v1/applications",
        {
            "programme": "CT-DMCN",
            "organization": business_org.pk,
            "project_title": "Dây chuyền",
            "summary": "…",
            "requested_amount_vnd": 900,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    aid = r.json()["id"]
    assert client_for(other_business).get(f"/api/v1/applications/{aid}").status_code == 404
    r = c.post(
        f"/api/v1/applications/{aid}/decision",
        {"action": "review"},
        content_type="application/json",
    )
    assert r.status_code == 403
    oc = client_for(officer)
    oc.post(
        f"/api/v1/applications/{aid}/decision",
        {"action": "review"},
        content_type="application/json",
    )
    r = oc.post(
        f"/api/v1/applications/{aid}/decision",
        {"action": "approve", "amount_vnd": 1001, "checked": p.document_list},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = oc.post(
        f"/api/v1/applications/{aid}/decision",
        {"action": "approve", "amount_vnd": 800},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["approved_amount_vnd"] == 800
    # closed window
    today = timezone.localdate()
    ProgrammeFactory(
        external_id="CT-CU",
        opens_at=today - dt.timedelta(days=30),
        closes_at=today - dt.timedelta(days=2),
    )
    r = c.post(
        "/api/v1/applications",
        {
            "programme": "CT-CU",
            "organization": business_org.pk,
            "project_title": "X",
            "summary": "…",
            "requested_amount_vnd": 1,
        },
        content_type="application/json",
    )
    assert r.status_code == 422
    assert (today - dt.timedelta(days=2)).strftime("%d/%m/%Y") in str(r.json()["detail"])


def test_services_and_programmes_public(client):
    ServiceFactory(title="Hiệu chuẩn cân điện tử", category="calibration")
    ServiceFactory(title="Ẩn", active=False)
    services = client.get("/api/v1/services").json()["results"]
    assert [s["title"] for s in services] == ["Hiệu chuẩn cân điện tử"]
    ProgrammeFactory()
    assert client.get("/api/v1/programmes?open=true").json()["count"] == 1


def test_messages_and_startups_api(business, other_business, officer):
    from openstx.portal import services
    from openstx.portal.models import StartupProfile

    from .factories import OrganizationFactory

    req = services.create_request(ServiceFactory(), business, subject="Hỏi", details="x")
    r = client_for(business).post(
        f"/api/v1/service-requests/{req.pk}/messages",
        {"body": "Bổ sung hồ sơ"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["messages"][0]["body"] == "Bổ sung hồ sơ"
    r = client_for(other_business).post(
        f"/api/v1/service-requests/{req.pk}/messages",
        {"body": "x"},
        content_type="application/json",
    )
    assert r.status_code == 404
    StartupProfile.objects.create(
        organization=OrganizationFactory(type="startup", name="Lúa Xanh"), stage="mvp", team_size=3
    )
    data = Client().get("/api/v1/startups").json()["results"]
    assert data[0]["organization"]["name"] == "Lúa Xanh" and data[0]["stage"] == "mvp"
