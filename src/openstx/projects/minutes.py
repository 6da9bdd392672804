"""Council minutes (biên bản họp hội đồng) as a Vietnamese DOCX, with python-docx.

The minutes are an administrative document: they are always in Vietnamese, whatever the
interface language.
"""

from __future__ import annotations

import io
from decimal import Decimal

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from openstx.projects.models import Council, CouncilMember, localized
from openstx.projects.services import compute_outcome, council_sheets

PURPOSE_VI = {
    "selection": "tuyển chọn tổ chức, cá nhân chủ trì",
    "acceptance": "đánh giá, nghiệm thu kết quả",
    "appraisal": "thẩm định công nghệ dự án đầu tư",
}
ROLE_VI = {
    "chair": "Chủ tịch Hội đồng",
    "vice_chair": "Phó Chủ tịch Hội đồng",
    "reviewer_1": "Ủy viên phản biện 1",
    "reviewer_2": "Ủy viên phản biện 2",
    "secretary": "Ủy viên thư ký",
    "member": "Ủy viên",
}
LEVEL_VI = {
    "national": "cấp quốc gia",
    "ministerial": "cấp bộ",
    "provincial": "cấp tỉnh",
    "district": "cấp huyện",
    "grassroots": "cấp cơ sở",
}


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def minutes_docx(council: Council, agency: str = "SỞ KHOA HỌC VÀ CÔNG NGHỆ") -> bytes:
    task = council.task
    members = sorted(
        council.members.select_related("expert", "expert__organization"),
        key=lambda m: (m.role_order, m.expert.full_name),
    )
    present = [m for m in members if m.invitation != CouncilMember.Invitation.DECLINED]
    absent = [m for m in members if m.invitation == CouncilMember.Invitation.DECLINED]
    sheets = {s.member_id: s for s in council_sheets(council)}
    if council.outcome:
        outcome_label = council.outcome_label
        average, pass_votes, votes = council.average_score, council.pass_votes, council.votes
    else:
        result = compute_outcome(council)
        outcome_label = result.get("label_vi", "")
        average, pass_votes, votes = result["average"], result["pass_votes"], result["votes"]

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)

    header = doc.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.text = f"{agency}\nHỘI ĐỒNG KHOA HỌC VÀ CÔNG NGHỆ"
    right.text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    for cell in (left, right):
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in p.runs:
                run.bold = True

    date = council.meeting_date
    when = (
        f"ngày {date.day:02d} tháng {date.month:02d} năm {date.year}"
        if date
        else "ngày … tháng … năm …"
    )
    p = doc.add_paragraph(f"{council.place or '…'}, {when}")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("BIÊN BẢN HỌP HỘI ĐỒNG")
    run.bold = True
    run.font.size = Pt(15)
    sub = doc.add_paragraph(
        f"{PURPOSE_VI.get(council.purpose, council.purpose).capitalize()} nhiệm vụ khoa học và "
        f"công nghệ {LEVEL_VI.get(task.level, '')}"
    )
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_paragraph(f"Tên nhiệm vụ: {task.title}")
    doc.add_paragraph(f"Mã số: {task.code or '—'}")
    doc.add_paragraph(f"Tổ chức chủ trì: {task.host or '—'}")
    doc.add_paragraph(f"Chủ nhiệm nhiệm vụ: {task.leader.display_name if task.leader else '—'}")
    if council.decision_number:
        doc.add_paragraph(f"Quyết định thành lập Hội đồng số: {council.decision_number}")

    doc.add_heading("1. Thành viên Hội đồng", level=2)
    doc.add_paragraph(
        f"Tổng số thành viên: {len(members)}; có mặt: {len(present)}; vắng mặt: {len(absent)}."
    )
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ["TT", "Họ và tên", "Đơn vị công tác", "Chức danh trong Hội đồng"],
        strict=True,
    ):
        cell.text = text
    for i, m in enumerate(present, start=1):
        row = table.add_row().cells
        row[0].text = str(i)
        row[1].text = m.expert.display_name
        row[2].text = str(m.expert.organization or "")
        row[3].text = ROLE_VI.get(m.role, m.role)
    if absent:
        doc.add_paragraph("Vắng mặt: " + "; ".join(m.expert.display_name for m in absent) + ".")

    doc.add_heading("2. Kết quả chấm điểm của các thành viên", level=2)
    criteria = council.criteria
    table = doc.add_table(rows=1, cols=3 + len(criteria))
    table.style = "Table Grid"
    head = (
        ["TT", "Thành viên"]
        + [f"{c.get('label_vi') or c.get('label')} (tối đa {c['max']})" for c in criteria]
        + ["Tổng điểm / Biểu quyết"]
    )
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = text
    for i, m in enumerate(present, start=1):
        sheet = sheets.get(m.pk)
        row = table.add_row().cells
        row[0].text = str(i)
        row[1].text = m.expert.display_name
        for j, c in enumerate(criteria):
            row[2 + j].text = (
                _fmt(Decimal(sheet.scores[c["code"]]))
                if sheet and c["code"] in sheet.scores
                else "—"
            )
        vote = {"pass": "Đạt", "fail": "Không đạt"}.get(sheet.vote, "—") if sheet else "—"
        row[-1].text = f"{_fmt(sheet.total)} / {vote}" if sheet else "—"

    doc.add_heading("3. Kết luận của Hội đồng", level=2)
    max_total = council.max_total or 100
    doc.add_paragraph(f"Điểm trung bình: {_fmt(average)}/{max_total}.")
    doc.add_paragraph(f"Số phiếu đánh giá “Đạt”: {pass_votes or 0}/{votes or 0}.")
    rule = council.rules.get("rule", {})
    bands = ", ".join(
        f"{b.get('label_vi') or b.get('label')} từ {b['min']} điểm" for b in rule.get("bands", [])
    )
    if bands:
        doc.add_paragraph(
            f"Quy tắc xếp loại: cần ít nhất {round(float(rule.get('vote_fraction', 0.6667)) * 100)}% "
            f"thành viên biểu quyết “Đạt”; {bands} (quy về thang 100)."
        )
    verdict = doc.add_paragraph()
    run = verdict.add_run(f"Kết quả: {outcome_label or 'chưa kết luận'}")
    run.bold = True
    if council.notes:
        doc.add_paragraph("Ý kiến, kiến nghị của Hội đồng: " + council.notes)

    chair = next((m for m in present if m.role == "chair"), None)
    secretary = next((m for m in present if m.role == "secretary"), None)
    sign = doc.add_table(rows=1, cols=2)
    sign.rows[0].cells[0].text = "THƯ KÝ HỘI ĐỒNG\n\n\n" + (
        secretary.expert.display_name if secretary else ""
    )
    sign.rows[0].cells[1].text = "CHỦ TỊCH HỘI ĐỒNG\n\n\n" + (
        chair.expert.display_name if chair else ""
    )
    for cell in sign.rows[0].cells:
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def minutes_filename(council: Council) -> str:
    from openstx.core.text import slugify_vi

    return f"bien-ban-{council.purpose}-{slugify_vi(council.task.code or str(council.task_id), 40)}.docx"


__all__ = ["minutes_docx", "minutes_filename", "localized"]
