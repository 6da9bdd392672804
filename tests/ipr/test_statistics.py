from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from openstx.ipr import services
from openstx.ipr.models import IPRecord

from .factories import IPRecordFactory, StandardRecordFactory, TrainingCourseFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def dataset():
    # trademarks: 2017 ×2 (one granted 2018), 2018 ×1 (granted 2018, cert date unknown -> 2018)
    IPRecordFactory(
        type="trademark",
        application_date=D(2017, 2, 1),
        status="granted",
        certificate_number="1",
        certificate_date=D(2018, 5, 1),
        supported=True,
        support_amount_vnd=10_000_000,
    )
    IPRecordFactory(type="trademark", application_date=D(2017, 6, 1), status="refused")
    IPRecordFactory(
        type="trademark",
        application_date=D(2018, 6, 1),
        status="granted",
        certificate_number="2",
        certificate_date=None,
        supported=True,
        support_amount_vnd=5_000_000,
    )
    # patent 2018 filed, supported without amount; patent 2016 lapsed, certificate 2019
    IPRecordFactory(
        type="patent",
        classes="A23B 7/16",
        application_date=D(2018, 1, 9),
        supported=True,
        support_amount_vnd=None,
    )
    IPRecordFactory(
        type="patent",
        classes="A23B 7/16",
        application_date=D(2016, 1, 9),
        status="lapsed",
        certificate_number="3",
        certificate_date=D(2019, 3, 3),
        supported=True,
        support_amount_vnd=50_000_000,
    )
    # no application date: not counted
    IPRecordFactory(type="patent", classes="", application_date=None)


def test_applications_and_grants_by_type_and_year(dataset):
    rows = services.applications_and_grants()
    assert rows == [
        {"type": "trademark", "year": 2017, "applications": 2, "grants": 0},
        {"type": "trademark", "year": 2018, "applications": 1, "grants": 2},
        {"type": "patent", "year": 2016, "applications": 1, "grants": 0},
        {"type": "patent", "year": 2018, "applications": 1, "grants": 0},
        {"type": "patent", "year": 2019, "applications": 0, "grants": 1},
    ]
    assert services.totals_by_year() == [
        {"year": 2016, "applications": 1, "grants": 0},
        {"year": 2017, "applications": 2, "grants": 0},
        {"year": 2018, "applications": 2, "grants": 2},
        {"year": 2019, "applications": 0, "grants": 1},
    ]
    by_type = {r["type"]: (r["applications"], r["grants"]) for r in services.totals_by_type()}
    assert by_type == {"trademark": (3, 2), "patent": (2, 1)}


def test_support_by_year(dataset):
    assert services.support_by_year() == [
        {"year": 2016, "records": 1, "amount_vnd": 50_000_000},
        {"year": 2017, "records": 1, "amount_vnd": 10_000_000},
        {"year": 2018, "records": 2, "amount_vnd": 5_000_000},
    ]


def test_standards_and_training_statistics():
    StandardRecordFactory(kind="barcode", received_date=D(2019, 1, 1), support_amount_vnd=3_000_000)
    StandardRecordFactory(kind="barcode", received_date=D(2019, 2, 1), support_amount_vnd=2_000_000)
    StandardRecordFactory(kind="in_house", received_date=D(2018, 2, 1))
    assert services.standards_by_year() == [
        {"kind": "barcode", "year": 2019, "records": 2, "amount_vnd": 5_000_000},
        {"kind": "in_house", "year": 2018, "records": 1, "amount_vnd": 0},
    ]
    course = TrainingCourseFactory(start_date=D(2019, 6, 1))
    TrainingCourseFactory(start_date=D(2019, 8, 1))
    services.add_attendee(course, name="A")
    services.add_attendee(course, name="B")
    assert services.training_by_year() == [{"year": 2019, "courses": 2, "attendees": 2}]


def test_statistics_page_shows_svg_and_tables(client, dataset):
    html = client.get("/ip/statistics/").content.decode()
    charts = [s for s in html.split("<svg")[1:] if 'role="img"' in s.split(">", 1)[0]]
    assert len(charts) == 3  # the charts (icons are aria-hidden <svg>s too)
    assert '<table class="data" id="table-by-year">' in html
    assert 'id="total-applications">5<' in html and 'id="total-grants">3<' in html
    assert "<script" not in html.split("<main", 1)[1]


def test_xlsx_export_of_a_filtered_list_parses_back(client, dataset, officer):
    client.force_login(officer)
    response = client.get("/ip/export.xlsx?type=trademark&supported=yes")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert len(rows) == 3  # header + 2 supported trademarks
    amounts = sorted(r[12] for r in rows[1:])  # "Support amount (VND)"
    assert amounts == [5_000_000, 10_000_000]
    dates = {r[5] for r in rows[1:]}
    assert {d.date() if hasattr(d, "date") else d for d in dates} == {D(2017, 2, 1), D(2018, 6, 1)}


def test_export_service_counts(dataset, tmp_path):
    path = tmp_path / "all.xlsx"
    assert services.export_xlsx(IPRecord.objects.all(), path) == 6
    assert load_workbook(path).active.max_row == 7


def test_list_filters(client, dataset):
    html = client.get("/ip/?type=patent&year=2018").content.decode()
    assert 'id="result-count">1 ' in html
    html = client.get("/ip/?status=granted").content.decode()
    assert 'id="result-count">2 ' in html


def test_api(client, dataset):
    data = client.get("/api/v1/ip-records?type=trademark").json()
    assert data["count"] == 3
    stats = client.get("/api/v1/ip-statistics").json()
    assert stats["support"][0] == {"year": 2016, "records": 1, "amount_vnd": 50_000_000}


def test_api_status_change_needs_an_officer(client, officer, member, org):
    record = IPRecordFactory(applicant_organization=org, external_id="IP-API-1")
    url = "/api/v1/ip-records/IP-API-1/status"
    assert (
        client.post(
            url, {"to_status": "formality_examination"}, content_type="application/json"
        ).status_code
        == 401
    )
    client.force_login(member)
    assert client.get("/api/v1/ip-records/IP-API-1").json()["id"] == record.pk
    response = client.post(
        url, {"to_status": "formality_examination"}, content_type="application/json"
    )
    assert response.status_code == 403
    client.force_login(officer)
    response = client.post(url, {"to_status": "granted"}, content_type="application/json")
    assert response.status_code == 422
    response = client.post(
        url,
        {"to_status": "formality_examination", "comment": "Hợp lệ"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "formality_examination"


def test_statistics_command(dataset):
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("ip_statistics", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["by_year"][-1] == {"year": 2019, "applications": 0, "grants": 1}
    out = io.StringIO()
    call_command("ip_statistics", stdout=out)
    assert "50.000.000" in out.getvalue()
