"""Base models and mixins that every domain app composes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from openstx.core.permissions import RestrictedQuerySet
from openstx.core.text import clean, nfc


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ExternalIdModel(models.Model):
    """A record that can be imported: ``external_id`` makes imports idempotent."""

    external_id = models.CharField(
        _("external ID"), max_length=100, unique=True, null=True, blank=True,
        help_text=_("Identifier in the source system; re-importing updates the same record."),
    )

    class Meta:
        abstract = True


class NormalizedTextMixin(models.Model):
    """Normalise every char/text field to NFC before saving (plain fields also trimmed)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        for field in self._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                value = getattr(self, field.attname)
                if isinstance(value, str):
                    normalised = clean(value) if isinstance(field, models.CharField) else nfc(value).strip()
                    setattr(self, field.attname, normalised)
        super().save(*args, **kwargs)


class BaseQuerySet(RestrictedQuerySet):
    pass
