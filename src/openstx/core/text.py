"""The one Vietnamese text normaliser: NFC, case and diacritic folding, slugs.

Every piece of text that is stored, indexed or compared goes through these functions, so that
"Thủy sản" typed on a phone (often NFD) and pasted from Word (NFC) are the same string.
"""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def nfc(text: str | None) -> str:
    """Return text in Unicode NFC with control characters removed ("" for None)."""
    if not text:
        return ""
    return _CONTROL.sub("", unicodedata.normalize("NFC", str(text)))


def clean(text: str | None) -> str:
    """NFC, control characters removed, runs of white space collapsed, ends stripped."""
    return _WS.sub(" ", nfc(text)).strip()


def fold(text: str | None) -> str:
    """Lower-case and strip diacritics; đ/Đ become d. "Đồng Tháp" -> "dong thap"."""
    decomposed = unicodedata.normalize("NFD", nfc(text).translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).lower()


def has_diacritics(text: str | None) -> bool:
    """True when folding changes the text beyond lower-casing (the user typed accents)."""
    value = nfc(text).lower()
    return fold(value) != value


def slugify_vi(text: str | None, max_length: int = 80) -> str:
    """ASCII slug from Vietnamese text: "Chế phẩm sinh học" -> "che-pham-sinh-hoc"."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "item"
