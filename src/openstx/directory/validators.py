"""Validators for directory data; each raises ``ValidationError`` with a translated message."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-]+$")


def normalize_orcid(value: str) -> str:
    """Accept "https://orcid.org/0000-0002-1825-0097" or "0000000218250097"."""
    value = (value or "").strip().upper()
    value = re.sub(r"^(HTTPS?://)?(WWW\.)?ORCID\.ORG/", "", value)
    digits = value.replace("-", "")
    if re.fullmatch(r"\d{15}[\dX]", digits):
        return "-".join(digits[i : i + 4] for i in range(0, 16, 4))
    return value


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2 check digit, as ORCID specifies."""
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return digits[-1] == expected


def validate_orcid(value: str) -> None:
    value = normalize_orcid(value)
    if not _ORCID.match(value):
        raise ValidationError(_("Enter an ORCID iD like 0000-0002-1825-0097."), code="orcid_format")
    if not orcid_checksum_ok(value):
        raise ValidationError(
            _("This ORCID iD has a wrong check digit; please check it for typing errors."),
            code="orcid_checksum",
        )


def normalize_tax_code(value: str) -> str:
    """ "0123456789001" and "0123456789 - 001" become "0123456789-001"."""
    value = re.sub(r"\s+", "", value or "")
    if re.fullmatch(r"\d{13}", value):
        return f"{value[:10]}-{value[10:]}"
    return value


def validate_tax_code(value: str) -> None:
    if not _TAX_CODE.match(normalize_tax_code(value)):
        raise ValidationError(
            _("A tax code has 10 digits, or 13 digits for a branch (e.g. 0123456789-001)."),
            code="tax_code",
        )


def validate_phone(value: str) -> None:
    digits = re.sub(r"\D", "", value or "")
    if not _PHONE_CHARS.match(value or "") or not 8 <= len(digits) <= 15:
        raise ValidationError(
            _("Enter a phone number of 8 to 15 digits, e.g. 0292 3831 234 or +84 292 3831 234."),
            code="phone",
        )


_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def normalize_doi(value: str) -> str:
    """Accept "https://doi.org/10.1000/xyz", "doi:10.1000/xyz" or "10.1000/xyz"."""
    value = (value or "").strip()
    value = re.sub(r"^(https?://)?(dx\.)?doi\.org/", "", value, flags=re.IGNORECASE)
    value = re.sub(r"^doi:\s*", "", value, flags=re.IGNORECASE)
    return value


def validate_doi(value: str) -> None:
    if not _DOI.match(normalize_doi(value)):
        raise ValidationError(
            _("Enter a DOI like 10.1016/j.aquaculture.2020.735678 (or its doi.org link)."),
            code="doi",
        )
