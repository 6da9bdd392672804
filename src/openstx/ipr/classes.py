"""Classification codes of IP records: Nice (marks), IPC (patents, utility solutions) and
Locarno (industrial designs). ``normalize_classes(type, text)`` validates and returns the
canonical text ("29; 30", "A23B 7/16; A23L 2/02", "09-01")."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from openstx.core.text import clean

NICE, IPC, LOCARNO = "nice", "ipc", "locarno"

_IPC = re.compile(r"^([A-H])\s*(\d{2})\s*([A-Z])\s*(\d{1,4})\s*/\s*(\d{2,6})$")
_LOCARNO = re.compile(r"^(\d{1,2})\s*[-–.]\s*(\d{1,2})$")
_SPLIT = re.compile(r"[;,\n]+")
_NICE_WORDS = re.compile(r"\b(?:nhóm|nhom|classes|class)\b", re.IGNORECASE)


def scheme_for(ip_type: str) -> str | None:
    """The classification used by an IP type (None: no classes)."""
    return {
        "trademark": NICE,
        "geographical_indication": NICE,
        "patent": IPC,
        "utility_solution": IPC,
        "industrial_design": LOCARNO,
    }.get(ip_type)


def normalize_nice(code: str) -> str:
    raw = (
        clean(code).lower().removeprefix("nhóm").removeprefix("nhom").removeprefix("class").strip()
    )
    if not raw.isdigit() or not 1 <= int(raw) <= 45:
        raise ValidationError(
            _("%(code)r is not a Nice class (a number from 1 to 45).") % {"code": clean(code)}
        )
    return str(int(raw))


def normalize_ipc(code: str) -> str:
    match = _IPC.match(clean(code).upper())
    if not match:
        raise ValidationError(
            _("%(code)r is not an IPC symbol (like A23B 7/16).") % {"code": clean(code)}
        )
    section, cls, subclass, group, subgroup = match.groups()
    return f"{section}{cls}{subclass} {int(group)}/{subgroup}"


def normalize_locarno(code: str) -> str:
    match = _LOCARNO.match(clean(code))
    if not match:
        raise ValidationError(
            _("%(code)r is not a Locarno class (like 09-01).") % {"code": clean(code)}
        )
    cls, sub = int(match.group(1)), int(match.group(2))
    if not 1 <= cls <= 32 or sub < 1:
        raise ValidationError(
            _("%(code)r is not a Locarno class (like 09-01).") % {"code": clean(code)}
        )
    return f"{cls:02d}-{sub:02d}"


def split_classes(text: str | None, scheme: str | None = None) -> list[str]:
    value = clean(text)
    if not value:
        return []
    parts = [p.strip() for p in _SPLIT.split(value) if p.strip()]
    if scheme == NICE:  # "Nhóm 29, 30" and "29 30 31" are common for marks
        parts = [q for p in parts for q in _NICE_WORDS.sub(" ", p).split()]
    return parts


def normalize_classes(ip_type: str, text: str | None) -> str:
    """Validate the classes of a record of ``ip_type``; return them canonical, "; "-separated."""
    scheme = scheme_for(ip_type)
    parts = split_classes(text, scheme)
    if not parts:
        return ""
    if scheme is None:
        raise ValidationError(_("This type of record has no classes."))
    normalizer = {NICE: normalize_nice, IPC: normalize_ipc, LOCARNO: normalize_locarno}[scheme]
    errors, out = [], []
    for part in parts:
        try:
            code = normalizer(part)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if code not in out:
            out.append(code)
    if errors:
        raise ValidationError(errors)
    if scheme == NICE:
        out.sort(key=int)
    return "; ".join(out)
