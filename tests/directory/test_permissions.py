"""Who may see and edit what."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from openstx.core.permissions import CHANGE, DELETE, VIEW, can, can_add, restrict
from openstx.directory.models import Expert, Organization
from openstx.directory.policies import can_see_contacts
from tests.factories import ExpertFactory, OrganizationFactory


def test_everybody_views(org, expert):
    anon = AnonymousUser()
    assert can(anon, VIEW, org) and can(anon, VIEW, expert)
    assert restrict(Organization.objects.all(), anon, VIEW).count() == 1
    assert restrict(Expert.objects.all(), anon, VIEW).count() == 1


def test_organization_edit_rights(org, org_admin, org_member, pending_member, member, officer):
    other = OrganizationFactory()
    assert can(org_admin, CHANGE, org)
    assert can(org_member, CHANGE, org)
    assert not can(org_member, CHANGE, other)
    assert not can(pending_member, CHANGE, org)
    assert not can(member, CHANGE, org)
    assert not can(AnonymousUser(), CHANGE, org)
    assert can(officer, CHANGE, org) and can(officer, CHANGE, other)
    assert list(restrict(Organization.objects.all(), org_member, CHANGE)) == [org]
    assert restrict(Organization.objects.all(), officer, CHANGE).count() == 2
    assert not can(org_admin, DELETE, org)


def test_expert_edit_rights(expert, expert_user, org_admin, member, officer):
    other = ExpertFactory()
    assert can(expert_user, CHANGE, expert)
    assert not can(expert_user, CHANGE, other)
    assert not can(org_admin, CHANGE, expert)  # an organisation admin does not own the profile
    assert not can(member, CHANGE, expert)
    assert can(officer, CHANGE, other)
    assert list(restrict(Expert.objects.all(), expert_user, CHANGE)) == [expert]


def test_only_officers_create(member, officer, org_admin):
    assert not can_add(member, Organization) and not can_add(org_admin, Expert)
    assert can_add(officer, Organization) and can_add(officer, Expert)
    assert not can_add(AnonymousUser(), Organization)


def test_contacts_for_signed_in_only(member):
    assert can_see_contacts(member)
    assert not can_see_contacts(AnonymousUser())
    assert not can_see_contacts(None)
