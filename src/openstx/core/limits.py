"""Limits on what an untrusted file may expand to when its text is read (decompression bombs).

Office files (DOCX, XLSX, ODT) are ZIP archives: a few hundred kilobytes can inflate to gigabytes
of XML. :func:`check_zip` reads only the archive's directory (cheap, before any XML is parsed) and
refuses a file whose members would unpack beyond the limits; ``zipfile`` never inflates a member
past the size its directory declares, so the check bounds the real work. ``OPENSTX_EXTRACT_MAX_CHARS``
bounds the characters an extraction keeps (PDF text layers, OCR, DOCX/ODT/TXT), and
:func:`truncation_notice` says so to the uploader.

The limits are settings (or environment variables) with defaults, see docs/configuration.md:

- ``OPENSTX_EXTRACT_MAX_UNPACKED_BYTES`` (52428800, 50 MiB): total unpacked size of a ZIP file;
- ``OPENSTX_EXTRACT_MAX_RATIO`` (100): unpacked / packed size of any member above 1 MiB;
- ``OPENSTX_EXTRACT_MAX_CHARS`` (5000000): characters of extracted text kept per file.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULTS = {
    "OPENSTX_EXTRACT_MAX_UNPACKED_BYTES": 50 * 1024 * 1024,
    "OPENSTX_EXTRACT_MAX_RATIO": 100,
    "OPENSTX_EXTRACT_MAX_CHARS": 5_000_000,
}
RATIO_FLOOR = 1024 * 1024  # members smaller than this are never refused for their ratio
MAX_MEMBERS = 20_000


class UnpackLimitError(ValueError):
    """The file would unpack beyond the limits; the message is shown to the user."""


def limit(name: str) -> int:
    """A limit from the settings, else the environment, else its default."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or DEFAULTS[name]
    return int(value)


def check_zip(source: str | Path | bytes | zipfile.ZipFile) -> None:
    """Raise :class:`UnpackLimitError` if the ZIP archive would unpack beyond the limits: total
    size, ratio of a large member, or number of members. Reads the central directory only."""
    if isinstance(source, zipfile.ZipFile):
        infos = source.infolist()
    else:
        try:
            with zipfile.ZipFile(
                io.BytesIO(source) if isinstance(source, bytes) else source
            ) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError):
            return  # not a ZIP (or damaged): the reader that follows says so in its own words
    if len(infos) > MAX_MEMBERS:
        raise UnpackLimitError(
            _("The file holds %(count)d parts; the limit is %(limit)d (a possible archive bomb).")
            % {"count": len(infos), "limit": MAX_MEMBERS}
        )
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    max_bytes, max_ratio = (
        limit("OPENSTX_EXTRACT_MAX_UNPACKED_BYTES"),
        limit("OPENSTX_EXTRACT_MAX_RATIO"),
    )
    worst = max(
        (
            info.file_size / max(info.compress_size, 1)
            for info in infos
            if info.file_size > RATIO_FLOOR
        ),
        default=0.0,
    )
    if unpacked > max_bytes or worst > max_ratio:
        raise UnpackLimitError(
            _(
                "The file unpacks to %(size)s, %(ratio)d times its packed size; the limits are "
                "%(limit)s and %(max_ratio)d times. It was refused as a possible decompression "
                "bomb: save it again from your office program, or split it."
            )
            % {
                "size": filesizeformat(unpacked),
                "ratio": max(worst, unpacked / packed),
                "limit": filesizeformat(max_bytes),
                "max_ratio": max_ratio,
            }
        )


def truncation_notice(length: int, max_chars: int) -> str:
    """The message for a text cut at ``max_chars`` characters out of ``length``."""
    return _(
        "The extracted text was cut at %(limit)s characters (the file holds %(length)s or more): "
        "only the first part is searchable and shown."
    ) % {"limit": f"{max_chars:,}", "length": f"{length:,}"}
