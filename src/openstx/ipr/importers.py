"""Import kinds "ip", "standards" and "training" for the one import pipeline
(``openstx import ip PATH``; see docs/importing.md and :mod:`openstx.core.importing.sheets`).

Spreadsheets from the department's offices are read as they are: the header is found below
any title rows, may span merged cells over several rows, and its Vietnamese column names are
matched with or without diacritics through the synonym lists in ``data/synonyms.json``. A record is found again by
its ``external_id`` or, when the sheet has none, by its application number (IP) / receipt
number (standards) / title and start date (training), so re-running an import updates and
never duplicates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from openstx.core import importing as imp
from openstx.core.importing import Column, ImportContext, ParsedRow, RowError
from openstx.core.importing.sheets import SheetReader, parse_amount, parse_date
from openstx.core.text import clean, fold, nfc
from openstx.ipr.classes import normalize_classes
from openstx.ipr.models import (
    CERTIFIED_STATUSES,
    IPRecord,
    IPStatus,
    IPTransition,
    IPType,
    StandardKind,
    StandardOutcome,
    StandardRecord,
    TrainingCourse,
    application_key,
)

# --- Synonyms (compared folded: accents, case and punctuation do not matter) --------------
# The lists live in data/synonyms.json (loaded once): add a column name or a value spelling
# there, no code change needed.

_SYNONYMS = json.loads((Path(__file__).parent / "data" / "synonyms.json").read_text("utf-8"))
IP_SYNONYMS: dict[str, list[str]] = _SYNONYMS["columns"]["ip"]
STANDARDS_SYNONYMS: dict[str, list[str]] = _SYNONYMS["columns"]["standards"]
TRAINING_SYNONYMS: dict[str, list[str]] = _SYNONYMS["columns"]["training"]
TYPE_ALIASES: dict[str, str] = _SYNONYMS["values"]["ip_type"]
STATUS_ALIASES: dict[str, str] = _SYNONYMS["values"]["ip_status"]
KIND_ALIASES: dict[str, str] = _SYNONYMS["values"]["standard_kind"]
OUTCOME_ALIASES: dict[str, str] = _SYNONYMS["values"]["standard_outcome"]


def _parser(fn):
    def parse(value: Any, ctx: ImportContext) -> Any:
        return fn(value)

    return parse


def _text(max_length: int) -> Any:
    return imp.text(max_length)


def _capacity(value: Any, ctx: ImportContext) -> int:
    amount = parse_amount(value)
    if amount > 100_000:
        raise RowError(_("must be at most %(max)d") % {"max": 100_000})
    return amount


class _OrganizationResolver:
    """Finds an organisation by external id, name or short name (folded); None when unknown
    (applicants are often persons, so nothing is created)."""

    @staticmethod
    def lookup(ctx: ImportContext) -> dict[str, int]:
        def build() -> dict[str, int]:
            from openstx.directory.models import Organization

            table: dict[str, int] = {}
            for pk, name, short, ext in Organization.objects.values_list(
                "pk", "name", "short_name", "external_id"
            ):
                for key in (ext, short, name):
                    if key:
                        table.setdefault(fold(key), pk)
            return table

        return ctx.cached("ipr:organizations", build)

    @classmethod
    def resolve(cls, text: str | None, ctx: ImportContext) -> int | None:
        return cls.lookup(ctx).get(fold(clean(text))) if text else None


def _resolve_task(text: str, ctx: ImportContext) -> int | None:
    """An S&T task by external id, code or title (folded); None when unknown."""
    if not text:
        return None

    def build() -> dict[str, int]:
        from openstx.projects.models import Task

        table: dict[str, int] = {}
        for pk, code, title, ext in Task.objects.values_list("pk", "code", "title", "external_id"):
            for key in (ext, code, title):
                if key:
                    table.setdefault(fold(key), pk)
        return table

    return ctx.cached("ipr:tasks", build).get(fold(clean(text)))


def _resolve_offer(text: str | None) -> int | None:
    """A technology offer by ``external_id`` or id (core.lookup); an unknown one rejects the row."""
    if not text:
        return None
    from openstx.core.lookup import find_by_ident
    from openstx.exchange.models import Offer

    offer = find_by_ident(Offer.objects.only("pk"), text)
    if offer is None:
        raise RowError(_("no technology offer %(ident)r") % {"ident": text}, "offer")
    return offer.pk


class SheetImporter(imp.Importer):
    """An importer whose rows come from :class:`SheetReader` and whose records are found by
    ``external_id`` or a natural key. Rows are saved one by one (with history)."""

    synonyms: dict[str, list[str]] = {}
    key = "_key"

    def open_reader(self, path: str | Path) -> imp.Reader:
        """The pipeline's reader hook: find the header of an awkward sheet."""
        path = Path(path)
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            return imp.open_reader(path)
        reader = SheetReader(path, self.synonyms, name=path.name)
        self.check_reader(reader)
        return reader

    def reader_for_bytes(self, data: bytes, name: str) -> SheetReader:
        reader = SheetReader(data, self.synonyms, name=name)
        self.check_reader(reader)
        return reader

    def check_reader(self, reader: SheetReader) -> None:
        if not reader.found:
            raise imp.ImportFileError(
                _("No header row with known column names was found in the first rows of the sheet.")
            )
        missing = [c.name for c in self.columns if c.required and c.name not in reader.header]
        if missing:
            raise imp.ImportFileError(
                _("Missing required columns: %(columns)s") % {"columns": ", ".join(missing)}
            )

    def natural_key(self, values: dict[str, Any]) -> str | None:
        return None

    def parse(self, raw: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
        values = super().parse(raw, ctx)
        if values.get("external_id"):
            values["_key"] = "ext:" + str(values["external_id"])
        else:
            natural = self.natural_key(values)
            if not natural:
                raise RowError(_("give an external_id or the natural key of the record"))
            values["_key"] = natural
        return values

    def lookup_keys(self, values: dict[str, Any]) -> list[tuple[tuple[str, ...], tuple]]:
        """How a row finds its record, in order: ``[(fields, values), ...]``."""
        keys: list[tuple[tuple[str, ...], tuple]] = []
        if values.get("external_id"):
            keys.append((("external_id",), (values["external_id"],)))
        return keys

    def _lookup(self, rows: list[ParsedRow]) -> dict[tuple, Any]:
        """Existing records for a batch, with one query per kind of key."""
        wanted: dict[tuple[str, ...], set[tuple]] = {}
        for row in rows:
            for fields, key in self.lookup_keys(row.values):
                wanted.setdefault(fields, set()).add(key)
        index: dict[tuple, Any] = {}
        manager = self.model._default_manager  # type: ignore[union-attr]
        for fields, keys in wanted.items():
            firsts = {k[0] for k in keys}
            for obj in manager.filter(**{f"{fields[0]}__in": firsts}).order_by("pk"):
                key = tuple(getattr(obj, f) for f in fields)
                if key in keys:
                    index.setdefault((fields, key), obj)
        return index

    def assign(self, obj: Any, values: dict[str, Any], ctx: ImportContext) -> None:
        for name, value in values.items():
            if not name.startswith("_") and hasattr(obj, name):
                setattr(obj, name, value)
        if not obj.external_id:
            obj.external_id = None  # blank ids are NULL, never "" (the column is unique)

    def prepare_write(self, obj: Any) -> None:
        """What ``save()`` would do (bulk writes skip it): NFC/white space, derived fields."""
        from django.db import models as m

        for fld in obj._meta.concrete_fields:
            if isinstance(fld, m.CharField | m.TextField):
                value = getattr(obj, fld.attname)
                if isinstance(value, str):
                    setattr(
                        obj,
                        fld.attname,
                        clean(value) if isinstance(fld, m.CharField) else nfc(value).strip(),
                    )

    def check(self, obj: Any) -> None:
        exclude = [f.name for f in obj._meta.concrete_fields if f.is_relation] + ["external_id"]
        try:
            obj.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as exc:
            raise RowError(
                "; ".join(
                    f"{k}: {', '.join(v)}" if k != "__all__" else ", ".join(v)
                    for k, v in exc.message_dict.items()
                )
            )

    def apply(self, row: ParsedRow, ctx: ImportContext) -> tuple[str, Any]:
        return self.apply_batch([row], ctx)[0]

    def apply_batch(self, rows: list[ParsedRow], ctx: ImportContext) -> list[tuple[str, Any]]:
        """Bulk create and update (with history and search outbox) in the batch's transaction;
        any error rolls the batch back and the pipeline retries row by row."""
        from django.utils import timezone
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        model = self.model
        assert model is not None  # every importer of this app names its model
        index = self._lookup(rows)
        new_objs: list[Any] = []
        changed: dict[int, Any] = {}
        outcomes: list[list[Any]] = []
        for row in rows:
            values = row.values
            keys = [(f, k) for f, k in self.lookup_keys(values)]
            found = next((index[k] for k in keys if k in index), None)
            created = found is None
            obj = model() if found is None else found
            before = None if created else self.snapshot(obj)
            self.assign(obj, values, ctx)
            self.prepare_write(obj)
            self.check(obj)
            for k in keys:
                index.setdefault(k, obj)
            if created:
                new_objs.append(obj)
                outcomes.append([imp.CREATED, obj, None])
            elif obj.pk in changed or self.snapshot(obj) != before:
                changed[obj.pk] = obj
                outcomes.append([imp.UPDATED, obj, before])
            else:
                outcomes.append([imp.UNCHANGED, obj, before])
        reason = f"import {ctx.kind}"
        if new_objs:
            saved = bulk_create_with_history(
                new_objs,
                model,
                batch_size=500,
                default_user=ctx.history_user,
                default_change_reason=reason,
            )
            for obj, done in zip(new_objs, saved, strict=True):
                if obj.pk is None:
                    obj.pk = done.pk
        if changed:
            now = timezone.now()
            for obj in changed.values():
                obj.updated_at = now
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if not f.primary_key and f.name != "created_at"
            ]
            bulk_update_with_history(
                list(changed.values()),
                model,
                fields,
                batch_size=500,
                default_user=ctx.history_user,
                default_change_reason=reason,
            )
        written = [
            (obj, outcome == imp.CREATED, before)
            for outcome, obj, before in outcomes
            if outcome != imp.UNCHANGED
        ]
        self.after_write(written, ctx)
        if written:
            from openstx.search import outbox

            outbox.record_changes(model, sorted({obj.pk for obj, _c, _b in written}))
        return [(outcome, obj.pk) for outcome, obj, _before in outcomes]

    def after_write(self, written: list[tuple[Any, bool, Any]], ctx: ImportContext) -> None:
        """Extra rows for created/updated records ``(obj, created, snapshot_before)``."""

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return {
            f.attname: getattr(obj, f.attname)
            for f in obj._meta.concrete_fields
            if f.name not in ("id", "created_at", "updated_at")
        }


