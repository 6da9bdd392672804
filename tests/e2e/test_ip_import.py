"""A department officer uploads an awkward IP spreadsheet on the import page, follows the
background job to its result with the per-row errors and their line numbers, and finds the
counts on the public statistics page."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from tests.factories import OfficerFactory

pytestmark = pytest.mark.browser


def sheet(path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "DANH SÁCH ĐƠN ĐĂNG KÝ NHÃN HIỆU NĂM 2018"
    ws.merge_cells("A1:G1")
    for col, text in zip(
        "ABCF", ["STT", "Tên nhãn hiệu", "Chu don", "Kinh phi ho tro"], strict=True
    ):
        ws[f"{col}3"] = text
        ws.merge_cells(f"{col}3:{col}4")
    ws["D3"] = "Đơn đăng ký"
    ws.merge_cells("D3:E3")
    ws["D4"], ws["E4"] = "Số đơn", "Ngày nộp"
    ws["G3"] = "Loại"
    ws.merge_cells("G3:G4")
    ws.append(
        [
            1,
            "Gạo Hương Quê",
            "Ông Nguyễn Văn Tài",
            "4-2018-00001",
            "05/03/2018",
            "15.000.000",
            "Nhãn hiệu",
        ]
    )
    ws.append(
        [
            2,
            "Bưởi Năm Roi Mỹ Khánh",
            "HTX Mỹ Khánh",
            "4-2018-00002",
            dt.datetime(2018, 7, 2),
            "",
            "NH",
        ]
    )
    ws.append([3, "Khóm Cầu Đúc", "Bà Lê Thị Hạnh", "4-2018-00003", "31/02/2018", "", "Nhãn hiệu"])
    wb.save(path)
    return path


@pytest.fixture
def eager_jobs(settings, tmp_path):  # type: ignore[no-untyped-def]
    from openstx.celery import app

    settings.DATA_DIR = tmp_path / "data"
    old = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the job runs when it is queued: no worker in this test
    yield
    app.conf.task_always_eager = old


def test_officer_imports_a_sheet_and_sees_statistics(page, login, tmp_path, settings, eager_jobs):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    officer = OfficerFactory(username="canbo", email="canbo@example.vn")
    login(page, officer)
    page.goto("/ip/import/")
    page.select_option("#id_kind", "ip")
    page.set_input_files("#id_file", str(sheet(tmp_path / "don-nhan-hieu.xlsx")))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/ip/import/*/")
    page.wait_for_selector("#import-result")
    assert page.locator("#import-progress[hx-get]").count() == 0  # finished: no more polling
    assert page.inner_text("#count-created") == "2"
    assert page.inner_text("#count-rejected") == "1"
    errors = page.inner_text("#rejected-rows")
    assert "7" in errors and "application_date" in errors  # sheet row 7 holds the bad date

    page.goto("/ip/statistics/")
    assert page.inner_text("#total-applications") == "2"
    row_2018 = page.locator("#table-by-year tbody tr", has_text="2018").inner_text()
    assert "2" in row_2018
    assert page.locator("svg[role=img]").count() == 3
    support = page.locator("#table-support tbody tr", has_text="2018").inner_text()
    assert "15" in support
