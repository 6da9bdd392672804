from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openstx.accounts import services
from openstx.accounts.models import ApiToken, Membership, User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/accounts/verify/\S+/\S+/")


def _register(**kw):
    data = {"full_name": " Lê  Văn Tám ", "email": "Tam@Example.VN", "password": "Kh0ng-de-doan!"}
    data.update(kw)
    return services.register_user(**data)


def _path(link: str) -> tuple[str, str]:
    parts = link.rstrip("/").split("/")
    return parts[-2], parts[-1]


# --- sign-up and verification --------------------------------------------------------------


def test_register_creates_inactive_unverified_user_and_mails_link():
    user = _register()
    assert not user.is_active and not user.email_verified
    assert user.full_name == "Lê Văn Tám"
    assert user.email == "Tam@example.vn"
    assert user.username == "tam"
    assert user.check_password("Kh0ng-de-doan!")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Tam@example.vn"]
    assert LINK.search(mail.outbox[0].body)


def test_register_with_a_taken_address_creates_nothing_and_tells_its_owner():
    owner = UserFactory(email="tam@example.vn")
    assert _register() is None  # "Tam@example.vn": addresses compare case-insensitively
    assert User.objects.filter(email__iexact="tam@example.vn").count() == 1
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert "/accounts/login/" in message.body and "/accounts/password/reset/" in message.body
    assert not LINK.search(message.body)  # no verification link for a second account
    assert _register() is None
    assert len(mail.outbox) == 1  # at most one such e-mail a minute per address


def test_usernames_are_unique():
    UserFactory(username="tam", email="someone@example.vn")
    assert _register().username == "tam2"


def test_verify_email_activates_once():
    user = _register()
    uid, token = _path(LINK.search(mail.outbox[0].body).group(0))
    verified = services.verify_email(uid, token)
    assert verified == user
    user.refresh_from_db()
    assert user.is_active and user.email_verified
    assert services.verify_email(uid, token) is None  # one-time


def test_verify_email_rejects_garbage():
    user = _register()
    uid, _token = _path(LINK.search(mail.outbox[0].body).group(0))
    assert services.verify_email(uid, "bad-token") is None
    assert services.verify_email("!!", "x") is None
    user.refresh_from_db()
    assert not user.is_active


def test_membership_request_at_signup_is_announced_after_verification(org, org_admin):
    user = _register(organization=org, message="Tôi là nghiên cứu viên")
    m = Membership.objects.get(user=user)
    assert m.status == Membership.Status.PENDING and m.message == "Tôi là nghiên cứu viên"
    assert [e.to for e in mail.outbox] == [[user.email]]  # nobody else is told yet
    uid, token = _path(LINK.search(mail.outbox[0].body).group(0))
    services.verify_email(uid, token)
    assert mail.outbox[-1].to == [org_admin.email]
    assert f"/accounts/organizations/{org.pk}/members/" in mail.outbox[-1].body


def test_resend_only_for_waiting_accounts(member):
    _register()
    mail.outbox.clear()
    assert services.resend_verification("tam@example.vn") is True
    assert len(mail.outbox) == 1
    assert services.resend_verification("TAM@example.vn") is False  # once a minute
    assert len(mail.outbox) == 1
    assert services.resend_verification(member.email) is False  # already verified
    assert services.resend_verification("nobody@example.vn") is False


def test_find_user_by_login(member):
    assert services.find_user_by_login(member.email.upper()) == member
    assert services.find_user_by_login(member.username) == member
    assert services.find_user_by_login("nobody") is None
    assert services.find_user_by_login("") is None


def test_ensure_admin_is_idempotent():
    user, password = services.ensure_admin("admin", "admin@example.vn")
    assert password and user.check_password(password)
    assert user.role == User.Role.ADMIN and user.is_superuser and user.is_staff
    assert user.email_verified and user.is_active
    again, second = services.ensure_admin("admin", "admin@example.vn")
    assert again.pk == user.pk and second is None
    assert User.objects.filter(username="admin").count() == 1


