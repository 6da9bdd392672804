"""Code lists: fields of science, technology readiness levels, administrative units."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from openstx.core.models import NormalizedTextMixin


class BilingualNameMixin(models.Model):
    # some QĐ 12/2008 field names run to ~280 characters
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=500)
    name_en = models.CharField(_("name (English)"), max_length=500, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        """The name in the active language, falling back to Vietnamese."""
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


class FieldOfScience(NormalizedTextMixin, BilingualNameMixin):
    """A field of science and technology (QĐ 12/2008 codes, to be replaced by TT 24/2025)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    source = models.TextField(_("source"), blank=True)
    is_active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("field of science")
        verbose_name_plural = _("fields of science")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def ancestor_codes(self) -> list[str]:
        """Codes of this field and its ancestors, most general first (codes are prefixes)."""
        return [self.code[:n] for n in (1, 3, 5, 7) if n <= len(self.code)]


class TechnologyReadinessLevel(NormalizedTextMixin, BilingualNameMixin):
    level = models.PositiveSmallIntegerField(_("level"), primary_key=True)
    code = models.CharField(_("code"), max_length=8, unique=True)
    name_vi_short = models.CharField(_("short name (Vietnamese)"), max_length=255, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["level"]
        verbose_name = _("technology readiness level")
        verbose_name_plural = _("technology readiness levels")

    def __str__(self) -> str:
        return f"TRL {self.level} – {self.name_vi_short or self.name}"


class AdministrativeUnit(NormalizedTextMixin, models.Model):
    """Province, district or ward. Units abolished by the 2025 reorganisation are kept for old
    records (``is_current=False``) and point to the unit that absorbed them (``successor``)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province / centrally-governed city")
        DISTRICT = 2, _("district")
        WARD = 3, _("ward / commune")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    division_type = models.CharField(_("division type"), max_length=64, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    is_current = models.BooleanField(_("current (after the 2025 reorganisation)"), default=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        verbose_name=_("successor"),
    )
    name_folded = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        indexes = [models.Index(fields=["level", "is_current"])]

    def __str__(self) -> str:
        if self.is_current:
            return self.name
        return _("%(name)s (before 2025)") % {"name": self.name}

    def save(self, *args, **kwargs):
        from openstx.core.text import fold

        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class CodeListVersion(models.Model):
    """Which version of a shipped code list the database holds: the checksum of its source files
    (and loader). ``migrate`` loads a list again only when the shipped checksum differs."""

    name = models.CharField(_("code list"), max_length=32, primary_key=True)
    checksum = models.CharField(pgettext_lazy("code list", "checksum"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("code list version")
        verbose_name_plural = _("code list versions")

    def __str__(self) -> str:
        return f"{self.name} {self.checksum[:12]}"
