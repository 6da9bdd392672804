"""State changes of the directory: create and update organisations and experts.

Every change goes through here (views, API and admin-less scripts alike): permissions are checked
with openstx.core.permissions, the change history records who did it, and many-to-many changes
land in the same history record as the rest of the edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch

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
from openstx.directory.validators import normalize_doi
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
    """DESIGN §4: ids in URLs and the API accept the platform id or the ``external_id``."""
    from openstx.core.lookup import find_by_ident

    match = find_by_ident(queryset, ident)
    if match is None:
        raise queryset.model.DoesNotExist
    return match


def _field_filter(model: type[models.Model], code: str) -> Q:
    """Records in field ``code`` or any of its descendants (child codes extend the parent's)."""
    m2m = model._meta.get_field("fields")
    through = m2m.remote_field.through
    src, dst = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    ids = list(FieldOfScience.objects.filter(code__startswith=code).values_list("pk", flat=True))
    return Q(Exists(through.objects.filter(**{src: OuterRef("pk"), f"{dst}_id__in": ids})))


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
    offers: list[Any] = []
    demands: list[Any] = []
    try:
        from openstx.exchange.models import Demand, ListingStatus, Offer
    except ImportError:  # pragma: no cover - exchange app not installed
        pass
    else:
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
