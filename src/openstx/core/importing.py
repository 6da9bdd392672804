"""The one import/export pipeline, shared by every kind of record (DESIGN §4).

An app describes a KIND of record with an :class:`Importer` (usually a :class:`ModelImporter`)
in its ``importers.py`` and registers it with :func:`register`::

    @register
    class OrganizationImporter(ModelImporter):
        kind = "organizations"
        model = Organization
        columns = [Column("external_id", required=True), Column("name", required=True), ...]

The pipeline (:func:`run_import`, :func:`run_export`, ``openstx import`` / ``openstx export``)
does the rest: reading JSONL, CSV or XLSX, cleaning every value (NFC, white space), validating
each row, reporting each rejected row with its line number and reason, writing the valid rows in
batches (bulk inserts and updates, per-row savepoints only when a batch fails), idempotence by
``external_id`` (created / updated / unchanged counts), ``dry_run`` (validate only, nothing is
written) and hooks for derived work (search index) that run after each committed batch.

See docs/importing.md for the guide for app authors and the file formats.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.core.text import clean, fold, nfc

log = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
FORMATS = ("jsonl", "csv", "xlsx")
LIST_SEPARATORS = re.compile(r"[;\n]")

#: Sent inside the transaction of each written batch (sender = the model class), with
#: ``kind``, ``pks`` (created or updated rows) and ``context``. Bulk writes bypass ``post_save``,
#: so anything that must be written in the same transaction (e.g. the search outbox) listens here.
records_imported = Signal()

_committed_hooks: list[Callable[..., None]] = []


def on_committed(func: Callable[..., None]) -> Callable[..., None]:
    """Register ``func(kind, model, pks, context)`` to run after each batch is committed.

    Used for derived work (search index, embeddings). Never called in a dry run. Usable as a
    decorator; the importer's own :meth:`Importer.on_committed` runs too.
    """
    if func not in _committed_hooks:
        _committed_hooks.append(func)
    return func


# --- Errors --------------------------------------------------------------------------------


class RowError(Exception):
    """A row cannot be imported. ``column`` names the offending column when there is one."""

    def __init__(self, message: str, column: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.column = column

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


class ImportFileError(Exception):
    """The file as a whole cannot be read (unknown format, missing required column, …)."""


# --- Columns and value parsers -------------------------------------------------------------

Parser = Callable[[Any, "ImportContext"], Any]


@dataclass
class Column:
    """One column of a KIND's file format.

    ``parse(value, ctx)`` receives the cleaned, non-blank cell value (a ``str``, or a list/number
    from JSONL) and returns the Python value or raises :class:`RowError` / ``ValueError`` /
    ``ValidationError`` with a readable message. Blank cells never reach the parser: they become
    ``default`` (or an error when ``required``).
    """

    name: str
    required: bool = False
    parse: Parser | None = None
    help: str = ""
    default: Any = ""
    multiple: bool = False  # list-valued; cells hold values separated by ";"
    multiline: bool = False  # keep line breaks (descriptions); otherwise white space collapses
    export: bool = True

    def convert(self, value: Any, ctx: ImportContext) -> Any:
        if self.multiline and isinstance(value, str):
            value = nfc(value).replace("\r\n", "\n").strip()
        else:
            value = normalize_value(value)
        if is_blank(value):
            if self.required:
                raise RowError(_("a value is required"), self.name)
            return [] if self.multiple and self.default == "" else self.default
        if self.multiple:
            items = as_list(value)
            if self.parse is None:
                return items
            return [_call(self.parse, item, ctx, self.name) for item in items]
        if self.parse is None:
            return value if isinstance(value, str) else _scalar_text(value)
        return _call(self.parse, value, ctx, self.name)


def _call(parse: Parser, value: Any, ctx: ImportContext, column: str) -> Any:
    try:
        return parse(value, ctx)
    except RowError as exc:
        if exc.column is None:
            exc.column = column
        raise
    except ValidationError as exc:
        raise RowError("; ".join(str(m) for m in exc.messages), column)
    except (ValueError, TypeError) as exc:
        raise RowError(str(exc) or _("invalid value"), column)


def normalize_value(value: Any) -> Any:
    """Clean strings (NFC, collapsed white space); lists element-wise; other types as they are."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list | tuple):
        return [v for v in (normalize_value(v) for v in value) if not is_blank(v)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def is_blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return clean(str(value))


def as_text(value: Any) -> str:
    """A cell value as text (numbers from XLSX/JSON become their plain form)."""
    if isinstance(value, list | tuple):
        return "; ".join(as_text(v) for v in value)
    value = normalize_value(value)
    return value if isinstance(value, str) else _scalar_text(value)


def as_list(value: Any) -> list[str]:
    """``"a; b;c"`` / ``["a", "b"]`` -> ``["a", "b", ...]`` (blank items dropped)."""
    if isinstance(value, list | tuple):
        items = [as_text(v) for v in value]
    else:
        items = LIST_SEPARATORS.split(as_text(value))
    return [clean(i) for i in items if clean(i)]


# Ready-made parsers. Each returns a ``parse(value, ctx)`` callable.


def text(max_length: int | None = None, multiline: bool = False) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> str:
        if multiline:
            result = nfc(str(value)).strip()
        else:  # Column.convert has already cleaned strings
            result = value if isinstance(value, str) else as_text(value)
        if max_length and len(result) > max_length:
            raise RowError(
                _("too long (%(length)d characters, at most %(max)d)")
                % {"length": len(result), "max": max_length}
            )
        return result

    return parse


def integer(min_value: int | None = None, max_value: int | None = None) -> Parser:
    def parse(value: Any, ctx: ImportContext) -> int:
        raw = as_text(value).replace(" ", "")
        try:
            number = int(Decimal(raw.replace(",", ""))) if raw else None
        except InvalidOperation:
            number = None
        if number is None or Decimal(raw.replace(",", "")) != number:
            raise RowError(_("%(value)r is not a whole number") % {"value": as_text(value)})
        if min_value is not None and number < min_value:
            raise RowError(_("must be at least %(min)d") % {"min": min_value})
        if max_value is not None and number > max_value:
            raise RowError(_("must be at most %(max)d") % {"max": max_value})
        return number

    return parse


def decimal(min_value: int | None = 0) -> Parser:
    """Amounts such as ``1.500.000`` or ``1,500,000`` or ``1500000.50`` (VND)."""

    def parse(value: Any, ctx: ImportContext) -> Decimal:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = Decimal(str(value))
        else:
            raw = as_text(value).replace(" ", "").replace("đ", "").replace("VND", "")
            # Vietnamese grouping "1.500.000" and English "1,500,000" both occur.
            if re.fullmatch(r"\d{1,3}([.,]\d{3})+", raw):
                raw = re.sub(r"[.,]", "", raw)
            else:
                raw = raw.replace(",", "")
            try:
                number = Decimal(raw)
            except InvalidOperation:
                raise RowError(_("%(value)r is not a number") % {"value": as_text(value)})
        if min_value is not None and number < min_value:
            raise RowError(_("must be at least %(min)d") % {"min": min_value})
        return number

    return parse


_TRUE = {"1", "true", "yes", "y", "x", "co", "có", "dung", "đúng", "t"}
_FALSE = {"0", "false", "no", "n", "khong", "không", "sai", "f"}


def boolean() -> Parser:
    def parse(value: Any, ctx: ImportContext) -> bool:
        if isinstance(value, bool):
            return value
        key = fold(as_text(value))
        if key in _TRUE or as_text(value).lower() in _TRUE:
            return True
        if key in _FALSE or as_text(value).lower() in _FALSE:
            return False
        raise RowError(_("%(value)r is not yes/no") % {"value": as_text(value)})

    return parse


def date() -> Parser:
    """ISO ``2025-07-01``, Vietnamese ``01/07/2025`` or an XLSX date cell."""

    def parse(value: Any, ctx: ImportContext) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        raw = as_text(value)
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
            try:
                return dt.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
        raise RowError(_("%(value)r is not a date (use YYYY-MM-DD or DD/MM/YYYY)") % {"value": raw})

    return parse


def choice(
    choices: type[models.Choices] | Sequence[tuple[str, Any]], aliases: dict[str, str] | None = None
) -> Parser:
    """Accept a choice's code or its label (in Vietnamese or English, accents optional), or one
    of ``aliases`` (``{"Giáo sư": "GS"}``)."""
    pairs = list(choices.choices if isinstance(choices, type) else choices)  # type: ignore[union-attr]

    def labels_for(label: Any) -> set[str]:
        from django.utils import translation

        names = {fold(str(label))}
        for lang in ("vi", "en"):
            with translation.override(lang):
                names.add(fold(str(label)))
        return names

    lookup: dict[str, str] | None = None

    def parse(value: Any, ctx: ImportContext) -> str:
        nonlocal lookup
        if lookup is None:
            lookup = {}
            for code, label in pairs:
                for name in labels_for(label):
                    lookup.setdefault(name, code)
                    lookup.setdefault(re.sub(r"\s*\(.*\)$", "", name), code)
                lookup[fold(str(code))] = code
            for alias, code in (aliases or {}).items():
                lookup[fold(alias)] = code
        key = fold(as_text(value))
        if key in lookup:
            return lookup[key]
        allowed = ", ".join(str(code) for code, _label in pairs if code)
        raise RowError(
            _("%(value)r is not one of: %(allowed)s")
            % {"value": as_text(value), "allowed": allowed}
        )

    return parse


def validated(*validators: Callable[[Any], Any], then: Parser | None = None) -> Parser:
    """Run Django validators (``EmailValidator()``, ``URLValidator()``…) on the text value."""

    def parse(value: Any, ctx: ImportContext) -> Any:
        result = then(value, ctx) if then else as_text(value)
        for validator in validators:
            validator(result)
        return result

    return parse


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
            if not fld.many_to_many:
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
        through = m2m_field.remote_field.through
        src, dst = m2m_field.m2m_field_name() + "_id", m2m_field.m2m_reverse_field_name() + "_id"
        current: dict[Any, set[Any]] = {pk: set() for pk in pks}
        for a, b in through.objects.filter(**{f"{src}__in": pks}).values_list(src, dst):
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

    def _sync_m2m(self, name, rows, outcomes, targets, current) -> None:  # type: ignore[no-untyped-def]
        m2m_field = self.model._meta.get_field(name)  # type: ignore[union-attr]
        through = m2m_field.remote_field.through
        src, dst = m2m_field.m2m_field_name() + "_id", m2m_field.m2m_reverse_field_name() + "_id"
        to_add, to_remove = [], []
        for index, wanted in targets:
            if name not in wanted:
                continue
            pk = outcomes[index][1].pk
            have = current.get(pk, set())
            to_add.extend(through(**{src: pk, dst: t}) for t in wanted[name] - have)
            to_remove.extend((pk, t) for t in have - wanted[name])
        if to_add:
            through.objects.bulk_create(to_add, batch_size=500)
        if to_remove:
            by_src: dict[Any, list[Any]] = {}
            for pk, t in to_remove:
                by_src.setdefault(pk, []).append(t)
            for pk, ts in by_src.items():
                through.objects.filter(**{src: pk, f"{dst}__in": ts}).delete()


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


# --- Readers -------------------------------------------------------------------------------

Row = tuple[int, dict[str, Any] | RowError]


def file_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "tsv", "txt"):
        return "csv"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    raise ImportFileError(
        _("Unknown file format %(suffix)r: use .jsonl, .csv or .xlsx") % {"suffix": suffix}
    )


