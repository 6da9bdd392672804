"""The report's official letterhead (edited in the admin) and the general assessment staff
write as rich text before generating (no placeholder)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest

from openstx.reports import services
from openstx.reports.documents import build
from openstx.reports.models import ReportLetterhead

pytestmark = pytest.mark.django_db

RICH = (
    "<p>Giai đoạn 2017–2018 có <strong>nhiều kết quả nổi bật</strong>.</p>"
    "<script>alert(1)</script>"
    "<ul><li>Đổi mới công nghệ</li><li>Chuyển giao <em>kết quả</em></li></ul>"
)


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user("o", "o@so.gov.vn", "x", role="officer")


def test_official_date_line():
    assert services.official_date(dt.date(2026, 2, 7)) == "ngày 07 tháng 02 năm 2026"
    assert services.official_date(dt.date(2026, 12, 17)) == "ngày 17 tháng 12 năm 2026"
    assert services.official_date(dt.date(2026, 3, 1)) == "ngày 01 tháng 3 năm 2026"
    lh = services.letterhead(dt.date(2026, 12, 7))
    assert lh["date_line"] == "Cần Thơ, ngày 07 tháng 12 năm 2026"
    assert lh["governing_body"] == "UBND THÀNH PHỐ CẦN THƠ"
    assert lh["document_number"].startswith("Số:") and lh["document_number"].endswith("/BC-SKHCN")


def test_assessment_is_sanitised_rich_text(officer):
    services.save_narratives(officer, 2017, 2018, {"overview": RICH})
    stored = services.narratives(2017, 2018)["overview"]
    assert "<strong>nhiều kết quả nổi bật</strong>" in stored and "<li>" in stored
    assert "script" not in stored and "alert" not in stored
    services.save_narratives(officer, 2017, 2018, {"overview": "Đoạn một.\n\nĐoạn 2 < 3 & ba."})
    assert services.narratives(2017, 2018)["overview"] == (
        "<p>Đoạn một.</p><p>Đoạn 2 &lt; 3 &amp; ba.</p>"
    )


def test_docx_has_letterhead_and_assessment_without_placeholder(officer):
    from docx import Document

    row = ReportLetterhead.load()
    row.document_number = "Số: 125/BC-SKHCN"
    row.signer_name = "Nguyễn Văn Giám"
    row.save()
    services.save_narratives(officer, 2017, 2018, {"overview": RICH})
    doc = Document(io.BytesIO(build(2017, 2018, "docx")))
    head = doc.tables[0].rows[0].cells
    left, right = head[0].text, head[1].text
    assert "UBND THÀNH PHỐ CẦN THƠ" in left and "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in left
    assert "Số: 125/BC-SKHCN" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    assert "Cần Thơ, ngày " in right
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "chưa được soạn" not in text
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "nhiều kết quả nổi bật" in bold
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["Đổi mới công nghệ", "Chuyển giao kết quả"]
    signature = doc.tables[-1].rows[0].cells[1].text
    assert "GIÁM ĐỐC" in signature and "Nguyễn Văn Giám" in signature


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")
def test_pdf_has_letterhead_and_assessment(officer, tmp_path):
    services.save_narratives(officer, 2017, 2018, {"overview": RICH})
    out = tmp_path / "r.pdf"
    out.write_bytes(build(2017, 2018, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "UBND THÀNH PHỐ CẦN THƠ" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text and "/BC-SKHCN" in text
    assert "nhiều kết quả nổi bật" in text and "chưa được soạn" not in text
    assert "alert" not in text


def test_generation_waits_for_the_assessment(client, officer):
    with pytest.raises(ValueError, match="đánh giá chung"):
        services.request_report(officer, 2017, 2018, "pdf")
    client.force_login(officer)
    response = client.post(
        "/statistics/report/",
        {"year_from": 2017, "year_to": 2018, "format": "pdf", "action": "generate"},
        follow=True,
    )
    assert "đánh giá chung" in response.content.decode()
    from openstx.reports.models import GeneratedReport

    assert not GeneratedReport.objects.exists()


def test_letterhead_edited_in_the_admin(client, officer):
    officer.is_staff = True
    officer.save()
    client.force_login(officer)
    url = client.get("/admin/reports/reportletterhead/")["Location"]
    data = {
        "governing_body": "UBND TỈNH HẬU GIANG",
        "department": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "document_number": "Số: 9/BC-SKHCN",
        "province": "Hậu Giang",
        "signer_title": "KT. GIÁM ĐỐC",
        "signer_name": "",
        "recipients": "- Lưu: VT.",
        "_save": "Save",
    }
    assert client.post(url, data).status_code == 302
    services.save_narratives(officer, 2017, 2018, {"overview": RICH})
    page = client.get("/statistics/report/?year_from=2017&year_to=2018").content.decode()
    assert "UBND TỈNH HẬU GIANG" in page and "Hậu Giang, ngày" in page
    # the assessment as it will be printed: sanitised HTML, not the source
    preview = page.split('data-testid="assessment-preview">', 1)[1].split("</div>", 1)[0]
    assert "<strong>nhiều kết quả nổi bật</strong>" in preview and "script" not in preview
    assert "Giai đoạn" in page  # the generated reports' period column (not "Thời gian …")


def test_statistics_area_link_keeps_the_default_period_without_errors(client):
    html = client.get("/statistics/?area=budget").content.decode()
    assert "errorlist" not in html and "Ngân sách KH&amp;CN" in html
    assert "errorlist" in client.get("/statistics/?year_from=2020&year_to=2010").content.decode()
