"""The one way every area tells people something: an in-app notice plus an e-mail.

Texts are rendered in each recipient's language: pass lazy strings (``gettext_lazy``) and the
values to put in them as ``params``, and every recipient gets them translated into the language
of their profile. An already translated ``str`` is sent as it is. E-mail follows the
recipient's :class:`~openstx.core.models.NotificationPreference` (in-app notices always stay),
and leaves only after the transaction commits, so a rolled-back action sends nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from openstx.core.models import Notification, NotificationPreference

log = logging.getLogger(__name__)


def notify(
    users: Iterable[Any],
    verb: str,
    title: Any,
    body: Any = "",
    url: str = "",
    *,
    params: Mapping[str, Any] | None = None,
    exclude: Any = None,
    email: bool = True,
) -> int:
    """Notify each distinct user (except ``exclude``); returns how many were notified."""
    recipients: dict[int, Any] = {}
    for user in users:
        if user is None or (exclude is not None and user.pk == exclude.pk):
            continue
        recipients.setdefault(user.pk, user)
    if not recipients:
        return 0
    muted = {
        p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=list(recipients))
    }
    notes = []
    for user in recipients.values():
        subject, text = render(title, body, params, _language(user))
        notes.append(Notification(user=user, verb=verb, title=subject[:300], body=text, url=url))
        pref = muted.get(user.pk)
        if email and user.email and (pref is None or pref.wants_email(verb)):
            link = f"{settings.SITE_URL}{url}" if url else ""
            transaction.on_commit(functools.partial(_send, user.email, subject, text, link))
    Notification.objects.bulk_create(notes)
    return len(notes)


def render(
    title: Any, body: Any, params: Mapping[str, Any] | None, language: str
) -> tuple[str, str]:
    """``title`` and ``body`` as ``language`` reads them (lazy strings are translated then)."""
    with translation.override(language):
        subject, text = str(title), str(body or "")
        if params:
            values = {k: str(v) for k, v in params.items()}
            subject, text = subject % values, (text % values if text else text)
    return subject, text


def officers() -> list[Any]:
    """Active department officers and administrators: who hears about work for the department."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(Q(role__in=["officer", "admin"]) | Q(is_superuser=True), is_active=True)
        .distinct()
    )


def _language(user: Any) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _send(address: str, subject: str, body: str, link: str) -> None:
    text = "\n\n".join(p for p in (body, link) if p)
    try:
        send_mail(f"[{settings.SITE_NAME}] {subject}", text, None, [address], fail_silently=False)
    except Exception:  # noqa: BLE001 - mail trouble must not break the action
        log.exception("could not send e-mail to %s", address)
