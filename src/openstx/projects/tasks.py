"""Background jobs of the S&T tasks app."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="openstx.projects.tasks.send_reminders", acks_late=True)
def send_reminders() -> dict[str, int]:
    """Daily deadline reminders (idempotent; also ``openstx projects_reminders``)."""
    from openstx.projects.services import send_reminders as run

    return run()
