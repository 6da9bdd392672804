"""The contact form, limited per client address."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openstx.portal.models import (
    ContactMessage,
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
