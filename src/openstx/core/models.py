"""Base models and mixins that every domain app composes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openstx.core.permissions import RestrictedQuerySet
from openstx.core.text import clean, nfc

#: (field, language) → {value: label}: the labels of a field's choices, cast once per language
_LABELS: dict[tuple[int, str], dict[Any, str]] = {}


def choice_labels(field: models.Field) -> dict[Any, str]:
    """The field's choices as ``{value: label}`` in the active language, built once per field
    and language (Django's ``get_FOO_display()`` hashes and casts every lazy label of the field
    on each call: a list of 20 cards paid it 20 times per badge)."""
    key = (id(field), translation.get_language() or "")
    labels = _LABELS.get(key)
    if labels is None:
        labels = {make_hashable(v): str(label) for v, label in field.flatchoices}
        _LABELS[key] = labels
    return labels


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:  # noqa: N802 — Django's name
        """``get_FOO_display()`` from labels precomputed per language (``choice_labels``)."""
        value = getattr(self, field.attname)
        return choice_labels(field).get(make_hashable(value), value)


class ExternalIdModel(models.Model):
    """A record that can be imported: ``external_id`` makes imports idempotent."""

    external_id = models.CharField(
        _("external ID"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Identifier in the source system; re-importing updates the same record."),
    )

    class Meta:
        abstract = True


class NormalizedTextMixin(models.Model):
    """Normalise every char/text field to NFC before saving (plain fields also trimmed)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # text normalisation and the model's compute_derived(): core.derived, shared with bulk
        from openstx.core.derived import fill

        names = fill(self)
        if kwargs.get("update_fields") is not None and names:
            kwargs["update_fields"] = sorted(set(kwargs["update_fields"]) | set(names))
        super().save(*args, **kwargs)

    def normalize_text(self) -> list[str]:
        """NFC-normalise the text fields in memory; return the names of those that changed."""
        changed = []
        for attname, plain in _text_fields(type(self)):
            value = getattr(self, attname)
            if isinstance(value, str):
                normalised = clean(value) if plain else nfc(value).strip()
                if normalised != value:
                    setattr(self, attname, normalised)
                    changed.append(attname)
        return changed


_TEXT_FIELDS: dict[type, list[tuple[str, bool]]] = {}


def _text_fields(model: type[models.Model]) -> list[tuple[str, bool]]:
    """(attname, is a one-line CharField) of the model's text fields, computed once per class."""
    fields = _TEXT_FIELDS.get(model)
    if fields is None:
        fields = [
            (f.attname, isinstance(f, models.CharField))
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        _TEXT_FIELDS[model] = fields
    return fields


class BaseQuerySet(RestrictedQuerySet):
    pass


class Job(TimeStampedModel):
    """A long-running background job (import, OCR, reindex, report) and its progress.

    The user who started it sees its state and progress bar; staff see all jobs.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    message = models.CharField(pgettext_lazy("job", "message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # what core.jobs needs to send the job again when its worker died (see core.jobs.requeue)
    task_name = models.CharField(_("task"), max_length=200, blank=True)
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED}


class Notification(models.Model):
    """An in-app notice for one user (the e-mail carries the same text), written by
    :func:`openstx.core.notifications.notify` for every area."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(_("what"), max_length=32)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        # the table the exchange created before notifications moved here
        db_table = "exchange_notification"
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="exchange_no_user_id_557a87_idx")]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Which notices a user also gets by e-mail (in-app notices are always kept)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(_("send notices by e-mail"), default=True)
    muted_verbs = models.JSONField(
        _("kinds of notice not sent by e-mail"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def wants_email(self, verb: str) -> bool:
        return self.email and verb not in (self.muted_verbs or [])