def test_ensure_admin_refuses_an_email_in_use(member):
    with pytest.raises(ValidationError):
        services.ensure_admin("admin", member.email.upper())


def test_ensure_admin_uses_given_password():
    user, password = services.ensure_admin("root", "root@example.vn", "S3cret-pass-123")
    assert password == "S3cret-pass-123" and user.check_password(password)


def test_update_profile(member):
    services.update_profile(member, full_name=" Hồ  Thị Lan ", phone="0292 123", language="en")
    member.refresh_from_db()
    assert (member.full_name, member.phone, member.language) == ("Hồ Thị Lan", "0292 123", "en")


# --- memberships ---------------------------------------------------------------------------


def test_request_membership_notifies_org_admins(org, org_admin, member):
    m = services.request_membership(member, org, "Xin tham gia")
    assert m.status == Membership.Status.PENDING
    assert [e.to for e in mail.outbox] == [[org_admin.email]]
    assert "Xin tham gia" in mail.outbox[0].body


def test_request_membership_without_org_admins_notifies_officers(org, officer, member):
    services.request_membership(member, org)
    assert [e.to for e in mail.outbox] == [[officer.email]]


def test_request_membership_twice_keeps_one_row(org, member):
    a = services.request_membership(member, org)
    b = services.request_membership(member, org)
    assert a.pk == b.pk and Membership.objects.count() == 1


def test_rejected_request_can_be_renewed(org, org_admin, member):
    m = services.request_membership(member, org)
    services.decide_membership(org_admin, m, approve=False)
    again = services.request_membership(member, org, "lần 2")
    assert again.pk == m.pk and again.status == Membership.Status.PENDING
    assert again.decided_by is None and again.message == "lần 2"


def test_org_admin_approves_and_requester_is_told(org, org_admin, member):
    m = services.request_membership(member, org)
    mail.outbox.clear()
    services.decide_membership(org_admin, m, approve=True)
    m.refresh_from_db()
    assert m.status == Membership.Status.APPROVED
    assert m.decided_by == org_admin and m.decided_at is not None
    assert [e.to for e in mail.outbox] == [[member.email]]


def test_officer_may_reject(org, officer, member):
    m = services.request_membership(member, org)
    services.decide_membership(officer, m, approve=False)
    m.refresh_from_db()
    assert m.status == Membership.Status.REJECTED


def test_others_may_not_decide(org, org_admin, member, outsider):
    m = services.request_membership(member, org)
    plain_member = UserFactory()
    MembershipFactory(user=plain_member, organization=org)
    for actor in (outsider, plain_member, member):
        with pytest.raises(PermissionDenied):
            services.decide_membership(actor, m, approve=True)


def test_admin_of_other_org_may_not_decide(org, member):
    other_admin = UserFactory()
    MembershipFactory(user=other_admin, role=Membership.Role.ADMIN)
    m = services.request_membership(member, org)
    with pytest.raises(PermissionDenied):
        services.decide_membership(other_admin, m, approve=True)


def test_cannot_decide_twice(org, org_admin, member):
    m = services.request_membership(member, org)
    services.decide_membership(org_admin, m, approve=True)
    with pytest.raises(ValidationError):
        services.decide_membership(org_admin, m, approve=False)


def test_change_role_and_last_admin_rule(org, org_admin, member):
    m = MembershipFactory(user=member, organization=org)
    services.set_membership_role(org_admin, m, Membership.Role.ADMIN)
    m.refresh_from_db()
    assert m.role == Membership.Role.ADMIN
    own = Membership.objects.get(user=org_admin, organization=org)
    services.set_membership_role(org_admin, own, Membership.Role.MEMBER)  # two admins: fine
    with pytest.raises(ValidationError):
        services.set_membership_role(member, m, Membership.Role.MEMBER)  # the last one
    with pytest.raises(ValidationError):
        services.set_membership_role(member, m, "owner")


