"""Text extraction from files: PDF text layers, DOCX, ODT, plain text, and OCR of images and
image-only PDF pages through Tesseract (vie+eng).

Pure functions, no database. ``plan_file`` sniffs and checks a file and lists its pages: pages
with a text layer carry their text, the others are OCR jobs. ``ocr_image`` runs one Tesseract
process (one thread: OMP_THREAD_LIMIT=1) on one page image and returns text, confidence and a
one-page searchable PDF. Parallelism comes from running several such processes at once
(``services.process_paths``), never from threads inside Tesseract.

Every extraction is bounded (``openstx.core.limits``): a DOCX/ODT that would unpack beyond the
limits is refused when sniffed (at upload, before any XML is parsed), and the text kept per file
is cut at ``OPENSTX_EXTRACT_MAX_CHARS`` characters (``FilePlan.cut_from``: the length before the
cut; the document page tells the uploader, ``services.extraction_notice``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from openstx.core import limits
from openstx.core.text import nfc

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
IMAGE_TYPES = {"image/png", "image/jpeg", "image/tiff", "image/bmp", "image/gif", "image/webp"}

# Which sniffed types each extension may hold: a file whose content disagrees is refused.
EXTENSIONS: dict[str, set[str]] = {
    ".pdf": {PDF},
    ".docx": {DOCX, "application/zip"},
    ".odt": {ODT, "application/zip"},
    ".txt": {TEXT},
    ".png": {"image/png"},
    ".jpg": {"image/jpeg"},
    ".jpeg": {"image/jpeg"},
    ".tif": {"image/tiff"},
    ".tiff": {"image/tiff"},
    ".bmp": {"image/bmp"},
    ".gif": {"image/gif"},
    ".webp": {"image/webp"},
}
SUPPORTED_EXTENSIONS = tuple(sorted(EXTENSIONS))

MIN_TEXT_CHARS = 20  # a PDF page with fewer characters in its text layer is OCR'd


def setting(name: str, default: int | float | str) -> int | float | str:
    return getattr(settings, name, default)


class ExtractionError(Exception):
    """A file that cannot be read; the message is shown to the user per file."""


@dataclass
class PagePlan:
    number: int  # 1-based
    text: str | None = None  # text layer, or None when the page needs OCR
    dpi: int = 300


@dataclass
class FilePlan:
    path: Path
    sha256: str
    size: int
    mime: str
    pages: list[PagePlan] = field(default_factory=list)
    text: str | None = None  # whole-file text for formats without pages (DOCX, ODT, TXT)
    cut_from: int = 0  # the text was cut at OPENSTX_EXTRACT_MAX_CHARS; it had this many (or more)

    @property
    def ocr_pages(self) -> list[PagePlan]:
        return [page for page in self.pages if page.text is None]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sniff(path: Path) -> str:
    """The file's real media type from its bytes; the extension must agree with it."""
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError(_("The file is empty (0 bytes)."))
    max_bytes = int(setting("OPENSTX_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))
    if size > max_bytes:
        raise ExtractionError(
            _("The file is too large (%(size)d MB; the limit is %(limit)d MB).")
            % {"size": size // (1 << 20), "limit": max_bytes // (1 << 20)}
        )
    ext = path.suffix.lower()
    kind = filetype.guess(str(path))
    mime = kind.mime if kind else None
    if mime is None:
        head = path.read_bytes()[:4096]
        if head.startswith(b"%PDF"):
            mime = PDF
        elif ext == ".txt":
            try:
                path.read_bytes().decode("utf-8")
                mime = TEXT
            except UnicodeDecodeError:
                raise ExtractionError(_("The text file is not UTF-8."))
    if ext not in EXTENSIONS:
        raise ExtractionError(
            _("Unsupported file type %(ext)s. Supported: %(list)s.")
            % {"ext": ext or _("(no extension)"), "list": ", ".join(SUPPORTED_EXTENSIONS)}
        )
    if mime is None:
        raise ExtractionError(_("The file content is not a recognised document or image."))
    if mime not in EXTENSIONS[ext]:
        raise ExtractionError(
            _("The file name says %(ext)s but its content is %(mime)s.")
            % {"ext": ext, "mime": mime}
        )
    if mime == "application/zip":  # DOCX/ODT that filetype could only see as a ZIP
        mime = DOCX if ext == ".docx" else ODT
    if mime in (DOCX, ODT):
        try:
            limits.check_zip(path)  # a decompression bomb is refused here, at upload
        except limits.UnpackLimitError as exc:
            raise ExtractionError(str(exc))
    return mime


def plan_file(path: Path) -> FilePlan:
    """Sniff, hash and read what can be read without OCR; raise ExtractionError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise ExtractionError(_("File not found."))
    mime = sniff(path)
    plan = FilePlan(path=path, sha256=sha256_file(path), size=path.stat().st_size, mime=mime)
    if mime == PDF:
        plan.pages = _plan_pdf(path, plan)
    elif mime in IMAGE_TYPES:
        _check_image(path)
        plan.pages = [PagePlan(number=1, text=None)]
    elif mime == DOCX:
        plan.text = read_docx(path)
    elif mime == ODT:
        plan.text = read_odt(path)
    elif mime == TEXT:
        plan.text = nfc(path.read_text(encoding="utf-8"))
    if plan.text is not None:
        plan.text, plan.cut_from = cap_text(plan.text)
    return plan


# --- PDF ---------------------------------------------------------------------------------------


def _open_pdf(path: Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message or "security" in message:
            raise ExtractionError(_("The PDF is encrypted (password protected)."))
        raise ExtractionError(
            _("The PDF is damaged and cannot be read (%(reason)s).") % {"reason": exc}
        )


def _max_pixels() -> int:
    return int(setting("OPENSTX_MAX_PAGE_PIXELS", 60_000_000))


def cap_text(text: str) -> tuple[str, int]:
    """``(text, cut_from)``: the text cut at ``OPENSTX_EXTRACT_MAX_CHARS`` characters, and its
    length before the cut (0 when it was not cut)."""
    max_chars = limits.limit("OPENSTX_EXTRACT_MAX_CHARS")
    if len(text) <= max_chars:
        return text, 0
    return text[:max_chars], len(text)


def _plan_pdf(path: Path, plan: FilePlan | None = None) -> list[PagePlan]:
    """The pages of a PDF: text-layer pages carry their text (all of them together at most
    ``OPENSTX_EXTRACT_MAX_CHARS`` characters: a page is read only up to what is left, and the
    pages after the limit are neither read nor OCR'd), the others are OCR jobs."""
    import pypdfium2.raw as pdfium_c

    budget = limits.limit("OPENSTX_EXTRACT_MAX_CHARS")
    seen_chars = 0

    pdf = _open_pdf(path)
    try:
        count = len(pdf)
        if count == 0:
            raise ExtractionError(_("The PDF has no pages."))
        max_pages = int(setting("OPENSTX_MAX_PDF_PAGES", 2000))
        if count > max_pages:
            raise ExtractionError(
                _("The PDF has %(count)d pages; the limit is %(limit)d.")
                % {"count": count, "limit": max_pages}
            )
        pages: list[PagePlan] = []
        for index in range(count):
            if budget <= 0:  # the text limit is reached: the rest is neither read nor OCR'd
                if plan is not None and not plan.cut_from:  # reached exactly on the last page
                    page = pdf[index]
                    textpage = page.get_textpage()
                    plan.cut_from = seen_chars + max(textpage.count_chars(), 1)
                    textpage.close()
                    page.close()
                pages.append(PagePlan(number=index + 1, text=""))
                continue
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                chars = textpage.count_chars()
                seen_chars += chars
                if chars > budget:
                    text = textpage.get_text_range(0, budget)
                else:
                    text = textpage.get_text_bounded()
                text = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
                textpage.close()
                if chars > budget:
                    budget = 0
                    if plan is not None:
                        plan.cut_from = seen_chars
                    pages.append(PagePlan(number=index + 1, text=text.strip()))
                    continue
                budget -= chars
                if len(text.strip()) >= MIN_TEXT_CHARS:
                    pages.append(PagePlan(number=index + 1, text=text.strip()))
                    continue
                width, height = page.get_size()  # points
                dpi = next(
                    (
                        d
                        for d in (300, 200, 150, 100, 72)
                        if (width * d / 72) * (height * d / 72) <= _max_pixels()
                    ),
                    0,
                )
                if not dpi:
                    raise ExtractionError(
                        _("Page %(n)d is too large to render (%(w)d × %(h)d points).")
                        % {"n": index + 1, "w": width, "h": height}
                    )
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
                    px_w, px_h = obj.get_px_size()
                    if px_w * px_h > _max_pixels() * 4:
                        raise ExtractionError(
                            _(
                                "Page %(n)d holds an image of %(w)d × %(h)d pixels: too large (image bomb?)."
                            )
                            % {"n": index + 1, "w": px_w, "h": px_h}
                        )
                pages.append(PagePlan(number=index + 1, text=None, dpi=dpi))
            finally:
                page.close()
        return pages
    finally:
        pdf.close()


def render_pdf_page(path: Path, number: int, dpi: int, out: Path) -> Path:
    pdf = _open_pdf(path)
    try:
        page = pdf[number - 1]
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        image = bitmap.to_pil()
        image.save(out, format="PPM")  # uncompressed PGM: no encoding cost; Leptonica reads it
        page.close()
        return out
    finally:
        pdf.close()


def page_scan_image(path: Path, number: int, out_stem: Path) -> tuple[Path, int] | None:
    """A scanned page is usually one upright JPEG filling the page: write it out as stored (no
    decoding, no re-encoding) and return it with its resolution. None for any other page, which
    is then rendered instead."""
    import pypdfium2.raw as pdfium_c

    pdf = _open_pdf(path)
    try:
        page = pdf[number - 1]
        try:
            if page.get_rotation() % 360:
                return None
            images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1))
            if len(images) != 1 or images[0].get_filters() != ["DCTDecode"]:
                return None
            image = images[0]
            a, b, c, d, _e, _f = image.get_matrix().get()
            left, bottom, right, top = page.get_mediabox()
            x0, y0, x1, y1 = image.get_bounds()
            if b or c or a <= 0 or d <= 0:
                return None
            if max(abs(x0 - left), abs(y0 - bottom), abs(x1 - right), abs(y1 - top)) > 2:
                return None
            px_w, px_h = image.get_px_size()
            dpi = round(px_w * 72 / (right - left))
            if not 150 <= dpi <= 1200 or abs(px_h * 72 / (top - bottom) - dpi) > 3:
                return None
            image.extract(str(out_stem))
            written = out_stem.with_suffix(".jpg")
            return (written, dpi) if written.exists() else None
        finally:
            page.close()
    finally:
        pdf.close()


def render_preview(path: Path, mime: str, out: Path, width: int = 420) -> Path | None:
    """A small PNG of the first page (PDF or image); None for other formats."""
    try:
        if mime == PDF:
            pdf = _open_pdf(path)
            try:
                page = pdf[0]
                page_width = page.get_width() or 595
                image = page.render(scale=width / page_width).to_pil()
                page.close()
            finally:
                pdf.close()
        elif mime in IMAGE_TYPES:
            with Image.open(path) as source:
                source.draft("L", (width, width * 2))  # JPEG: decode at reduced size
                factor = max(1, source.width // width)
                image = source.reduce(factor) if factor > 1 else source.copy()
                if image.mode not in ("L", "RGB"):
                    image = image.convert("RGB")
        else:
            return None
        image.save(out, format="PNG", compress_level=3)
        return out
    except (ExtractionError, OSError, ValueError):
        return None


# --- Images ------------------------------------------------------------------------------------


def _check_image(path: Path) -> None:
    try:
        with Image.open(path) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        raise ExtractionError(_("The image is too large to process (image bomb?)."))
    except OSError as exc:
        raise ExtractionError(
            _("The image is damaged and cannot be read (%(reason)s).") % {"reason": exc}
        )
    if width * height > _max_pixels():
        raise ExtractionError(
            _("The image is %(w)d × %(h)d pixels; the limit is %(limit)d megapixels.")
            % {"w": width, "h": height, "limit": _max_pixels() // 1_000_000}
        )


# --- DOCX / ODT --------------------------------------------------------------------------------


def read_docx(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise ExtractionError(
            _("The DOCX file is damaged and cannot be read (%(reason)s).") % {"reason": exc}
        )
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return nfc("\n".join(parts)).strip()


def read_odt(path: Path) -> str:
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            content = archive.read("content.xml")
        root = etree.fromstring(
            content, parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise ExtractionError(
            _("The ODT file is damaged and cannot be read (%(reason)s).") % {"reason": exc}
        )
    ns = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
    lines = ["".join(el.itertext()) for el in root.iter(f"{ns}p", f"{ns}h")]
    return nfc("\n".join(lines)).strip()


# --- OCR ---------------------------------------------------------------------------------------


@dataclass
class OcrResult:
    text: str
    confidence: float | None
    pdf: bytes = b""


def tesseract_env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    return env


def ocr_languages() -> str:
    return str(setting("OPENSTX_OCR_LANGUAGES", "vie+eng"))


def ocr_image(
    image_path: Path, *, want_pdf: bool = True, dpi: int = 300, text_only_pdf: bool = True
) -> OcrResult:
    """One Tesseract process on one page image: TSV (text + word confidences) and a PDF page —
    text-only (the invisible layer laid over an original PDF page; as cheap as plain-text
    output) or, for an image file, the image with its text layer (the searchable PDF itself)."""
    with tempfile.TemporaryDirectory(prefix="openstx-ocr-") as tmp:
        base = Path(tmp) / "page"
        configs = ["tsv", "pdf"] if want_pdf else ["tsv"]
        command = [
            str(setting("OPENSTX_TESSERACT", "tesseract")),
            str(image_path),
            str(base),
            "-l",
            ocr_languages(),
            "--dpi",
            str(dpi),
            "-c",
            f"textonly_pdf={1 if text_only_pdf else 0}",
            *configs,
        ]
        try:
            proc = subprocess.run(  # noqa: S603
                command, capture_output=True, env=tesseract_env(), timeout=600, check=False
            )
        except subprocess.TimeoutExpired:
            raise ExtractionError(_("OCR took too long on this page."))
        if proc.returncode != 0:
            raise ExtractionError(
                _("OCR failed: %(reason)s")
                % {"reason": proc.stderr.decode(errors="replace")[-300:]}
            )
        text, confidence = parse_tsv(Path(f"{base}.tsv").read_text(encoding="utf-8"))
        pdf_bytes = Path(f"{base}.pdf").read_bytes() if want_pdf else b""
    return OcrResult(text=text, confidence=confidence, pdf=pdf_bytes)


def parse_tsv(tsv: str) -> tuple[str, float | None]:
    """Tesseract TSV -> (text with lines and paragraphs, character-weighted mean confidence)."""
    lines: list[str] = []
    current_key: tuple[str, str, str] | None = None
    current_par: tuple[str, str] | None = None
    words: list[str] = []
    weight = 0
    total = 0.0
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(reader, None)
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        word = row[11]
        if not word.strip():
            continue
        key = (row[2], row[3], row[4])
        if key != current_key:
            if words:
                lines.append(" ".join(words))
            if current_par is not None and (row[2], row[3]) != current_par:
                lines.append("")
            words = []
            current_key = key
            current_par = (row[2], row[3])
        words.append(word)
        conf = float(row[10])
        if conf >= 0:
            weight += len(word)
            total += conf * len(word)
    if words:
        lines.append(" ".join(words))
    confidence = round(total / weight, 2) if weight else None
    return nfc("\n".join(lines)).strip(), confidence


def searchable_pdf(text_layers: dict[int, bytes], source: Path, out: Path) -> None:
    """The OCRmyPDF "sandwich": Tesseract's text-only PDF of each OCR'd page laid invisibly
    over the original page (of a PDF; images get theirs from Tesseract directly)."""
    import pikepdf

    base = pikepdf.Pdf.open(source)
    opened = []
    try:
        for number, data in sorted(text_layers.items()):
            layer = pikepdf.Pdf.open(io.BytesIO(data))
            opened.append(layer)
            pikepdf.Page(base.pages[number - 1]).add_overlay(pikepdf.Page(layer.pages[0]), None)
        base.save(out)
    finally:
        for layer in opened:
            layer.close()
        base.close()
