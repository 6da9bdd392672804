"""The messy-spreadsheet reader moved to :mod:`openstx.core.importing.sheets` (it is generic);
this name stays for existing imports."""

from openstx.core.importing.sheets import (
    MAX_HEADER_DEPTH,
    MAX_HEADER_SCAN,
    HeaderMatcher,
    SheetReader,
    detect_header,
    is_heading_row,
    label_key,
    parse_amount,
    parse_date,
)

__all__ = [
    "MAX_HEADER_DEPTH",
    "MAX_HEADER_SCAN",
    "HeaderMatcher",
    "SheetReader",
    "detect_header",
    "is_heading_row",
    "label_key",
    "parse_amount",
    "parse_date",
]
