"""Personal API tokens: stored hashed, shown once, revocable."""

from __future__ import annotations

import hashlib
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.accounts.models import ApiToken, User
from openstx.core.permissions import is_admin, is_authenticated
from openstx.core.text import clean

log = logging.getLogger(__name__)


TOKEN_PREFIX = "ostx"
TOKEN_LAST_USED_GRANULARITY = timedelta(minutes=1)
_ALPHABET = string.ascii_letters + string.digits
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


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
