"""Council minutes are a Vietnamese DOCX that parses back with the council's facts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from docx import Document

from openstx.projects import services
from openstx.projects.minutes import minutes_docx, minutes_filename
from openstx.projects.models import CouncilMember

from .factories import ExpertFactory, OrganizationFactory, TaskFactory

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> tuple[str, list[list[list[str]]]]:
    doc = Document(io.BytesIO(data))
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return paragraphs, tables


def test_minutes_of_an_acceptance_council(officer, host_org):
    task = TaskFactory(
        code="ĐT-2024-07", title="Sấy khóm giữ màu và vitamin C", host=host_org, state="submitted"
    )
    council = services.create_council(
        task,
        "acceptance",
        officer,
        meeting_date=dt.date(2025, 12, 20),
        place="Cần Thơ",
        decision_number="245/QĐ-SKHCN",
    )
    names = [
        "Nguyễn Văn Chủ Tịch",
        "Trần Thị Phó",
        "Lê Phản Biện Một",
        "Phạm Phản Biện Hai",
        "Võ Thư Ký",
        "Huỳnh Ủy Viên",
    ]
    roles = ["chair", "vice_chair", "reviewer_1", "reviewer_2", "secretary", "member"]
    members = [
        services.add_council_member(
            council,
            ExpertFactory(full_name=n, degree="TS", organization=OrganizationFactory()),
            r,
            officer,
        )
        for n, r in zip(names, roles, strict=True)
    ]
    CouncilMember.objects.filter(council=council).update(invitation="accepted")
    CouncilMember.objects.filter(pk=members[-1].pk).update(invitation="declined")
    for m, share in zip(members[:5], ["0.9", "0.8", "0.8", "0.7", "0.8"], strict=True):
        m.refresh_from_db()
        scores = {c["code"]: str(Decimal(c["max"]) * Decimal(share)) for c in council.criteria}
        services.enter_scores(m, officer, scores, "pass")
    services.conclude(council, officer, notes="Bổ sung phân tích chi phí.")
    council.refresh_from_db()

    paragraphs, tables = text_of(minutes_docx(council))
    assert "BIÊN BẢN HỌP HỘI ĐỒNG" in paragraphs
    assert "Đánh giá, nghiệm thu kết quả nhiệm vụ khoa học và công nghệ cấp tỉnh" in paragraphs
    assert "Tên nhiệm vụ: Sấy khóm giữ màu và vitamin C" in paragraphs
    assert "Mã số: ĐT-2024-07" in paragraphs
    assert "245/QĐ-SKHCN" in paragraphs
    assert "ngày 20 tháng 12 năm 2025" in paragraphs
    assert "có mặt: 5; vắng mặt: 1" in paragraphs
    assert "Vắng mặt: TS. Huỳnh Ủy Viên." in paragraphs
    assert "Điểm trung bình: 80/100." in paragraphs
    assert "Số phiếu đánh giá “Đạt”: 5/5." in paragraphs
    assert "Kết quả: Khá" in paragraphs
    assert "Bổ sung phân tích chi phí." in paragraphs
    header, members_table, scores_table, signatures = tables
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header[0][1]
    assert [r[3] for r in members_table[1:]] == [
        "Chủ tịch Hội đồng",
        "Phó Chủ tịch Hội đồng",
        "Ủy viên phản biện 1",
        "Ủy viên phản biện 2",
        "Ủy viên thư ký",
    ]
    assert members_table[1][1] == "TS. Nguyễn Văn Chủ Tịch"
    assert scores_table[1][1] == "TS. Nguyễn Văn Chủ Tịch"
    assert scores_table[1][2] == "36"  # 0.9 × 40
    assert scores_table[1][-1] == "90 / Đạt"
    assert "TS. Võ Thư Ký" in signatures[0][0] and "TS. Nguyễn Văn Chủ Tịch" in signatures[0][1]
    assert minutes_filename(council).endswith(".docx")


def test_minutes_before_conclusion_show_the_provisional_outcome(officer):
    task = TaskFactory(state="call")
    council = services.create_council(task, "selection", officer)
    paragraphs, _tables = text_of(minutes_docx(council))
    assert "Tuyển chọn tổ chức, cá nhân chủ trì" in paragraphs
    assert "Kết quả: chưa kết luận" in paragraphs