def header_key(name: Any) -> str:
    """Column headers are matched leniently: ``" Full name "`` -> ``full_name``."""
    if isinstance(name, str):
        return _header_key_str(name)
    return _header_key_str(as_text(name))


@functools.lru_cache(maxsize=4096)
def _header_key_str(name: str) -> str:
    key = fold(clean(name)).strip().lstrip("\ufeff")
    return re.sub(r"[\s\-]+", "_", key)


class Reader:
    """Iterates ``(line_number, row)`` where row is a dict or a :class:`RowError`."""

    total: int | None = None
    header: list[str] = []

    def __iter__(self) -> Iterator[Row]:
        raise NotImplementedError


class JsonlReader(Reader):
    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as fh:
            self.total = sum(1 for line in fh if line.strip())

    def __iter__(self) -> Iterator[Row]:
        # Line by line in bytes: one line that is not UTF-8 is one rejected row, not the end of
        # the file (a text-mode file raises UnicodeDecodeError for the whole read).
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield (
                        number,
                        RowError(
                            _("not valid UTF-8 (byte 0x%(byte)02x at position %(pos)d)")
                            % {"byte": raw[exc.start], "pos": exc.start + 1}
                        ),
                    )
                    continue
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, RowError(_("invalid JSON: %(error)s") % {"error": exc.msg})
                    continue
                if not isinstance(obj, dict):
                    yield number, RowError(_("each line must be a JSON object"))
                    continue
                yield number, {header_key(k): v for k, v in obj.items()}


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern) or Windows-1258 (legacy
    Vietnamese Excel exports)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4:
        even_nuls = head[0::2].count(0)
        odd_nuls = head[1::2].count(0)
        if odd_nuls > len(head) // 4 and even_nuls == 0:
            return "utf-16-le"
        if even_nuls > len(head) // 4 and odd_nuls == 0:
            return "utf-16-be"
    return "utf-8"


