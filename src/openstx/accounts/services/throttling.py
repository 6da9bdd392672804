"""Throttling of failed log-ins, password-reset e-mails and sign-ups (cache-backed counters)."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from openstx.accounts.models import User
from openstx.accounts.services.signup import find_user_by_login, normalize_email
from openstx.accounts.services.tokens import hash_token
from openstx.core.client_address import client_ip
from openstx.core.text import fold

log = logging.getLogger(__name__)


# --- Throttling: failed log-ins and password-reset e-mails -----------------------------------
#
# Cache-backed counters (the default cache: per process with the built-in local-memory cache,
# shared by every web process when OPENSTX_CACHE_URL points at Redis). A key counts events in a
# fixed window; reaching the limit stores a lock that holds until ``now + lockout``. Times come
# from :func:`_now` so tests can move the clock; cache timeouts only bound the memory used.


@dataclass(frozen=True)
class ThrottleRule:
    scope: str
    limit: int
    window: int  # seconds
    lockout: int  # seconds


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def login_rules() -> tuple[ThrottleRule, ThrottleRule]:
    """(per account, per client IP). Settings: ``OPENSTX_LOGIN_FAILURES_PER_ACCOUNT`` (5),
    ``OPENSTX_LOGIN_FAILURES_PER_IP`` (20), ``OPENSTX_LOGIN_FAILURE_WINDOW`` (900 s),
    ``OPENSTX_LOGIN_LOCKOUT`` (900 s)."""
    window = _setting("OPENSTX_LOGIN_FAILURE_WINDOW", 15 * 60)
    lockout = _setting("OPENSTX_LOGIN_LOCKOUT", 15 * 60)
    return (
        ThrottleRule(
            "login-account", _setting("OPENSTX_LOGIN_FAILURES_PER_ACCOUNT", 5), window, lockout
        ),
        ThrottleRule("login-ip", _setting("OPENSTX_LOGIN_FAILURES_PER_IP", 20), window, lockout),
    )


def password_reset_rules() -> tuple[ThrottleRule, ThrottleRule]:
    """(per address, per client IP). Settings: ``OPENSTX_PASSWORD_RESETS_PER_ADDRESS`` (3),
    ``OPENSTX_PASSWORD_RESETS_PER_IP`` (10), ``OPENSTX_PASSWORD_RESET_WINDOW`` (3600 s)."""
    window = _setting("OPENSTX_PASSWORD_RESET_WINDOW", 60 * 60)
    return (
        ThrottleRule(
            "reset-address", _setting("OPENSTX_PASSWORD_RESETS_PER_ADDRESS", 3), window, window
        ),
        ThrottleRule("reset-ip", _setting("OPENSTX_PASSWORD_RESETS_PER_IP", 10), window, window),
    )


def signup_rule() -> ThrottleRule:
    """Sign-ups (each sends a verification e-mail) per client IP: ``OPENSTX_SIGNUPS_PER_IP``
    (10) per ``OPENSTX_SIGNUP_WINDOW`` (3600 s)."""
    window = _setting("OPENSTX_SIGNUP_WINDOW", 60 * 60)
    return ThrottleRule("signup-ip", _setting("OPENSTX_SIGNUPS_PER_IP", 10), window, window)


def signup_wait(request: Any) -> int:
    """Count one sign-up from this client; seconds to wait when over the limit (0: go on)."""
    now, rule, ip = _now(), signup_rule(), client_ip(request)
    wait = _locked_for(rule, ip, now)
    if not wait:
        _hit(rule, ip, now)
    return wait


def _now() -> float:
    return time.time()


def _throttle_key(rule: ThrottleRule, ident: str, suffix: str) -> str:
    return f"openstx:throttle:{rule.scope}:{hash_token(ident)[:32]}:{suffix}"


def _locked_for(rule: ThrottleRule, ident: str, now: float) -> int:
    """Seconds left on ``ident``'s lock under ``rule`` (0: not locked)."""
    until = cache.get(_throttle_key(rule, ident, "lock"))
    if until is None or until <= now:
        return 0
    return max(1, math.ceil(until - now))


def _hit(rule: ThrottleRule, ident: str, now: float) -> int:
    """Count one event; lock when the window's count reaches the limit. The new count."""
    bucket = int(now // rule.window)
    key = _throttle_key(rule, ident, f"n{bucket}")
    cache.add(key, 0, timeout=rule.window + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=rule.window + 60)
        count = 1
    if count >= rule.limit:
        cache.set(_throttle_key(rule, ident, "lock"), now + rule.lockout, rule.lockout + 60)
    return count


def _forget(rule: ThrottleRule, ident: str) -> None:
    bucket = int(_now() // rule.window)
    cache.delete_many(
        [_throttle_key(rule, ident, s) for s in ("lock", f"n{bucket}", f"n{bucket - 1}")]
    )


def login_account_key(identifier: str) -> str:
    """What the per-account counter is keyed by: the account when one matches ``identifier``
    (e-mail and username count together), else the folded identifier, so an unknown name is
    throttled exactly like a real one and lock-outs reveal nothing."""
    user = find_user_by_login(identifier)
    if user is not None:
        return f"user:{user.pk}"
    return f"name:{fold(identifier)}"


def login_locked_for(request: Any, identifier: str) -> int:
    """Seconds until a log-in as ``identifier`` from this client may be tried again (0: now)."""
    now = _now()
    account_rule, ip_rule = login_rules()
    return max(
        _locked_for(account_rule, login_account_key(identifier), now),
        _locked_for(ip_rule, client_ip(request), now),
    )


def record_login_failure(request: Any, identifier: str) -> None:
    now = _now()
    account_rule, ip_rule = login_rules()
    _hit(account_rule, login_account_key(identifier), now)
    _hit(ip_rule, client_ip(request), now)
    log.info("failed log-in for %r from %s", identifier[:100], client_ip(request))


def clear_login_failures(user: User) -> None:
    """A successful log-in or a password reset clears the account's failures and lock (the
    client address keeps its count: one good account must not unlock guessing at others)."""
    account_rule, _ip_rule = login_rules()
    _forget(account_rule, f"user:{user.pk}")


def password_reset_wait(request: Any, email: str) -> int:
    """Count one password-reset request; seconds to wait when over the limit (0: send it).

    Counted whether or not an account has the address, so the answer reveals nothing."""
    now = _now()
    address_rule, ip_rule = password_reset_rules()
    address, ip = normalize_email(email).lower(), client_ip(request)
    wait = max(_locked_for(address_rule, address, now), _locked_for(ip_rule, ip, now))
    if wait:
        return wait
    _hit(address_rule, address, now)
    _hit(ip_rule, ip, now)
    return 0


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def login_locked_message(seconds: int) -> str:
    minutes = _minutes(seconds)
    return ngettext(
        "Too many failed log-in attempts. Try again in %(minutes)d minute, or reset your password.",
        "Too many failed log-in attempts. Try again in %(minutes)d minutes, "
        "or reset your password.",
        minutes,
    ) % {"minutes": minutes}


def password_reset_wait_message(seconds: int) -> str:
    minutes = _minutes(seconds)
    return ngettext(
        "Too many password-reset requests. Try again in %(minutes)d minute.",
        "Too many password-reset requests. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def signup_wait_message(seconds: int) -> str:
    minutes = _minutes(seconds)
    return ngettext(
        "Too many sign-ups from your network. Try again in %(minutes)d minute.",
        "Too many sign-ups from your network. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
