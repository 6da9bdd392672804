"""Accounts business rules: sign-up and e-mail verification, memberships, API tokens.

Views, the API and the admin call these functions; they never change accounts state themselves.
Every function that decides something on behalf of a user takes that user as ``actor`` and
raises ``PermissionDenied`` when the actor may not do it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import string
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openstx.accounts.models import ApiToken, Membership, User
from openstx.core.client_address import client_ip
from openstx.core.permissions import is_admin, is_authenticated, is_officer, organization_ids
from openstx.core.text import clean, fold, slugify_vi

log = logging.getLogger(__name__)

TOKEN_PREFIX = "ostx"
TOKEN_LAST_USED_GRANULARITY = timedelta(minutes=1)
_ALPHABET = string.ascii_letters + string.digits
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


# --- E-mail --------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    """``SITE_URL`` + path: links in e-mails must not depend on the request's Host header."""
    return f"{settings.SITE_URL}{path}"


def send_templated_mail(
    template: str,
    recipients: list[User] | list[str],
    context: dict[str, Any],
    language: str | None = None,
) -> int:
    """Render ``accounts/email/<template>_subject.txt`` and ``_body.txt`` and send them.

    Each user recipient gets the mail in their preferred language. A failing mail server is
    logged, not raised: a sign-up or decision must not fail because the SMTP relay is down.
    Returns the number of messages handed to the mail backend.
    """
    sent = 0
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    for recipient in recipients:
        address = recipient.email if isinstance(recipient, User) else recipient
        if not address:
            continue
        lang = language or (recipient.language if isinstance(recipient, User) else None)
        with translation.override(lang or settings.LANGUAGE_CODE):
            ctx = {**context, "recipient": recipient}
            subject = clean(render_to_string(f"accounts/email/{template}_subject.txt", ctx))
            body = render_to_string(f"accounts/email/{template}_body.txt", ctx)
        try:
            sent += send_mail(subject, body, None, [address])
        except Exception:  # noqa: BLE001 - any transport error is logged and survived
            log.exception("could not send %s e-mail to %s", template, address)
    return sent


# --- Sign-up and e-mail verification ------------------------------------------------------


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """One-time link: the hash covers the state the link changes, so using it voids it."""

    key_salt = "openstx.accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.email_verified}{user.is_active}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def normalize_email(email: str) -> str:
    return User.objects.normalize_email(clean(email)).strip()


def email_taken(email: str, exclude_pk: int | None = None) -> bool:
    qs = User.objects.filter(email__iexact=normalize_email(email))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def unique_username(seed: str) -> str:
    """A free username derived from ``seed`` (usually the e-mail's local part)."""
    base = slugify_vi(seed.split("@")[0], 30).replace("-", ".") or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def find_user_by_login(identifier: str) -> User | None:
    """The user whose e-mail (case-insensitive) or username matches ``identifier``."""
    identifier = clean(identifier)
    if not identifier:
        return None
    if "@" in identifier:
        user = User.objects.filter(email__iexact=normalize_email(identifier)).first()
        if user is not None:
            return user
    return User.objects.filter(username__iexact=identifier).first()


@transaction.atomic
def register_user(
    *,
    full_name: str,
    email: str,
    password: str,
    organization: Any = None,
    message: str = "",
    language: str | None = None,
) -> User | None:
    """Create an inactive, unverified account and send it the verification link.

    An address that already has an account gets an e-mail saying so (with log-in and password
    reset links) and ``None`` is returned: the sign-up page answers the same either way, so it
    cannot be used to find out who has an account (as log-in and password reset already do).

    The account becomes active when the link is opened (:func:`verify_email`). A membership
    request for ``organization`` is recorded now and shown to the organisation's
    administrators once the e-mail address is verified.
    """
    email = normalize_email(email)
    if email_taken(email):
        _tell_existing_account(email)
        return None
    user = User(
        username=unique_username(email),
        email=email,
        full_name=clean(full_name),
        is_active=False,
        email_verified=False,
        language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent sign-up with the same address
        _tell_existing_account(email)
        return None
    if organization is not None:
        Membership.objects.create(user=user, organization=organization, message=clean(message))
    send_verification_email(user)
    return user


def _tell_existing_account(email: str) -> None:
    from django.urls import reverse

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return
    key = f"openstx:accounts:exists-mail:{hash_token(email.lower())[:16]}"
    if not cache.add(key, 1, timeout=int(RESEND_INTERVAL.total_seconds())):
        return  # at most one such e-mail a minute: the form must not flood an inbox
    send_templated_mail(
        "account_exists",
        [user],
        {
            "user": user,
            "login_link": f"{settings.SITE_URL}{reverse('accounts:login')}",
            "reset_link": f"{settings.SITE_URL}{reverse('accounts:password-reset')}",
        },
    )


def verification_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    return absolute_url(reverse("accounts:verify-email", args=[uid, token]))


def send_verification_email(user: User) -> bool:
    if user.email_verified:
        return False
    return bool(
        send_templated_mail("verify_email", [user], {"user": user, "link": verification_link(user)})
    )


RESEND_INTERVAL = timedelta(minutes=1)


def resend_verification(email: str) -> bool:
    """Send a new link to an account still waiting for verification (silently nothing else).

    At most one resend a minute per account, so the form cannot be used to flood an inbox.
    """
    user = User.objects.filter(
        email__iexact=normalize_email(email), email_verified=False, is_active=False
    ).first()
    if user is None:
        return False
    key = f"openstx:accounts:resend:{user.pk}:{hash_token(user.email.lower())[:16]}"
    if not cache.add(key, 1, timeout=int(RESEND_INTERVAL.total_seconds())):
        return False
    return send_verification_email(user)


def user_from_uidb64(uidb64: str) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User.objects.get(pk=pk)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist, ValidationError):
        return None