class CsvReader(Reader):
    def __init__(self, path: Path):
        self.path = path
        data = path.read_bytes()
        encoding = detect_encoding(data[:4096])
        if encoding == "utf-8":
            try:
                content = data.decode("utf-8")
            except UnicodeDecodeError:
                encoding = "cp1258"
                content = data.decode("cp1258", errors="replace")
        else:
            content = data.decode(encoding, errors="replace")
        self.encoding = encoding
        self.content = content.lstrip("\ufeff")
        first_line = self.content.split("\n", 1)[0]
        # Only the delimiter is guessed (from the header line); the quoting is Excel's. The
        # sniffer, seeing no quotes in a header, also guesses doublequote=False, which split
        # every cell holding a doubled quote ("") that Excel and our own export write.
        try:
            delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        self.dialect: Any = type("Dialect", (csv.excel,), {"delimiter": delimiter})
        self.total = max(
            self.content.count("\n") - 1 + (0 if self.content.endswith("\n") else 1), 0
        )

    def __iter__(self) -> Iterator[Row]:
        reader = csv.reader(
            io.StringIO(self.content, newline=""), dialect=self.dialect, strict=True
        )
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ImportFileError(_('line 1: the header row has an unbalanced quote (")'))
        self.header = [header_key(h) for h in header]
        yield from self._records(reader, offset=0)

    def _records(self, reader: Any, offset: int) -> Iterator[Row]:
        """Rows of ``reader``, which starts ``offset`` physical lines into the file. A record the
        csv module cannot end (an opening quote never closed would swallow the rest of the file
        into one cell) is rejected with its line, and reading resumes on the next physical line,
        so every good row after it is still imported."""
        last = offset + reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                start = last + 1
                yield (
                    start,
                    RowError(
                        _(
                            'unbalanced or misplaced quote (") in this row (%(error)s); the row is skipped'
                        )
                        % {"error": exc}
                    ),
                )
                rest = io.StringIO(self.content, newline="").readlines()[start:]
                reader = csv.reader(
                    io.StringIO("".join(rest), newline=""), dialect=self.dialect, strict=True
                )
                offset = last = start
                continue
            start, last = last + 1, offset + reader.line_num
            record = [unescape_formula(cell) for cell in record]
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(self.header):
                extra = record[len(self.header) :]
                if any(c.strip() for c in extra):
                    yield (
                        start,
                        RowError(
                            _("%(n)d values but only %(m)d columns in the header")
                            % {"n": len(record), "m": len(self.header)}
                        ),
                    )
                    continue
            yield start, {k: v for k, v in zip(self.header, record, strict=False) if k}


class XlsxReader(Reader):
    def __init__(self, path: Path):
        from openpyxl import load_workbook

        from openstx.core.limits import UnpackLimitError, check_zip

        self.path = path
        try:
            check_zip(path)  # a decompression bomb is refused before any XML is parsed
        except UnpackLimitError as exc:
            raise ImportFileError(str(exc))
        try:
            self.workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportFileError(_("Cannot read the workbook: %(error)s") % {"error": exc})
        self.sheet = self.workbook.worksheets[0]
        self.total = max((self.sheet.max_row or 1) - 1, 0)

    def __iter__(self) -> Iterator[Row]:
        try:
            rows = self.sheet.iter_rows(values_only=True)
            header: list[str] | None = None
            for number, values in enumerate(rows, start=1):
                if not any(v not in (None, "") for v in values):
                    continue
                if header is None:
                    header = [header_key(h) if h is not None else "" for h in values]
                    self.header = header
                    continue
                yield number, {k: v for k, v in zip(header, values, strict=False) if k}
        finally:
            self.workbook.close()


def open_reader(path: str | Path) -> Reader:
    path = Path(path)
    if not path.exists():
        raise ImportFileError(_("File not found: %(path)s") % {"path": path})
    fmt = file_format(path)
    return {"jsonl": JsonlReader, "csv": CsvReader, "xlsx": XlsxReader}[fmt](path)


