"""Stored vectors, saved searches / match subscriptions, and the alerts they produced."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openstx.core.models import BaseQuerySet, NormalizedTextMixin


class Embedding(models.Model):
    """One vector of one record (offer, demand, expert) in one role (query or passage).

    ``text_hash`` says what the vector was computed from (text, role, model): a record is
    re-encoded only when it changes. Float32 little-endian bytes: no database extension needed.
    """

    class Role(models.TextChoices):
        QUERY = "query", _("Query")
        PASSAGE = "passage", _("Passage")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    text_hash = models.CharField(_("text hash"), max_length=40)
    model_name = models.CharField(pgettext_lazy("embedding", "model"), max_length=64)
    vector = models.BinaryField(_("vector"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("embedding")
        verbose_name_plural = _("embeddings")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "role"], name="matching_embedding_unique"
            )
        ]
        indexes = [models.Index(fields=["content_type", "role"])]

    def __str__(self) -> str:
        return f"{self.content_type.model} #{self.object_id} ({self.role})"


class Subscription(NormalizedTextMixin, models.Model):
    """A saved search, or a subscription to new matches for one's own demand or offer."""

    class Kind(models.TextChoices):
        SEARCH = "search", _("Saved search")
        DEMAND = "demand", _("New offers for my demand")
        OFFER = "offer", _("New demands for my offer")

    class Target(models.TextChoices):
        OFFER = "offer", _("Technology offers")
        DEMAND = "demand", _("Technology demands")

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DAILY = "daily", _("Daily digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="match_subscriptions",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    query = models.CharField(_("search words"), max_length=300, blank=True)
    target = models.CharField(
        _("look for"),
        max_length=8,
        choices=Target.choices,
        default=Target.OFFER,
        help_text=_("Which new listings a saved search watches."),
    )
    demand = models.ForeignKey(
        "exchange.Demand",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="match_subscriptions",
        verbose_name=_("demand"),
    )
    offer = models.ForeignKey(
        "exchange.Offer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="match_subscriptions",
        verbose_name=_("offer"),
    )
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "demand"],
                condition=models.Q(demand__isnull=False),
                name="matching_subscription_user_demand",
            ),
            models.UniqueConstraint(
                fields=["user", "offer"],
                condition=models.Q(offer__isnull=False),
                name="matching_subscription_user_offer",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.DEMAND and self.demand_id:
            return str(self.demand)
        if self.kind == self.Kind.OFFER and self.offer_id:
            return str(self.offer)
        return self.query

    @property
    def watches(self) -> str:
        """The listing type whose publication can trigger this subscription."""
        if self.kind == self.Kind.DEMAND:
            return "offer"
        if self.kind == self.Kind.OFFER:
            return "demand"
        return self.target


class MatchAlert(models.Model):
    """A newly published listing that matched a subscription. Unique per (subscription,
    listing): the same pair never alerts twice, whatever re-runs."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("subscription"),
    )
    listing_type = models.CharField(_("listing type"), max_length=8)
    listing_id = models.PositiveBigIntegerField(_("listing"))
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    score = models.FloatField(_("score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    created_at = models.DateTimeField(_("found"), auto_now_add=True, db_index=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True, db_index=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("match alert")
        verbose_name_plural = _("match alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "listing_type", "listing_id"],
                name="matching_alert_once_per_pair",
            )
        ]

    def __str__(self) -> str:
        return self.title
