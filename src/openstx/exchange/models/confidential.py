"""Requests to see an offer's confidential details, and the owner's NDA terms.

A signed-in visitor of another organisation asks to see an offer's confidential detail and
confidential attachments; when the owner configured terms (a non-disclosure text), the request
records that the requester accepted that exact text (version and SHA-256). The owner's members or
staff grant or refuse; a grant can be revoked. ``exchange.policies`` reads the granted, unrevoked
requests in its CONFIDENTIAL rule; every change goes through ``exchange.services.confidential``."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from openstx.core.models import TimeStampedModel
from openstx.exchange.models.listings import Offer


def text_hash(text: str) -> str:
    """SHA-256 of the terms as the requester saw them."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ConfidentialTerms(TimeStampedModel):
    """The non-disclosure terms an offer's owner asks requesters to accept (optional)."""

    offer = models.OneToOneField(
        Offer, on_delete=models.CASCADE, related_name="confidential_terms", verbose_name=_("offer")
    )
    text = models.TextField(
        _("non-disclosure terms"),
        blank=True,
        help_text=_("Requesters must accept this text before asking; leave empty for none."),
    )
    version = models.PositiveIntegerField(pgettext_lazy("confidential terms", "version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("non-disclosure terms")
        verbose_name_plural = _("non-disclosure terms")

    def __str__(self) -> str:
        return f"{self.offer} v{self.version}"

    @property
    def sha256(self) -> str:
        return text_hash(self.text)


class ConfidentialRequest(TimeStampedModel):
    """One person's request to see an offer's confidential details, and its answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the owner")
        GRANTED = "granted", pgettext_lazy("confidential request", "Granted")
        REFUSED = "refused", _("Refused")
        REVOKED = "revoked", _("Revoked")

    offer = models.ForeignKey(
        Offer,
        on_delete=models.CASCADE,
        related_name="confidential_requests",
        verbose_name=_("offer"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="confidential_requests",
        verbose_name=_("requester"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requester's organisation"),
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # The non-disclosure terms accepted with the request (empty when the owner set none)
    nda_text = models.TextField(_("accepted terms"), blank=True)
    nda_version = models.PositiveIntegerField(_("terms version"), null=True, blank=True)
    nda_sha256 = models.CharField(_("terms SHA-256"), max_length=64, blank=True)
    nda_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    # The last answer (grant, refusal or revocation); every step is in the history
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    history = HistoricalRecords()

    OPEN = (Status.PENDING, Status.GRANTED)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("confidential details request")
        verbose_name_plural = _("confidential details requests")
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "requester"],
                condition=Q(status__in=["pending", "granted"]),
                name="exchange_one_open_confidential_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.offer} ({self.status})"