def read_rows(path: str | Path) -> Iterator[Row]:
    """``(line_number, dict | RowError)`` for every data row of a JSONL, CSV or XLSX file."""
    yield from open_reader(path)


# --- Import --------------------------------------------------------------------------------


def _progress(total: int | None, desc: str, enabled: bool | None, job: Any = None):  # type: ignore[no-untyped-def]
    """The one progress reporter (openstx.core.progress): tqdm on a terminal, a Job row if any."""
    from openstx.core.progress import Progress

    return Progress(total=total, desc=desc, job=job, unit=" rows", bar=enabled)


def run_import(
    kind: str,
    source: str | Path | Iterable[Row],
    *,
    user: Any = None,
    dry_run: bool = False,
    progress: bool | None = False,
    batch_size: int | None = None,
    job: Any = None,
) -> ImportResult:
    """Import a file (or an iterable of ``(line, dict)``) of KIND. Never raises for bad rows:
    they are in ``result.rejected``. Raises :class:`ImportFileError` for an unusable file."""
    import time

    started = time.monotonic()
    importer = get_importer(kind)
    result = ImportResult(kind=kind, dry_run=dry_run)
    reader = importer.open_reader(source) if isinstance(source, str | Path) else source
    total = getattr(reader, "total", None)
    ctx = ImportContext(kind=kind, user=user, dry_run=dry_run)
    size = batch_size or importer.batch_size
    bar = _progress(total, kind, progress, job)

    def run() -> None:
        importer.prepare(ctx)
        seen: dict[str, int] = {}
        batch: list[tuple[int, dict[str, Any] | RowError]] = []
        header_checked = False
        for line, raw in reader:
            if not header_checked and isinstance(raw, dict):
                header_checked = True
                _check_header(importer, reader, raw, result)
            batch.append((line, raw))
            if len(batch) >= size:
                _run_batch(importer, batch, ctx, result, seen)
                bar.advance(len(batch))
                batch = []
        if batch:
            _run_batch(importer, batch, ctx, result, seen)
            bar.advance(len(batch))

    try:
        if dry_run:
            with transaction.atomic():
                run()
                transaction.set_rollback(True)
        else:
            run()
            importer.finish(result, ctx)
    finally:
        bar.close()
    result.warnings.extend(ctx.warnings)
    result.seconds = time.monotonic() - started
    return result


def _check_header(
    importer: Importer, reader: Any, first: dict[str, Any], result: ImportResult
) -> None:
    header = getattr(reader, "header", None) or list(first)
    known = importer.column_map
    unknown = [h for h in header if h and h not in known]
    if unknown:
        result.warnings.append(
            _("Ignored unknown columns: %(columns)s") % {"columns": ", ".join(unknown)}
        )
    if isinstance(reader, CsvReader | XlsxReader):
        missing = [c.name for c in importer.columns if c.required and c.name not in header]
        if missing:
            raise ImportFileError(
                _("Missing required columns: %(columns)s") % {"columns": ", ".join(missing)}
            )


