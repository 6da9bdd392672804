"""Who hears about a task: the people who look after it (notices go through core.notifications)."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q

from openstx.core.notifications import notify, officers
from openstx.projects.models import (
    Task,
)

log = logging.getLogger(__name__)


# notify and officers are the one notifier of every area (re-exported for this app's modules)
__all__ = ["notify", "officers", "task_people"]


def task_people(task: Task) -> list[Any]:
    """Users who look after a task: host organisation members and the leader's account."""
    from django.contrib.auth import get_user_model

    q = Q(pk__in=[])
    if task.host_id:
        q |= Q(memberships__organization_id=task.host_id, memberships__status="approved")
    if task.leader_id:
        q |= Q(expert_profile__pk=task.leader_id)
    return list(get_user_model().objects.filter(q, is_active=True).distinct())
