"""Deadline reminders: periodic check due, end date passed without acceptance; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from openstx.projects import services
from openstx.projects.models import Reminder

from .factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def tasks(host_org, host_user, leader, officer):
    due = TaskFactory(
        host=host_org,
        leader=leader,
        state="in_progress",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 12, 31),
        next_check_due=dt.date(2026, 3, 20),
    )  # within the 14-day notice
    later = TaskFactory(
        host=host_org,
        state="in_progress",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 12, 31),
        next_check_due=dt.date(2026, 6, 1),
    )
    overdue = TaskFactory(
        host=host_org,
        state="in_progress",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2026, 1, 31),
    )
    extended = TaskFactory(
        host=host_org,
        state="in_progress",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2026, 1, 31),
        extended_end_date=dt.date(2026, 7, 31),
    )
    accepted = TaskFactory(
        host=host_org,
        state="accepted",
        start_date=dt.date(2023, 1, 1),
        end_date=dt.date(2024, 1, 31),
    )
    submitted_late = TaskFactory(
        host=host_org,
        state="submitted",
        start_date=dt.date(2023, 1, 1),
        end_date=dt.date(2025, 12, 31),
    )
    return {
        "due": due,
        "later": later,
        "overdue": overdue,
        "extended": extended,
        "accepted": accepted,
        "submitted_late": submitted_late,
    }


def test_which_tasks_are_due_or_overdue(tasks):
    assert set(services.checks_due(TODAY)) == {tasks["due"]}
    assert set(services.overdue_tasks(TODAY)) == {tasks["overdue"], tasks["submitted_late"]}


def test_reminders_are_sent_once(tasks, host_user, leader, officer):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        counts = services.send_reminders(TODAY)
    assert counts == {"check_due": 1, "overdue": 2, "already_sent": 0}
    recipients = {a for m in mail.outbox for a in m.to}
    assert {host_user.email, leader.user.email, officer.email} <= recipients
    assert Reminder.objects.count() == 3
    first_batch = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = services.send_reminders(TODAY)
    assert again == {"check_due": 0, "overdue": 0, "already_sent": 3}
    assert len(mail.outbox) == first_batch
    assert Reminder.objects.count() == 3


def test_a_new_due_date_gives_a_new_reminder(tasks):
    services.send_reminders(TODAY)
    task = tasks["due"]
    task.next_check_due = dt.date(2026, 9, 20)
    task.save()
    # the re-scheduled task and the one due on 1 June (now past) are reminded
    assert services.send_reminders(dt.date(2026, 9, 10))["check_due"] == 2


def test_management_command(tasks, capsys):
    call_command("projects_reminders", "--date", TODAY.isoformat())
    assert "check_due=1 overdue=2" in capsys.readouterr().out
    call_command("projects_reminders", "--date", TODAY.isoformat())
    assert "already_sent=3" in capsys.readouterr().out


def test_no_mail_for_users_without_address(tasks):
    UserFactory(username="noaddr", role="officer", email="x@example.vn")
    assert services.send_reminders(TODAY)["overdue"] == 2
