"""Who sees and changes users, memberships and tokens (core.permissions restrict/can)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from openstx.accounts import services
from openstx.accounts.models import ApiToken, Membership, User
from openstx.core.permissions import CHANGE, DELETE, MODERATE, VIEW, can, can_add, restrict
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, org_admin, officer, outsider):
    requester = UserFactory()
    pending = Membership.objects.create(user=requester, organization=org)
    other_org = OrganizationFactory()
    elsewhere = MembershipFactory(organization=other_org)
    return {
        "requester": requester,
        "pending": pending,
        "elsewhere": elsewhere,
        "admin_row": Membership.objects.get(user=org_admin),
    }


def ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_membership_visibility(world, org_admin, officer, outsider):
    all_rows = Membership.objects.all()
    pending, elsewhere, admin_row = world["pending"], world["elsewhere"], world["admin_row"]
    assert ids(restrict(all_rows, world["requester"])) == {pending.pk}
    assert ids(restrict(all_rows, org_admin)) == {pending.pk, admin_row.pk}
    assert ids(restrict(all_rows, officer)) == ids(all_rows)
    assert ids(restrict(all_rows, outsider)) == set()
    assert ids(restrict(all_rows, AnonymousUser())) == set()
    assert can(world["requester"], VIEW, pending)
    assert not can(world["requester"], VIEW, elsewhere)
    assert can(org_admin, VIEW, pending) and not can(org_admin, VIEW, elsewhere)
    assert can(officer, VIEW, elsewhere)
    assert not can(outsider, VIEW, pending)


def test_membership_change_and_delete(world, org_admin, officer, outsider):
    pending, elsewhere = world["pending"], world["elsewhere"]
    requester = world["requester"]
    for action in (CHANGE, MODERATE):
        assert can(org_admin, action, pending)
        assert not can(org_admin, action, elsewhere)
        assert can(officer, action, elsewhere)
        assert not can(requester, action, pending)  # cannot approve oneself
        assert ids(restrict(Membership.objects.all(), requester, action)) == set()
    assert can(requester, DELETE, pending)  # withdraw own request
    assert not can(outsider, DELETE, pending)
    assert can_add(outsider, Membership)
    assert not can_add(AnonymousUser(), Membership)


def test_pending_member_is_not_an_admin_yet(org):
    hopeful = UserFactory()
    row = Membership.objects.create(user=hopeful, organization=org, role=Membership.Role.ADMIN)
    assert not can(hopeful, CHANGE, row)


def test_token_visibility(member, outsider, officer):
    mine = services.create_token(member, "mine").token
    theirs = services.create_token(outsider, "theirs").token
    assert ids(restrict(ApiToken.objects.all(), member)) == {mine.pk}
    assert ids(restrict(ApiToken.objects.all(), officer)) == set()  # officers too: own only
    for action in (VIEW, CHANGE, DELETE):
        assert can(member, action, mine)
        assert not can(member, action, theirs)
        assert not can(officer, action, mine)
    assert not can(AnonymousUser(), VIEW, mine)
    assert can_add(member, ApiToken) and not can_add(AnonymousUser(), ApiToken)
    admin, _pw = services.ensure_admin("root", "root@example.vn")
    assert ids(restrict(ApiToken.objects.all(), admin)) == {mine.pk, theirs.pk}


def test_user_visibility(world, org_admin, officer, outsider, member):
    users = User.objects.all()
    requester = world["requester"]
    assert ids(restrict(users, outsider)) == {outsider.pk}
    assert ids(restrict(users, org_admin)) == {org_admin.pk, requester.pk}
    assert ids(restrict(users, officer)) == ids(users)
    assert ids(restrict(users, AnonymousUser())) == set()
    assert can(org_admin, VIEW, requester) and not can(org_admin, VIEW, member)
    assert can(outsider, CHANGE, outsider) and not can(outsider, CHANGE, member)
    assert not can(org_admin, CHANGE, requester)
    assert not can(officer, CHANGE, member)
    assert ids(restrict(users, outsider, CHANGE)) == {outsider.pk}
    assert not can_add(officer, User)
