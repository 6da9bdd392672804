"""The importer on awkward, real-world sheets built here with openpyxl."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from openstx.core import importing
from openstx.ipr.importers import import_file
from openstx.ipr.models import IPRecord, IPStatus, StandardRecord, TrainingCourse
from openstx.ipr.sheets import parse_amount, parse_date

pytestmark = pytest.mark.django_db

TITLE = "DANH SÁCH ĐƠN ĐĂNG KÝ SỞ HỮU CÔNG NGHIỆP ĐƯỢC HỖ TRỢ GIAI ĐOẠN 2017–2019"


def awkward_ip_sheet(path, rows=None):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = TITLE
    ws.merge_cells("A1:J1")
    ws["A2"] = "(Kèm theo Báo cáo số 123/BC-SKHCN ngày 10/01/2020)"
    ws.merge_cells("A2:J2")
    # two-row header: single headers merged vertically, groups merged horizontally
    for col, text in zip(
        "ABCDGH",
        ["STT", "Loại đối tượng", "Tên nhãn hiệu", "Chủ đơn", "Nhóm", "Kinh phí hỗ trợ (đồng)"],
        strict=True,
    ):
        ws[f"{col}4"] = text
        ws.merge_cells(f"{col}4:{col}5")
    ws["E4"] = "Đơn đăng ký"
    ws.merge_cells("E4:F4")
    ws["E5"], ws["F5"] = "Số đơn", "Ngày nộp"
    ws["I4"] = "Văn bằng"
    ws.merge_cells("I4:J4")
    ws["I5"], ws["J5"] = "Số", "Ngày cấp"
    ws["K4"] = "Tình trạng"
    ws.merge_cells("K4:K5")
    ws.append([f"({i})" for i in range(1, 12)])  # row 6: column numbers
    for row in rows if rows is not None else DATA:
        ws.append(row)
    wb.save(path)
    return path


DATA = [
    # row 7
    [
        1,
        "Nhãn hiệu",
        "Gạo Hương Quê",
        "Công ty Cổ phần Gạo sạch Đồng Tháp",
        "4-2018-01234",
        "05/03/2018",
        "Nhóm 30",
        "15.000.000",
        "312345",
        dt.datetime(2019, 6, 20),
        "Đã cấp văn bằng",
    ],
    # row 8: d/m/yy text date, IPC class, amount with thousands dots
    [
        2,
        "SC",
        "Quy trình bảo quản bưởi da xanh",
        "Viện Cây ăn quả miền Nam",
        "1-2019-00012",
        "7/1/19",
        "A23B 7/16",
        "50.000.000",
        None,
        None,
        "Thẩm định nội dung",
    ],
    # row 9: impossible date
    [
        3,
        "Nhãn hiệu",
        "Khóm Cầu Đúc",
        "HTX Tân Phước",
        "4-2019-00077",
        "31/02/2019",
        "31",
        None,
        None,
        None,
        None,
    ],
    # row 10: Locarno class expected for a design
    [
        4,
        "KDCN",
        "Chai nước mắm",
        "Cơ sở Hạnh Phúc",
        "3-2019-00001",
        "01/04/2019",
        "A23B 7/16",
        None,
        None,
        None,
        None,
    ],
    # row 11: Excel serial date, plain integer amount, no status (-> filed)
    [
        5,
        "nhan hieu",
        "Cá tra Mekong Gold",
        "Ông Trần Văn An",
        "4-2017-00099",
        43000,
        "29",
        8000000,
        None,
        None,
        None,
    ],
    # row 12: unknown type
    [
        6,
        "Bằng lái xe",
        "Không rõ",
        "Bà Lê Thị B",
        "9-2019-1",
        "02/05/2019",
        None,
        None,
        None,
        None,
        None,
    ],
]


@pytest.fixture
def dt_rice(db):
    from openstx.directory.models import Organization

    return Organization.objects.create(
        name="Công ty Cổ phần Gạo sạch Đồng Tháp", short_name="DT Rice"
    )


def test_merged_multirow_header_text_dates_dotted_numbers_bad_rows(tmp_path, dt_rice):
    path = awkward_ip_sheet(tmp_path / "don-shcn.xlsx")
    result = import_file("ip", path)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert [r.line for r in result.rejected] == [9, 10, 12]
    reasons = {r.line: r.reason for r in result.rejected}
    assert "application_date" in reasons[9]
    assert "classes" in reasons[10] and "Locarno" in reasons[10]
    assert "type" in reasons[12]

    mark = IPRecord.objects.get(application_number="4-2018-01234")
    assert mark.type == "trademark" and mark.title == "Gạo Hương Quê"
    assert mark.application_date == dt.date(2018, 3, 5)
    assert mark.certificate_number == "312345" and mark.certificate_date == dt.date(2019, 6, 20)
    assert mark.status == IPStatus.GRANTED
    assert mark.classes == "30"
    assert mark.supported and mark.support_amount_vnd == 15_000_000
    assert mark.applicant_organization == dt_rice
    assert mark.transitions.get().to_status == IPStatus.GRANTED

    patent = IPRecord.objects.get(application_number="1-2019-00012")
    assert patent.type == "patent" and patent.application_date == dt.date(2019, 1, 7)
    assert patent.classes == "A23B 7/16" and patent.support_amount_vnd == 50_000_000
    assert patent.status == IPStatus.SUBSTANTIVE and patent.applicant_organization is None
    assert patent.applicant_name == "Viện Cây ăn quả miền Nam"

    serial = IPRecord.objects.get(application_number="4-2017-00099")
    assert serial.application_date == dt.date(2017, 9, 22)
    assert serial.status == IPStatus.FILED and serial.support_amount_vnd == 8_000_000
    assert not serial.is_public and mark.is_public and patent.is_public


def test_rerun_is_idempotent_by_application_number(tmp_path, dt_rice):
    path = awkward_ip_sheet(tmp_path / "a.xlsx")
    import_file("ip", path)
    again = import_file("ip", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert IPRecord.objects.count() == 3
    rows = [list(r) for r in DATA]
    rows[1][10] = "Đã cấp bằng"
    rows[1][8] = "00987"
    path2 = awkward_ip_sheet(tmp_path / "b.xlsx", rows)
    third = import_file("ip", path2)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    patent = IPRecord.objects.get(application_number="1-2019-00012")
    assert patent.status == IPStatus.GRANTED and patent.certificate_number == "00987"
    assert list(patent.transitions.values_list("from_status", "to_status")) == [
        ("", IPStatus.SUBSTANTIVE),
        (IPStatus.SUBSTANTIVE, IPStatus.GRANTED),
    ]
    assert IPRecord.objects.count() == 3


def test_rerun_is_idempotent_by_external_id(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã hồ sơ", "Loại", "Tên nhãn hiệu", "Chủ đơn", "Số đơn"])
    ws.append(["IP-001", "Nhãn hiệu", "Bưởi Năm Roi", "Ông A", ""])
    ws.append(["IP-002", "Nhãn hiệu", "Xoài cát", "Bà B", "4-2019-5"])
    wb.save(tmp_path / "x.xlsx")
    first = import_file("ip", tmp_path / "x.xlsx")
    assert first.created == 2 and first.ok
    second = import_file("ip", tmp_path / "x.xlsx")
    assert second.unchanged == 2
    assert IPRecord.objects.filter(external_id__in=["IP-001", "IP-002"]).count() == 2


def test_unaccented_csv_headers(tmp_path):
    path = tmp_path / "khong-dau.csv"
    path.write_text(
        "So don;Ngay nop don;Chu don;Ten nhan hieu;Loai;Kinh phi ho tro\n"
        '4-2016-00001;1/2/16;Co so Ba Mien;Nuoc mam Ba Mien;Nhan hieu;"10.000.000"\n'
        "4-2016-00002;15/12/2016;Ong Lam Van C;Banh pia Soc Trang;NH;\n",
        encoding="utf-8",
    )
    result = import_file("ip", path)
    assert result.created == 2 and result.ok, result.rejected
    first = IPRecord.objects.get(application_number="4-2016-00001")
    assert first.application_date == dt.date(2016, 2, 1)
    assert first.support_amount_vnd == 10_000_000 and first.supported
    assert first.title == "Nuoc mam Ba Mien"


def test_cli_uses_the_header_detection_and_exits_nonzero_on_bad_rows(tmp_path, dt_rice):
    path = awkward_ip_sheet(tmp_path / "cli.xlsx")
    with pytest.raises(CommandError) as info:
        call_command("import", "ip", str(path), "--no-progress")
    assert info.value.returncode == 1
    assert IPRecord.objects.count() == 3
    dry = importing.run_import("ip", path, dry_run=True)
    assert dry.unchanged == 3 and len(dry.rejected) == 3


def test_sheet_without_a_recognisable_header(tmp_path):
    wb = Workbook()
    wb.active.append(["Báo cáo"])
    wb.active.append(["abc", "def"])
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(importing.ImportFileError):
        import_file("ip", tmp_path / "bad.xlsx")


def test_standards_sheet(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "SỔ THEO DÕI CÔNG BỐ HỢP CHUẨN, HỢP QUY NĂM 2019"
    ws.merge_cells("A1:G1")
    ws.append([])
    ws.append(
        [
            "STT",
            "Số tiếp nhận",
            "Tên doanh nghiệp",
            "Sản phẩm, hàng hóa",
            "Tiêu chuẩn/quy chuẩn áp dụng",
            "Hình thức",
            "Ngày tiếp nhận",
            "Kết quả",
        ]
    )
    ws.append(
        [
            1,
            "01/TN-TĐC",
            "Cơ sở nước mắm Hạnh Phúc",
            "Nước mắm cá cơm",
            "TCCS 01:2019/HP",
            "TCCS",
            "03/01/2019",
            "Đã tiếp nhận",
        ]
    )
    ws.append(
        [
            2,
            "02/TN-TĐC",
            "Công ty Thép Tây Đô",
            "Thép cốt bê tông",
            "QCVN 7:2019/BKHCN",
            "Công bố hợp quy",
            "4/1/19",
            "Yêu cầu bổ sung",
        ]
    )
    ws.append([3, "03/TN-TĐC", "Cơ sở X", "Bánh pía", "", "Không biết", "05/01/2019", ""])
    wb.save(tmp_path / "std.xlsx")
    result = import_file("standards", tmp_path / "std.xlsx")
    assert result.created == 2 and [r.line for r in result.rejected] == [6]
    rec = StandardRecord.objects.get(number="02/TN-TĐC")
    assert rec.kind == "conformity_regulation" and rec.outcome == "returned"
    assert rec.received_date == dt.date(2019, 1, 4)
    assert import_file("standards", tmp_path / "std.xlsx").unchanged == 2


def test_training_sheet(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(
        ["Tên lớp tập huấn", "Từ ngày", "Đến ngày", "Địa điểm", "Báo cáo viên", "Số học viên"]
    )
    ws.append(
        [
            "Tập huấn nhãn hiệu tập thể",
            "10/05/2019",
            "11/05/2019",
            "Phong Điền",
            "ThS. Nguyễn Thanh Hải",
            "1.200",
        ]
    )
    ws.append(["Lớp sai ngày", "10/05/2019", "01/05/2019", "Cờ Đỏ", "", "30"])
    wb.save(tmp_path / "t.xlsx")
    result = import_file("training", tmp_path / "t.xlsx")
    assert result.created == 1 and [r.line for r in result.rejected] == [3]
    course = TrainingCourse.objects.get()
    assert course.capacity == 1200 and course.end_date == dt.date(2019, 5, 11)
    assert import_file("training", tmp_path / "t.xlsx").unchanged == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/03/2018", dt.date(2018, 3, 5)),
        ("5/3/18", dt.date(2018, 3, 5)),
        ("2018-03-05", dt.date(2018, 3, 5)),
        ("05.03.2018", dt.date(2018, 3, 5)),
        ("ngày 5 tháng 3 năm 2018", dt.date(2018, 3, 5)),
        (43164, dt.date(2018, 3, 5)),
        (dt.datetime(2018, 3, 5, 0, 0), dt.date(2018, 3, 5)),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("15.000.000", 15_000_000),
        ("15,000,000", 15_000_000),
        ("15.000.000 đ", 15_000_000),
        ("15 000 000 VNĐ", 15_000_000),
        (15000000, 15_000_000),
        (15000000.0, 15_000_000),
        ("2.500", 2_500),
        ("1500000", 1_500_000),
    ],
)
def test_amounts(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "-5", "1.2.3"])
def test_bad_amounts(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


def test_task_column_links_the_s_and_t_task(tmp_path):
    from django.template import Context, Template

    from openstx.projects.models import Task

    task = Task.objects.create(code="ĐT.05-2018", title="Nghiên cứu bảo quản bưởi da xanh")
    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "Số đơn",
            "Loại",
            "Tên sáng chế",
            "Chủ đơn",
            "Phân loại IPC",
            "Thuộc nhiệm vụ",
            "Tình trạng",
        ]
    )
    ws.append(
        [
            "1-2019-00005",
            "Sáng chế",
            "Màng bao chitosan",
            "Viện",
            "A23B 7/16",
            "dt.05-2018",
            "Đã công bố",
        ]
    )
    ws.append(
        [
            "1-2019-00006",
            "Sáng chế",
            "Máy sấy",
            "Viện",
            "F26B 17/12",
            "Đề tài chưa có",
            "Đã công bố",
        ]
    )
    wb.save(tmp_path / "sc.xlsx")
    assert import_file("ip", tmp_path / "sc.xlsx").created == 2
    linked = IPRecord.objects.get(application_number="1-2019-00005")
    assert linked.task == task and linked.task_reference == "dt.05-2018"
    loose = IPRecord.objects.get(application_number="1-2019-00006")
    assert loose.task is None and loose.task_reference == "Đề tài chưa có"
    html = Template("{% load ipr_tags %}{% ipr_for_task task %}").render(
        Context({"task": task, "user": None})
    )
    assert "Màng bao chitosan" in html and "Máy sấy" not in html


@pytest.mark.parametrize("kind", ["ip", "standards", "training"])
def test_export_then_reimport_round_trips(tmp_path, kind, dt_rice):
    from openstx.ipr import demo

    demo.generate("small", 7, [dt_rice], [], log=lambda m: None)
    path = tmp_path / f"{kind}.xlsx"
    call_command("export", kind, str(path), "--no-progress")
    assert path.exists()
    result = importing.run_import(kind, path)
    assert result.ok, result.rejected[:3]
    assert result.created == 0 and result.updated == 0 and result.unchanged > 0


def test_blank_external_ids_and_duplicates_in_one_batch(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["external_id", "type", "title", "application_number"])
    ws.append(["", "trademark", "Bánh pía Sóc Trăng", "4-2019-00101"])
    ws.append([None, "trademark", "Kẹo dừa Bến Tre", "4-2019-00102"])
    ws.append(["", "trademark", "Kẹo dừa Bến Tre (lặp)", "4 2019 00102"])  # same application
    wb.save(tmp_path / "e.xlsx")
    result = import_file("ip", tmp_path / "e.xlsx")
    assert result.created == 2 and [r.line for r in result.rejected] == [4]
    assert "duplicate" in result.rejected[0].reason or "trùng" in result.rejected[0].reason
    assert set(IPRecord.objects.values_list("external_id", flat=True)) == {None}


def test_section_headings_totals_and_vertically_merged_applicants(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "BÁO CÁO ĐƠN SỞ HỮU CÔNG NGHIỆP"
    ws.merge_cells("A1:F1")
    ws.append(["STT", "Loại", "Tên đối tượng", "Chủ đơn", "Số đơn", "Kinh phí hỗ trợ"])  # row 2
    ws.append(["I. NHÃN HIỆU"])  # row 3: a heading merged across the table
    ws.merge_cells("A3:F3")
    ws.append([1, "Nhãn hiệu", "Cộng đồng xanh", "HTX Mỹ Khánh", "4-2018-1", "5.000.000"])
    ws.append([2, "Nhãn hiệu", "Bưởi Mỹ Khánh", None, "4-2018-2", "5.000.000"])  # applicant merged
    ws.merge_cells("D4:D5")
    ws.append(["II/ SÁNG CHẾ"])
    ws.merge_cells("A6:F6")
    ws.append([3, "Sáng chế", "Quy trình sấy", "Viện Lúa", "1-2018-7", None])
    ws.append([None, "Tổng cộng", None, None, None, "10.000.000"])
    wb.save(tmp_path / "s.xlsx")
    result = import_file("ip", tmp_path / "s.xlsx")
    assert result.ok, [str(r) for r in result.rejected]
    assert result.created == 3
    assert IPRecord.objects.get(application_number="4-2018-2").applicant_name == "HTX Mỹ Khánh"
    assert IPRecord.objects.filter(title="Cộng đồng xanh").exists()


def test_cover_sheet_before_the_data_sheet(tmp_path):
    wb = Workbook()
    wb.active.title = "Hướng dẫn"
    wb.active.append(["Biểu mẫu báo cáo: nhập dữ liệu ở trang sau."])
    data = wb.create_sheet("Năm 2019")
    data.append(["Số đơn", "Ngày nộp", "Chủ đơn", "Nhãn hiệu", "Loại"])
    data.append(["4-2019-9", "2/1/2019", "Ông A", "Xoài cát Hòa Lộc", "Nhãn hiệu"])
    wb.save(tmp_path / "c.xlsx")
    result = import_file("ip", tmp_path / "c.xlsx")
    assert result.created == 1 and result.ok
    assert [r.line for r in import_file("ip", tmp_path / "c.xlsx").rejected] == []


@pytest.mark.django_db
def test_anonymous_web_exports_hold_no_live_formula(client):
    """Issue #15: /ip/export.xlsx wrote =HYPERLINK(…) and =1+1 as formulas."""
    import io

    from openpyxl import load_workbook

    from tests.ipr.factories import IPRecordFactory, StandardRecordFactory

    IPRecordFactory(title='=HYPERLINK("http://evil.example","bấm")', applicant_name="=1+1")
    StandardRecordFactory(kind="barcode", outcome="accepted", title="=1+1")
    for url, expected in [
        ("/ip/export.xlsx", {'=HYPERLINK("http://evil.example","bấm")', "=1+1"}),
        ("/ip/standards/export.xlsx", {"=1+1"}),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value]
        assert not [c.coordinate for c in cells if c.data_type == "f"], url
        assert expected <= {c.value for c in cells}, url
