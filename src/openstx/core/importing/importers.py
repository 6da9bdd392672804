"""The import context and result, the :class:`Importer` and :class:`ModelImporter` base classes an
app subclasses for its KIND, and the registry of kinds. See :mod:`openstx.core.importing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.core.importing.columns import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    ImportFileError,
    RowError,
)
from openstx.core.importing.readers import Reader, open_reader

# --- Context and result --------------------------------------------------------------------


@dataclass
class ImportContext:
    """Passed to parsers and importers. ``cache`` is per run: resolvers keep lookups there."""

    kind: str
    user: Any = None
    dry_run: bool = False
    columns_present: frozenset[str] = frozenset()
    cache: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    line: int | None = None
    #: Callbacks to run when the current row's savepoint is rolled back (a parser that created
    #: a record and cached its id registers how to forget it).
    undo: list[Callable[[], None]] = field(default_factory=list)

    def deferred(self, key: Any) -> Any:
        """The id created for a :class:`Deferred` ``key`` earlier in this run, or ``None``."""
        return self.cache.get("__deferred__", {}).get(key)

    def cached(self, name: str, factory: Callable[[], Any]) -> Any:
        if name not in self.cache:
            self.cache[name] = factory()
        return self.cache[name]

    @property
    def history_user(self) -> Any:
        return self.user if getattr(self.user, "is_authenticated", False) else None


@dataclass
class Rejected:
    line: int
    reason: str
    key: str | None = None

    def __str__(self) -> str:
        key = f" [{self.key}]" if self.key else ""
        return _("line %(line)d%(key)s: %(reason)s") % {
            "line": self.line,
            "key": key,
            "reason": self.reason,
        }


@dataclass
class ImportResult:
    kind: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def total(self) -> int:
        return self.accepted + len(self.rejected)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def summary(self) -> str:
        text_ = _(
            "%(kind)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d rejected"
        ) % {
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }
        if self.dry_run:
            text_ += " " + _("(dry run: nothing was written)")
        if self.seconds:
            text_ += f" — {self.total / self.seconds:,.0f} " + _("rows/s") if self.total else ""
        return text_

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"line": r.line, "key": r.key, "reason": r.reason} for r in self.rejected],
            "warnings": self.warnings,
        }


@dataclass
class ParsedRow:
    line: int
    key: str
    values: dict[str, Any]
    raw: dict[str, Any]


@dataclass(frozen=True)
class Deferred:
    """A value to create only when a row is written ("organisation created if new").

    A parser returns ``Deferred(key, create)`` instead of writing during validation; just before
    a batch is written :class:`ModelImporter` calls ``create(ctx)`` once per ``key`` (later rows
    naming the same key reuse the result) and puts the returned id in place. A rejected row
    therefore creates nothing, no per-row savepoint is needed, and a batch that is rolled back
    forgets what it created. Look up an already created value with ``ctx.deferred(key)``.
    """

    key: Any
    create: Callable[[ImportContext], Any] = field(compare=False, hash=False)


# --- Importer base classes -----------------------------------------------------------------


class Importer:
    """Describes one KIND. Subclass, set the attributes, implement :meth:`apply`, register."""

    kind: str = ""
    label: str = ""
    model: type[models.Model] | None = None
    columns: list[Column] = []
    key: str = "external_id"
    #: Set when parsing can write (e.g. an organisation "created if new"): each row is then
    #: parsed inside a savepoint so a row rejected later leaves nothing behind.
    parse_writes: bool = False
    batch_size: int = 500

    # -- reading --

    @property
    def column_map(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def open_reader(self, path: str | Path) -> Reader:
        """The reader for a file of this KIND (default: by extension). Override for awkward
        files, e.g. a sheet whose header sits below title rows or spans merged cells."""
        return open_reader(path)

    def prepare(self, ctx: ImportContext) -> None:
        """Called once before the first row (warm caches here)."""

    def parse(self, raw: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
        """Validate one row: every known column present in ``raw`` is converted; unknown columns
        are ignored (a warning is given once per file). Override :meth:`validate` for rules that
        involve several columns."""
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        for column in self.columns:
            if column.name not in raw:
                if column.required:
                    errors.append(RowError(_("a value is required"), column.name))
                continue
            try:
                values[column.name] = column.convert(raw[column.name], ctx)
            except RowError as exc:
                errors.append(exc)
        if errors:
            raise RowError("; ".join(str(e) for e in errors))
        self.validate(values, ctx)
        return values

    def validate(self, values: dict[str, Any], ctx: ImportContext) -> None:
        """Cross-column checks; raise :class:`RowError`."""

    # -- writing --

    def apply(self, row: ParsedRow, ctx: ImportContext) -> tuple[str, Any]:
        """Create or update the record whose key is ``row.key``; return (outcome, pk)."""
        raise NotImplementedError

    def apply_batch(self, rows: list[ParsedRow], ctx: ImportContext) -> list[tuple[str, Any]]:
        """Write many rows at once (override for bulk writes). Must be all-or-nothing: on any
        error the pipeline rolls the batch back and retries row by row with :meth:`apply`."""
        return [self.apply(row, ctx) for row in rows]

    def on_committed(self, pks: list[Any], ctx: ImportContext) -> None:
        """Derived work after a batch is committed (in addition to global hooks)."""

    def finish(self, result: ImportResult, ctx: ImportContext) -> None:
        """Called once after the last batch (not in a dry run)."""

    # -- exporting --

    def export_queryset(self, ctx: ImportContext) -> Iterable[Any]:
        if self.model is None:
            return []
        from openstx.core.permissions import restrict

        qs = self.model._default_manager.all()
        if ctx.user is not None:
            qs = restrict(qs, ctx.user, "view")
        return qs.order_by("pk")

    def export_row(self, obj: Any, ctx: ImportContext) -> dict[str, Any]:
        """The row for ``obj`` in the same columns the importer reads."""
        return {c.name: getattr(obj, c.name, "") for c in self.columns if c.export}

    def export_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.export]


class ModelImporter(Importer):
    """Importer for a model with an ``external_id``: bulk create/update, m2m sync, history.

    Subclasses implement :meth:`to_model` returning ``(values, m2m)`` where ``values`` maps model
    attribute names (``admin_unit_id`` for foreign keys) to values and ``m2m`` maps many-to-many
    field names to lists of related ids. Only keys for columns present in the file should be
    returned: a column missing from the file leaves that attribute untouched, a blank cell clears
    it. :meth:`before_create` fills derived attributes (slugs) on new instances.
    """

    #: Validate values with the model fields (max length, choices, e-mail/URL validators).
    validate_model_fields: bool = True
    #: Attributes computed from others by :meth:`update_derived` (written with every change).
    derived_fields: list[str] = []

    def to_model(self, values: dict[str, Any], ctx: ImportContext) -> tuple[dict, dict]:
        model_values = {}
        for name, value in values.items():
            if name == self.key:
                continue
            try:
                fld = self.model._meta.get_field(name)  # type: ignore[union-attr]
            except FieldDoesNotExist:
                continue
            if isinstance(fld, models.Field) and not fld.many_to_many:
                model_values[fld.attname] = value
        return model_values, {}

    def before_create(self, obj: models.Model, ctx: ImportContext) -> None:
        """Fill attributes that ``save()`` would compute (slug…): bulk_create skips ``save()``."""

    def update_derived(self, obj: models.Model, ctx: ImportContext) -> None:
        """Recompute ``derived_fields`` on a new or changed object (bulk writes skip ``save()``)."""

    def parse(self, raw: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
        values = super().parse(raw, ctx)
        model_values, m2m = self.to_model(values, ctx)
        if self.validate_model_fields:
            self._check_model_fields(model_values)
        values["__model__"] = model_values
        values["__m2m__"] = m2m
        return values

    def _check_model_fields(self, model_values: dict[str, Any]) -> None:
        opts = self.model._meta  # type: ignore[union-attr]
        errors = []
        for attname, value in model_values.items():
            fld = next((f for f in opts.concrete_fields if f.attname == attname), None)
            if fld is None or fld.is_relation:
                continue
            if value in (None, "") and (fld.blank or fld.null):
                continue
            try:
                fld.clean(value, None)
            except ValidationError as exc:
                errors.append(RowError("; ".join(exc.messages), fld.name))
        if errors:
            raise RowError("; ".join(str(e) for e in errors))

    # -- writing --

    def _existing(self, keys: list[str]) -> dict[str, models.Model]:
        manager = self.model._default_manager  # type: ignore[union-attr]
        return {getattr(o, self.key): o for o in manager.filter(**{f"{self.key}__in": keys})}

    def _current_m2m(self, field_name: str, pks: list[Any]) -> dict[Any, set[Any]]:
        m2m_field = self.model._meta.get_field(field_name)  # type: ignore[union-attr]
        assert isinstance(m2m_field, models.ManyToManyField)  # to_model's m2m keys are M2M fields
        through = m2m_field.remote_field.through
        assert through is not None  # resolved when the app registry is ready
        src, dst = m2m_field.m2m_field_name() + "_id", m2m_field.m2m_reverse_field_name() + "_id"
        current: dict[Any, set[Any]] = {pk: set() for pk in pks}
        for a, b in through._default_manager.filter(**{f"{src}__in": pks}).values_list(src, dst):
            current[a].add(b)
        return current

    def apply(self, row: ParsedRow, ctx: ImportContext) -> tuple[str, Any]:
        return self.apply_batch([row], ctx)[0]

    def apply_batch(self, rows: list[ParsedRow], ctx: ImportContext) -> list[tuple[str, Any]]:
        created_keys: list[Any] = []
        warnings_before = len(ctx.warnings)
        try:
            resolved = [self._resolve_deferred(row, ctx, created_keys) for row in rows]
            return self._write_batch(resolved, ctx)
        except Exception:
            # the batch is rolled back: forget what it created
            done = ctx.cache.get("__deferred__", {})
            for key in created_keys:
                done.pop(key, None)
            del ctx.warnings[warnings_before:]
            raise

    @staticmethod
    def _resolve_deferred(row: ParsedRow, ctx: ImportContext, created: list[Any]) -> ParsedRow:
        done = ctx.cache.setdefault("__deferred__", {})

        def resolve(value: Any) -> Any:
            if not isinstance(value, Deferred):
                return value
            if value.key not in done:
                done[value.key] = value.create(ctx)
                created.append(value.key)
            return done[value.key]

        model_values = {k: resolve(v) for k, v in row.values["__model__"].items()}
        m2m = {k: [resolve(v) for v in ids] for k, ids in row.values["__m2m__"].items()}
        if model_values == row.values["__model__"] and m2m == row.values["__m2m__"]:
            return row
        values = {**row.values, "__model__": model_values, "__m2m__": m2m}
        return ParsedRow(row.line, row.key, values, row.raw)

    def _write_batch(self, rows: list[ParsedRow], ctx: ImportContext) -> list[tuple[str, Any]]:
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        from openstx.core import derived

        model = self.model
        assert model is not None
        existing = self._existing([r.key for r in rows])
        m2m_names = sorted({name for r in rows for name in r.values["__m2m__"]})
        existing_pks = [o.pk for o in existing.values()]
        current_m2m = {name: self._current_m2m(name, existing_pks) for name in m2m_names}
        has_updated_at = any(f.name == "updated_at" for f in model._meta.concrete_fields)
        now = timezone.now()

        new_objs: list[models.Model] = []
        changed_objs: list[models.Model] = []
        changed_attrs: set[str] = set()
        outcomes: list[list[Any]] = []
        m2m_targets: list[tuple[int, dict[str, set[Any]]]] = []
        for index, row in enumerate(rows):
            values, m2m = row.values["__model__"], row.values["__m2m__"]
            obj = existing.get(row.key)
            if obj is None:
                obj = model(**{self.key: row.key}, **values)
                self.before_create(obj, ctx)
                self.update_derived(obj, ctx)
                derived.fill(obj)  # what save() computes (bulk writes skip it)
                new_objs.append(obj)
                outcomes.append([CREATED, obj])
            else:
                diff = {a: v for a, v in values.items() if getattr(obj, a) != v}
                m2m_diff = any(
                    set(ids) != current_m2m[name].get(obj.pk, set()) for name, ids in m2m.items()
                )
                if diff:
                    for attname, value in diff.items():
                        setattr(obj, attname, value)
                    self.update_derived(obj, ctx)
                    changed_attrs.update(derived.fill(obj))
                    changed_attrs.update(diff)
                    changed_attrs.update(self.derived_fields)
                    if has_updated_at:
                        obj.updated_at = now  # type: ignore[attr-defined]
                    changed_objs.append(obj)
                outcomes.append([UPDATED if diff or m2m_diff else UNCHANGED, obj])
            m2m_targets.append((index, {name: set(ids) for name, ids in m2m.items()}))

        user = ctx.history_user
        reason = f"import {ctx.kind}"
        if new_objs:
            created = bulk_create_with_history(
                new_objs, model, batch_size=500, default_user=user, default_change_reason=reason
            )
            for obj, saved in zip(new_objs, created, strict=True):
                if obj.pk is None:
                    obj.pk = saved.pk
        if changed_objs:
            # get_field() resolves attnames (admin_unit_id) too
            update_fields = sorted(changed_attrs | ({"updated_at"} if has_updated_at else set()))
            bulk_update_with_history(
                changed_objs,
                model,
                update_fields,
                batch_size=500,
                default_user=user,
                default_change_reason=reason,
            )
        for name in m2m_names:
            self._sync_m2m(name, rows, outcomes, m2m_targets, current_m2m[name])
        return [(outcome, obj.pk) for outcome, obj in outcomes]

    def _sync_m2m(self, name, rows, outcomes, targets, current) -> None:
        m2m_field = self.model._meta.get_field(name)  # type: ignore[union-attr]
        assert isinstance(m2m_field, models.ManyToManyField)  # to_model's m2m keys are M2M fields
        through = m2m_field.remote_field.through
        assert through is not None  # resolved when the app registry is ready
        src, dst = m2m_field.m2m_field_name() + "_id", m2m_field.m2m_reverse_field_name() + "_id"
        to_add: list[models.Model] = []
        to_remove: list[tuple[Any, Any]] = []
        for index, wanted in targets:
            if name not in wanted:
                continue
            pk = outcomes[index][1].pk
            have = current.get(pk, set())
            to_add.extend(through(**{src: pk, dst: t}) for t in wanted[name] - have)
            to_remove.extend((pk, t) for t in have - wanted[name])
        if to_add:
            through._default_manager.bulk_create(to_add, batch_size=500)
        if to_remove:
            by_src: dict[Any, list[Any]] = {}
            for pk, t in to_remove:
                by_src.setdefault(pk, []).append(t)
            for pk, ts in by_src.items():
                through._default_manager.filter(**{src: pk, f"{dst}__in": ts}).delete()


# --- Registry ------------------------------------------------------------------------------

_importers: dict[str, Importer] = {}
_discovered = False


def register(importer_cls: type[Importer]) -> type[Importer]:
    """Class decorator registering an importer for its ``kind``."""
    if not importer_cls.kind:
        raise ValueError(f"{importer_cls.__name__} has no kind")
    _importers[importer_cls.kind] = importer_cls()
    return importer_cls


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("importers")
        _discovered = True


def get_importer(kind: str) -> Importer:
    _discover()
    try:
        return _importers[kind]
    except KeyError:
        raise ImportFileError(
            _("Unknown kind %(kind)r. Known kinds: %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(sorted(_importers)) or "-"}
        )


def kinds() -> list[str]:
    _discover()
    return sorted(_importers)