def _parse_one(
    importer: Importer, line: int, raw: dict[str, Any] | RowError, ctx: ImportContext
) -> ParsedRow:
    if isinstance(raw, RowError):
        raise raw
    ctx.line = line
    values = importer.parse(raw, ctx)
    key = values.get(importer.key)
    if is_blank(key):
        raise RowError(_("a value is required"), importer.key)
    return ParsedRow(line=line, key=str(key), values=values, raw=raw)


def _raw_key(importer: Importer, raw: Any) -> str | None:
    if isinstance(raw, dict):
        key = raw.get(importer.key)
        return as_text(key) if not is_blank(key) else None
    return None


def _run_batch(
    importer: Importer,
    batch: list[tuple[int, dict[str, Any] | RowError]],
    ctx: ImportContext,
    result: ImportResult,
    seen: dict[str, int],
) -> None:
    """Parse, validate and write one batch in one transaction."""
    with transaction.atomic():
        parsed: list[ParsedRow] = []
        for line, raw in batch:
            try:
                if importer.parse_writes:
                    ctx.undo = []
                    warnings_before = len(ctx.warnings)
                    try:
                        with transaction.atomic():
                            row = _parse_one(importer, line, raw, ctx)
                    except RowError:
                        for undo in ctx.undo:
                            undo()
                        del ctx.warnings[warnings_before:]
                        raise
                else:
                    row = _parse_one(importer, line, raw, ctx)
                if row.key in seen:
                    raise RowError(
                        _("duplicate %(key)s %(value)r (first seen on line %(line)d)")
                        % {"key": importer.key, "value": row.key, "line": seen[row.key]}
                    )
                seen[row.key] = line
                parsed.append(row)
            except RowError as exc:
                result.rejected.append(Rejected(line, str(exc), _raw_key(importer, raw)))
        if not parsed:
            return
        try:
            with transaction.atomic():
                outcomes = importer.apply_batch(parsed, ctx)
        except (DatabaseError, ValidationError, RowError, ValueError) as exc:
            log.info("batch of %s failed (%s); retrying row by row", ctx.kind, exc)
            outcomes = []
            for row in parsed:
                try:
                    with transaction.atomic():
                        outcomes.append(importer.apply(row, ctx))
                except (DatabaseError, ValidationError, RowError, ValueError) as row_exc:
                    reason = (
                        "; ".join(row_exc.messages)
                        if isinstance(row_exc, ValidationError)
                        else str(row_exc)
                    )
                    result.rejected.append(Rejected(row.line, reason, row.key))
                    outcomes.append((None, None))
        changed = []
        for outcome, pk in outcomes:
            if outcome is None:
                continue
            result.count(outcome)
            if outcome != UNCHANGED:
                changed.append(pk)
        if changed and importer.model is not None:
            records_imported.send(sender=importer.model, kind=ctx.kind, pks=changed, context=ctx)
        if changed and not ctx.dry_run:
            transaction.on_commit(lambda: _after_commit(importer, changed, ctx))


def _after_commit(importer: Importer, pks: list[Any], ctx: ImportContext) -> None:
    importer.on_committed(pks, ctx)
    for hook in list(_committed_hooks):
        hook(kind=ctx.kind, model=importer.model, pks=pks, context=ctx)


# --- Export --------------------------------------------------------------------------------


def export_rows(kind: str, *, user: Any = None) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """Column names and row dicts for KIND, as ``user`` may see them (``None`` = the system,
    e.g. the operator's command line: everything)."""
    importer = get_importer(kind)
    ctx = ImportContext(kind=kind, user=user)

    def rows() -> Iterator[dict[str, Any]]:
        qs = importer.export_queryset(ctx)
        iterable = (
            qs.iterator(chunk_size=1000)
            if hasattr(qs, "iterator") and not _has_prefetch(qs)
            else qs
        )
        for obj in iterable:
            yield importer.export_row(obj, ctx)

    return importer.export_columns(), rows()


