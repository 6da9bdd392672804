"""The periodic report as DOCX (python-docx, editable), PDF (WeasyPrint, A4, fonts embedded)
and XLSX (openpyxl, the raw indicator tables)."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from openstx.core.money import short_amount
from openstx.reports import services

TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ KHOA HỌC VÀ CÔNG NGHỆ"


def build(year_from: int, year_to: int, fmt: str, progress: Any = None) -> bytes:
    """Compute the figures and write the report; the report is in Vietnamese."""
    with translation.override("vi"):
        data = services.report_data(year_from, year_to)
        if progress:
            progress.advance(message="figures")
        builder = {"docx": _docx, "pdf": _pdf, "xlsx": _xlsx}[fmt]
        content = builder(data, progress)
    if progress:
        progress.advance(message=fmt)
    return content


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _comparison_sentence(item: dict[str, Any], data: dict[str, Any]) -> str:
    c = item["comparison"]
    if not c:
        return ""
    p_from, p_to = data["previous"]
    sentence = (
        f"Tổng giai đoạn {data['year_from']}–{data['year_to']}: {c['now_text']}; "
        f"giai đoạn {p_from}–{p_to}: {c['before_text']}"
    )
    if c["change_percent"] is not None:
        word = "tăng" if c["change_percent"] >= 0 else "giảm"
        sentence += f" ({word} {abs(c['change_percent']):.1f}%)".replace(".", ",")
    return sentence + "."


def _png_chart(t: services.IndicatorTable) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.2, 2.6), dpi=150)
    try:
        if t.indicator.by_year:
            cats = [str(y) for y in t.columns]
            n = max(1, len(t.groups))
            width = 0.8 / n
            for i, (key, label) in enumerate(t.groups):
                vals = [t.value(key, y) or 0 for y in t.columns]
                ax.bar([c + i * width for c in range(len(cats))], vals, width, label=label[:40])
            ax.set_xticks([c + 0.4 - width / 2 for c in range(len(cats))], cats)
            if len(t.groups) > 1:
                ax.legend(fontsize=6, ncols=3, frameon=False)
        else:
            labels = [label[:18] for _k, label in t.groups]
            ax.bar(
                range(len(labels)), [t.value(k, None) or 0 for k, _l in t.groups], color="#0b6e4f"
            )
            ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=6)
        from matplotlib.ticker import FuncFormatter

        # axis in Vietnamese words ("1,5 tỷ", "250 triệu"), never 1e10 or "B"/"M"
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: short_amount(v, "vi")))
        ax.tick_params(labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def _docx(data: dict[str, Any], progress: Any) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    for section in doc.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
        section.top_margin = section.bottom_margin = Cm(2)

    _docx_letterhead(doc, data["letterhead"])

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"{TITLE}\nGIAI ĐOẠN {data['year_from']}–{data['year_to']}")
    run.bold = True
    run.font.size = Pt(14)
    date = data["generated_at"]
    doc.add_paragraph(
        f"(Số liệu trích xuất ngày {date:%d/%m/%Y} từ hệ thống OpenSTX)"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("I. ĐÁNH GIÁ CHUNG", level=1)
    _docx_rich_text(doc, data["overview_html"])

    doc.add_heading("II. KẾT QUẢ THỰC HIỆN THEO LĨNH VỰC", level=1)
    for n, section in enumerate(data["sections"], start=1):
        doc.add_heading(f"{n}. {section['title']}", level=2)
        for p in _paragraphs(section["text"]):
            doc.add_paragraph(p)
        for item in section["items"]:
            t = item["table"]
            doc.add_heading(str(t.indicator.title), level=3)
            doc.add_paragraph(str(t.indicator.description))
            matrix = t.matrix()
            years = [str(y) if y else "Hiện có" for y in t.columns]
            show_total = t.indicator.by_year and t.indicator.unit != "percent"
            table = doc.add_table(rows=1, cols=1 + len(years) + (1 if show_total else 0))
            table.style = "Table Grid"
            hdr = table.rows[0].cells
            hdr[0].text = str(t.indicator.group_label)
            for i, y in enumerate(years, start=1):
                hdr[i].text = y
            if show_total:
                hdr[-1].text = "Tổng"
            for row in matrix:
                cells = table.add_row().cells
                cells[0].text = row["label"]
                for i, c in enumerate(row["cells"], start=1):
                    cells[i].text = c["text"]
                if show_total:
                    cells[-1].text = services.format_value(t.indicator.unit, row["total"])
            doc.add_picture(io.BytesIO(_png_chart(t)), width=Cm(15))
            sentence = _comparison_sentence(item, data)
            if sentence:
                doc.add_paragraph(sentence)
    if progress:
        progress.advance(message="tables and charts")
    doc.add_heading("III. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN", level=1)
    for p in _paragraphs(data["limitations"]) or ["(Chưa soạn.)"]:
        doc.add_paragraph(p)
    doc.add_heading("IV. PHƯƠNG HƯỚNG, KIẾN NGHỊ", level=1)
    for p in _paragraphs(data["recommendations"]) or ["(Chưa soạn.)"]:
        doc.add_paragraph(p)
    _docx_signature(doc, data["letterhead"])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _pdf(data: dict[str, Any], progress: Any) -> bytes:
    from weasyprint import HTML

    for section in data["sections"]:
        for item in section["items"]:
            item["sentence"] = _comparison_sentence(item, data)
    html = render_to_string(
        "reports/report_pdf.html",
        {
            "data": data,
            "title": TITLE,
            "limitations": _paragraphs(data["limitations"]),
            "recommendations": _paragraphs(data["recommendations"]),
        },
    )
    if progress:
        progress.advance(message="layout")
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _xlsx(data: dict[str, Any], progress: Any) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from openstx.core.importing import xlsx_row

    wb = Workbook()
    summary = wb.active
    summary.title = "Tổng hợp"
    summary.append([f"{TITLE} GIAI ĐOẠN {data['year_from']}–{data['year_to']}"])
    summary["A1"].font = Font(bold=True)
    summary.append([])
    summary.append(
        [
            "Mã chỉ số",
            "Chỉ số",
            "Lĩnh vực",
            "Đơn vị",
            "Tổng giai đoạn",
            "Giai đoạn trước",
            "Thay đổi (%)",
        ]
    )
    used: set[str] = set()
    for section in data["sections"]:
        for item in section["items"]:
            t, c = item["table"], item["comparison"]
            summary.append(
                xlsx_row(
                    summary,
                    [
                        t.indicator.key,
                        str(t.indicator.title),
                        section["title"],
                        t.indicator.unit,
                        c.get("now"),
                        c.get("before"),
                        c.get("change_percent"),
                    ],
                )
            )
            name = _sheet_name(t.indicator.key, used)
            ws = wb.create_sheet(name)
            ws.append([str(t.indicator.title)])
            ws["A1"].font = Font(bold=True)
            ws.append([str(t.indicator.description)])
            ws.append([])
            ws.append(["indicator", "year", "group", "label", "value", "unit"])
            for r in services.to_records(t):
                ws.append(
                    xlsx_row(
                        ws,
                        [r["indicator"], r["year"], r["group"], r["label"], r["value"], r["unit"]],
                    )
                )
    if progress:
        progress.advance(message="sheets")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(key: str, used: set[str]) -> str:
    base = key.replace(".", "_")[:28]
    name, i = base, 2
    while name in used:
        name, i = f"{base[:26]}_{i}", i + 1
    used.add(name)
    return name


# --- letterhead and rich text in DOCX ---------------------------------------------------------


def _docx_letterhead(doc: Any, lh: dict[str, Any]) -> None:
    """The two-column header of official correspondence: governing body, department and the
    document number on the left; the national motto and the place and date line on the right."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    head = doc.add_table(rows=1, cols=2)
    head.autofit = False
    left, right = head.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(9.5)

    def line(cell: Any, text: str, *, bold=False, italic=False, underline=False, first=False):
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size = Pt(13 if italic or bold and cell is right else 12.5)
        return p

    line(left, lh["governing_body"].upper(), first=True)
    line(left, lh["department"].upper(), bold=True, underline=True)
    line(left, lh["document_number"]).paragraph_format.space_before = Pt(6)
    line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, first=True)
    line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True)
    line(right, lh["date_line"], italic=True).paragraph_format.space_before = Pt(6)


