from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from openpyxl import Workbook

from openstx.ipr.models import IPRecord

from .factories import (
    IPRecordFactory,
    OrganizationFactory,
    StandardRecordFactory,
    TrainingCourseFactory,
)

pytestmark = pytest.mark.django_db


def test_public_pages_render(client):
    record = IPRecordFactory(title="Bưởi Năm Roi Phong Điền")
    std = StandardRecordFactory(outcome="accepted", title="Nước mắm Hạnh Phúc")
    course = TrainingCourseFactory(title="Tập huấn nhãn hiệu tập thể", capacity=30)
    for url, text in [
        ("/ip/", record.title),
        (f"/ip/{record.pk}/", record.title),
        ("/ip/standards/", std.title),
        (f"/ip/standards/{std.pk}/", std.title),
        ("/ip/training/", course.title),
        (f"/ip/training/{course.pk}/", course.title),
        ("/ip/statistics/", "svg"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_officer_sees_transition_form_and_adds_attendee(client, officer):
    record = IPRecordFactory()
    client.force_login(officer)
    html = client.get(f"/ip/{record.pk}/").content.decode()
    assert 'name="to_status"' in html and 'value="formality_examination"' in html
    course = TrainingCourseFactory(capacity=1)
    assert client.post(f"/ip/training/{course.pk}/", {"name": "Nguyễn Văn A"}).status_code == 302
    response = client.post(f"/ip/training/{course.pk}/", {"name": "Trần Văn B"})
    assert response.status_code == 200 and course.attendances.count() == 1


def test_import_page_runs_a_job_and_shows_counts_and_row_errors(
    client, officer, eager_jobs, django_capture_on_commit_callbacks
):
    wb = Workbook()
    ws = wb.active
    ws.append(["Báo cáo tình hình đơn SHCN"])
    ws.append([])
    ws.append(["STT", "Số đơn", "Ngày nộp đơn", "Chủ đơn", "Tên nhãn hiệu", "Loại"])
    ws.append([1, "4-2019-00001", "01/02/2019", "Ông A", "Gạo Ba Miền", "Nhãn hiệu"])
    ws.append([2, "4-2019-00002", "99/99/2019", "Bà B", "Khóm Tắc Cậu", "Nhãn hiệu"])
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("don.xlsx", buffer.getvalue())
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ip/import/", {"kind": "ip", "file": upload})
    assert response.status_code == 302 and "/ip/import/" in response.url
    html = client.get(response.url).content.decode()
    assert 'id="count-created">1<' in html and 'id="count-rejected">1<' in html
    assert "<td>5</td>" in html  # the bad row's line number
    assert "hx-get" not in html  # finished: the page stops polling
    assert IPRecord.objects.count() == 1
    bad = SimpleUploadedFile("don.xlsx", b"not a zip")
    response = client.post("/ip/import/", {"kind": "ip", "file": bad})
    assert response.status_code == 200 and 'id="count-created"' not in response.content.decode()
    assert "has-error" in response.content.decode()


def test_organization_include(rf, org, member):
    IPRecordFactory(title="Nhãn hiệu riêng", applicant_organization=org, is_public=False)
    IPRecordFactory(title="Nhãn hiệu chung", applicant_organization=org)
    template = Template("{% load ipr_tags %}{% ipr_for_organization org %}")
    from django.contrib.auth.models import AnonymousUser

    html = template.render(Context({"org": org, "user": AnonymousUser()}))
    assert "Nhãn hiệu chung" in html and "Nhãn hiệu riêng" not in html
    html = template.render(Context({"org": org, "user": member}))
    assert "Nhãn hiệu riêng" in html


def test_demo_small(org):
    from openstx.ipr import demo

    counts = demo.generate("small", 2016, [org], [], log=lambda m: None)
    assert counts["ip_records"] == 40
    assert IPRecord.objects.filter(status="granted").count() == 16
    assert demo.generate("small", 2016, [org], [], log=lambda m: None) == {}
    from openstx.ipr.classes import normalize_classes

    for r in IPRecord.objects.all():
        assert normalize_classes(r.type, r.classes) == r.classes


def test_demo_city_reproduces_the_can_tho_figures(org):
    from openstx.ipr import demo

    counts = demo.generate("city", 2016, [org], [], log=lambda m: None)
    assert counts["ip_records"] == 1690
    by_type = dict(
        IPRecord.objects.values_list("type").annotate(n=__import__("django").db.models.Count("pk"))
    )
    assert by_type == {
        "trademark": 1627,
        "patent": 24,
        "utility_solution": 5,
        "industrial_design": 34,
    }
    assert IPRecord.objects.filter(status="granted").count() == 727
    years = {d.year for d in IPRecord.objects.values_list("application_date", flat=True)}
    assert years == {2016, 2017, 2018, 2019}
    assert counts["standards_records"] > 100 and counts["training_courses"] == 24


def test_standards_and_training_lists_export_xlsx_that_imports_back(client, officer, tmp_path):
    from openpyxl import load_workbook

    from openstx.core import importing

    StandardRecordFactory(kind="barcode", outcome="accepted", title="Nước mắm Phú Quốc")
    StandardRecordFactory(
        kind="labelling", outcome="pending", title="Hồ sơ chờ xử lý", number="TB-01"
    )
    TrainingCourseFactory(title="Tập huấn mã số mã vạch")
    html = client.get("/ip/standards/").content.decode()
    assert 'id="export-xlsx"' in html
    # the public sees decided records only, and the filters apply to the export
    response = client.get("/ip/standards/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    titles = [row[2] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert titles == ["Nước mắm Phú Quốc"]
    client.force_login(officer)
    response = client.get("/ip/standards/export.xlsx", {"kind": "labelling"})
    path = tmp_path / "standards.xlsx"
    path.write_bytes(response.content)
    ws = load_workbook(path).active
    assert [row[2] for row in ws.iter_rows(min_row=2, values_only=True)] == ["Hồ sơ chờ xử lý"]
    result = importing.run_import("standards", path)
    assert result.ok and result.unchanged == 1 and result.created == 0
    response = client.get("/ip/training/export.xlsx")
    path = tmp_path / "training.xlsx"
    path.write_bytes(response.content)
    result = importing.run_import("training", path)
    assert result.ok and result.unchanged == 1 and result.created == 0


def test_record_export_names_task_and_offer(client, officer):
    from openpyxl import load_workbook

    from openstx.exchange.models import Offer

    org = OrganizationFactory()
    offer = Offer.objects.create(title="Giống lúa", owner=org, external_id="OF-1")
    IPRecordFactory(title="Lúa thơm HQ", offer=offer)
    client.force_login(officer)
    ws = load_workbook(io.BytesIO(client.get("/ip/export.xlsx").content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][-1] == "OF-1"
