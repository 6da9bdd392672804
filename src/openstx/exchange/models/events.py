"""Events: technology fairs (Techmart) and matchmaking sessions with their listings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openstx.core.models import (
    BaseQuerySet,
    ExternalIdModel,
    NormalizedTextMixin,
    TimeStampedModel,
)
from openstx.core.richtext import sanitize_html
from openstx.core.text import slugify_vi
from openstx.exchange.models.listings import RESERVED_SLUGS, Demand, Offer


class Event(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    """A technology fair (Techmart) or matchmaking session.

    Officers prepare it as a draft, publish it (the public then sees it and members register
    their listings), and may cancel it; see ``services.save_event`` / ``event_transition``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    registration_open = models.BooleanField(
        _("registration open"),
        default=True,
        help_text=_("Members may register their published listings until the event ends."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    slug = models.SlugField(_("slug"), max_length=100, blank=True)
    start_date = models.DateField(_("date"), db_index=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    offers = models.ManyToManyField(
        Offer, blank=True, related_name="events", verbose_name=_("registered offers")
    )
    demands = models.ManyToManyField(
        Demand, blank=True, related_name="events", verbose_name=_("registered demands")
    )
    participants = models.ManyToManyField(
        "directory.Organization",
        blank=True,
        related_name="exchange_events",
        verbose_name=_("participating organisations"),
    )

    history = HistoricalRecords()
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.description = sanitize_html(self.description)
        if not self.slug:
            self.slug = slugify_vi(self.title, 100)
        if self.slug in RESERVED_SLUGS | {"action", "unregister"}:
            self.slug += "-1"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("exchange:event-detail", args=[self.pk, self.slug or "-"])

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.CANCELLED)

    @property
    def last_day(self):
        return self.end_date or self.start_date