def _has_prefetch(qs: Any) -> bool:
    return bool(getattr(qs, "_prefetch_related_lookups", None))


# Spreadsheet formula injection (CSV injection): a cell that begins with one of these is run as a
# formula by Excel / LibreOffice when a CSV is opened (``=HYPERLINK(…)``, ``@SUM(…)``, ``+cmd…``).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[\d\s.,]+")


def _formula_like(text: str) -> bool:
    bare = text.lstrip("'")
    return bare.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(bare)


def escape_formula(value: Any) -> Any:
    """The one spreadsheet-cell neutraliser for CSV: text that a spreadsheet would run as a
    formula gets a leading apostrophe (the OWASP advice); so does text that already begins with
    apostrophes before such a character, which makes :func:`unescape_formula` its exact inverse.
    Numbers, dates and plain signed numbers (``-5``, ``+84 912 345 678``) pass unchanged."""
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo :func:`escape_formula` (the CSV reader calls it on every cell)."""
    if value.startswith("'") and _formula_like(value[1:]):
        return value[1:]
    return value


def spreadsheet_safe(values: Any) -> Any:
    """:func:`escape_formula` over a CSV row: a list/tuple of cells or a dict (DictWriter)."""
    if isinstance(values, dict):
        return {key: escape_formula(v) for key, v in values.items()}
    return [escape_formula(v) for v in values]


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """One row for ``sheet.append`` (openpyxl, normal or write-only) in which no text is a
    formula: openpyxl stores any string starting with ``=`` as a live formula, so such text is
    written as a string cell instead (shown and read back exactly as it is, never evaluated).
    Every XLSX writer builds its rows through this."""
    from openpyxl.cell.cell import Cell

    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = Cell(sheet, row=1, column=1, value=value)  # append() places it
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return "; ".join(as_text(v) for v in value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | bool | int | float):
        return value
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return [_json_value(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def write_rows(
    path: str | Path, columns: list[str], rows: Iterable[dict[str, Any]], progress: Any = None
) -> int:
    """Write rows to .jsonl, .csv (UTF-8 with BOM, for Excel) or .xlsx; return the count."""
    path = Path(path)
    fmt = file_format(path)
    count = 0
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(
                    json.dumps({c: _json_value(row.get(c)) for c in columns}, ensure_ascii=False)
                )
                fh.write("\n")
                count += 1
                if progress is not None:
                    progress.advance(1)
    elif fmt == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([escape_formula(_cell(row.get(c))) for c in columns])
                count += 1
                if progress is not None:
                    progress.advance(1)
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("data")
        ws.append(columns)
        for row in rows:
            ws.append(xlsx_row(ws, [_cell(row.get(c)) for c in columns]))
            count += 1
            if progress is not None:
                progress.advance(1)
        wb.save(path)
    return count


def run_export(
    kind: str, path: str | Path, *, user: Any = None, progress: bool | None = False, job: Any = None
) -> int:
    file_format(path)  # fail early on an unknown extension
    columns, rows = export_rows(kind, user=user)
    bar = _progress(None, kind, progress, job)
    try:
        return write_rows(path, columns, rows, progress=bar)
    finally:
        bar.close()


__all__ = [
    "CREATED",
    "UNCHANGED",
    "UPDATED",
    "Column",
    "Deferred",
    "ImportContext",
    "ImportFileError",
    "ImportResult",
    "Importer",
    "ModelImporter",
    "ParsedRow",
    "Rejected",
    "RowError",
    "as_list",
    "as_text",
    "boolean",
    "choice",
    "date",
    "decimal",
    "escape_formula",
    "export_rows",
    "get_importer",
    "integer",
    "kinds",
    "on_committed",
    "read_rows",
    "records_imported",
    "register",
    "run_export",
    "run_import",
    "spreadsheet_safe",
    "text",
    "unescape_formula",
    "validated",
    "write_rows",
    "xlsx_row",
]
