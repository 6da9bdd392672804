"""Reading real-world spreadsheets: title rows above the header, headers spread over several
rows of merged cells, a "(1) (2) (3)" numbering row, Vietnamese column names with or without
diacritics, dates as text or Excel dates, numbers with dot thousands separators.

:class:`SheetReader` finds the header block itself and maps every column to a canonical column
name through a synonym list, then yields ``(line_number, {column: value})`` rows — the row
format of the one import pipeline (``openstx.core.importing``), whose line numbers are the
spreadsheet's own row numbers. Generic: an app gives its synonyms (e.g. ``openstx.ipr`` from
``ipr/data/synonyms.json``) and gets the rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from openstx.core.importing.columns import ImportFileError
from openstx.core.importing.formulas import unescape_formula
from openstx.core.importing.readers import Reader, detect_encoding
from openstx.core.limits import UnpackLimitError, check_zip
from openstx.core.text import clean, fold

MAX_HEADER_SCAN = 20
MAX_HEADER_DEPTH = 3
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_UNITS = re.compile(r"\((?:[^)]*)\)")
_NUMBERING = re.compile(r"^\(?\s*\d{1,2}\s*\)?$|^\(?[a-z]\)?$")


def label_key(text: Any) -> str:
    """Header text as compared with synonyms: folded, punctuation and units dropped.
    "Kinh phí hỗ trợ (đồng)" -> "kinh phi ho tro"; "Ngày nộp đơn:" -> "ngay nop don"."""
    value = fold(clean(str(text))) if text is not None else ""
    value = _UNITS.sub(" ", value).replace("_", " ")
    value = _PUNCT.sub(" ", value)
    return " ".join(value.split())


class HeaderMatcher:
    """Maps header labels to canonical column names through ``{column: [synonyms]}``."""

    def __init__(self, synonyms: Mapping[str, Sequence[str]]):
        self.exact: dict[str, str] = {}
        self.tokens: dict[frozenset[str], str] = {}
        for column, names in synonyms.items():
            for name in [column, column.replace("_", " "), *names]:
                key = label_key(name)
                if key:
                    self.exact.setdefault(key, column)
                    self.tokens.setdefault(frozenset(key.split()), column)

    def match_one(self, label: str) -> str | None:
        key = label_key(label)
        if not key:
            return None
        return self.exact.get(key) or self.tokens.get(frozenset(key.split()))

    def match(self, parts: Sequence[str]) -> str | None:
        """``parts`` are the labels of one column from the top header row down (merged parents
        first): the whole path is tried, then the most specific label, then its parents."""
        if not parts:
            return None
        candidates = [" ".join(parts)]
        if len(parts) > 1:
            candidates += [" ".join(parts[i:]) for i in range(1, len(parts))]
            candidates += list(reversed(parts[:-1]))
        for candidate in candidates:
            column = self.match_one(candidate)
            if column:
                return column
        return None


def _is_texty(value: Any) -> bool:
    return isinstance(value, str) and bool(clean(value))


def _is_numbering_row(values: Sequence[Any]) -> bool:
    cells = [v for v in values if v not in (None, "")]
    if len(cells) < 2:
        return False
    return all(
        (isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100)
        or (isinstance(v, float) and v.is_integer() and 0 < v < 100)
        or (isinstance(v, str) and _NUMBERING.match(fold(clean(v))))
        for v in cells
    )


def _blank(values: Sequence[Any]) -> bool:
    return not any(
        v not in (None, "") and not (isinstance(v, str) and not v.strip()) for v in values
    )


def detect_header(
    grid: list[list[Any]], matcher: HeaderMatcher
) -> tuple[int, int, list[str | None], list[str]]:
    """Find the header block in the first rows of ``grid`` (merged cells already filled).

    Returns ``(first_row_index, depth, columns, labels)``: the index of the header's first row,
    how many rows it spans, the canonical column name of every column (None when unknown) and
    the label of every column as written.
    """
    best: tuple[int, int, int, list[str | None], list[str]] | None = None
    limit = min(len(grid), MAX_HEADER_SCAN)
    for start in range(limit):
        if _blank(grid[start]):
            continue
        for depth in range(1, MAX_HEADER_DEPTH + 1):
            block = grid[start : start + depth]
            if len(block) < depth or any(_blank(r) or _is_numbering_row(r) for r in block[1:]):
                break
            # header rows hold text only; a row with dates or amounts is data
            if any(v not in (None, "") and not _is_texty(v) for r in block for v in r):
                break
            width = max(len(r) for r in block)
            columns: list[str | None] = []
            labels: list[str] = []
            for c in range(width):
                parts: list[str] = []
                for r in block:
                    v = r[c] if c < len(r) else None
                    if _is_texty(v) and (not parts or clean(v) != parts[-1]):
                        parts.append(clean(v))
                columns.append(matcher.match(parts))
                labels.append(" / ".join(parts))
            seen: set[str] = set()
            unique: list[str | None] = []
            for col in columns:
                unique.append(col if col and col not in seen else None)
                if col:
                    seen.add(col)
            score = len(seen)
            if best is None or score > best[0]:  # ties keep the earlier, shallower block
                best = (score, start, depth, unique, labels)
    if best is None or best[0] == 0:
        return 0, 0, [], []
    return best[1], best[2], best[3], best[4]


Merge = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col (1-based)


def _fill_merged(
    grid: list[list[Any]], merges: Sequence[Merge], rows: range, vertical_only: bool
) -> None:
    """Copy each merged range's value into its cells (within ``rows``, 0-based indexes).

    In the header every merge is filled; in the data only vertical ones (an applicant's cell
    merged over several applications), so a heading merged across the row stays one cell."""
    for min_row, min_col, max_row, max_col in merges:
        if vertical_only and min_col != max_col:
            continue
        if min_row - 1 >= len(grid):
            continue
        value = grid[min_row - 1][min_col - 1] if min_col - 1 < len(grid[min_row - 1]) else None
        for r in range(min_row, max_row + 1):
            if r - 1 not in rows or r - 1 >= len(grid):
                continue
            row = grid[r - 1]
            for c in range(min_col, max_col + 1):
                while len(row) < c:
                    row.append(None)
                if row[c - 1] in (None, ""):
                    row[c - 1] = value


_SECTION = re.compile(r"^(?:[ivxlc]+|[a-z]|\d{1,2})\s*[.)/:-]\s*\S")
_TOTAL = re.compile(r"^(?:tong cong|tong so|total)\b|^(?:tong|cong)\s*[:.]?$")


def is_heading_row(values: Sequence[Any]) -> bool:
    """A section heading ("I. NHÃN HIỆU", "2. Năm 2018") or a totals row ("Tổng cộng")."""
    cells = [
        v for v in values if v not in (None, "") and not (isinstance(v, str) and not v.strip())
    ]
    texts = [fold(clean(v)) for v in cells if isinstance(v, str)]
    if texts and _TOTAL.match(texts[0]):
        return True
    return len(cells) == 1 and bool(texts) and bool(_SECTION.match(texts[0]))


class SheetReader(Reader):
    """Rows of the first visible worksheet of an XLSX file whose header is recognised (or of a
    CSV file), with the header found
    and the columns named canonically. ``header`` lists the recognised columns plus the
    folded labels of the others (so the pipeline can warn about them)."""

    def __init__(
        self, source: str | Path | bytes, synonyms: Mapping[str, Sequence[str]], *, name: str = ""
    ):
        self.matcher = HeaderMatcher(synonyms)
        name = name or (str(source) if not isinstance(source, bytes) else "")
        self.sheet_name = ""
        # the first worksheet whose header is recognised (a cover or notes sheet may come first)
        for sheet in self._load(source, name):
            head = [list(r) for r in sheet[1][: MAX_HEADER_SCAN + MAX_HEADER_DEPTH]]
            _fill_merged(head, sheet[2], range(len(head)), vertical_only=False)
            found = detect_header(head, self.matcher)
            if found[1]:
                break
        self.sheet_name, self.grid, self.merges = sheet
        self.start, self.depth, self.columns, self.labels = found
        _fill_merged(self.grid, self.merges, range(self.start + self.depth, len(self.grid)), True)
        self.header = [
            col or label_key(label).replace(" ", "_")
            for col, label in zip(self.columns, self.labels, strict=False)
            if col or label
        ]
        self.data_start = self.start + self.depth
        if (
            self.depth
            and self.data_start < len(self.grid)
            and _is_numbering_row(self.grid[self.data_start])
        ):
            self.data_start += 1
        self.total = (
            sum(1 for r in self.grid[self.data_start :] if not _blank(r) and not is_heading_row(r))
            if self.depth
            else 0
        )

    @property
    def found(self) -> bool:
        return self.depth > 0

    def _load(
        self, source: str | Path | bytes, name: str
    ) -> list[tuple[str, list[list[Any]], list[Merge]]]:
        lower = name.lower()
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        if lower.endswith((".csv", ".tsv", ".txt")):
            encoding = detect_encoding(data[:4096])
            try:
                content = data.decode(encoding)
            except UnicodeDecodeError:
                content = data.decode("cp1258", errors="replace")
            content = content.lstrip("\ufeff")
            first = content.split("\n", 1)[0]
            try:  # the delimiter only: the sniffer also guesses doublequote=False from a header
                delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
            except csv.Error:
                delimiter = ","
            reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
            rows = [[unescape_formula(cell) for cell in r] for r in reader]
            return [("", rows, [])]
        from openpyxl import load_workbook

        try:
            check_zip(data)  # the whole workbook is loaded: refuse a decompression bomb first
        except UnpackLimitError as exc:
            raise ImportFileError(str(exc))
        wb = load_workbook(io.BytesIO(data), data_only=True)
        try:
            sheets = []
            for ws in wb.worksheets:
                if getattr(ws, "sheet_state", "visible") != "visible":
                    continue
                merges = [
                    (m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges
                ]
                sheets.append((ws.title, [list(r) for r in ws.iter_rows(values_only=True)], merges))
            return sheets or [("", [], [])]
        finally:
            wb.close()

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if not self.depth:
            return
        for index in range(self.data_start, len(self.grid)):
            values = self.grid[index]
            if _blank(values) or is_heading_row(values):
                continue
            row: dict[str, Any] = {}
            for c, col in enumerate(self.columns):
                if col and c < len(values):
                    row[col] = values[c]
            if all(v in (None, "") for v in row.values()):
                continue
            yield index + 1, row


# --- Value parsers for awkward cells ------------------------------------------------------

_DATE_PATTERNS = [
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})$"), ("d", "m", "yy")),
    (re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ t].*)?$"), ("y", "m", "d")),
    (re.compile(r"^ngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})$"), ("d", "m", "y")),
]
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: Any) -> dt.date:
    """dd/mm/yyyy, d/m/yy, yyyy-mm-dd, "ngày 5 tháng 3 năm 2019", an Excel date or serial."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if 20000 < float(value) < 80000:  # an Excel serial date (1954–2119)
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(_("%(value)r is not a date (dd/mm/yyyy)") % {"value": value})
    raw = fold(clean(str(value)))
    if raw.isdigit() and 20000 < int(raw) < 80000:
        return EXCEL_EPOCH + dt.timedelta(days=int(raw))
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(raw)
        if not match:
            continue
        parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
        year = parts.get("y") or (2000 + parts["yy"] if parts["yy"] < 70 else 1900 + parts["yy"])
        try:
            return dt.date(year, parts["m"], parts["d"])
        except ValueError:
            break
    raise ValueError(_("%(value)r is not a date (dd/mm/yyyy)") % {"value": clean(str(value))})


def parse_amount(value: Any) -> int:
    """VND amounts: 15000000, "15.000.000", "15,000,000", "15.000.000 đ", "15 000 000 VNĐ"."""
    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not an amount") % {"value": value})
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float | Decimal):
        number = Decimal(str(value))
    else:
        raw = fold(clean(str(value)))
        raw = re.sub(r"(vnd|dong|d)\.?$", "", raw).strip().replace(" ", "")
        if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", raw):  # 15.000.000 or 1.500,5
            raw = raw.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):  # 15,000,000
            raw = raw.replace(",", "")
        else:
            raw = raw.replace(",", ".")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise ValueError(_("%(value)r is not an amount") % {"value": clean(str(value))})
    if number < 0:
        raise ValueError(_("an amount cannot be negative"))
    return int(number.to_integral_value())
