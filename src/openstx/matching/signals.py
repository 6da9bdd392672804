"""Keep vectors current: a saved offer, demand or expert whose text changed (or a listing just
published) gets a background job that re-encodes it and, for listings, runs the alerts.

``OPENSTX_MATCHING_AUTO`` (env or setting, default on) switches this off; bulk loaders can wrap
their writes in :func:`suppressed` and call ``services.embed_pending()`` once afterwards.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

_state = threading.local()


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    previous = getattr(_state, "off", False)
    _state.off = True
    try:
        yield
    finally:
        _state.off = previous


def enabled() -> bool:
    if getattr(_state, "off", False):
        return False
    value = getattr(settings, "OPENSTX_MATCHING_AUTO", None)
    if value is None:
        value = os.environ.get("OPENSTX_MATCHING_AUTO", "1").lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _schedule(model: Any, pk: int) -> None:
    from openstx.matching import services, tasks

    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        return
    try:
        if not services.needs_refresh(obj):
            return
    except Exception:  # noqa: BLE001 - never break the write that triggered us
        return
    from openstx.core.jobs import enqueue

    enqueue(
        tasks.refresh_record,
        kind="matching.refresh",
        title=f"{model._meta.model_name} #{pk}",
        model=model._meta.label_lower,
        pk=pk,
    )


def _on_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    services_invalidate()  # this process's cached indexes are stale at once
    if not enabled():
        return
    status = getattr(instance, "status", None)
    if status is not None and status != "published":
        return
    pk = instance.pk
    transaction.on_commit(lambda: _schedule(sender, pk))


def services_invalidate() -> None:
    from openstx.matching import candidates

    candidates.bump()


def _on_bulk_write(sender: Any, **kwargs: Any) -> None:
    """A bulk write (``core.derived``) of offers, demands or experts: this process's indexes
    look at the database again at once (the writer itself calls ``store.after_write`` for the
    vectors)."""
    services_invalidate()


def _connect() -> None:
    from openstx.directory.models import Expert
    from openstx.exchange.models import Demand, Offer

    for model in (Offer, Demand, Expert):
        post_save.connect(_on_save, sender=model, dispatch_uid=f"matching-{model.__name__}")
    from openstx.core.derived import records_written

    for model in (Offer, Demand, Expert):
        records_written.connect(
            _on_bulk_write, sender=model, dispatch_uid=f"matching-bulk-{model.__name__}"
        )


_connect()
