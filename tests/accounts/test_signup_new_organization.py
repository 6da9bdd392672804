"""Sign-up offers "register a new organisation" beside "join an existing one": after confirming
the e-mail and logging in, the new user lands on the registration form."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from openstx.accounts.models import Membership, User

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-mat-khau-dai!"


def _signup(client, **extra):
    data = {
        "full_name": "Lê Minh Châu",
        "email": "chau@example.vn",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }
    return client.post(reverse("accounts:signup"), data)


def test_signup_page_offers_both(client):
    html = client.get(reverse("accounts:signup")).content.decode()
    assert 'name="organization"' in html and 'name="new_organization"' in html


def test_register_new_organisation_after_first_login(client):
    r = _signup(client, new_organization="on")
    assert r.status_code == 302 and r["Location"] == reverse("accounts:signup-done")
    user = User.objects.get(email="chau@example.vn")
    assert not Membership.objects.filter(user=user).exists()
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/verify/\S+/", message.body).group(0)
    r = client.get(link[link.index("/accounts/") :])
    register = reverse("directory:organization-register")
    assert r.status_code == 302 and "next=" + register.replace("/", "%2F") in r["Location"]
    login_page = client.get(r["Location"]).content.decode()
    assert f'name="next" value="{register}"' in login_page
    r = client.post(
        reverse("accounts:login"),
        {"username": "chau@example.vn", "password": PASSWORD, "next": register},
    )
    assert r.status_code == 302 and r["Location"] == register
    assert client.get(register).status_code == 200


def test_join_or_register_not_both(client, org):
    r = _signup(client, new_organization="on", organization=org.pk)
    assert r.status_code == 200
    assert not User.objects.filter(email="chau@example.vn").exists()


def test_profile_links_to_registration(client, member):
    client.force_login(member)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("directory:organization-register") in html


def test_organisations_awaiting_verification_are_not_offered_to_join(client, org):
    from tests.factories import OrganizationFactory

    hidden = OrganizationFactory(name="Công ty Chưa Xác Minh", awaiting_verification=True)
    html = client.get(reverse("accounts:signup")).content.decode()
    assert org.name in html and hidden.name not in html
