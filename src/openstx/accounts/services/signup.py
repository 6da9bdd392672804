"""E-mail to users, sign-up and e-mail verification, profiles, the first administrator."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from openstx.accounts.models import Membership, User
from openstx.accounts.services.tokens import hash_token
from openstx.core.text import clean, slugify_vi

log = logging.getLogger(__name__)


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
    account_type: str = User.AccountType.INDIVIDUAL,
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
        account_type=account_type
        if account_type in User.AccountType.values
        else User.AccountType.INDIVIDUAL,
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
        from openstx.accounts.services.memberships import notify_membership_requested

        notify_membership_requested(membership)
    return user


def update_profile(
    user: User, *, full_name: str, phone: str, language: str, account_type: str | None = None
) -> User:
    user.full_name = clean(full_name)
    user.phone = clean(phone)
    if language in dict(settings.LANGUAGES):
        user.language = language
    if account_type in User.AccountType.values:
        user.account_type = account_type
    user.save(update_fields=["full_name", "phone", "language", "account_type"])
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
