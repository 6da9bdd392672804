"""Accounts API: the current user, their memberships and their personal API tokens."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from openstx.accounts import services
from openstx.accounts.auth import api_auth
from openstx.accounts.models import ApiToken, Membership
from openstx.core.api import BodyIn, ErrorOut, PageParams, PositiveId, errors, page_of, paginate
from openstx.core.permissions import DELETE, VIEW, can
from openstx.directory.models import Organization

router = Router(tags=["accounts"], auth=api_auth)


class MembershipOut(Schema):
    id: int
    organization_id: int
    organization_name: str
    role: str
    status: str


class MeOut(Schema):
    id: int
    username: str
    email: str
    full_name: str
    phone: str
    role: str
    language: str
    email_verified: bool
    expert_id: int | None
    memberships: list[MembershipOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool


class TokenIn(BodyIn):
    name: str
    expires_at: datetime | None = None


class TokenCreatedOut(TokenOut):
    token: str


class MembershipIn(BodyIn):
    organization_id: PositiveId
    message: str = ""


class MePatch(BodyIn):
    full_name: str | None = None
    phone: str | None = None
    language: str | None = None


class MemberOut(MembershipOut):
    user_id: int
    user_name: str
    user_email: str
    message: str
    created_at: datetime
    decided_at: datetime | None


class MembershipDecisionIn(BodyIn):
    approve: bool
    note: str = ""


def _membership_out(m: Membership) -> dict:
    return {
        "id": m.pk,
        "organization_id": m.organization_id,
        "organization_name": m.organization.name,
        "role": m.role,
        "status": m.status,
    }


def _token_out(t: ApiToken) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "expires_at": t.expires_at,
        "revoked_at": t.revoked_at,
        "active": t.is_usable,
    }


def _me(user) -> dict:
    expert = getattr(user, "expert_profile", None)
    memberships = (
        Membership.objects.filter(user=user)
        .restrict(user, VIEW)
        .select_related("organization")
        .order_by("organization__name")
    )
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "language": user.language,
        "email_verified": user.email_verified,
        "expert_id": expert.pk if expert is not None else None,
        "memberships": [_membership_out(m) for m in memberships],
    }


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request):
    return _me(request.auth)


@router.patch(
    "/me", response={200: MeOut, 400: ErrorOut}, summary="Update your name, phone or language"
)
def update_me(request, payload: MePatch):
    user = request.auth
    language = payload.language if payload.language is not None else user.language
    if language not in dict(settings.LANGUAGES):
        return Status(400, {"detail": _("Unknown language")})
    full_name = payload.full_name if payload.full_name is not None else user.full_name
    if not full_name.strip():
        return Status(400, {"detail": _("The full name cannot be empty")})
    services.update_profile(
        user,
        full_name=full_name,
        phone=payload.phone if payload.phone is not None else user.phone,
        language=language,
    )
    return Status(200, _me(user))


@router.get("/tokens", response=page_of(TokenOut), summary="Your API tokens")
def list_tokens(request, paging: Query[PageParams]):
    tokens = ApiToken.objects.filter(user=request.auth).restrict(request.auth, VIEW)
    page = paginate(tokens.order_by("-created_at", "-pk"), paging.page, paging.page_size)
    return {**page, "results": [_token_out(t) for t in page["results"]]}


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, 400: ErrorOut},
    summary="Create an API token (the secret is returned once)",
)
def create_token(request, payload: TokenIn):
    try:
        new = services.create_token(request.auth, payload.name, payload.expires_at)
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    except PermissionDenied:
        raise HttpError(403, _("Forbidden"))
    return Status(201, {**_token_out(new.token), "token": new.secret})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke an API token")
def revoke_token(request, token_id: PositiveId):
    token = get_object_or_404(ApiToken.objects.restrict(request.auth, DELETE), pk=token_id)
    services.revoke_token(request.auth, token)
    return Status(204, None)


@router.get("/memberships", response=page_of(MembershipOut), summary="Your memberships")
def list_memberships(request, paging: Query[PageParams]):
    qs = (
        Membership.objects.filter(user=request.auth)
        .restrict(request.auth, VIEW)
        .select_related("organization")
        .order_by("pk")
    )
    page = paginate(qs, paging.page, paging.page_size)
    return {**page, "results": [_membership_out(m) for m in page["results"]]}


@router.post(
    "/memberships",
    response={201: MembershipOut, **errors(404)},
    summary="Ask to join an organisation",
)
def request_membership(request, payload: MembershipIn):
    organization = get_object_or_404(Organization, pk=payload.organization_id)
    membership = services.request_membership(request.auth, organization, payload.message)
    return Status(201, _membership_out(membership))


def _member_out(m: Membership) -> dict:
    return {
        **_membership_out(m),
        "user_id": m.user_id,
        "user_name": m.user.display_name,
        "user_email": m.user.email,
        "message": m.message,
        "created_at": m.created_at,
        "decided_at": m.decided_at,
    }


@router.get(
    "/organizations/{org_id}/memberships",
    response={200: page_of(MemberOut), **errors(403)},
    summary="Members and requests of an organisation (its administrators and officers)",
)
def organization_memberships(
    request, org_id: PositiveId, paging: Query[PageParams], status: str | None = None
):
    organization = get_object_or_404(Organization, pk=org_id)
    if not services.can_manage_organization(request.auth, organization):
        raise HttpError(403, _("Forbidden"))
    qs = (
        Membership.objects.filter(organization=organization)
        .exclude(status=Membership.Status.PENDING, user__is_active=False)  # unconfirmed sign-ups
        .restrict(request.auth, VIEW)
        .select_related("user", "organization")
        .order_by("created_at")
    )
    if status:
        qs = qs.filter(status=status)
    page = paginate(qs, paging.page, paging.page_size)
    return {**page, "results": [_member_out(m) for m in page["results"]]}


def _membership_for(request, membership_id: PositiveId) -> Membership:
    return get_object_or_404(
        Membership.objects.restrict(request.auth, VIEW).select_related("user", "organization"),
        pk=membership_id,
    )


@router.post(
    "/memberships/{membership_id}/decision",
    response={200: MemberOut, 400: ErrorOut},
    summary="Approve or reject a membership request",
)
def decide_membership(request, membership_id: PositiveId, payload: MembershipDecisionIn):
    membership = _membership_for(request, membership_id)
    try:
        decided = services.decide_membership(
            request.auth, membership, payload.approve, payload.note
        )
    except PermissionDenied:
        raise HttpError(403, _("Forbidden"))
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    decided.user, decided.organization = membership.user, membership.organization
    return Status(200, _member_out(decided))


@router.delete(
    "/memberships/{membership_id}",
    response={204: None, 400: ErrorOut},
    summary="Leave an organisation, withdraw a request, or remove a member",
)
def delete_membership(request, membership_id: PositiveId):
    membership = _membership_for(request, membership_id)
    if not can(request.auth, DELETE, membership):
        raise HttpError(403, _("Forbidden"))
    try:
        services.remove_membership(request.auth, membership)
    except PermissionDenied:
        raise HttpError(403, _("Forbidden"))
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    return Status(204, None)