@imp.register
class IPImporter(SheetImporter):
    kind = "ip"
    label = "IP records"
    model = IPRecord
    synonyms = IP_SYNONYMS
    columns = [
        Column("external_id", parse=_text(100)),
        Column("type", required=True, parse=imp.choice(IPType, TYPE_ALIASES)),
        Column("title", required=True, parse=_text(500)),
        Column("applicant", parse=_text(300)),
        Column("applicant_address", parse=_text(500)),
        Column("application_number", parse=_text(64)),
        Column("application_date", parse=_parser(parse_date), default=None),
        Column("status", parse=imp.choice(IPStatus, STATUS_ALIASES)),
        Column("certificate_number", parse=_text(64)),
        Column("certificate_date", parse=_parser(parse_date), default=None),
        Column("expiry_date", parse=_parser(parse_date), default=None),
        Column("classes", parse=_text(500)),
        Column("supported", parse=imp.boolean(), default=None),
        Column("support_amount_vnd", parse=_parser(parse_amount), default=None),
        Column("support_programme", parse=_text(300)),
        Column("task", parse=_text(300)),
        Column("offer", parse=_text(100)),
        Column("is_public", parse=imp.boolean(), default=None),
        Column("notes", parse=imp.text(multiline=True), multiline=True),
    ]

    def natural_key(self, values: dict[str, Any]) -> str | None:
        key = application_key(values.get("application_number"))
        return f"app:{key}" if key else None

    def validate(self, values: dict[str, Any], ctx: ImportContext) -> None:
        ip_type = values.get("type")
        if "classes" in values and ip_type:
            try:
                values["classes"] = normalize_classes(ip_type, values["classes"])
            except ValidationError as exc:
                raise RowError("; ".join(exc.messages), "classes")
        amount = values.get("support_amount_vnd")
        if values.get("supported") is None and "supported" in values:
            values["supported"] = bool(amount)
        if amount and "supported" not in values:
            values["supported"] = True
        if values.get("supported") is False and amount:
            raise RowError(
                _("a support amount is given but the record is marked not supported"),
                "support_amount_vnd",
            )
        if not values.get("status"):
            values["status"] = (
                IPStatus.GRANTED if values.get("certificate_number") else IPStatus.FILED
            )
        if values["status"] in CERTIFIED_STATUSES and not values.get("certificate_number"):
            raise RowError(_("a granted record needs its certificate number"), "certificate_number")
        applied, certified = values.get("application_date"), values.get("certificate_date")
        if applied and certified and certified < applied:
            raise RowError(
                _("the certificate date is before the application date"), "certificate_date"
            )
        if values.get("is_public") is None:
            values.pop("is_public", None)

    def lookup_keys(self, values: dict[str, Any]) -> list[tuple[tuple[str, ...], tuple]]:
        keys = super().lookup_keys(values)
        key = application_key(values.get("application_number"))
        if key:
            keys.append((("application_key",), (key,)))
        return keys

    def assign(self, obj: Any, values: dict[str, Any], ctx: ImportContext) -> None:
        rest = {k: v for k, v in values.items() if k not in ("applicant", "task", "offer")}
        super().assign(obj, rest, ctx)
        if "applicant" in values:
            applicant = values["applicant"] or ""
            obj.applicant_name = applicant
            obj.applicant_organization_id = _OrganizationResolver.resolve(applicant, ctx)
        if "task" in values:
            obj.task_reference = values["task"] or ""
            obj.task_id = _resolve_task(obj.task_reference, ctx)
        if "offer" in values:
            obj.offer_id = _resolve_offer(values["offer"])
        obj.application_key = application_key(obj.application_number)
        if obj.supported is None:
            obj.supported = False
        if obj.pk is None and "is_public" not in values:
            # an application is public once the IP office has accepted it for examination
            obj.is_public = obj.status not in (IPStatus.FILED, IPStatus.FORMALITY)

    def prepare_write(self, obj: Any) -> None:
        super().prepare_write(obj)
        obj.application_key = application_key(obj.application_number)

    def after_write(self, written: list[tuple[Any, bool, Any]], ctx: ImportContext) -> None:
        steps = []
        for obj, created, before in written:
            previous = "" if created else before.get("status", "")
            if previous != obj.status:
                steps.append(
                    IPTransition(
                        record_id=obj.pk,
                        from_status=previous,
                        to_status=obj.status,
                        actor=ctx.history_user,
                        date=obj.certificate_date
                        if obj.status == IPStatus.GRANTED
                        else obj.application_date,
                        comment=_("Imported"),
                    )
                )
        IPTransition.objects.bulk_create(steps, batch_size=500)

    def export_row(self, obj: Any, ctx: ImportContext) -> dict[str, Any]:
        row = {c.name: getattr(obj, c.name, "") for c in self.columns}
        row["applicant"] = obj.applicant
        row["task"] = obj.task_reference or (obj.task.code if obj.task_id else "")
        row["offer"] = (obj.offer.external_id or str(obj.offer_id)) if obj.offer_id else ""
        return row


