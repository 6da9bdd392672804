"""Import/export of organisations and experts (KINDs ``organizations`` and ``experts``).

Columns are the contract of docs/importing.md; see docs/importing.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.validators import EmailValidator, URLValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from openstx.core import importing
from openstx.core.importing import (
    Column,
    Deferred,
    ImportContext,
    ModelImporter,
    RowError,
    register,
)
from openstx.core.permissions import is_authenticated
from openstx.core.text import clean, fold, slugify_vi
from openstx.directory.models import Expert, Organization
from openstx.directory.validators import (
    normalize_orcid,
    normalize_tax_code,
    validate_orcid,
    validate_phone,
    validate_tax_code,
)
from openstx.taxonomy import services as taxonomy


def parse_field(value: Any, ctx: ImportContext) -> int:
    """A field of science code or name -> id."""
    return taxonomy.resolve_field_id(value)


def parse_admin_unit(value: Any, ctx: ImportContext) -> int:
    return taxonomy.resolve_admin_unit_id(value)


def parse_tax_code(value: Any, ctx: ImportContext) -> str:
    if isinstance(value, int) and len(str(value)) == 9:
        value = str(value).zfill(10)  # a numeric spreadsheet cell dropped the leading zero
    code = normalize_tax_code(importing.as_text(value))
    validate_tax_code(code)
    return code


def parse_orcid(value: Any, ctx: ImportContext) -> str:
    orcid = normalize_orcid(importing.as_text(value))
    validate_orcid(orcid)
    return orcid


def parse_phone(value: Any, ctx: ImportContext) -> str:
    phone = importing.as_text(value)
    if phone.isdigit() and len(phone) in (9, 10) and not phone.startswith("0"):
        phone = "0" + phone  # spreadsheets drop the leading zero of "0292…"
    validate_phone(phone)
    return phone


def parse_url(value: Any, ctx: ImportContext) -> str:
    url = importing.as_text(value)
    if "://" not in url:
        url = "https://" + url
    URLValidator()(url)
    return url


def _org_index(ctx: ImportContext) -> dict[str, dict[str, int]]:
    def build() -> dict[str, dict[str, int]]:
        by_ext: dict[str, int] = {}
        by_name: dict[str, int] = {}
        rows = Organization.objects.values_list("id", "external_id", "name", "short_name")
        for pk, ext, name, short in rows:
            if ext:
                by_ext[ext] = pk
            by_name.setdefault(fold(name), pk)
            if short:
                by_name.setdefault(fold(short), pk)
        return {"ext": by_ext, "name": by_name}

    return ctx.cached("organizations", build)


AUTO_EXTERNAL_ID_PREFIX = "auto-org-"


def auto_external_id(name: str) -> str:
    """The ``external_id`` of an organisation created from its name alone during an import.

    Deterministic (the folded name: case, accents and spacing do not matter), so re-running an
    import — after a crash half-way, or after an editor renamed the organisation — finds the
    same record instead of creating a duplicate. Readable prefix + slug, then a hash that keeps
    long names distinct; at most 100 characters.
    """
    folded = " ".join(fold(name).split())
    digest = hashlib.sha256(folded.encode("utf-8")).hexdigest()[:12]
    return f"{AUTO_EXTERNAL_ID_PREFIX}{slugify_vi(name, 60) or 'x'}-{digest}"


def _create_named_organization(raw: str, ctx: ImportContext) -> int:
    """Create (or find, when a concurrent or earlier run made it) the organisation ``raw``."""
    ext = auto_external_id(raw)
    existing = Organization.objects.filter(external_id=ext).values_list("pk", flat=True).first()
    if existing is not None:
        return existing
    org = Organization(name=raw, external_id=ext)
    org._history_user = ctx.history_user  # type: ignore[attr-defined]
    org.save()
    return org.pk


def resolve_organization_id(value: Any, ctx: ImportContext, create: bool = True) -> int:
    """An organisation's ``external_id``, numeric id, name or short name -> id. An unknown
    name creates the organisation (type "other", ``external_id`` from
    :func:`auto_external_id`) when ``create``."""
    raw = clean(importing.as_text(value))
    index = _org_index(ctx)
    if raw in index["ext"]:
        return index["ext"][raw]
    key = fold(raw)
    if key in index["name"]:
        return index["name"][key]
    if raw.isdigit() and Organization.objects.filter(pk=int(raw)).exists():
        return int(raw)
    auto = auto_external_id(raw) if raw else ""
    if auto in index["ext"]:  # created by an earlier run under this name, renamed since
        return index["ext"][auto]
    if not create:
        raise RowError(_("unknown organisation %(value)r") % {"value": raw})
    if len(raw) > 300:
        raise RowError(_("organisation name too long"))
    pk = _create_named_organization(raw, ctx)
    index["name"][key] = pk

    def forget() -> None:
        index["name"].pop(key, None)

    ctx.undo.append(forget)
    ctx.warnings.append(
        _("line %(line)s: created organisation %(name)r") % {"line": ctx.line, "name": raw}
    )
    return pk


def parse_organization(value: Any, ctx: ImportContext) -> int:
    """Organisation id; an unknown name is created at once (use with ``parse_writes = True``).
    Prefer :func:`parse_organization_deferred`, which creates nothing for rejected rows."""
    return resolve_organization_id(value, ctx, create=True)


def parse_organization_deferred(value: Any, ctx: ImportContext) -> int | Deferred:
    """Organisation id, or a :class:`~openstx.core.importing.Deferred` that creates the
    organisation (type "other") when the row is written. For ``ModelImporter`` foreign keys."""
    raw = clean(importing.as_text(value))
    try:
        return resolve_organization_id(raw, ctx, create=False)
    except RowError:
        pass
    if len(raw) > 300:
        raise RowError(_("organisation name too long"))
    key = ("directory.organization", fold(raw))
    done = ctx.deferred(key)
    if done is not None:
        return done
    line = ctx.line

    def create(ctx: ImportContext) -> int:
        pk = _create_named_organization(raw, ctx)
        ctx.warnings.append(
            _("line %(line)s: created organisation %(name)r") % {"line": line, "name": raw}
        )
        return pk

    return Deferred(key, create)


def _contacts_visible(ctx: ImportContext) -> bool:
    """Contact details go to the system (``user=None``: operator's CLI) and signed-in users."""
    return ctx.user is None or is_authenticated(ctx.user)


def _record_for_search(model: Any, pks: list[Any]) -> None:
    """Bulk writes skip the signals that feed the search outbox: record the rows here, in the
    batch's transaction (docs/search.md, the outbox)."""
    if not pks:
        return
    from openstx.search import outbox

    outbox.record_changes(model, pks)


class _DirectoryImporter(ModelImporter):
    derived_fields = ["search_folded"]

    def apply_batch(self, rows, ctx):
        outcomes = super().apply_batch(rows, ctx)
        changed = [pk for outcome, pk in outcomes if outcome != importing.UNCHANGED]
        _record_for_search(self.model, changed)
        return outcomes

    def update_derived(self, obj: Any, ctx: ImportContext) -> None:
        obj.search_folded = obj.compute_search_folded()

    def prepare(self, ctx: ImportContext) -> None:
        taxonomy.clear_caches()

    def export_queryset(self, ctx: ImportContext) -> Iterable[Any]:
        qs = super().export_queryset(ctx)
        assert isinstance(qs, QuerySet)  # the base gives a queryset when ``model`` is set
        return qs.prefetch_related("fields")

    @staticmethod
    def _field_codes(obj: Any) -> list[str]:
        return sorted(f.code for f in obj.fields.all())


ORG_TYPE_ALIASES: dict[str, str] = {
    "Trường đại học": Organization.Type.UNIVERSITY,
    "Đại học": Organization.Type.UNIVERSITY,
    "Cao đẳng": Organization.Type.UNIVERSITY,
    "Viện nghiên cứu": Organization.Type.RESEARCH_INSTITUTE,
    "Viện": Organization.Type.RESEARCH_INSTITUTE,
    "Doanh nghiệp KH&CN": Organization.Type.ST_ENTERPRISE,
    "Doanh nghiệp khoa học và công nghệ": Organization.Type.ST_ENTERPRISE,
    "Doanh nghiệp": Organization.Type.ENTERPRISE,
    "Công ty": Organization.Type.ENTERPRISE,
    "Khởi nghiệp": Organization.Type.STARTUP,
    "Startup": Organization.Type.STARTUP,
    "Tổ chức trung gian": Organization.Type.INTERMEDIARY,
    "Cơ quan nhà nước": Organization.Type.STATE_AGENCY,
    "Bệnh viện": Organization.Type.HOSPITAL,
    "Khác": Organization.Type.OTHER,
}


@register
class OrganizationImporter(_DirectoryImporter):
    kind = "organizations"
    label = "Organisations"
    model = Organization
    columns = [
        Column(
            "external_id",
            required=True,
            parse=importing.text(100),
            help="identifier in the source system",
        ),
        Column("name", required=True, parse=importing.text(300), help="full name"),
        Column("short_name", parse=importing.text(100)),
        Column(
            "type",
            parse=importing.choice(Organization.Type, ORG_TYPE_ALIASES),
            default=Organization.Type.OTHER,
            help="code (university, research_institute, …) or Vietnamese label",
        ),
        Column("tax_code", parse=parse_tax_code, help="10 digits, or 0123456789-001"),
        Column("address", parse=importing.text(500)),
        Column(
            "admin_unit",
            parse=parse_admin_unit,
            default=None,
            help="code or name of the province/ward",
        ),
        Column("fields", multiple=True, parse=parse_field, help="codes or names separated by ;"),
        Column("website", parse=parse_url),
        Column("description", multiline=True),
    ]

    def to_model(self, values: dict[str, Any], ctx: ImportContext) -> tuple[dict, dict]:
        model_values, _m2m = super().to_model(values, ctx)
        if "admin_unit" in values:
            model_values["admin_unit_id"] = values["admin_unit"]
        m2m = {"fields": values["fields"]} if "fields" in values else {}
        return model_values, m2m

    def before_create(self, obj: Any, ctx: ImportContext) -> None:
        obj.slug = slugify_vi(obj.short_name or obj.name, 100)

    def apply_batch(self, rows, ctx):
        outcomes = super().apply_batch(rows, ctx)
        index = _org_index(ctx)  # organisations created here are found by later expert rows
        for row, (_outcome, pk) in zip(rows, outcomes, strict=True):
            index["ext"][row.key] = pk
        # experts show their organisation's name in the index
        updated = [pk for outcome, pk in outcomes if outcome == importing.UPDATED]
        if updated:
            expert_pks = list(
                Expert.objects.filter(organization__in=updated).values_list("pk", flat=True)
            )
            _record_for_search(Expert, expert_pks)
        return outcomes

    def export_queryset(self, ctx: ImportContext) -> Iterable[Any]:
        qs = super().export_queryset(ctx)
        assert isinstance(qs, QuerySet)  # the base gives a queryset when ``model`` is set
        return qs.select_related("admin_unit")

    def export_row(self, obj: Organization, ctx: ImportContext) -> dict[str, Any]:
        return {
            "external_id": obj.external_id or "",
            "name": obj.name,
            "short_name": obj.short_name,
            "type": obj.type,
            "tax_code": obj.tax_code,
            "address": obj.address,
            "admin_unit": obj.admin_unit.code if obj.admin_unit else "",
            "fields": self._field_codes(obj),
            "website": obj.website,
            "description": obj.description,
        }


TITLE_ALIASES = {"Giáo sư": "GS", "Phó giáo sư": "PGS", "Prof.": "GS", "Assoc. Prof.": "PGS"}
DEGREE_ALIASES = {
    "Tiến sĩ khoa học": "TSKH",
    "Tiến sĩ": "TS",
    "Tiến sỹ": "TS",
    "PhD": "TS",
    "Thạc sĩ": "ThS",
    "Thạc sỹ": "ThS",
    "Bác sĩ chuyên khoa": "BSCK",
    "Kỹ sư": "KS",
    "Cử nhân": "CN",
}


@register
class ExpertImporter(_DirectoryImporter):
    kind = "experts"
    label = "Experts"
    model = Expert
    columns = [
        Column("external_id", required=True, parse=importing.text(100)),
        Column("full_name", required=True, parse=importing.text(200)),
        Column(
            "academic_title",
            parse=importing.choice(Expert.AcademicTitle, TITLE_ALIASES),
            help="GS or PGS",
        ),
        Column(
            "degree",
            parse=importing.choice(Expert.Degree, DEGREE_ALIASES),
            help="TSKH, TS, ThS, BSCK, KS, CN",
        ),
        Column(
            "organization",
            parse=parse_organization_deferred,
            default=None,
            help="external_id or name (created if new)",
        ),
        Column("fields", multiple=True, parse=parse_field, help="codes or names separated by ;"),
        Column("keywords", parse=importing.text(500)),
        Column("email", parse=importing.validated(EmailValidator())),
        Column("phone", parse=parse_phone),
        Column("orcid", parse=parse_orcid),
    ]

    def to_model(self, values: dict[str, Any], ctx: ImportContext) -> tuple[dict, dict]:
        model_values, _m2m = super().to_model(values, ctx)
        if "organization" in values:
            model_values["organization_id"] = values["organization"]
        if "email" in values:
            model_values["email"] = values["email"].lower()
        m2m = {"fields": values["fields"]} if "fields" in values else {}
        return model_values, m2m

    def before_create(self, obj: Any, ctx: ImportContext) -> None:
        obj.slug = slugify_vi(obj.full_name, 100)

    def export_queryset(self, ctx: ImportContext) -> Iterable[Any]:
        qs = super().export_queryset(ctx)
        assert isinstance(qs, QuerySet)  # the base gives a queryset when ``model`` is set
        return qs.select_related("organization")

    def export_row(self, obj: Expert, ctx: ImportContext) -> dict[str, Any]:
        contacts = _contacts_visible(ctx)
        org = obj.organization
        return {
            "external_id": obj.external_id or "",
            "full_name": obj.full_name,
            "academic_title": obj.academic_title,
            "degree": obj.degree,
            "organization": (org.external_id or org.name) if org else "",
            "fields": self._field_codes(obj),
            "keywords": obj.keywords,
            "email": obj.email if contacts else "",
            "phone": obj.phone if contacts else "",
            "orcid": obj.orcid,
        }
