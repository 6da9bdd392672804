"""The import page runs the awkward-sheet import as a background job (core.jobs); a job that
dies half-way is run again on the kept file without duplicating the rows it already wrote."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from openstx.core.models import Job
from openstx.ipr import services
from openstx.ipr.importers import IPImporter
from openstx.ipr.models import IPRecord, IPTransition

from .factories import UserFactory

pytestmark = pytest.mark.django_db

ROWS = 7


def sheet_bytes(rows: int = ROWS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "DANH SÁCH ĐƠN ĐĂNG KÝ NHÃN HIỆU"
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["STT", "Số đơn", "Ngày nộp đơn", "Chu don", "Ten nhan hieu", "Loai"])
    for i in range(1, rows + 1):
        ws.append([i, f"4-2020-{i:05d}", f"{i}/3/20", f"Hộ kinh doanh {i}", f"Mark {i}", "NH"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(IPImporter, "batch_size", 3, raising=False)


def test_import_job_dies_half_way_and_reruns_without_duplicates(
    client, officer, eager_jobs, small_batches, monkeypatch, django_capture_on_commit_callbacks
):
    calls = {"n": 0}
    real = IPImporter.apply_batch

    def dying(self, rows, ctx):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:  # the worker dies during the second batch
            raise RuntimeError("worker lost")
        return real(self, rows, ctx)

    monkeypatch.setattr(IPImporter, "apply_batch", dying)
    client.force_login(officer)
    upload = SimpleUploadedFile("nhan-hieu.xlsx", sheet_bytes())
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        client.post("/ip/import/", {"kind": "ip", "file": upload})
    job = Job.objects.get(kind=services.IMPORT_JOB_KIND)
    assert job.status == Job.Status.FAILED and "worker lost" in job.error
    assert IPRecord.objects.count() == 3  # the first batch was committed
    page = client.get(f"/ip/import/{job.pk}/").content.decode()
    assert 'id="rerun"' in page and 'id="count-created"' not in page

    monkeypatch.setattr(IPImporter, "apply_batch", real)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ip/import/{job.pk}/rerun/")
    again = Job.objects.exclude(pk=job.pk).get(kind=services.IMPORT_JOB_KIND)
    assert response.url.endswith(f"/ip/import/{again.pk}/")
    assert again.status == Job.Status.DONE
    assert again.result["created"] == ROWS - 3 and again.result["unchanged"] == 3
    assert again.result["rejected"] == []
    assert IPRecord.objects.count() == ROWS
    assert IPRecord.objects.values("application_key").distinct().count() == ROWS
    assert IPTransition.objects.count() == ROWS  # one "filed" step each, none twice
    page = client.get(f"/ip/import/{again.pk}/").content.decode()
    assert f'id="count-created">{ROWS - 3}<' in page
    # the file is removed once an import has finished; a finished job cannot be re-run
    assert not list((services._import_folder()).glob("*/*"))
    response = client.post(f"/ip/import/{again.pk}/rerun/", follow=True)
    assert 'id="rerun"' not in response.content.decode()
    assert Job.objects.filter(kind=services.IMPORT_JOB_KIND).count() == 2


def test_progress_fragment_polls_until_done(client, officer, eager_jobs):
    job = services.start_import("ip", sheet_bytes(2), "a.xlsx", officer)  # not committed: queued
    client.force_login(officer)
    fragment = client.get(f"/ip/import/{job.pk}/progress/").content.decode()
    assert "hx-get" in fragment and "<progress" in fragment and 'id="import-result"' not in fragment
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        result={"created": 2, "updated": 0, "unchanged": 0, "rejected": [], "warnings": []},
    )
    fragment = client.get(f"/ip/import/{job.pk}/progress/").content.decode()
    assert "hx-get" not in fragment and 'id="count-created">2<' in fragment


def test_only_officers_start_imports_and_see_import_jobs(client, officer, eager_jobs):
    outsider = UserFactory(username="someone")
    with pytest.raises(services.PermissionDenied):
        services.start_import("ip", sheet_bytes(1), "a.xlsx", outsider)
    job = services.start_import("ip", sheet_bytes(1), "a.xlsx", officer)
    client.force_login(outsider)
    assert client.get("/ip/import/").status_code == 403
    assert client.get(f"/ip/import/{job.pk}/").status_code == 403
    assert client.post(f"/ip/import/{job.pk}/rerun/").status_code == 403


def test_dry_run_job_writes_nothing(
    client, officer, eager_jobs, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    upload = SimpleUploadedFile("a.xlsx", sheet_bytes(2))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ip/import/", {"kind": "ip", "file": upload, "dry_run": "on"})
    page = client.get(response.url).content.decode()
    assert 'id="count-created">2<' in page and 'id="dry-run-notice"' in page
    assert IPRecord.objects.count() == 0
