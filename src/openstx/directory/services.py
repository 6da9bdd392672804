"""State changes of the directory: create and update organisations and experts.

Every change goes through here (views, API and admin-less scripts alike): permissions are checked
with openstx.core.permissions, the change history records who did it, and many-to-many changes
land in the same history record as the rest of the edit.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.permissions import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    can,
    can_add,
    is_authenticated,
    is_officer,
    organization_ids,
    restrict,
)
from openstx.core.text import clean, fold
from openstx.directory.models import Expert, Organization, Publication
from openstx.directory.validators import normalize_doi, normalize_tax_code, validate_tax_code
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience


def split_values(model: type[models.Model], data: dict[str, Any]) -> tuple[dict, dict]:
    """Split form/API data into plain attribute values and many-to-many values."""
    values, m2m = {}, {}
    for name, value in data.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value
        else:
            values[name] = value
    return values, m2m


def _check(
    user: Any, action: str, instance: models.Model | None, model: type[models.Model]
) -> None:
    allowed = can_add(user, model) if instance is None else can(user, action, instance)
    if not allowed:
        raise PermissionDenied


@transaction.atomic
def _save(
    model: type[models.Model],
    user: Any,
    data: dict[str, Any],
    instance: models.Model | None = None,
    check: bool = True,
) -> Any:
    if check:
        _check(user, ADD if instance is None else CHANGE, instance, model)
    values, m2m = split_values(model, data)
    creating = instance is None
    obj = instance if instance is not None else model()
    for name, value in values.items():
        setattr(obj, name, value)
    history_user = user if getattr(user, "is_authenticated", False) else None
    obj._history_user = history_user  # type: ignore[attr-defined]
    if creating:
        obj.save()
    # m2m changes without their own history rows; the next save records them with the edit
    obj.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        changed_m2m = False
        for name, value in m2m.items():
            manager = getattr(obj, name)
            wanted = {v.pk if isinstance(v, models.Model) else int(v) for v in (value or [])}
            if wanted != set(manager.values_list("pk", flat=True)):
                manager.set(wanted)
                changed_m2m = True
    finally:
        del obj.skip_history_when_saving  # type: ignore[attr-defined]
    if not creating or changed_m2m:
        obj.save()
    return obj


def create_organization(user: Any, data: dict[str, Any], check: bool = True) -> Organization:
    """Officers create organisations (members join existing ones through memberships)."""
    return _save(Organization, user, data, check=check)


def update_organization(
    user: Any, organization: Organization, data: dict[str, Any], check: bool = True
) -> Organization:
    if "verified" in data and not is_officer(user) and check:
        data = {k: v for k, v in data.items() if k != "verified"}
    return _save(Organization, user, data, organization, check=check)


def create_expert(user: Any, data: dict[str, Any], check: bool = True) -> Expert:
    return _save(Expert, user, data, check=check)


def update_expert(user: Any, expert: Expert, data: dict[str, Any], check: bool = True) -> Expert:
    return _save(Expert, user, data, expert, check=check)


# --- Lookups used by views, the API and importers -------------------------------------------


def get_by_id_or_external_id(queryset: QuerySet, ident: str | int) -> Any:
    """docs/api.md, Ids: in URLs and the API accept the platform id or the ``external_id``."""
    from openstx.core.lookup import find_by_ident

    match = find_by_ident(queryset, ident)
    if match is None:
        raise queryset.model.DoesNotExist
    return match


def _field_filter(model: type[models.Model], code: str) -> Q:
    """Records in field ``code`` or any of its descendants (child codes extend the parent's)."""
    m2m = model._meta.get_field("fields")
    assert isinstance(m2m, models.ManyToManyField)
    through = m2m.remote_field.through
    assert through is not None  # set up (auto-created or declared) when the model class is ready
    src, dst = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    ids = list(FieldOfScience.objects.filter(code__startswith=code).values_list("pk", flat=True))
    return Q(Exists(through._default_manager.filter(**{src: OuterRef("pk"), f"{dst}_id__in": ids})))


def _unit_q(prefix: str, unit: AdministrativeUnit) -> Q:
    ids = [unit.pk]
    if not unit.is_current and unit.successor_id:
        ids.append(unit.successor_id)
    return Q(**{f"{prefix}__in": ids}) | Q(**{f"{prefix}__parent__in": ids})


def filter_organizations(qs: QuerySet, params: dict[str, Any]) -> QuerySet:
    """Filters shared by the list page and the API. ``params`` are cleaned filter values:
    q, type, field (FieldOfScience), admin_unit (AdministrativeUnit), sort."""
    q = clean(params.get("q") or "")
    if q:
        for word in fold(q).split():
            qs = qs.filter(search_folded__contains=word)
    if params.get("type"):
        qs = qs.filter(type=params["type"])
    field = params.get("field")
    if field:
        qs = qs.filter(_field_filter(Organization, _code(field)))
    unit = params.get("admin_unit")
    if unit:
        qs = qs.filter(_unit_q("admin_unit", unit))
    if params.get("verified"):
        qs = qs.filter(verified=True)
    return _sort(qs, params.get("sort"), "name")


def filter_experts(qs: QuerySet, params: dict[str, Any]) -> QuerySet:
    """q, field, admin_unit, organization, academic_title, degree, open_to_consulting, sort."""
    q = clean(params.get("q") or "")
    if q:
        for word in fold(q).split():
            qs = qs.filter(search_folded__contains=word)
    field = params.get("field")
    if field:
        qs = qs.filter(_field_filter(Expert, _code(field)))
    unit = params.get("admin_unit")
    if unit:
        qs = qs.filter(_unit_q("organization__admin_unit", unit))
    if params.get("organization"):
        org = params["organization"]
        qs = qs.filter(organization=org.pk if isinstance(org, Organization) else org)
    if params.get("academic_title"):
        qs = qs.filter(academic_title=params["academic_title"])
    if params.get("degree"):
        qs = qs.filter(degree=params["degree"])
    if params.get("open_to_consulting"):
        qs = qs.filter(open_to_consulting=True)
    return _sort(qs, params.get("sort"), "full_name")


def _code(field: FieldOfScience | str) -> str:
    return field.code if isinstance(field, FieldOfScience) else str(field)


def _sort(qs: QuerySet, sort: str | None, name_field: str) -> QuerySet:
    if sort == "newest":
        return qs.order_by("-created_at", "-pk")
    return qs.order_by(name_field, "pk")


def contact_fields() -> Iterable[str]:
    return ("email", "phone")


# --- Organisation page cross-links -----------------------------------------------------------

#: Reverse one-to-one relations the organisation page reads, fetched with the organisation.
ORGANIZATION_PAGE_RELATED = ("startup_profile",)
LISTINGS_ON_ORGANIZATION_PAGE = 10


def _url_or_empty(obj: Any) -> str:
    try:
        return obj.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return ""


def membership_state(user: Any, organization: Organization) -> str:
    """ "member", "pending", "" (may ask to join) or "anonymous" for the organisation page."""
    if not is_authenticated(user):
        return "anonymous"
    if organization.pk in organization_ids(user):
        return "member"
    from openstx.accounts.models import Membership

    pending = Membership.objects.filter(
        user=user, organization=organization, status=Membership.Status.PENDING
    ).exists()
    return "pending" if pending else ""


def organization_page_links(organization: Organization, user: Any) -> dict[str, Any]:
    """What the organisation page links to beyond the directory: joining it, its start-up
    profile, and its published offers and demands (a demand posted anonymously is never tied
    to its requester in public)."""
    try:
        startup = organization.startup_profile  # select_related by the view
    except ObjectDoesNotExist:
        startup = None
    from openstx.exchange.models import Demand, ListingStatus, Offer

    n = LISTINGS_ON_ORGANIZATION_PAGE
    offers = list(
        restrict(
            Offer.objects.filter(owner=organization, status=ListingStatus.PUBLISHED),
            user,
            VIEW,
        )
        .only("pk", "title", "slug", "summary", "published_at")
        .order_by("-published_at", "-pk")[:n]
    )
    demands = list(
        restrict(
            Demand.objects.filter(
                requester=organization,
                status=ListingStatus.PUBLISHED,
                requester_anonymous=False,
            ),
            user,
            VIEW,
        )
        .only("pk", "title", "slug", "published_at", "deadline")
        .order_by("-published_at", "-pk")[:n]
    )
    return {
        "membership_state": membership_state(user, organization),
        "startup_url": _url_or_empty(startup) if startup is not None else "",
        "offers": offers,
        "demands": demands,
    }


# --- Publications ----------------------------------------------------------------------------


def _check_publication_owner(user: Any, expert: Expert) -> None:
    """Adding, editing or removing an expert's publication is editing the expert."""
    if not can(user, CHANGE, expert):
        raise PermissionDenied


def _publication_data(expert: Expert, data: dict[str, Any]) -> dict[str, Any]:
    """Clean form/API values; the expert always stays among the authors in the directory."""
    data = dict(data)
    coauthors = data.pop("coauthors", None)
    if "doi" in data:
        data["doi"] = normalize_doi(data["doi"] or "")
    for name in ("title", "authors_text", "venue"):
        if name in data:
            data[name] = clean(data[name] or "")
    if coauthors is not None:
        ids = {c.pk if isinstance(c, Expert) else int(c) for c in coauthors}
        data["experts"] = sorted(ids | {expert.pk})
    return data


def add_publication(user: Any, expert: Expert, data: dict[str, Any]) -> Publication:
    """Add a publication to ``expert`` (its own user, or an officer). ``data``: title, year,
    venue, kind, doi, url, authors_text and ``coauthors`` (other experts in the directory)."""
    _check_publication_owner(user, expert)
    values = _publication_data(expert, data)
    values.setdefault("experts", [expert.pk])
    return _save(Publication, user, values, check=False)


def update_publication(
    user: Any, expert: Expert, publication: Publication, data: dict[str, Any]
) -> Publication:
    _check_publication_owner(user, expert)
    if not publication.experts.filter(pk=expert.pk).exists() or not can(user, CHANGE, publication):
        raise PermissionDenied
    return _save(Publication, user, _publication_data(expert, data), publication, check=False)


@transaction.atomic
def remove_publication(user: Any, expert: Expert, publication: Publication) -> bool:
    """Take ``publication`` off ``expert``'s list. Deleted when no other author in the directory
    keeps it (or when an officer removes it); otherwise only the link goes, so a co-author's
    list is not changed behind their back. Returns whether the publication was deleted."""
    _check_publication_owner(user, expert)
    if not publication.experts.filter(pk=expert.pk).exists() or not can(user, DELETE, publication):
        raise PermissionDenied
    others = publication.experts.exclude(pk=expert.pk).exists()
    if others and not is_officer(user):
        publication._history_user = user  # type: ignore[attr-defined]
        publication.experts.remove(expert)
        publication.save()  # a history row that records the removed author
        return False
    publication._history_user = user  # type: ignore[attr-defined]
    publication.delete()
    return True


# --- Self-registration of organisations ------------------------------------------------------

#: What a person registering their own organisation picks, and the organisation type it maps to.
#: "Individual" covers a person or household business that offers or seeks technology.
REGISTRATION_KINDS: list[tuple[str, Any, str]] = [
    ("business", gettext_lazy("Business"), Organization.Type.ENTERPRISE),
    ("st_enterprise", gettext_lazy("S&T enterprise"), Organization.Type.ST_ENTERPRISE),
    ("startup", gettext_lazy("Start-up"), Organization.Type.STARTUP),
    (
        "research_institute",
        gettext_lazy("Research institute"),
        Organization.Type.RESEARCH_INSTITUTE,
    ),
    ("university", gettext_lazy("University / college"), Organization.Type.UNIVERSITY),
    ("public_st_unit", gettext_lazy("Public S&T unit"), Organization.Type.PUBLIC_ST_UNIT),
    ("hospital", gettext_lazy("Hospital"), Organization.Type.HOSPITAL),
    ("intermediary", gettext_lazy("Intermediary organisation"), Organization.Type.INTERMEDIARY),
    ("individual", gettext_lazy("Individual / household business"), Organization.Type.OTHER),
]
#: Kinds that must give a tax code (mã số doanh nghiệp / mã số thuế).
TAX_CODE_REQUIRED = frozenset({"business", "st_enterprise", "startup"})

#: Words of legal form that do not tell two organisation names apart (folded).
_LEGAL_FORM = re.compile(
    r"\b(cong ty|co phan|trach nhiem huu han|tnhh|mot thanh vien|mtv|cp|jsc|co ltd|ltd|"
    r"company|limited|doanh nghiep tu nhan|dntn|hop tac xa|htx|tap doan|chi nhanh)\b"
)
NAME_SIMILARITY = 0.9


def registration_type(kind: str) -> str:
    for key, _label, org_type in REGISTRATION_KINDS:
        if key == kind:
            return org_type
    raise ValueError(kind)


def normalized_tax_code(value: str) -> str:
    """``"0123456789001"`` / ``"0123456789 - 001"`` → ``"0123456789-001"`` (see validators)."""
    return normalize_tax_code(clean(value or ""))


def organizations_with_tax_code(tax_code: str, exclude_pk: int | None = None) -> QuerySet:
    """Organisations already on record under this tax code (however it was written)."""
    code = normalized_tax_code(tax_code)
    if not code:
        return Organization.objects.none()
    variants = {code, code.replace("-", "")}
    qs = Organization.objects.filter(tax_code__in=variants)
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def name_key(name: str) -> str:
    """An organisation's name without accents, case, punctuation and words of legal form:
    "Công ty TNHH Thủy sản Phương Nam" and "CÔNG TY CỔ PHẦN THUỶ SẢN PHƯƠNG NAM" give the same."""
    folded = re.sub(r"[^\w]+", " ", fold(name or ""))
    return " ".join(_LEGAL_FORM.sub(" ", folded).split())


def similar_names(name: str, exclude_pk: int | None = None, limit: int = 10) -> list[Organization]:
    """Organisations whose name is the same or nearly so once folded (see :func:`name_key`)."""
    key = name_key(name)
    words = sorted(set(key.split()), key=len, reverse=True)[:2]
    if not words:
        return []
    qs = Organization.objects.all()
    for word in words:
        qs = qs.filter(search_folded__contains=word)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    found = []
    for org in qs.only("pk", "name", "tax_code", "verified", "awaiting_verification")[:500]:
        if difflib.SequenceMatcher(None, key, name_key(org.name)).ratio() >= NAME_SIMILARITY:
            found.append(org)
            if len(found) >= limit:
                break
    return found


def possible_duplicates(organization: Organization) -> list[tuple[Organization, str]]:
    """What the officer checks before verifying: records with the same tax code (or the same
    10-digit enterprise code: a branch and its head office) and near-identical names."""
    found: dict[int, tuple[Organization, str]] = {}
    code = normalized_tax_code(organization.tax_code)
    if code:
        for org in organizations_with_tax_code(code, exclude_pk=organization.pk):
            found[org.pk] = (org, str(_("same tax code")))
        base = code[:10]
        for org in Organization.objects.filter(tax_code__startswith=base).exclude(
            pk__in=[organization.pk, *found]
        )[:20]:
            found[org.pk] = (org, str(_("same enterprise code (head office or branch)")))
    for org in similar_names(organization.name, exclude_pk=organization.pk):
        found.setdefault(org.pk, (org, str(_("near-identical name"))))
    return list(found.values())


def _org_people(organization: Organization) -> list[Any]:
    from openstx.accounts.models import Membership

    return [
        m.user
        for m in Membership.objects.filter(
            organization=organization, status=Membership.Status.APPROVED, user__is_active=True
        ).select_related("user")
    ]


def _notify(
    users: Iterable[Any], verb: str, title: Any, body: Any, url: str, params: dict[str, Any]
) -> None:
    """Lazy ``title``/``body`` with ``params``: each person reads them in their own language."""
    from openstx.core.notifications import notify

    notify(users, verb, title, body, url, params=params)


@transaction.atomic
def register_organization(user: Any, data: dict[str, Any]) -> Organization:
    """A signed-in person registers the organisation they work for (DESIGN: self-registration).

    ``data``: name, short_name, kind (a :data:`REGISTRATION_KINDS` key), tax_code, address,
    province and ward (current administrative units; the ward when given), website, email,
    phone, description, fields. The tax code is checked for format and against the records; the
    registering user becomes the organisation's administrator at once, so its members can draft
    offers and demands; it stays out of public lists, and its listings cannot be published,
    until an officer verifies it (:func:`verify_organization`). Officers are notified."""
    from openstx.accounts.models import Membership
    from openstx.directory.policies import can_register_organization

    if not can_register_organization(user):
        raise PermissionDenied
    data = dict(data)
    kind = data.pop("kind")
    tax_code = normalized_tax_code(data.pop("tax_code", "") or "")
    if tax_code:
        validate_tax_code(tax_code)
        if organizations_with_tax_code(tax_code).exists():
            raise ValidationError(
                _("An organisation with this tax code is already registered."),
                code="duplicate_tax_code",
            )
    elif kind in TAX_CODE_REQUIRED:
        raise ValidationError(_("Enter the enterprise's tax code."), code="tax_code_required")
    province, ward = data.pop("province", None), data.pop("ward", None)
    if ward is not None and province is not None and ward.parent_id != province.pk:
        raise ValidationError(_("The ward is not in the province chosen."), code="ward")
    values = {
        **{k: clean(v) if isinstance(v, str) else v for k, v in data.items()},
        "type": registration_type(kind),
        "tax_code": tax_code,
        "admin_unit": ward or province,
        "verified": False,
        "awaiting_verification": True,
        "registered_by": user,
    }
    org = _save(Organization, user, values, check=False)
    Membership.objects.create(
        user=user,
        organization=org,
        role=Membership.Role.ADMIN,
        status=Membership.Status.APPROVED,
        decided_by=user,
        decided_at=timezone.now(),
    )
    for attr in ("_openstx_org_ids", "_openstx_org_admin_ids"):
        if hasattr(user, attr):
            delattr(user, attr)
    from openstx.accounts.services import officers

    _notify(
        officers(),
        "organization_registered",
        gettext_lazy("New organisation to verify: %(name)s"),
        gettext_lazy(
            "Registered by %(user)s. Check the tax code and possible duplicates, then verify it."
        ),
        reverse("directory:organization-verify", args=[org.pk]),
        {"name": org.name, "user": getattr(user, "display_name", str(user))},
    )
    return org


@transaction.atomic
def verify_organization(user: Any, organization: Organization) -> Organization:
    """An officer verifies a self-registered organisation: it becomes public and its listings
    publishable; its people are notified."""
    from openstx.directory.policies import can_verify_organization

    if not can_verify_organization(user):
        raise PermissionDenied
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.verified and not organization.awaiting_verification:
        return organization
    organization.verified = True
    organization.awaiting_verification = False
    organization._history_user = user  # type: ignore[attr-defined]
    organization._change_reason = "verified"  # type: ignore[attr-defined]
    organization.save()
    _notify(
        _org_people(organization),
        "organization_verified",
        gettext_lazy("%(name)s is verified"),
        gettext_lazy(
            "The department verified your organisation: it is now listed in the directory and "
            "its offers and demands can be published."
        ),
        organization.get_absolute_url(),
        {"name": organization.name},
    )
    return organization


def awaiting_verification() -> QuerySet:
    """Self-registered organisations waiting for an officer, oldest first."""
    return Organization.objects.filter(awaiting_verification=True).order_by("created_at", "pk")


def publish_blocker(organization_id: int | None) -> str | None:
    """Why a listing of this organisation cannot be published now (``None``: it can). Listings
    of an organisation awaiting verification stay unpublished until an officer verifies it."""
    if (
        organization_id
        and Organization.objects.filter(pk=organization_id, awaiting_verification=True).exists()
    ):
        return str(
            _(
                "The organisation is awaiting verification by the department: verify it "
                "before publishing its listings."
            )
        )
    return None
