"""Sign-up, verification, log-in, password and profile pages with the test client."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from openstx.accounts.models import ApiToken, Membership, User
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://[^\s]+")


def link_in(message) -> str:
    return URL.search(message.body).group(0).replace("http://127.0.0.1:8000", "")


def signup(client, **overrides):
    data = {
        "full_name": "Phạm Minh Châu",
        "email": "chau@example.vn",
        "password1": "Mot-mat-khau-dai!",
        "password2": "Mot-mat-khau-dai!",
    }
    data.update(overrides)
    return client.post(reverse("accounts:signup"), data)


def test_signup_page_is_accessible(client, org):
    response = client.get(reverse("accounts:signup"))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("full_name", "email", "password1", "password2", "organization", "message"):
        assert f'for="id_{name}"' in html and f'id="id_{name}"' in html
    assert 'aria-describedby="id_password1_helptext"' in html
    assert org.name in html


def test_signup_errors_are_tied_to_fields(client):
    response = signup(client, password2="different", email="not-an-email")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_errors"' in html and 'aria-invalid="true"' in html
    assert re.search(r'id="id_email"[^>]*aria-describedby="id_email_errors"', html) or re.search(
        r'aria-describedby="id_email_errors"[^>]*id="id_email"', html
    )
    assert 'role="alert"' in html
    assert not User.objects.exists()


def test_full_signup_verify_login_flow(client, org):
    response = signup(client, organization=org.pk, message="Nghiên cứu viên")
    assert response.status_code == 302 and response.url == reverse("accounts:signup-done")
    assert "chau@example.vn" in client.get(response.url).content.decode()
    user = User.objects.get(email="chau@example.vn")
    assert not user.is_active
    assert Membership.objects.get(user=user).status == Membership.Status.PENDING

    # cannot log in before confirming; the page offers a new link
    response = client.post(
        reverse("accounts:login"), {"username": "chau@example.vn", "password": "Mot-mat-khau-dai!"}
    )
    assert response.status_code == 200
    assert reverse("accounts:resend-verification") in response.content.decode()
    assert "_auth_user_id" not in client.session

    (message,) = mail.outbox
    response = client.get(link_in(message))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    user.refresh_from_db()
    assert user.is_active and user.email_verified
    assert client.get(link_in(message)).status_code == 400  # used

    response = client.post(
        reverse("accounts:login"), {"username": "CHAU@example.vn", "password": "Mot-mat-khau-dai!"}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_does_not_tell_whether_an_address_has_an_account(client, member):
    """#15.10: the answer to a taken address is the answer to a new one; the owner is told
    by e-mail instead."""
    taken = signup(client, email=member.email.upper())
    fresh = signup(client, email="moi@example.vn")
    assert taken.status_code == fresh.status_code == 302
    assert taken.url == fresh.url == reverse("accounts:signup-done")
    page = client.get(taken.url).content.decode()
    assert "already" not in page and "đã có" not in page
    assert {m.to[0] for m in mail.outbox} == {member.email, "moi@example.vn"}


def test_resend_verification_does_not_reveal_accounts(client, member):
    signup(client)
    mail.outbox.clear()
    for email in ("chau@example.vn", "nobody@example.vn", member.email):
        response = client.post(reverse("accounts:resend-verification"), {"email": email})
        assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["chau@example.vn"]]


def test_login_by_username_sets_language_cookie(client):
    user = UserFactory(language="en")
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.cookies["openstx_language"].value == "en"


def test_login_wrong_password(client, member):
    response = client.post(
        reverse("accounts:login"), {"username": member.email, "password": "nope"}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_logout_requires_post(client, member):
    client.force_login(member)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Mat-khau-moi-2026",
            "new_password2": "Mat-khau-moi-2026",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Mat-khau-moi-2026")


def test_password_reset_flow(client, member):
    response = client.post(reverse("accounts:password-reset"), {"email": member.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [member.email]
    link = link_in(message)
    assert "/accounts/password/reset/" in link
    response = client.get(link)  # redirects to the set-password URL
    assert response.status_code == 302
    response = client.post(
        response.url, {"new_password1": "Lai-mat-khau-moi-9", "new_password2": "Lai-mat-khau-moi-9"}
    )
    assert response.status_code == 302 and response.url == reverse(
        "accounts:password-reset-complete"
    )
    member.refresh_from_db()
    assert member.check_password("Lai-mat-khau-moi-9")


def test_password_reset_unknown_address_sends_nothing(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "x@example.vn"})
    assert response.status_code == 302 and mail.outbox == []


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_profile_shows_memberships_tokens_and_edits(client, member, org):
    MembershipFactory(user=member, organization=org)
    ApiToken.objects.create(user=member, name="nhập liệu", prefix="abcdefgh", token_hash="h")
    client.force_login(member)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert org.name in html and "nhập liệu" in html and "ostx_abcdefgh_" in html
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Võ Thị Sáu", "phone": "0901 234 567", "language": "en"},
    )
    assert response.status_code == 302
    assert response.cookies["openstx_language"].value == "en"
    member.refresh_from_db()
    assert (member.full_name, member.phone, member.language) == ("Võ Thị Sáu", "0901 234 567", "en")


def test_profile_edit_requires_name(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:profile"), {"full_name": "", "phone": "", "language": "vi"}
    )
    assert response.status_code == 200 and 'id="id_full_name_errors"' in response.content.decode()


def test_profile_links_expert(client, member):
    from openstx.directory.models import Expert

    Expert.objects.create(full_name="Nguyễn Văn Chuyên Gia", user=member, degree="TS")
    client.force_login(member)
    assert "TS. Nguyễn Văn Chuyên Gia" in client.get(reverse("accounts:profile")).content.decode()


def test_token_created_shown_once_and_revoked(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:token-create"), {"name": "script"})
    assert response.status_code == 200
    secret = re.search(r"ostx_[a-z0-9]{8}_[A-Za-z0-9]{40}", response.content.decode()).group(0)
    assert response["Cache-Control"] == "no-store"
    assert secret not in client.get(reverse("accounts:profile")).content.decode()
    token = ApiToken.objects.get(user=member)
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_create_with_past_expiry_is_refused(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:token-create"), {"name": "x", "expires_on": "2000-01-01"}
    )
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(client, member, outsider):
    token = ApiToken.objects.create(user=outsider, name="t", prefix="p", token_hash="h")
    client.force_login(member)
    assert client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- memberships ---------------------------------------------------------------------------


def test_membership_request_page(client, member, org, org_admin):
    client.force_login(member)
    response = client.get(reverse("accounts:membership-request") + f"?organization={org.pk}")
    assert response.status_code == 200
    response = client.post(
        reverse("accounts:membership-request"),
        {"organization": org.pk, "message": "Cho tôi tham gia"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=member).status == Membership.Status.PENDING
    assert mail.outbox[-1].to == [org_admin.email]


def test_org_admin_approves_on_members_page(client, member, org, org_admin):
    m = Membership.objects.create(user=member, organization=org)
    client.force_login(org_admin)
    page = client.get(reverse("accounts:org-members", args=[org.pk]))
    assert page.status_code == 200 and member.email in page.content.decode()
    response = client.post(
        reverse("accounts:membership-decide", args=[m.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == Membership.Status.APPROVED and m.decided_by == org_admin
    assert mail.outbox[-1].to == [member.email]
    # change role, then remove
    client.post(reverse("accounts:membership-role", args=[m.pk]), {"role": "admin"})
    m.refresh_from_db()
    assert m.role == Membership.Role.ADMIN
    client.post(reverse("accounts:membership-remove", args=[m.pk]))
    assert not Membership.objects.filter(pk=m.pk).exists()


def test_others_are_forbidden(client, member, org, org_admin, outsider):
    m = Membership.objects.create(user=member, organization=org)
    plain = MembershipFactory(organization=org).user
    for user in (outsider, plain, member):
        client.force_login(user)
        assert client.get(reverse("accounts:org-members", args=[org.pk])).status_code == 403
        assert (
            client.post(
                reverse("accounts:membership-decide", args=[m.pk]), {"decision": "approve"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("accounts:membership-role", args=[m.pk]), {"role": "admin"}
            ).status_code
            == 403
        )
        assert client.get(reverse("accounts:membership-requests")).status_code == 403
    m.refresh_from_db()
    assert m.status == Membership.Status.PENDING


def test_officer_sees_all_pending_and_rejects(client, member, org, officer):
    m = Membership.objects.create(user=member, organization=org)
    client.force_login(officer)
    page = client.get(reverse("accounts:membership-requests"))
    assert page.status_code == 200 and org.name in page.content.decode()
    response = client.post(
        reverse("accounts:membership-decide", args=[m.pk]),
        {"decision": "reject", "next": "requests"},
    )
    assert response.url == reverse("accounts:membership-requests")
    m.refresh_from_db()
    assert m.status == Membership.Status.REJECTED


def test_last_admin_cannot_demote_self(client, org, org_admin):
    own = Membership.objects.get(user=org_admin)
    client.force_login(org_admin)
    response = client.post(
        reverse("accounts:membership-role", args=[own.pk]), {"role": "member"}, follow=True
    )
    own.refresh_from_db()
    assert own.role == Membership.Role.ADMIN
    assert response.status_code == 200


def test_leave_organisation(client, member, org):
    m = MembershipFactory(user=member, organization=org)
    client.force_login(member)
    assert client.post(reverse("accounts:membership-leave", args=[m.pk])).status_code == 302
    assert not Membership.objects.filter(pk=m.pk).exists()