@imp.register
class StandardsImporter(SheetImporter):
    kind = "standards"
    label = "Standards and quality records"
    model = StandardRecord
    synonyms = STANDARDS_SYNONYMS
    columns = [
        Column("external_id", parse=_text(100)),
        Column("kind", required=True, parse=imp.choice(StandardKind, KIND_ALIASES)),
        Column("title", required=True, parse=_text(500)),
        Column("reference", parse=_text(200)),
        Column("number", parse=_text(64)),
        Column("organization", parse=_text(300)),
        Column("received_date", parse=_parser(parse_date), default=None),
        Column("decision_date", parse=_parser(parse_date), default=None),
        Column("valid_until", parse=_parser(parse_date), default=None),
        Column(
            "outcome",
            parse=imp.choice(StandardOutcome, OUTCOME_ALIASES),
            default=StandardOutcome.PENDING,
        ),
        Column("support_amount_vnd", parse=_parser(parse_amount), default=None),
        Column("notes", parse=imp.text(multiline=True), multiline=True),
    ]

    def natural_key(self, values: dict[str, Any]) -> str | None:
        number = application_key(values.get("number"))
        return f"num:{values.get('kind')}:{number}" if number else None

    def lookup_keys(self, values: dict[str, Any]) -> list[tuple[tuple[str, ...], tuple]]:
        keys = super().lookup_keys(values)
        if values.get("number"):
            keys.append((("number", "kind"), (clean(values["number"]), values.get("kind"))))
        return keys

    def assign(self, obj: Any, values: dict[str, Any], ctx: ImportContext) -> None:
        organization = values.get("organization")
        rest = {k: v for k, v in values.items() if k != "organization"}
        super().assign(obj, rest, ctx)
        if "organization" in values:
            obj.organization_name = organization or ""
            obj.organization_id = _OrganizationResolver.resolve(organization, ctx)

    def export_row(self, obj: Any, ctx: ImportContext) -> dict[str, Any]:
        row = {c.name: getattr(obj, c.name, "") for c in self.columns}
        row["organization"] = obj.organization_name
        return row


