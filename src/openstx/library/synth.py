"""Synthetic scanned pages: known Vietnamese text rendered like a 300 dpi scan (Noto font, mild
noise and skew). Used by ``openstx bench ocr`` and the tests; not used in production paths."""

from __future__ import annotations

import logging
import random
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/noto")
FONT_NAMES = ("NotoSerif-Regular.ttf", "NotoSans-Regular.ttf")

SAMPLE_PARAGRAPHS = [
    "Sở Khoa học và Công nghệ thành phố Cần Thơ tổ chức nghiệm thu đề tài nghiên cứu ứng dụng "
    "chế phẩm sinh học trong nuôi trồng thủy sản vùng đồng bằng sông Cửu Long.",
    "Kết quả cho thấy năng suất tôm thẻ chân trắng tăng mười hai phần trăm, chi phí thức ăn giảm "
    "đáng kể và môi trường ao nuôi được cải thiện rõ rệt sau ba vụ thử nghiệm.",
    "Nhóm nghiên cứu đề xuất chuyển giao quy trình cho các hợp tác xã tại huyện Phong Điền và "
    "Thới Lai, đồng thời đào tạo kỹ thuật viên cho doanh nghiệp địa phương.",
    "Báo cáo tổng kết gồm phần mở đầu, tổng quan tài liệu, phương pháp nghiên cứu, kết quả và "
    "thảo luận, kết luận và kiến nghị, cùng danh mục tài liệu tham khảo.",
    "Giống lúa chịu mặn OM18 được gieo trồng trên diện tích hai trăm héc-ta, cho năng suất bình "
    "quân sáu tấn trên một héc-ta trong điều kiện độ mặn bốn phần nghìn.",
    "Hệ thống quan trắc chất lượng nước tự động sử dụng cảm biến độ mặn, nhiệt độ và oxy hòa tan, "
    "gửi dữ liệu về trung tâm điều hành qua mạng di động.",
]


def font_path() -> str:
    for folder in FONT_DIRS:
        for name in FONT_NAMES:
            path = Path(folder) / name
            if path.exists():
                return str(path)
    raise FileNotFoundError("Noto fonts not found: apt-get install fonts-noto-core")


def page_text(seed: int, paragraphs: int = 3) -> str:
    rng = random.Random(seed)
    chosen = rng.sample(SAMPLE_PARAGRAPHS, k=min(paragraphs, len(SAMPLE_PARAGRAPHS)))
    return "\n\n".join(chosen)


def render_page(
    text: str,
    *,
    dpi: int = 300,
    noise: float = 0.02,
    skew: float = 0.6,
    seed: int = 0,
    width_in: float = 8.27,
    height_in: float = 11.69,
    font_pt: float = 12,
) -> Image.Image:
    """An A4 grayscale 'scan' of ``text``: Noto at ``font_pt``, salt-and-pepper ``noise``,
    rotated by up to ``skew`` degrees, slight blur."""
    rng = random.Random(seed)
    width, height = int(width_in * dpi), int(height_in * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(font_path(), int(font_pt * dpi / 72))
    margin = int(dpi * 0.9)
    line_height = int(font_pt * dpi / 72 * 1.5)
    chars_per_line = int((width - 2 * margin) / (font_pt * dpi / 72 * 0.5))
    y = margin
    for paragraph in text.split("\n\n"):
        for line in textwrap.wrap(paragraph, chars_per_line):
            draw.text((margin, y), line, font=font, fill=20)
            y += line_height
        y += line_height // 2
    if skew:
        image = image.rotate(
            rng.uniform(-skew, skew), resample=Image.Resampling.BICUBIC, fillcolor=255
        )
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    if noise:
        pixels = image.load()
        assert pixels is not None  # a loaded in-memory image always has pixel access
        for _ in range(int(width * height * noise / 10)):
            x, y2 = rng.randrange(width), rng.randrange(height)
            pixels[x, y2] = rng.choice((0, 90, 200, 255))
    return image


def save_png(image: Image.Image, path: Path, dpi: int = 300) -> Path:
    image.save(path, format="PNG", dpi=(dpi, dpi))
    return path


def save_pdf(images: list[Image.Image], path: Path, dpi: int = 300) -> Path:
    """An image-only PDF (no text layer), one page per image."""
    first, *rest = images
    first.save(path, format="PDF", save_all=True, append_images=rest, resolution=dpi)
    return path


def text_pdf(pages: list[str], path: Path) -> Path:
    """A born-digital PDF with a text layer (fpdf2 if installed, else Pillow-free raw PDF)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("Noto", "", font_path())
    pdf.set_font("Noto", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 7, text)
    pdf.output(str(path))
    return path


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: Levenshtein distance / reference length, on white-space-normalised
    NFC text."""
    import unicodedata

    ref = " ".join(unicodedata.normalize("NFC", reference).split())
    hyp = " ".join(unicodedata.normalize("NFC", hypothesis).split())
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, rc in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, hc in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (rc != hc))
        previous = current
    return previous[-1] / len(ref)