@transaction.atomic
def verify_email(uidb64: str, token: str) -> User | None:
    """Activate the account named by a verification link; ``None`` if the link is bad or used."""
    user = user_from_uidb64(uidb64)
    if user is None or not email_verification_token.check_token(user, token):
        return None
    if user.email_verified:
        return None
    user.email_verified = True
    user.is_active = True
    user.save(update_fields=["email_verified", "is_active"])
    for membership in user.memberships.filter(status=Membership.Status.PENDING):
        notify_membership_requested(membership)
    return user


def update_profile(user: User, *, full_name: str, phone: str, language: str) -> User:
    user.full_name = clean(full_name)
    user.phone = clean(phone)
    if language in dict(settings.LANGUAGES):
        user.language = language
    user.save(update_fields=["full_name", "phone", "language"])
    return user


def ensure_admin(username: str, email: str, password: str | None = None) -> tuple[User, str | None]:
    """Create the administrator ``username`` if missing; idempotent.

    Returns ``(user, password)`` where ``password`` is the one set now (given or generated)
    the first time and ``None`` when the account already existed (it is then left unchanged
    except that it is made sure to be an active, verified administrator).
    """
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is not None:
            changed = []
            for attr, value in (
                ("role", User.Role.ADMIN),
                ("is_staff", True),
                ("is_superuser", True),
                ("is_active", True),
                ("email_verified", True),
            ):
                if getattr(user, attr) != value:
                    setattr(user, attr, value)
                    changed.append(attr)
            if changed:
                user.save(update_fields=changed)
            return user, None
        if email_taken(email):
            raise ValidationError(_("An account with this e-mail address already exists."))
        new_password = password or secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username,
            email=normalize_email(email),
            password=new_password,
            role=User.Role.ADMIN,
            is_staff=True,
            is_superuser=True,
            email_verified=True,
        )
        return user, new_password


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


def officers() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role__in=[User.Role.OFFICER, User.Role.ADMIN]) | Q(is_superuser=True))
        .distinct()
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


# --- API tokens ----------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``secret`` is the only copy of the full token, shown once."""

    token: ApiToken
    secret: str


def create_token(user: User, name: str, expires_at: datetime | None = None) -> NewToken:
    """Create a personal API token ``ostx_<prefix>_<secret>``; only its SHA-256 is stored."""
    if not is_authenticated(user) or not user.is_active:
        raise PermissionDenied
    name = clean(name)[:100]
    if not name:
        raise ValidationError(_("Give the token a name."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry date must be in the future."))
    while True:
        prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _i in range(8))
        secret = "".join(secrets.choice(_ALPHABET) for _i in range(40))
        raw = f"{TOKEN_PREFIX}_{prefix}_{secret}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name,
                    prefix=prefix,
                    token_hash=hash_token(raw),
                    expires_at=expires_at,
                )
            return NewToken(token=token, secret=raw)
        except IntegrityError:  # pragma: no cover - a 2^238 collision
            continue


def revoke_token(actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens (administrators may revoke anyone's)."""
    if token.user_id != getattr(actor, "pk", None) and not is_admin(actor):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def token_is_usable(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def authenticate_token(raw: str) -> User | None:
    """The active user owning the live token ``raw``, or ``None``.

    Records ``last_used_at`` at most once a minute per token, with a single UPDATE.
    """
    raw = (raw or "").strip()
    if not raw.startswith(f"{TOKEN_PREFIX}_") or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
    now = timezone.now()
    if token is None or not token_is_usable(token, now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    user = token.user
    # the token that authenticated this request, for auditing (an attribute set at run time,
    # not a field: django-stubs cannot declare it on the model)
    user.api_token = token  # type: ignore[attr-defined]
    return user


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
