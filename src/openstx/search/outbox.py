"""The transactional outbox: every change to a searchable record leaves a row in the same
database transaction, and the index writer applies those rows in order.

Registered models are hooked automatically (``post_save``, ``post_delete``, ``m2m_changed``,
and ``SearchSpec.dependents``). Code that bypasses signals (``bulk_create``, ``QuerySet.update``,
raw SQL) calls :func:`record_changes` / :func:`record_deletes` itself, inside the same
``transaction.atomic()`` block as the change::

    with transaction.atomic():
        Offer.objects.filter(owner=org).update(status="expired")
        outbox.record_changes(Offer, Offer.objects.filter(owner=org).values_list("pk", flat=True))

After the transaction commits, what happens next is the ``OPENSTX_SEARCH_APPLY`` setting
(environment or settings): ``""`` (default) nothing — a worker or command calls
``writer.apply_pending()``; ``"inline"`` apply in this process on commit (small sites, demos);
``"celery"`` send :func:`openstx.search.tasks.apply_outbox` to the ``index`` queue.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from openstx.core import stamps

log = logging.getLogger(__name__)

_local = threading.local()


#: The cache key of :func:`position`.
POSITION_KEY = "search:outbox-position"


def position() -> str:
    """A value that changes with every write to the outbox, from any process: the version of
    everything cached that shows indexed records (page copies, facet and category counts,
    fragments).

    Kept in the shared cache, not read as ``MAX(id)`` from the outbox: a cached page then costs
    one cache round trip and no database one (on the production shape the database server's
    CPU is the web workers' too). :func:`_write` advances it when it writes and again after the
    commit, so a copy made from data read before the commit is keyed on a position that is
    already past (:mod:`openstx.core.stamps`).
    """
    return stamps.read(POSITION_KEY)[0]


def advance() -> None:
    """Move :func:`position` on (the outbox was written)."""
    stamps.advance(POSITION_KEY)


def _label(model: type[models.Model] | models.Model | str) -> str:
    if isinstance(model, str):
        return model.lower()
    return model._meta.label_lower


def _enabled() -> bool:
    return not getattr(_local, "suppressed", 0)


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Write no outbox rows inside this block (bulk loaders that record rows in bulk after)."""
    _local.suppressed = getattr(_local, "suppressed", 0) + 1
    try:
        yield
    finally:
        _local.suppressed -= 1


def record_change(obj: models.Model) -> None:
    """Queue ``obj`` for (re)indexing. Call inside the transaction that changed it."""
    if obj.pk is None or not _enabled():
        return
    _write([(_label(obj), str(obj.pk), "u")])


def record_delete(model: type[models.Model] | str, pk: Any) -> None:
    """Queue the removal of ``model`` ``pk`` from the index."""
    if pk is None or not _enabled():
        return
    _write([(_label(model), str(pk), "d")])


def record_changes(model: type[models.Model] | str, pks: Iterable[Any], op: str = "u") -> int:
    """Bulk form: one outbox row per pk (``op`` "u" upsert or "d" delete). Returns the count."""
    if not _enabled():
        return 0
    label = _label(model)
    return _write([(label, str(pk), op) for pk in pks if pk is not None])


def record_deletes(model: type[models.Model] | str, pks: Iterable[Any]) -> int:
    return record_changes(model, pks, op="d")


def _write(rows: list[tuple[str, str, str]], batch_size: int = 5000) -> int:
    from openstx.search.models import OutboxEntry

    if not rows:
        return 0
    if len(rows) == 1:
        label, pk, op = rows[0]
        OutboxEntry.objects.create(model=label, pk_value=pk, op=op)
    else:
        OutboxEntry.objects.bulk_create(
            [OutboxEntry(model=label, pk_value=pk, op=op) for label, pk, op in rows],
            batch_size=batch_size,
        )
    # now (a reader inside this transaction, or a test's, sees the change at once) and after the
    # commit (a copy another process rendered in between was made from the data before it)
    advance()
    _once_on_commit(advance)
    _schedule_apply()
    return len(rows)


def apply_mode() -> str:
    return str(
        getattr(settings, "SEARCH_APPLY", None) or os.environ.get("OPENSTX_SEARCH_APPLY", "")
    ).lower()


def _schedule_apply() -> None:
    if apply_mode() in ("inline", "celery"):
        _once_on_commit(_apply_after_commit)


def _apply_after_commit() -> None:
    mode = apply_mode()
    try:
        if mode == "inline":
            from openstx.search import writer

            writer.apply_pending(lock_timeout=2)
        elif mode == "celery":
            from openstx.search.tasks import apply_outbox

            apply_outbox.apply_async(queue="index")
    except Exception:  # the outbox row is safe; the next run applies it
        log.exception("search: applying the outbox after commit failed")


def _once_on_commit(func: Callable[[], None]) -> None:
    """``transaction.on_commit(func)`` unless ``func`` already waits for this transaction's
    commit. Asked of the connection, not remembered in a flag: a transaction that rolls back
    drops its callbacks with it and leaves nothing marked (a flag left set by a rollback
    stopped every later apply from that thread)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        f is func for _sids, f, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(func)


# --- signal hookup ------------------------------------------------------------------------

_connected: dict[str, list[tuple[Any, Any, Any]]] = {}


def connect_signals(spec: Any) -> None:
    """Hook ``spec.model`` (and its dependents) to the outbox. Called by ``register``."""
    from django.apps import apps

    disconnect_signals(spec)
    model = spec.model
    label = _label(model)
    hooks: list[tuple[Any, Any, Any]] = []

    def on_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if not raw:
            record_change(instance)

    def on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
        record_delete(sender, instance.pk)

    def on_m2m(
        sender: Any,
        instance: Any,
        action: str,
        reverse: bool,
        model: Any,
        pk_set: Any,
        **kwargs: Any,
    ) -> None:
        if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
            return
        if not reverse:
            if action != "pre_clear":
                record_change(instance)
        elif action == "pre_clear":
            # instance is the other side; remember who loses it before the rows go
            field = _reverse_m2m_accessor(model, sender)
            if field:
                record_changes(model, getattr(instance, field).values_list("pk", flat=True))
        elif action != "post_clear" and pk_set:
            record_changes(model, pk_set)

    uid = f"openstx.search:{label}"
    post_save.connect(on_save, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(on_delete, sender=model, weak=False, dispatch_uid=uid + ":delete")
    hooks += [(post_save, model, uid + ":save"), (post_delete, model, uid + ":delete")]
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through
        m2m_changed.connect(
            on_m2m, sender=through, weak=False, dispatch_uid=uid + f":m2m:{m2m.name}"
        )
        hooks.append((m2m_changed, through, uid + f":m2m:{m2m.name}"))

    for dep_label, fn in getattr(spec, "dependents", {}).items():
        try:
            dep_model = apps.get_model(dep_label)
        except LookupError:
            log.warning("search: %s depends on unknown model %s", spec.type, dep_label)
            continue

        def on_dep(sender: Any, instance: Any, raw: bool = False, _fn: Any = fn, **kw: Any) -> None:
            if raw or not _enabled():
                return
            objs = _fn(instance)
            pks = [o.pk for o in objs] if objs is not None else []
            record_changes(model, pks)

        duid = uid + f":dep:{_label(dep_model)}"
        post_save.connect(on_dep, sender=dep_model, weak=False, dispatch_uid=duid + ":save")
        pre_delete.connect(on_dep, sender=dep_model, weak=False, dispatch_uid=duid + ":delete")
        hooks += [(post_save, dep_model, duid + ":save"), (pre_delete, dep_model, duid + ":delete")]
    _connected[label] = hooks


def disconnect_signals(spec: Any) -> None:
    for signal, sender, uid in _connected.pop(_label(spec.model), []):
        signal.disconnect(sender=sender, dispatch_uid=uid)


def _reverse_m2m_accessor(model: Any, through: Any) -> str | None:
    """Name of the accessor on the *other* model leading back to ``model`` via ``through``."""
    for m2m in model._meta.many_to_many:
        if m2m.remote_field.through is through:
            return m2m.remote_field.get_accessor_name()
    return None