def test_role_only_for_approved_members(org, org_admin, member):
    m = services.request_membership(member, org)
    with pytest.raises(ValidationError):
        services.set_membership_role(org_admin, m, Membership.Role.ADMIN)


def test_remove_member_and_leave(org, org_admin, member, outsider):
    m = MembershipFactory(user=member, organization=org)
    with pytest.raises(PermissionDenied):
        services.remove_membership(outsider, m)
    services.remove_membership(org_admin, m)
    assert not Membership.objects.filter(pk=m.pk).exists()
    m2 = MembershipFactory(user=member, organization=org)
    services.remove_membership(member, m2)  # leaving
    assert not Membership.objects.filter(pk=m2.pk).exists()
    with pytest.raises(ValidationError):  # the last admin cannot leave
        services.remove_membership(org_admin, Membership.objects.get(user=org_admin))


def test_officer_may_remove_last_admin(org, org_admin, officer):
    services.remove_membership(officer, Membership.objects.get(user=org_admin))
    assert not Membership.objects.filter(organization=org).exists()


# --- tokens --------------------------------------------------------------------------------


def test_create_token_stores_only_hash(member):
    new = services.create_token(member, "script")
    assert re.fullmatch(r"ostx_[a-z0-9]{8}_[A-Za-z0-9]{40}", new.secret)
    token = ApiToken.objects.get()
    assert token.prefix == new.secret.split("_")[1]
    assert token.token_hash == services.hash_token(new.secret)
    assert new.secret not in token.token_hash
    assert services.authenticate_token(new.secret) == member


def test_create_token_validation(member):
    with pytest.raises(ValidationError):
        services.create_token(member, "  ")
    with pytest.raises(ValidationError):
        services.create_token(member, "x", timezone.now() - timedelta(days=1))


def test_authenticate_rejects_wrong_revoked_expired_and_inactive(member):
    assert services.authenticate_token("") is None
    assert services.authenticate_token("nonsense") is None
    assert services.authenticate_token("ostx_abcdefgh_" + "x" * 40) is None
    revoked = services.create_token(member, "r")
    services.revoke_token(member, revoked.token)
    assert services.authenticate_token(revoked.secret) is None
    expiring = services.create_token(member, "e", timezone.now() + timedelta(hours=1))
    ApiToken.objects.filter(pk=expiring.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.authenticate_token(expiring.secret) is None
    live = services.create_token(member, "l")
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert services.authenticate_token(live.secret) is None


def test_last_used_is_written_at_most_once_a_minute(member, django_assert_num_queries):
    new = services.create_token(member, "s")
    services.authenticate_token(new.secret)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the lookup only, no UPDATE
        services.authenticate_token(new.secret)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    services.authenticate_token(new.secret)
    assert ApiToken.objects.get().last_used_at > first - timedelta(minutes=1)


def test_only_owner_revokes(member, outsider):
    new = services.create_token(member, "s")
    with pytest.raises(PermissionDenied):
        services.revoke_token(outsider, new.token)
    admin, _pw = services.ensure_admin("boss", "boss@example.vn")
    services.revoke_token(admin, new.token)
    assert ApiToken.objects.get().revoked_at is not None


def test_inactive_user_cannot_create_token():
    user = _register()
    with pytest.raises(PermissionDenied):
        services.create_token(user, "x")


def test_emails_are_plain_text_not_html_escaped(org_admin, member):
    org = org_admin.memberships.get().organization
    org.name = "Viện Lúa & Rau <ĐBSCL>"
    org.save()
    services.request_membership(member, org, "Tôi & đồng nghiệp")
    message = mail.outbox[-1]
    assert "Viện Lúa & Rau <ĐBSCL>" in message.subject
    assert "Tôi & đồng nghiệp" in message.body and "&amp;" not in message.body
