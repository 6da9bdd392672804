"""Derived fields: what a record computes from its own values, for every write path.

A model's derived attributes (NFC-normalised text, ``slug``, the folded ``search_folded`` of the
directory's keyword filter, sanitised rich text…) are computed in ONE place: the model's
``compute_derived()`` method, which sets them on the instance and returns their names. What a
write causes elsewhere (a search outbox row, the matching app's vectors becoming stale) is
announced in ONE place: :func:`written`.

Every write path goes through this module:

- ``Model.save()`` (forms, the API, the admin, services): ``core.models.NormalizedTextMixin``'s
  ``save()`` calls :func:`fill`; ``post_save`` signals then write the search outbox and queue the
  vectors (``openstx.search.outbox``, ``openstx.matching.signals``).
- Bulk writers (demo loaders, importers, data migrations) call :func:`bulk_create`,
  :func:`bulk_update` or :func:`update` instead of the ``QuerySet`` methods: they fill the same
  derived fields and call :func:`written`, because ``bulk_create``/``update`` send no signals.

:func:`written` records the search outbox rows (and those of search types that depend on the
model) and sends :data:`records_written` ``(sender=model, pks=[…], created=bool)``: the signal a
bulk write has in place of ``post_save``, for listeners such as the matching app's vectors queue.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.dispatch import Signal

#: Sent after a bulk write (inside its transaction): ``sender`` is the model, ``pks`` the primary
#: keys written, ``created`` whether they are new rows.
records_written = Signal()


def fill(obj: models.Model) -> list[str]:
    """Compute every derived attribute of ``obj`` in memory (what ``save()`` stores) and return
    the names of the fields that hold them. Objects without derived fields are left alone."""
    from openstx.core.models import NormalizedTextMixin

    names: list[str] = []
    if isinstance(obj, NormalizedTextMixin):
        names += obj.normalize_text()
    compute = getattr(obj, "compute_derived", None)
    if compute is not None:
        names += [n for n in compute() or () if n not in names]
    return names


def fill_all(objs: Iterable[models.Model]) -> list[str]:
    """:func:`fill` for many objects; returns the union of the derived field names."""
    names: dict[str, None] = {}
    for obj in objs:
        for name in fill(obj):
            names[name] = None
    return list(names)


def written(
    model: type[models.Model], pks: Iterable[Any], *, created: bool = False, dependents: bool = True
) -> int:
    """Announce rows written without ``save()``: search outbox rows for ``model`` (and for the
    search types whose documents show it, when ``dependents``), and :data:`records_written`.
    Call inside the transaction of the write. Returns the number of rows announced."""
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return 0
    from django.apps import apps

    if apps.is_installed("openstx.search"):
        from openstx.search import outbox, registry

        label = model._meta.label_lower
        if registry.for_model(label) is not None:
            outbox.record_changes(model, pks)
        if dependents and not created:
            deps = registry.dependents_of(label)
            if deps:
                for obj in model._default_manager.filter(pk__in=pks):
                    for spec, fn in deps:
                        related = fn(obj)
                        if related is not None:
                            outbox.record_changes(spec.model, [o.pk for o in related])
    records_written.send(sender=model, pks=pks, created=created)
    return len(pks)


def bulk_create(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    batch_size: int = 500,
    history: bool = False,
    history_user: Any = None,
    change_reason: str = "",
    ignore_conflicts: bool = False,
) -> list[models.Model]:
    """``bulk_create`` that fills the derived fields and announces the rows (:func:`written`).
    ``history``: write django-simple-history rows too (``bulk_create_with_history``). The
    objects get their primary keys (re-read by ``external_id`` where the backend cannot return
    them)."""
    objs = list(objs)
    if not objs:
        return []
    fill_all(objs)
    with transaction.atomic():
        if history:
            from simple_history.utils import bulk_create_with_history

            created = bulk_create_with_history(
                objs,
                model,
                batch_size=batch_size,
                default_user=history_user,
                default_change_reason=change_reason or None,
            )
            for obj, saved in zip(objs, created, strict=False):
                if obj.pk is None:
                    obj.pk = saved.pk
        else:
            model._default_manager.bulk_create(
                objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts
            )
        _ensure_pks(model, objs)
        written(model, [o.pk for o in objs], created=True)
    return objs


def bulk_update(
    model: type[models.Model],
    objs: Sequence[models.Model],
    fields: Iterable[str],
    *,
    batch_size: int = 500,
    history: bool = False,
    history_user: Any = None,
    change_reason: str = "",
) -> int:
    """``bulk_update`` of ``fields`` plus every derived field, then :func:`written`."""
    objs = list(objs)
    if not objs:
        return 0
    names = list(dict.fromkeys([*fields, *fill_all(objs)]))
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        from django.utils import timezone

        now = timezone.now()
        for obj in objs:
            obj.updated_at = now  # type: ignore[attr-defined]
        if "updated_at" not in names:
            names.append("updated_at")
    with transaction.atomic():
        if history:
            from simple_history.utils import bulk_update_with_history

            bulk_update_with_history(
                objs,
                model,
                names,
                batch_size=batch_size,
                default_user=history_user,
                default_change_reason=change_reason or None,
            )
        else:
            model._default_manager.bulk_update(objs, names, batch_size=batch_size)
        written(model, [o.pk for o in objs])
    return len(objs)


def update(queryset: models.QuerySet, **values: Any) -> int:
    """``queryset.update(**values)`` that keeps derived fields true: when the model computes
    derived fields the rows are loaded, changed and written with :func:`bulk_update`; otherwise
    one UPDATE. Either way the rows are announced (:func:`written`)."""
    model = queryset.model
    with transaction.atomic():
        if _has_derived(model):
            objs = list(queryset)
            for obj in objs:
                for name, value in values.items():
                    setattr(obj, name, value)
            return bulk_update(model, objs, list(values))
        pks = list(queryset.values_list("pk", flat=True))
        count = model._default_manager.filter(pk__in=pks).update(**values)
        written(model, pks)
    return count


@contextlib.contextmanager
def manual_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let a bulk write keep the ``created_at``/``updated_at`` values it sets (demo history in the
    past, imported dates) instead of Django's ``auto_now``/``auto_now_add``."""
    saved = []
    for model in model_classes:
        for name in ("created_at", "updated_at"):
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            assert isinstance(field, models.DateTimeField)
            saved.append((field, field.auto_now, field.auto_now_add))
            field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _has_derived(model: type[models.Model]) -> bool:
    from openstx.core.models import NormalizedTextMixin

    return issubclass(model, NormalizedTextMixin) or hasattr(model, "compute_derived")


def _ensure_pks(model: type[models.Model], objs: list[models.Model]) -> None:
    missing = [o for o in objs if o.pk is None]
    if not missing:
        return
    keys = [getattr(o, "external_id", None) for o in missing]
    if any(k is None for k in keys):
        raise ValueError(f"{model.__name__}: bulk_create returned no primary keys")
    found = dict(
        model._default_manager.filter(external_id__in=keys).values_list("external_id", "pk")
    )
    for obj, key in zip(missing, keys, strict=True):
        obj.pk = found.get(key)
