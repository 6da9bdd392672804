"""JSON API of the directory: /api/v1/organizations and /api/v1/experts.

Reads are public (experts' e-mail and phone only for signed-in callers); writes need a token or
a session (``openstx.accounts.auth.api_auth``) and pass the same policies and the same form
validation as the web pages. ``{id}`` accepts the platform id or the ``external_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from openstx.accounts.auth import api_auth, optional_user
from openstx.core.api import (
    ApiError,
    BodyIn,
    ErrorOut,
    Page,
    PageParams,
    errors,
    get_or_404,
    page_of,
    paginate,
    write,
)
from openstx.core.permissions import CHANGE, VIEW, can, can_add, restrict
from openstx.directory import services
from openstx.directory.forms import ExpertForm, OrganizationForm
from openstx.directory.models import Expert, Organization
from openstx.directory.policies import can_see_contacts
from openstx.taxonomy import services as taxonomy
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

router = Router(tags=["directory"])


class FieldOfScienceOut(Schema):
    code: str
    name_vi: str
    name_en: str


class UnitOut(Schema):
    code: str
    name: str
    is_current: bool


class OrganizationRef(Schema):
    id: int
    external_id: str | None
    name: str


class OrganizationOut(Schema):
    id: int
    external_id: str | None
    name: str
    short_name: str
    type: str
    type_label: str
    tax_code: str
    address: str
    admin_unit: UnitOut | None
    fields: list[FieldOfScienceOut]
    website: str
    email: str
    phone: str
    description: str
    verified: bool
    url: str
    created_at: datetime
    updated_at: datetime


class ExpertOut(Schema):
    id: int
    external_id: str | None
    full_name: str
    display_name: str
    academic_title: str
    degree: str
    organization: OrganizationRef | None
    position: str
    fields: list[FieldOfScienceOut]
    keywords: list[str]
    biography: str
    orcid: str
    open_to_consulting: bool
    email: str | None = None
    phone: str | None = None
    url: str
    created_at: datetime
    updated_at: datetime


class OrganizationPage(Page):
    results: list[OrganizationOut]


class ExpertPage(Page):
    results: list[ExpertOut]


class OrganizationFilters(PageParams):
    q: str | None = None
    type: str | None = None
    field: str | None = None
    admin_unit: str | None = None
    verified: bool | None = None
    sort: str | None = None


class ExpertFilters(PageParams):
    q: str | None = None
    field: str | None = None
    admin_unit: str | None = None
    organization: str | None = None
    academic_title: str | None = None
    degree: str | None = None
    open_to_consulting: bool | None = None
    sort: str | None = None


class OrganizationIn(BodyIn):
    name: str | None = None
    short_name: str | None = None
    type: str | None = None
    tax_code: str | None = None
    address: str | None = None
    admin_unit: str | None = None
    fields: list[str] | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    description: str | None = None
    verified: bool | None = None


class ExpertIn(BodyIn):
    full_name: str | None = None
    academic_title: str | None = None
    degree: str | None = None
    organization: str | None = None
    position: str | None = None
    fields: list[str] | None = None
    keywords: str | None = None
    biography: str | None = None
    orcid: str | None = None
    email: str | None = None
    phone: str | None = None
    open_to_consulting: bool | None = None


# --- Serialisation ---------------------------------------------------------------------------


def _fields(obj: Any) -> list[dict[str, str]]:
    return [
        {"code": f.code, "name_vi": f.name_vi, "name_en": f.name_en}
        for f in sorted(obj.fields.all(), key=lambda f: f.code)
    ]


def organization_out(org: Organization) -> dict[str, Any]:
    unit = org.admin_unit
    return {
        "id": org.pk,
        "external_id": org.external_id,
        "name": org.name,
        "short_name": org.short_name,
        "type": org.type,
        "type_label": str(org.get_type_display()),
        "tax_code": org.tax_code,
        "address": org.address,
        "admin_unit": {"code": unit.code, "name": unit.name, "is_current": unit.is_current}
        if unit
        else None,
        "fields": _fields(org),
        "website": org.website,
        "email": org.email,
        "phone": org.phone,
        "description": org.description,
        "verified": org.verified,
        "url": org.get_absolute_url(),
        "created_at": org.created_at,
        "updated_at": org.updated_at,
    }


def expert_out(expert: Expert, viewer: Any) -> dict[str, Any]:
    org = expert.organization
    contacts = can_see_contacts(viewer)
    return {
        "id": expert.pk,
        "external_id": expert.external_id,
        "full_name": expert.full_name,
        "display_name": expert.display_name,
        "academic_title": expert.academic_title,
        "degree": expert.degree,
        "organization": {"id": org.pk, "external_id": org.external_id, "name": org.name}
        if org
        else None,
        "position": expert.position,
        "fields": _fields(expert),
        "keywords": expert.keyword_list,
        "biography": expert.biography,
        "orcid": expert.orcid,
        "open_to_consulting": expert.open_to_consulting,
        "email": expert.email if contacts else None,
        "phone": expert.phone if contacts else None,
        "url": expert.get_absolute_url(),
        "created_at": expert.created_at,
        "updated_at": expert.updated_at,
    }


def _resolve_filters(filters: Any) -> dict[str, Any]:
    params = filters.model_dump()
    if params.get("field"):
        try:
            params["field"] = FieldOfScience.objects.get(
                pk=taxonomy.resolve_field_id(params["field"])
            )
        except ValueError as exc:
            raise HttpError(422, str(exc))
    if params.get("admin_unit"):
        try:
            params["admin_unit"] = AdministrativeUnit.objects.get(
                pk=taxonomy.resolve_admin_unit_id(params["admin_unit"])
            )
        except ValueError as exc:
            raise HttpError(422, str(exc))
    return params


# --- Organisations --------------------------------------------------------------------------


@router.get("/organizations", response=OrganizationPage)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilters]):
    viewer = optional_user(request)
    qs = restrict(Organization.objects.select_related("admin_unit"), viewer, VIEW)
    qs = services.filter_organizations(qs, _resolve_filters(filters)).prefetch_related("fields")
    page = paginate(qs, filters.page, filters.page_size)
    return {**page, "results": [organization_out(o) for o in page["results"]]}


@router.get("/organizations/{ident}", response=OrganizationOut)
def get_organization(request: HttpRequest, ident: str):
    viewer = optional_user(request)
    qs = restrict(Organization.objects.select_related("admin_unit"), viewer, VIEW)
    return organization_out(get_or_404(qs, ident))


def _form_data(
    instance: Any, form_class: Any, payload: dict[str, Any], user: Any
) -> dict[str, Any]:
    """Current values of the instance (for PATCH) overlaid with the payload, in form terms."""
    form = form_class(user=user, instance=instance)
    names = list(form.fields)
    data = model_to_dict(instance, fields=names) if instance and instance.pk else {}
    data = {k: ([v.pk for v in val] if isinstance(val, list) else val) for k, val in data.items()}
    data = {k: v for k, v in data.items() if v is not None}
    errors: dict[str, list[str]] = {}
    for name, value in payload.items():
        if name not in names:
            continue
        try:
            if name == "fields":
                data[name] = [taxonomy.resolve_field_id(v) for v in (value or [])]
            elif name == "admin_unit":
                data[name] = taxonomy.resolve_admin_unit_id(value) if value else None
            elif name == "organization":
                data[name] = _organization_id(value) if value else None
            else:
                data[name] = value
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ApiError(422, errors)
    return {k: v for k, v in data.items() if v is not None}


def _organization_id(value: str) -> int:
    try:
        return services.get_by_id_or_external_id(Organization.objects.all(), value).pk
    except Organization.DoesNotExist:
        match = Organization.objects.filter(name=value).first()
        if match is None:
            raise ValueError(f"unknown organisation {value!r}")
        return match.pk


def _validate(form_class: Any, instance: Any, payload: dict[str, Any], user: Any) -> dict[str, Any]:
    data = _form_data(instance, form_class, payload, user)
    form = form_class(data=data, instance=instance, user=user)
    if not form.is_valid():
        raise ApiError(422, {k: [str(m) for m in v] for k, v in form.errors.items()})
    if instance is None:
        return {k: v for k, v in form.cleaned_data.items() if k != "account"}
    return {k: form.cleaned_data[k] for k in payload if k in form.cleaned_data and k != "account"}


@router.post(
    "/organizations", auth=api_auth, response={201: OrganizationOut, 403: ErrorOut, 422: ErrorOut}
)
@write
def create_organization(request: HttpRequest, payload: OrganizationIn):
    user = request.auth  # type: ignore[attr-defined]
    if not can_add(user, Organization):
        return Status(403, {"detail": _("You may not create organisations")})
    data = _validate(OrganizationForm, None, payload.model_dump(exclude_unset=True), user)
    org = services.create_organization(user, data)
    org = Organization.objects.select_related("admin_unit").get(pk=org.pk)
    return Status(201, organization_out(org))


@router.patch(
    "/organizations/{ident}",
    auth=api_auth,
    response={200: OrganizationOut, 403: ErrorOut, 422: ErrorOut},
)
@write
def update_organization(request: HttpRequest, ident: str, payload: OrganizationIn):
    user = request.auth  # type: ignore[attr-defined]
    org = get_or_404(Organization.objects.all(), ident)
    if not can(user, CHANGE, org):
        return Status(403, {"detail": _("You may not edit this organisation")})
    data = _validate(OrganizationForm, org, payload.model_dump(exclude_unset=True), user)
    services.update_organization(user, Organization.objects.get(pk=org.pk), data)
    return Status(
        200, organization_out(Organization.objects.select_related("admin_unit").get(pk=org.pk))
    )


# --- Experts --------------------------------------------------------------------------------


@router.get("/experts", response=ExpertPage)
def list_experts(request: HttpRequest, filters: Query[ExpertFilters]):
    viewer = optional_user(request)
    params = _resolve_filters(filters)
    if params.get("organization"):
        try:
            params["organization"] = _organization_id(params["organization"])
        except ValueError as exc:
            raise HttpError(422, str(exc))
    qs = restrict(Expert.objects.select_related("organization"), viewer, VIEW)
    qs = services.filter_experts(qs, params).prefetch_related("fields")
    page = paginate(qs, filters.page, filters.page_size)
    return {**page, "results": [expert_out(e, viewer) for e in page["results"]]}


@router.get("/experts/{ident}", response=ExpertOut)
def get_expert(request: HttpRequest, ident: str):
    viewer = optional_user(request)
    qs = restrict(Expert.objects.select_related("organization"), viewer, VIEW)
    return expert_out(get_or_404(qs, ident), viewer)


@router.post("/experts", auth=api_auth, response={201: ExpertOut, 403: ErrorOut, 422: ErrorOut})
@write
def create_expert(request: HttpRequest, payload: ExpertIn):
    user = request.auth  # type: ignore[attr-defined]
    if not can_add(user, Expert):
        return Status(403, {"detail": _("You may not create expert profiles")})
    data = _validate(ExpertForm, None, payload.model_dump(exclude_unset=True), user)
    expert = services.create_expert(user, data)
    return Status(
        201, expert_out(Expert.objects.select_related("organization").get(pk=expert.pk), user)
    )


@router.patch(
    "/experts/{ident}", auth=api_auth, response={200: ExpertOut, 403: ErrorOut, 422: ErrorOut}
)
@write
def update_expert(request: HttpRequest, ident: str, payload: ExpertIn):
    user = request.auth  # type: ignore[attr-defined]
    expert = get_or_404(Expert.objects.all(), ident)
    if not can(user, CHANGE, expert):
        return Status(403, {"detail": _("You may not edit this expert profile")})
    data = _validate(ExpertForm, expert, payload.model_dump(exclude_unset=True), user)
    services.update_expert(user, Expert.objects.get(pk=expert.pk), data)
    return Status(
        200, expert_out(Expert.objects.select_related("organization").get(pk=expert.pk), user)
    )


# --- Publications ---------------------------------------------------------------------------


class PublicationOut(Schema):
    id: int
    title: str
    authors_text: str
    year: int | None
    venue: str
    kind: str
    doi: str
    url: str
    expert_ids: list[int]


@router.get(
    "/experts/{ident}/publications",
    response={200: page_of(PublicationOut), **errors(404)},
    summary="An expert's publications, newest first",
)
def list_expert_publications(request: HttpRequest, ident: str, paging: Query[PageParams]):
    viewer = optional_user(request)
    expert = get_or_404(restrict(Expert.objects.all(), viewer, VIEW), ident)
    pubs = (
        restrict(expert.publications.all(), viewer, VIEW)
        .prefetch_related("experts")
        .order_by("-year", "title")
    )
    page = paginate(pubs, paging.page, paging.page_size)
    page["results"] = [
        {
            "id": p.pk,
            "title": p.title,
            "authors_text": p.authors_text,
            "year": p.year,
            "venue": p.venue,
            "kind": p.kind,
            "doi": p.doi,
            "url": p.url,
            "expert_ids": sorted(e.pk for e in p.experts.all()),
        }
        for p in page["results"]
    ]
    return page