def _docx_signature(doc: Any, lh: dict[str, Any]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    if lh["recipients"]:
        p = left.paragraphs[0]
        run = p.add_run("Nơi nhận:")
        run.bold = run.italic = True
        run.font.size = Pt(12)
        for r in lh["recipients"]:
            left.add_paragraph().add_run(r).font.size = Pt(11)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(lh["signer_title"]).bold = True
    if lh["signer_name"]:
        name = right.add_paragraph()
        name.alignment = WD_ALIGN_PARAGRAPH.CENTER
        name.paragraph_format.space_before = Pt(60)
        name.add_run(lh["signer_name"]).bold = True


class _Blocks(HTMLParser):
    """Sanitised rich text (core.richtext) as paragraphs of runs: (style, [(text, b, i, u)])."""

    BLOCK = {"p", "li", "h3", "h4", "blockquote", "td", "th"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, list[tuple[str, bool, bool, bool]]]] = []
        self.marks = {"b": 0, "i": 0, "u": 0}
        self.lists: list[str] = []
        self.style = "p"

    def _new(self, style: str) -> None:
        self.blocks.append((style, []))

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag in self.BLOCK:
            style = "p"
            if tag == "li":
                style = "ol" if self.lists and self.lists[-1] == "ol" else "ul"
            elif tag in ("h3", "h4"):
                style = "h"
            self._new(style)
        elif tag == "br" and self.blocks:
            self.blocks[-1][1].append(("\n", False, False, False))
        key = {"strong": "b", "b": "b", "em": "i", "i": "i", "u": "u"}.get(tag)
        if key:
            self.marks[key] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        key = {"strong": "b", "b": "b", "em": "i", "i": "i", "u": "u"}.get(tag)
        if key and self.marks[key]:
            self.marks[key] -= 1

    def handle_data(self, data: str) -> None:
        if not data.strip() and not (self.blocks and self.blocks[-1][1]):
            return
        if not self.blocks:
            self._new("p")
        m = self.marks
        self.blocks[-1][1].append((data, m["b"] > 0, m["i"] > 0, m["u"] > 0))


def _docx_rich_text(doc: Any, html: str) -> None:
    """Paragraphs, headings and lists with bold, italic and underline (links keep their text)."""
    parser = _Blocks()
    parser.feed(html or "")
    styles = {"ul": "List Bullet", "ol": "List Number", "h": "Heading 4", "p": None}
    for style, runs in parser.blocks:
        if not "".join(t for t, *_m in runs).strip():
            continue
        p = doc.add_paragraph(style=styles[style]) if styles[style] else doc.add_paragraph()
        for text, bold, italic, underline in runs:
            if text == "\n":
                p.add_run().add_break()
                continue
            run = p.add_run(text)
            run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
