"""Users, roles, organisation memberships and personal API tokens."""

from __future__ import annotations

import secrets
from typing import ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openstx.core.models import BaseQuerySet, TimeStampedModel


def avatar_path(instance: User, filename: str) -> str:
    """A random name per upload: the address of an old picture does not lead to the new one."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "webp"
    return f"avatars/{secrets.token_urlsafe(12)}.{ext}"


class User(AbstractUser):
    """A person who signs in. Global role on the user; organisation roles on ``Membership``."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        BROKER = "broker", _("Broker")
        OFFICER = "officer", _("Department officer")
        ADMIN = "admin", _("Administrator")

    class AccountType(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        BUSINESS = "business", _("Business")
        RESEARCH = "research", _("Research institute or university")

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    email_verified = models.BooleanField(_("e-mail verified"), default=False)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="vi"
    )

    account_type = models.CharField(
        _("account type"),
        max_length=16,
        choices=AccountType.choices,
        default=AccountType.INDIVIDUAL,
        help_text=_("Chosen at sign-up; suggests the next steps (register an organisation…)."),
    )
    avatar = models.ImageField(_("avatar"), upload_to=avatar_path, max_length=200, blank=True)

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Membership(TimeStampedModel):
    """A user's place in an organisation; requested by the user, approved by its administrator."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ADMIN = "admin", _("Organisation administrator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    message = models.TextField(_("message"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="uniq_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_status_display()})"


class ApiToken(TimeStampedModel):
    """A personal API token. Only a SHA-256 hash is stored; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired
