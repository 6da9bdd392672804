"""Reminders are rendered in each recipient's language (lazy texts with params)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from openstx.core.models import Notification
from openstx.projects import services

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_reminder_in_each_recipients_language(host_org, leader, officer):
    person = leader.user  # the leader is an expert with an account
    person.language, officer.language = "en", "vi"
    person.save()
    officer.save()
    TaskFactory(
        host=host_org,
        leader=leader,
        code="NV-01",
        state="in_progress",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2026, 1, 31),
    )
    with translation.override("vi"):  # whoever runs the job
        services.send_reminders(dt.date(2026, 3, 10))
    english = Notification.objects.get(user=person, verb="task_overdue")
    vietnamese = Notification.objects.get(user=officer, verb="task_overdue")
    assert english.title == "End date 31/01/2026 passed without acceptance: NV-01"
    assert english.body.startswith("Task “")
    assert vietnamese.title == "Đã quá hạn 31/01/2026 nhưng chưa nghiệm thu: NV-01"
