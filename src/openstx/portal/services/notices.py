"""E-mail from the portal: to requesters, to whoever handles a service, to the department."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from openstx.core.text import clean
from openstx.portal.models import (
    Service,
)

# --- e-mail ---------------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _mail(recipients: Iterable[Any], _subject: str, _body: str, **params: Any) -> int:
    """Send one e-mail per recipient (a User or an address) in the recipient's language."""
    sent = 0
    for rcpt in recipients:
        address = getattr(rcpt, "email", rcpt)
        if not address:
            continue
        lang = getattr(rcpt, "language", None) or settings.LANGUAGE_CODE
        with translation.override(lang):
            text_subject = clean(_(_subject) % params)
            text = _(_body) % params
        sent += send_mail(
            text_subject, text, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True
        )
    return sent


def department_email() -> str:
    return getattr(settings, "OPENSTX_DEPARTMENT_EMAIL", "") or settings.DEFAULT_FROM_EMAIL


def _handlers(service: Service) -> list[Any]:
    from openstx.accounts.models import User

    if service.provider_id:
        users = list(
            User.objects.filter(
                is_active=True,
                memberships__organization_id=service.provider_id,
                memberships__status="approved",
            ).distinct()
        )
        if users:
            return users
    return list(User.objects.filter(is_active=True, role__in=["officer", "admin"]))


def handler_choices(service: Service) -> list[Any]:
    """Who may be assigned a request for ``service``: officers and the provider's members."""

    from openstx.accounts.models import User

    q = Q(role__in=["officer", "admin"]) | Q(is_superuser=True)
    if service.provider_id:
        q |= Q(memberships__organization_id=service.provider_id, memberships__status="approved")
    return list(User.objects.filter(q, is_active=True).distinct().order_by("full_name", "username"))
