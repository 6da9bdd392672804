"""Failed log-ins and password-reset e-mails are throttled (per account/address and per client
address), with a lock-out window and a clear message."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """These tests hash many passwords; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LOGIN = "/accounts/login/"


@pytest.fixture
def clock(monkeypatch):
    """A clock the throttle reads; ``clock.now += seconds`` moves time forward."""

    class Clock:
        now = 1_800_000_000.0

    c = Clock()
    from openstx.accounts.services import throttling

    monkeypatch.setattr(throttling, "_now", lambda: c.now)
    return c


@pytest.fixture
def limits(settings):
    settings.OPENSTX_LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.OPENSTX_LOGIN_FAILURES_PER_IP = 6
    settings.OPENSTX_LOGIN_FAILURE_WINDOW = 600
    settings.OPENSTX_LOGIN_LOCKOUT = 900
    return settings


def login(client, username, password, ip="203.0.113.7"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_reverse_login_url():
    assert reverse("accounts:login") == LOGIN


def test_n_failures_lock_the_account_even_for_the_right_password(client, limits, clock):
    user = UserFactory()
    for _i in range(3):
        response = login(client, user.email, "wrong-password")
        assert response.status_code == 200  # an ordinary "does not match" answer
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    body = response.content.decode()
    assert "Too many failed log-in attempts" in body and "15 minutes" in body
    # the username counts as the same account as the e-mail address
    assert login(client, user.username, PASSWORD).status_code == 429


def test_lock_message_in_vietnamese(client, limits, clock):
    user = UserFactory()
    for _i in range(3):
        login(client, user.email, "sai")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()


def test_lock_expires_after_the_window(client, limits, clock):
    user = UserFactory()
    for _i in range(3):
        login(client, user.email, "wrong-password")
    clock.now += 899
    assert login(client, user.email, PASSWORD).status_code == 429
    clock.now += 2
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_failures_outside_the_window_do_not_add_up(client, limits, clock):
    user = UserFactory()
    login(client, user.email, "wrong-1")
    login(client, user.email, "wrong-2")
    clock.now += 601  # the window has moved on
    login(client, user.email, "wrong-3")
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302


def test_other_accounts_are_unaffected(client, limits, clock):
    victim, other = UserFactory(), UserFactory()
    for _i in range(3):
        login(client, victim.email, "wrong-password")
    assert login(client, victim.email, PASSWORD).status_code == 429
    response = login(Client(), other.email, PASSWORD)
    assert response.status_code == 302


def test_success_clears_the_account_count(client, limits, clock):
    user = UserFactory()
    login(client, user.email, "wrong-1")
    login(client, user.email, "wrong-2")
    assert login(client, user.email, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    login(client, user.email, "wrong-3")
    login(client, user.email, "wrong-4")
    assert login(client, user.email, PASSWORD).status_code == 302


def test_unknown_accounts_are_throttled_alike(client, limits, clock):
    for _i in range(3):
        assert login(client, "nobody@example.vn", "x").status_code == 200
    assert login(client, "nobody@example.vn", "x").status_code == 429


def test_per_ip_limit_across_accounts(client, limits, clock):
    users = [UserFactory() for _i in range(3)]
    for user in users:  # 2 failures each: no account reaches 3, the address reaches 6
        login(client, user.email, "wrong-1", ip="198.51.100.9")
        login(client, user.email, "wrong-2", ip="198.51.100.9")
    fresh = UserFactory()
    assert login(client, fresh.email, PASSWORD, ip="198.51.100.9").status_code == 429
    # the same account from another address logs in
    assert login(Client(), fresh.email, PASSWORD, ip="198.51.100.10").status_code == 302


def test_forwarded_for_is_trusted_only_from_a_proxy(rf, settings):
    settings.OPENSTX_FORWARDED_ALLOW_IPS = "10.0.0.1"
    proxied = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.1")
    from openstx.core.client_address import client_ip

    assert client_ip(proxied) == "1.2.3.4"
    forged = rf.get("/", REMOTE_ADDR="5.6.7.8", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(forged) == "5.6.7.8"


def test_clients_behind_the_proxy_are_counted_apart(client, limits, clock, settings):
    settings.OPENSTX_FORWARDED_ALLOW_IPS = "10.0.0.1"
    users = [UserFactory() for _i in range(3)]
    for user in users:
        for n in range(2):
            client.post(
                LOGIN,
                {"username": user.email, "password": f"bad-{n}"},
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR="192.0.2.1",
            )
    fresh = UserFactory()
    other_client = Client()
    response = other_client.post(
        LOGIN,
        {"username": fresh.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.2",
    )
    assert response.status_code == 302  # a different visitor behind the same proxy


def test_password_reset_lifts_the_lock(client, limits, clock):
    user = UserFactory()
    for _i in range(3):
        login(client, user.email, "wrong-password")
    assert login(client, user.email, PASSWORD).status_code == 429
    client.post(reverse("accounts:password-reset"), {"email": user.email})
    link = mail.outbox[-1].body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    response = client.get(link)
    response = client.post(
        response.url, {"new_password1": "Lai-mat-khau-moi-9", "new_password2": "Lai-mat-khau-moi-9"}
    )
    assert response.status_code == 302
    assert login(client, user.email, "Lai-mat-khau-moi-9").status_code == 302


def test_admin_login_is_throttled(client, limits, clock):
    staff = UserFactory(is_staff=True, is_superuser=True)
    for _i in range(3):
        client.post("/admin/login/", {"username": staff.username, "password": "x"})
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 200 and not logged_in(client)
    clock.now += 901
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302 and logged_in(client)


def test_test_client_login_is_not_throttled(client, limits, clock):
    user = UserFactory()
    for _i in range(5):
        assert not client.login(username=user.username, password="wrong")
    assert client.login(username=user.username, password=PASSWORD)


# --- password reset -----------------------------------------------------------------------


@pytest.fixture
def reset_limits(settings):
    settings.OPENSTX_PASSWORD_RESETS_PER_ADDRESS = 2
    settings.OPENSTX_PASSWORD_RESETS_PER_IP = 4
    settings.OPENSTX_PASSWORD_RESET_WINDOW = 3600
    return settings


def reset(client, email, ip="203.0.113.7"):
    return client.post(reverse("accounts:password-reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_mails_are_throttled_per_address(client, reset_limits, clock):
    user = UserFactory()
    assert reset(client, user.email).status_code == 302
    assert reset(client, user.email.upper()).status_code == 302  # same address
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = reset(client, user.email)
    assert response.status_code == 429
    assert "Too many password-reset requests" in response.content.decode()
    assert len(mail.outbox) == 2
    # another address from another client is unaffected
    other = UserFactory()
    assert reset(Client(), other.email, ip="198.51.100.1").status_code == 302
    assert len(mail.outbox) == 3
    clock.now += 3601
    assert reset(client, user.email).status_code == 302
    assert len(mail.outbox) == 4


def test_password_reset_throttled_per_ip(client, reset_limits, clock):
    for n in range(4):
        assert reset(client, f"someone{n}@example.vn").status_code == 302
    assert reset(client, "someone-else@example.vn").status_code == 429
    assert reset(client, "someone-else@example.vn", ip="198.51.100.2").status_code == 302


def test_signups_are_throttled_per_client(client, clock, settings):
    settings.OPENSTX_SIGNUPS_PER_IP = 2

    def signup(n, ip="203.0.113.50"):
        return Client().post(
            reverse("accounts:signup"),
            {
                "full_name": f"Người dùng {n}",
                "email": f"nguoi{n}@example.vn",
                "password1": "Mot-mat-khau-dai!",
                "password2": "Mot-mat-khau-dai!",
            },
            REMOTE_ADDR=ip,
        )

    assert signup(1).status_code == 302
    assert signup(2).status_code == 302
    response = signup(3)
    assert response.status_code == 429 and len(mail.outbox) == 2
    assert signup(4, ip="198.51.100.60").status_code == 302
    clock.now += 3601
    assert signup(5).status_code == 302
