"""Who hears about a task, and how: in-app notices and e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q

from openstx.projects.models import (
    Task,
)

log = logging.getLogger(__name__)


# --- Notifications ---------------------------------------------------------------------------


def notify(users: Iterable[Any], verb: str, title: str, body: str = "", url: str = "") -> int:
    """In-app notification (the exchange's inbox) plus e-mail to each user."""
    users = [u for u in users if u is not None]
    try:
        from openstx.exchange import services as exchange

        return exchange.notify(users, verb, title, body, url)
    except ImportError:  # pragma: no cover - the exchange app is always installed
        pass
    sent = 0
    for user in {u.pk: u for u in users}.values():
        if user.email:
            link = f"{settings.SITE_URL}{url}" if url else ""
            transaction.on_commit(lambda a=user.email, link=link: _send(a, title, body, link))
            sent += 1
    return sent


def _send(address: str, subject: str, body: str, link: str) -> None:
    text = "\n\n".join(p for p in (body, link) if p)
    try:
        send_mail(f"[{settings.SITE_NAME}] {subject}", text, None, [address], fail_silently=False)
    except Exception:  # noqa: BLE001 - mail trouble must not break the action
        log.exception("could not send e-mail to %s", address)


def officers() -> list[Any]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(Q(role__in=["officer", "admin"]) | Q(is_superuser=True), is_active=True)
        .distinct()
    )


def task_people(task: Task) -> list[Any]:
    """Users who look after a task: host organisation members and the leader's account."""
    from django.contrib.auth import get_user_model

    q = Q(pk__in=[])
    if task.host_id:
        q |= Q(memberships__organization_id=task.host_id, memberships__status="approved")
    if task.leader_id:
        q |= Q(expert_profile__pk=task.leader_id)
    return list(get_user_model().objects.filter(q, is_active=True).distinct())
