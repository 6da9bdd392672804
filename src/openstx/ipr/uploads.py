"""Dossier documents: the same size cap and content sniffing as every upload of the platform
(settings.OPENSTX_MAX_UPLOAD_BYTES, ``filetype``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

ACCEPTED: dict[str, set[str]] = {
    "pdf": {"application/pdf"},
    "docx": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/zip",
    },
    "xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    },
    "odt": {"application/vnd.oasis.opendocument.text", "application/zip"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
}


@dataclass
class CheckedFile:
    content: ContentFile
    name: str
    mime_type: str
    size: int


def read_capped(upload: Any) -> bytes:
    limit = settings.OPENSTX_MAX_UPLOAD_BYTES
    too_big = _("The file is larger than the limit of %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise ValidationError(too_big)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(too_big)
    if not data:
        raise ValidationError(_("The file is empty."))
    return data


def check_attachment(upload: Any) -> CheckedFile:
    """Accept a dossier document only when its content is of the type its name claims."""
    name = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
    data = read_capped(upload)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ACCEPTED.get(ext)
    if allowed is None:
        raise ValidationError(
            _("This type of file is not accepted. Accepted: %(types)s.")
            % {"types": ", ".join(sorted(ACCEPTED))}
        )
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in allowed:
        raise ValidationError(_("The file's content does not match its type."))
    return CheckedFile(ContentFile(data, name=name), name, kind.mime, len(data))


def check_spreadsheet(upload: Any) -> bytes:
    """An uploaded import file: XLSX (sniffed as a ZIP container) or UTF-8 CSV."""
    name = (getattr(upload, "name", "") or "").lower()
    data = read_capped(upload)
    if name.endswith((".xlsx", ".xlsm")):
        kind = filetype.guess(data[:8192])
        if kind is None or kind.mime not in ACCEPTED["xlsx"]:
            raise ValidationError(_("The file's content does not match its type."))
        return data
    if name.endswith(".csv"):
        if b"\x00" in data[:8192]:
            raise ValidationError(_("The file's content does not match its type."))
        return data
    raise ValidationError(_("Upload an XLSX or CSV file."))
