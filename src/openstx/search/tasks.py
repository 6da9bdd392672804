"""Celery entry point for the index writer (run the ``index`` queue with concurrency 1)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="openstx.search.tasks.apply_outbox", queue="index", acks_late=True)
def apply_outbox() -> dict:
    from openstx.search import writer

    result = writer.apply_pending(lock_timeout=60)
    return {k: v for k, v in result.items() if isinstance(v, int | str | bool)}
