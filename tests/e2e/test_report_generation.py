"""A department officer generates the periodic report from the staff page and downloads it."""

import io

import pytest

from openstx.reports.models import BudgetYear
from tests.factories import OfficerFactory


@pytest.mark.browser
def test_officer_generates_and_downloads_the_report(page, login, settings, tmp_path):
    from openstx.celery import app

    settings.MEDIA_ROOT = str(tmp_path)
    BudgetYear.objects.create(
        year=2018,
        development_investment_vnd=70_000_000_000,
        recurrent_vnd=50_000_000_000,
        total_provincial_budget_vnd=10_000_000_000_000,
    )
    officer = OfficerFactory()
    app.conf.task_always_eager = True  # no worker in this test: the job runs when it is queued
    try:
        login(page, officer)
        page.goto("/statistics/?year_from=2017&year_to=2018")
        assert "1,20 %" in page.content()
        page.goto("/statistics/report/?year_from=2017&year_to=2018")
        page.fill("#id_overview", "Kết quả nổi bật của giai đoạn.")
        page.click("button[value=save]")
        page.select_option("#r-format", "xlsx")
        page.click("button[value=generate]")
        link = page.locator("a.report-download").first
        link.wait_for()
        with page.expect_download() as info:
            link.click()
        path = info.value.path()
    finally:
        app.conf.task_always_eager = False

    from openpyxl import load_workbook

    with open(path, "rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()))
    rows = list(wb["budget_share"].iter_rows(values_only=True))
    assert any(r[1] == 2018 and r[2] == "of_total" and r[4] == 1.2 for r in rows)
