"""Background jobs of the exchange."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="openstx.exchange.tasks.expire_listings", acks_late=True)
def expire_listings() -> dict[str, int]:
    """Daily: re-confirmation reminders and expiry (idempotent; also ``openstx expire_listings``)."""
    from openstx.exchange.services import expire_listings as run

    return run()