@imp.register
class TrainingImporter(SheetImporter):
    kind = "training"
    label = "Training courses"
    model = TrainingCourse
    synonyms = TRAINING_SYNONYMS
    columns = [
        Column("external_id", parse=_text(100)),
        Column("title", required=True, parse=_text(300)),
        Column("topic", parse=_text(300)),
        Column("start_date", parse=_parser(parse_date), default=None),
        Column("end_date", parse=_parser(parse_date), default=None),
        Column("place", parse=_text(300)),
        Column("trainers", parse=_text(500)),
        Column("organizer", parse=_text(300)),
        Column("capacity", parse=_capacity, default=None),
        Column("description", parse=imp.text(multiline=True), multiline=True),
    ]

    def natural_key(self, values: dict[str, Any]) -> str | None:
        start = values.get("start_date")
        return f"course:{fold(values.get('title'))}:{start.isoformat() if start else ''}"

    def validate(self, values: dict[str, Any], ctx: ImportContext) -> None:
        if (
            values.get("start_date")
            and values.get("end_date")
            and values["end_date"] < values["start_date"]
        ):
            raise RowError(_("The course cannot end before it starts."), "end_date")

    def lookup_keys(self, values: dict[str, Any]) -> list[tuple[tuple[str, ...], tuple]]:
        keys = super().lookup_keys(values)
        keys.append(
            (("title", "start_date"), (clean(values.get("title")), values.get("start_date")))
        )
        return keys

    def assign(self, obj: Any, values: dict[str, Any], ctx: ImportContext) -> None:
        organizer = values.get("organizer")
        super().assign(obj, {k: v for k, v in values.items() if k != "organizer"}, ctx)
        if "organizer" in values:
            obj.organizer_id = _OrganizationResolver.resolve(organizer, ctx)

    def export_row(self, obj: Any, ctx: ImportContext) -> dict[str, Any]:
        row = {c.name: getattr(obj, c.name, "") for c in self.columns}
        row["organizer"] = obj.organizer.name if obj.organizer_id else ""
        return row


def import_file(kind: str, path: str | Path, **kwargs: Any) -> imp.ImportResult:
    """Run the pipeline on an awkward sheet of ``kind`` (works whether or not the pipeline
    calls the importer's ``open_reader`` hook itself)."""
    importer = imp.get_importer(kind)
    reader = (
        importer.open_reader(path) if hasattr(importer, "open_reader") else imp.open_reader(path)
    )
    return imp.run_import(kind, reader, **kwargs)


def check_sheet(kind: str, data: bytes, name: str) -> None:
    """Raise :class:`~openstx.core.importing.ImportFileError` now, while the user is on the
    form, when the sheet has no usable header for ``kind``."""
    importer = imp.get_importer(kind)
    if hasattr(importer, "reader_for_bytes"):
        importer.reader_for_bytes(data, name)


def import_bytes(kind: str, data: bytes, name: str, **kwargs: Any) -> imp.ImportResult:
    importer = imp.get_importer(kind)
    assert isinstance(importer, SheetImporter)  # only sheet KINDs are imported from bytes
    return imp.run_import(kind, importer.reader_for_bytes(data, name), **kwargs)
