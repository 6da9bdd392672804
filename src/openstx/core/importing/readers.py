"""File readers of the import pipeline: JSONL, CSV (encodings, delimiter, damaged quoting) and
XLSX, each yielding ``(line_number, dict | RowError)``. See :mod:`openstx.core.importing`.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from openstx.core.importing.columns import ImportFileError, RowError, as_text
from openstx.core.importing.formulas import unescape_formula
from openstx.core.text import clean, fold

FORMATS = ("jsonl", "csv", "xlsx")


# --- Readers -------------------------------------------------------------------------------

Row = tuple[int, dict[str, Any] | RowError]


def file_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "tsv", "txt"):
        return "csv"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    raise ImportFileError(
        _("Unknown file format %(suffix)r: use .jsonl, .csv or .xlsx") % {"suffix": suffix}
    )


def header_key(name: Any) -> str:
    """Column headers are matched leniently: ``" Full name "`` -> ``full_name``."""
    if isinstance(name, str):
        return _header_key_str(name)
    return _header_key_str(as_text(name))


@functools.lru_cache(maxsize=4096)
def _header_key_str(name: str) -> str:
    key = fold(clean(name)).strip().lstrip("\ufeff")
    return re.sub(r"[\s\-]+", "_", key)


class Reader:
    """Iterates ``(line_number, row)`` where row is a dict or a :class:`RowError`."""

    total: int | None = None
    header: list[str] = []

    def __iter__(self) -> Iterator[Row]:
        raise NotImplementedError


class JsonlReader(Reader):
    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as fh:
            self.total = sum(1 for line in fh if line.strip())

    def __iter__(self) -> Iterator[Row]:
        # Line by line in bytes: one line that is not UTF-8 is one rejected row, not the end of
        # the file (a text-mode file raises UnicodeDecodeError for the whole read).
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield (
                        number,
                        RowError(
                            _("not valid UTF-8 (byte 0x%(byte)02x at position %(pos)d)")
                            % {"byte": raw[exc.start], "pos": exc.start + 1}
                        ),
                    )
                    continue
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, RowError(_("invalid JSON: %(error)s") % {"error": exc.msg})
                    continue
                if not isinstance(obj, dict):
                    yield number, RowError(_("each line must be a JSON object"))
                    continue
                yield number, {header_key(k): v for k, v in obj.items()}


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern) or Windows-1258 (legacy
    Vietnamese Excel exports)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4:
        even_nuls = head[0::2].count(0)
        odd_nuls = head[1::2].count(0)
        if odd_nuls > len(head) // 4 and even_nuls == 0:
            return "utf-16-le"
        if even_nuls > len(head) // 4 and odd_nuls == 0:
            return "utf-16-be"
    return "utf-8"


class CsvReader(Reader):
    def __init__(self, path: Path):
        self.path = path
        data = path.read_bytes()
        encoding = detect_encoding(data[:4096])
        if encoding == "utf-8":
            try:
                content = data.decode("utf-8")
            except UnicodeDecodeError:
                encoding = "cp1258"
                content = data.decode("cp1258", errors="replace")
        else:
            content = data.decode(encoding, errors="replace")
        self.encoding = encoding
        self.content = content.lstrip("\ufeff")
        first_line = self.content.split("\n", 1)[0]
        # Only the delimiter is guessed (from the header line); the quoting is Excel's. The
        # sniffer, seeing no quotes in a header, also guesses doublequote=False, which split
        # every cell holding a doubled quote ("") that Excel and our own export write.
        try:
            delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        self.dialect: Any = type("Dialect", (csv.excel,), {"delimiter": delimiter})
        self.total = max(
            self.content.count("\n") - 1 + (0 if self.content.endswith("\n") else 1), 0
        )

    def __iter__(self) -> Iterator[Row]:
        reader = csv.reader(
            io.StringIO(self.content, newline=""), dialect=self.dialect, strict=True
        )
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ImportFileError(_('line 1: the header row has an unbalanced quote (")'))
        self.header = [header_key(h) for h in header]
        yield from self._records(reader, offset=0)

    def _records(self, reader: Any, offset: int) -> Iterator[Row]:
        """Rows of ``reader``, which starts ``offset`` physical lines into the file. A record the
        csv module cannot end (an opening quote never closed would swallow the rest of the file
        into one cell) is rejected with its line, and reading resumes on the next physical line,
        so every good row after it is still imported."""
        last = offset + reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                start = last + 1
                yield (
                    start,
                    RowError(
                        _(
                            'unbalanced or misplaced quote (") in this row (%(error)s); the row is skipped'
                        )
                        % {"error": exc}
                    ),
                )
                rest = io.StringIO(self.content, newline="").readlines()[start:]
                reader = csv.reader(
                    io.StringIO("".join(rest), newline=""), dialect=self.dialect, strict=True
                )
                offset = last = start
                continue
            start, last = last + 1, offset + reader.line_num
            record = [unescape_formula(cell) for cell in record]
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(self.header):
                extra = record[len(self.header) :]
                if any(c.strip() for c in extra):
                    yield (
                        start,
                        RowError(
                            _("%(n)d values but only %(m)d columns in the header")
                            % {"n": len(record), "m": len(self.header)}
                        ),
                    )
                    continue
            yield start, {k: v for k, v in zip(self.header, record, strict=False) if k}


class XlsxReader(Reader):
    def __init__(self, path: Path):
        from openpyxl import load_workbook

        from openstx.core.limits import UnpackLimitError, check_zip

        self.path = path
        try:
            check_zip(path)  # a decompression bomb is refused before any XML is parsed
        except UnpackLimitError as exc:
            raise ImportFileError(str(exc))
        try:
            self.workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportFileError(_("Cannot read the workbook: %(error)s") % {"error": exc})
        self.sheet = self.workbook.worksheets[0]
        self.total = max((self.sheet.max_row or 1) - 1, 0)

    def __iter__(self) -> Iterator[Row]:
        try:
            rows = self.sheet.iter_rows(values_only=True)
            header: list[str] | None = None
            for number, values in enumerate(rows, start=1):
                if not any(v not in (None, "") for v in values):
                    continue
                if header is None:
                    header = [header_key(h) if h is not None else "" for h in values]
                    self.header = header
                    continue
                yield number, {k: v for k, v in zip(header, values, strict=False) if k}
        finally:
            self.workbook.close()


def open_reader(path: str | Path) -> Reader:
    path = Path(path)
    if not path.exists():
        raise ImportFileError(_("File not found: %(path)s") % {"path": path})
    fmt = file_format(path)
    return {"jsonl": JsonlReader, "csv": CsvReader, "xlsx": XlsxReader}[fmt](path)


def read_rows(path: str | Path) -> Iterator[Row]:
    """``(line_number, dict | RowError)`` for every data row of a JSONL, CSV or XLSX file."""
    yield from open_reader(path)
