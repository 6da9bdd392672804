"""The contact form, limited per client address, and the department's contact details."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from openstx.core.permissions import can
from openstx.core.text import nfc
from openstx.portal.models import (
    ContactMessage,
    DepartmentContact,
)
from openstx.portal.services.notices import _mail, department_email

CONTACT_LIMIT = 5  # messages per IP address
CONTACT_WINDOW = 3600  # seconds


class RateLimited(ValidationError):
    pass


# --- contact ---------------------------------------------------------------------------------------


def _rate_key(ip: str | None) -> str:
    return f"portal:contact:{ip or 'unknown'}"


def submit_contact(
    *,
    name: str,
    email: str,
    subject: str,
    message: str,
    phone: str = "",
    ip: str | None = None,
    honeypot: str = "",
) -> ContactMessage | None:
    """Store a contact message and e-mail it to the department. A filled honeypot is dropped
    silently (None); more than CONTACT_LIMIT messages an hour from one IP are refused."""
    if honeypot:
        return None
    key = _rate_key(ip)
    cache.add(key, 0, CONTACT_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, CONTACT_WINDOW)
        count = 1
    if count > CONTACT_LIMIT:
        raise RateLimited(_("Too many messages from your address. Please try again in an hour."))
    msg = ContactMessage.objects.create(
        name=name, email=email, phone=phone, subject=subject, message=message, ip=ip or None
    )
    _mail(
        [department_email()],
        gettext_noop("[Contact] %(subject)s"),
        gettext_noop("From: %(name)s <%(email)s> %(phone)s\n\n%(message)s\n"),
        subject=msg.subject,
        name=msg.name,
        email=msg.email,
        phone=msg.phone,
        message=msg.message,
    )
    return msg


# --- the department's contact details ----------------------------------------------------------

CONTACT_FIELDS = [
    "name",
    "name_en",
    "address",
    "address_en",
    "phone",
    "email",
    "office_hours",
    "office_hours_en",
    "latitude",
    "longitude",
]


def department_contact() -> dict[str, Any]:
    """What the contact page shows, in the interface language (English texts fall back to the
    Vietnamese ones), with an OpenStreetMap link (no map tiles are loaded by the page)."""
    row = DepartmentContact.load()
    english = (get_language() or "vi").startswith("en")

    def pick(field: str) -> str:
        value = getattr(row, field)
        return (getattr(row, f"{field}_en") or value) if english else value

    map_url = ""
    if row.latitude is not None and row.longitude is not None:
        lat, lon = f"{row.latitude:.6f}", f"{row.longitude:.6f}"
        map_url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    return {
        "object": row,
        "name": pick("name"),
        "address": pick("address"),
        "phone": row.phone,
        "phone_href": "".join(c for c in row.phone if c.isdigit() or c == "+"),
        "email": row.email,
        "office_hours": [line for line in pick("office_hours").splitlines() if line.strip()],
        "map_url": map_url,
        "latitude": row.latitude,
        "longitude": row.longitude,
    }


@transaction.atomic
def save_department_contact(user: Any, **values: Any) -> DepartmentContact:
    """Officers change the contact details (the admin form and the demo loader call this)."""
    row = DepartmentContact.load()
    if not can(user, "change", row):
        raise PermissionDenied(_("Only department staff may change the contact details."))
    for key, value in values.items():
        if key not in CONTACT_FIELDS:
            raise ValueError(f"unknown field {key}")
        setattr(row, key, nfc(value).strip() if isinstance(value, str) else value)
    row.full_clean()
    if user is not None:
        row._history_user = user  # type: ignore[attr-defined]
    row.save()
    return row
