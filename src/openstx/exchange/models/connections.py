"""Connections and deals between a demand and an offer or an expert, with their history,
messages and meetings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from openstx.core.models import (
    BaseQuerySet,
    ExternalIdModel,
    NormalizedTextMixin,
    TimeStampedModel,
)
from openstx.exchange.models.events import Event
from openstx.exchange.models.listings import Demand, Offer


class Connection(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    """A supply–demand connection and, as it progresses, the deal.

    The *seeker* side wants a technology (a demand's requester, or whoever is interested in an
    offer); the *provider* side has it (an offer's owner, an expert, or whoever answers a demand).
    ``responder_side`` says which side must accept or decline.
    """

    class Stage(models.TextChoices):
        # a context: "Requested" is also a date column elsewhere ("Ngày gửi")
        REQUESTED = "requested", pgettext_lazy("connection stage", "Requested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        MEETING = "meeting", _("Meeting(s)")
        MOU = "mou", _("MoU signed")
        CONTRACT = "contract", _("Contract signed")
        CLOSED = "closed", _("Closed")

    class Side(models.TextChoices):
        SEEKER = "seeker", _("Seeker")
        PROVIDER = "provider", _("Provider")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    class ContractType(models.TextChoices):
        TRANSFER = "transfer", _("Technology transfer")
        LICENCE = "licence", _("Licence")
        SERVICE = "service", _("Service")
        RND = "rnd", _("R&D contract")
        EQUIPMENT = "equipment", _("Equipment purchase")
        OTHER = "other", _("Other")

    demand = models.ForeignKey(
        Demand,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="connections",
        verbose_name=_("demand"),
    )
    offer = models.ForeignKey(
        Offer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="connections",
        verbose_name=_("offer"),
    )
    expert = models.ForeignKey(
        "directory.Expert",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="connections",
        verbose_name=_("expert"),
    )
    seeker_org = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("seeker organisation"),
    )
    provider_org = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("provider organisation"),
    )
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="brokered_connections",
        verbose_name=_("broker"),
    )
    responder_side = models.CharField(
        _("who answers"), max_length=8, choices=Side.choices, default=Side.PROVIDER
    )
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="connections",
        verbose_name=_("made at event"),
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.REQUESTED, db_index=True
    )
    message = models.TextField(_("first message"), blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    mou_date = models.DateField(_("MoU date"), null=True, blank=True)
    mou_note = models.TextField(_("MoU note"), blank=True)
    contract_value_vnd = models.BigIntegerField(
        _("contract value (VND)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    contract_type = models.CharField(
        _("contract type"), max_length=16, choices=ContractType.choices, blank=True
    )
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, blank=True, db_index=True
    )
    close_reason = models.TextField(_("reason"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    history = HistoricalRecords()
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contract_value_vnd__isnull=True)
                | models.Q(contract_value_vnd__gte=0),
                name="connection_value_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return " ↔ ".join(self.side_labels())

    def side_labels(self) -> list[str]:
        seeker = str(self.demand) if self.demand_id else str(self.seeker_org or "—")
        if self.offer_id:
            provider = str(self.offer)
        elif self.expert_id:
            provider = str(self.expert)
        else:
            provider = str(self.provider_org or "—")
        return [seeker, provider]

    def get_absolute_url(self) -> str:
        return reverse("exchange:connection-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage not in (self.Stage.DECLINED, self.Stage.CLOSED)


class ConnectionStep(models.Model):
    """The connection's log: every stage change and record, who and when."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=32)
    from_stage = models.CharField(_("from"), max_length=16, choices=Connection.Stage.choices)
    to_stage = models.CharField(_("to"), max_length=16, choices=Connection.Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("connection step")
        verbose_name_plural = _("connection steps")

    def __str__(self) -> str:
        return f"{self.action}: {self.from_stage} → {self.to_stage}"


class Message(NormalizedTextMixin, models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.body[:60]


class Meeting(NormalizedTextMixin, TimeStampedModel):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online = models.BooleanField(_("online"), default=False)
    link = models.URLField(_("meeting link"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d %H:%M} {self.place}"
