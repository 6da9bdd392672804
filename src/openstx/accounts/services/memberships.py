"""Organisation memberships: requests, decisions by organisation administrators, roles."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.accounts.models import Membership, User
from openstx.accounts.services.signup import absolute_url, send_templated_mail
from openstx.core.notifications import officers
from openstx.core.permissions import is_authenticated, is_officer, organization_ids
from openstx.core.text import clean

log = logging.getLogger(__name__)


# --- Memberships ---------------------------------------------------------------------------


def can_manage_organization(user: Any, organization: Any) -> bool:
    """Officers, and approved administrators of the organisation, decide its memberships."""
    if not is_authenticated(user):
        return False
    org_id = getattr(organization, "pk", organization)
    return is_officer(user) or org_id in organization_ids(user, admin_only=True)


def organization_admins(organization: Any) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organization=organization,
            memberships__role=Membership.Role.ADMIN,
            memberships__status=Membership.Status.APPROVED,
        ).distinct()
    )


def approvers(organization: Any) -> list[User]:
    """Who is told about a new request: the organisation's admins, else department officers."""
    return organization_admins(organization) or officers()


def _forget_cached_org_ids(user: Any) -> None:
    for attr in ("_openstx_org_ids", "_openstx_org_admin_ids"):
        if hasattr(user, attr):
            delattr(user, attr)


@transaction.atomic
def request_membership(user: User, organization: Any, message: str = "") -> Membership:
    """Ask to join ``organization``. A rejected request may be made again; an open or
    approved one is returned as it is."""
    if not is_authenticated(user):
        raise PermissionDenied
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user,
        organization=organization,
        defaults={"message": clean(message)},
    )
    if not created:
        if membership.status != Membership.Status.REJECTED:
            return membership
        membership.status = Membership.Status.PENDING
        membership.role = Membership.Role.MEMBER
        membership.message = clean(message)
        membership.decided_by = None
        membership.decided_at = None
        membership.save()
    if user.is_active:
        notify_membership_requested(membership)
    return membership


def notify_membership_requested(membership: Membership) -> int:
    link = absolute_url(reverse("accounts:org-members", args=[membership.organization_id]))
    return send_templated_mail(
        "membership_requested",
        approvers(membership.organization),
        {"membership": membership, "link": link},
    )


@transaction.atomic
def decide_membership(
    actor: User, membership: Membership, approve: bool, note: str = ""
) -> Membership:
    """Approve or reject a pending request; tells the requester by e-mail."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not can_manage_organization(actor, membership.organization_id):
        raise PermissionDenied
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    membership.status = Membership.Status.APPROVED if approve else Membership.Status.REJECTED
    membership.decided_by = actor
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _forget_cached_org_ids(membership.user)
    send_templated_mail(
        "membership_decided",
        [membership.user],
        {
            "membership": membership,
            "approved": approve,
            "note": clean(note),
            "link": absolute_url(reverse("accounts:profile")),
        },
    )
    return membership


def _approved_admin_count(organization_id: int) -> int:
    return Membership.objects.filter(
        organization_id=organization_id,
        role=Membership.Role.ADMIN,
        status=Membership.Status.APPROVED,
    ).count()


@transaction.atomic
def set_membership_role(actor: User, membership: Membership, role: str) -> Membership:
    """Make an approved member an organisation administrator, or back a member."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not can_manage_organization(actor, membership.organization_id):
        raise PermissionDenied
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    if membership.status != Membership.Status.APPROVED:
        raise ValidationError(_("Only approved members can be given a role."))
    if (
        membership.role == Membership.Role.ADMIN
        and role != Membership.Role.ADMIN
        and not is_officer(actor)
        and _approved_admin_count(membership.organization_id) <= 1
    ):
        raise ValidationError(_("An organisation must keep at least one administrator."))
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _forget_cached_org_ids(membership.user)
    return membership


@transaction.atomic
def remove_membership(actor: User, membership: Membership) -> None:
    """Remove a member (organisation admin or officer) or leave / withdraw (the user)."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    own = membership.user_id == getattr(actor, "pk", None)
    if not own and not can_manage_organization(actor, membership.organization_id):
        raise PermissionDenied
    if (
        membership.role == Membership.Role.ADMIN
        and membership.status == Membership.Status.APPROVED
        and not is_officer(actor)
        and _approved_admin_count(membership.organization_id) <= 1
    ):
        raise ValidationError(_("An organisation must keep at least one administrator."))
    membership.delete()
    _forget_cached_org_ids(membership.user)
