"""Change history of a record, field by field, from django-simple-history's records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openstx.taxonomy.models import FieldOfScience


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    when: Any
    who: str
    kind: str  # created / changed / deleted
    reason: str
    changes: list[Change] = field(default_factory=list)


def _display(model: type[models.Model], name: str, value: Any, cache: dict) -> str:
    if value in (None, ""):
        return "—"
    fld = model._meta.get_field(name)
    if fld.many_to_many:
        target = fld.related_model
        assert isinstance(target, type)  # resolved to a model class once the apps are loaded
        key = target.__name__.lower()
        ids: list[Any] = [row.get(key) if isinstance(row, dict) else row for row in value]
        if target is FieldOfScience:
            names = dict(FieldOfScience.objects.filter(pk__in=ids).values_list("pk", "code"))
            return ", ".join(sorted(str(names.get(i, i)) for i in ids)) or "—"
        return ", ".join(str(i) for i in ids) or "—"
    if fld.is_relation:
        related = fld.related_model
        assert isinstance(related, type)  # resolved to a model class once the apps are loaded
        ck = (related, value)
        if ck not in cache:
            obj = related._default_manager.filter(pk=value).first()
            cache[ck] = str(obj) if obj else f"#{value}"
        return cache[ck]
    assert isinstance(fld, models.Field)  # relations (incl. reverse ones) are handled above
    if fld.choices:
        return str(dict(fld.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def history_entries(obj: models.Model) -> list[Entry]:
    """Newest first: who, when, and each changed field's value before and after."""
    # simple_history adds the ``history`` manager to each tracked model at run time
    history = obj.history  # type: ignore[attr-defined]
    records = list(history.select_related("history_user").order_by("history_date", "history_id"))
    model = type(obj)
    kinds = {
        "+": pgettext("history entry", "created"),
        "~": pgettext("history entry", "changed"),
        "-": pgettext("history entry", "deleted"),
    }
    entries: list[Entry] = []
    cache: dict = {}
    previous = None
    for record in records:
        user = record.history_user
        who = (getattr(user, "display_name", None) or str(user)) if user else _("system / import")
        entry = Entry(
            when=record.history_date,
            who=who,
            kind=kinds.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "",
        )
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                changed = model._meta.get_field(change.field)
                assert isinstance(changed, models.Field)  # history diffs concrete fields only
                label = str(changed.verbose_name)
                entry.changes.append(
                    Change(
                        label=label[:1].upper() + label[1:],
                        old=_display(model, change.field, change.old, cache),
                        new=_display(model, change.field, change.new, cache),
                    )
                )
        else:
            for f in model._meta.concrete_fields:
                if f.name in ("id", "created_at", "updated_at", "slug", "search_folded"):
                    continue
                value = getattr(record, f.attname, None)
                if value not in (None, "", False):
                    label = str(f.verbose_name)
                    entry.changes.append(
                        Change(
                            label[:1].upper() + label[1:],
                            "—",
                            _display(model, f.name, value, cache),
                        )
                    )
        if previous is None or entry.changes or record.history_type != "~":
            entries.append(entry)
        previous = record
    entries.reverse()
    return entries
