"""Celery tasks of the portal (schedule ``publish_due`` every few minutes with celery beat)."""

from __future__ import annotations

from celery import shared_task

from openstx.portal import services


@shared_task(name="openstx.portal.tasks.publish_due")
def publish_due() -> int:
    return services.publish_due()
