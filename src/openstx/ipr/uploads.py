"""IP dossier documents use the platform's one upload check (``core.uploads``); import sheets
are checked here: XLSX sniffed as a ZIP container, CSV without NUL bytes."""

from __future__ import annotations

from typing import Any

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from openstx.core.uploads import ATTACHMENT_TYPES, CheckedFile, check_attachment, read_capped

__all__ = ["CheckedFile", "check_attachment", "check_spreadsheet", "read_capped"]


def check_spreadsheet(upload: Any) -> bytes:
    """An uploaded import file: XLSX (sniffed as a ZIP container) or UTF-8 CSV."""
    name = (getattr(upload, "name", "") or "").lower()
    data = read_capped(upload)
    if name.endswith((".xlsx", ".xlsm")):
        kind = filetype.guess(data[:8192])
        if kind is None or kind.mime not in ATTACHMENT_TYPES["xlsx"]:
            raise ValidationError(_("The file's content does not match its type."))
        return data
    if name.endswith(".csv"):
        if b"\x00" in data[:8192]:
            raise ValidationError(_("The file's content does not match its type."))
        return data
    raise ValidationError(_("Upload an XLSX or CSV file."))
