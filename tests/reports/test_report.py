"""The generated report contains the expected numbers in DOCX, XLSX and PDF."""

import io
import shutil
import subprocess

import pytest
from django.core.management import call_command

from openstx.reports import services
from openstx.reports.documents import build
from openstx.reports.models import BudgetYear


@pytest.fixture
def figures(django_user_model):
    BudgetYear.objects.create(
        year=2017,
        development_investment_vnd=61_000_000_000,
        recurrent_vnd=39_000_000_000,
        total_provincial_budget_vnd=8_000_000_000_000,
    )
    officer = django_user_model.objects.create_user("o", "o@so.gov.vn", "x", role="officer")
    services.save_narratives(
        officer,
        2017,
        2018,
        {
            "overview": "Năm 2017 là năm bản lề của chương trình đổi mới công nghệ.",
            "recommendations": "Đề nghị tăng chi đầu tư phát triển cho khoa học và công nghệ.",
        },
    )


@pytest.mark.django_db
def test_docx_has_the_figures_and_the_narrative(figures):
    from docx import Document

    doc = Document(io.BytesIO(build(2017, 2018, "docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "GIAI ĐOẠN 2017–2018" in text
    assert "Năm 2017 là năm bản lề" in text and "Đề nghị tăng chi" in text
    assert "61.000.000.000 đ" in cells and "1,25 %" in cells
    assert doc.inline_shapes  # charts are embedded pictures


@pytest.mark.django_db
def test_xlsx_has_the_raw_indicator_tables(figures):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(build(2017, 2018, "xlsx")))
    assert wb.sheetnames[0] == "Tổng hợp"
    rows = list(wb["budget_share"].iter_rows(values_only=True))
    assert ("budget.share", 2017, "of_total", rows[4][3], 1.25, "percent") in rows
    summary = [
        r for r in wb["Tổng hợp"].iter_rows(values_only=True) if r and r[0] == "budget.st_budget"
    ]
    assert summary[0][4] == 100_000_000_000  # 61 + 39 bn over the period


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")
def test_pdf_text_has_the_figures(figures, tmp_path):
    out = tmp_path / "báo cáo.pdf"
    call_command("report", "--from", "2017", "--to", "2018", "--format", "pdf", "--out", str(out))
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "GIAI ĐOẠN 2017–2018" in text
    assert "61.000.000.000 đ" in text and "1,25 %" in text
    assert "Năm 2017 là năm bản lề" in text


@pytest.mark.django_db
def test_report_command_rejects_a_bad_period(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "report",
            "--from",
            "2019",
            "--to",
            "2016",
            "--format",
            "docx",
            "--out",
            str(tmp_path / "x.docx"),
        )


@pytest.mark.django_db
def test_report_job_from_the_staff_page(
    client, figures, django_user_model, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from openstx.celery import app

    app.conf.task_always_eager = True
    try:
        officer = django_user_model.objects.get(username="o")
        client.force_login(officer)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/statistics/report/",
                {"year_from": 2017, "year_to": 2018, "format": "xlsx", "action": "generate"},
            )
        assert response.status_code == 302
        from openstx.reports.models import GeneratedReport

        report = GeneratedReport.objects.get()
        assert report.job.status == "done" and report.file
        download = client.get(f"/statistics/report/{report.pk}/download/")
        assert download.status_code == 200
        client.logout()
        assert client.get(f"/statistics/report/{report.pk}/download/").status_code == 302
    finally:
        app.conf.task_always_eager = False
