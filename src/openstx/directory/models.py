"""Directory of S&T organisations, experts (researchers) and their publications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openstx.core.models import BaseQuerySet, ExternalIdModel, NormalizedTextMixin, TimeStampedModel
from openstx.core.text import fold, slugify_vi


class Organization(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    class Type(models.TextChoices):
        UNIVERSITY = "university", _("University / college")
        RESEARCH_INSTITUTE = "research_institute", _("Research institute")
        PUBLIC_ST_UNIT = "public_st_unit", _("Public S&T unit")
        ST_ENTERPRISE = "st_enterprise", _("S&T enterprise")
        ENTERPRISE = "enterprise", _("Enterprise")
        STARTUP = "startup", _("Start-up")
        INTERMEDIARY = "intermediary", _("Intermediary organisation")
        STATE_AGENCY = "state_agency", _("State agency")
        HOSPITAL = "hospital", _("Hospital")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, blank=True)
    type = models.CharField(
        _("type"), max_length=32, choices=Type.choices, default=Type.OTHER, db_index=True
    )
    tax_code = models.CharField(_("tax or registration code"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    admin_unit = models.ForeignKey(
        "taxonomy.AdministrativeUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organizations",
        verbose_name=_("province / city"),
    )
    fields = models.ManyToManyField(
        "taxonomy.FieldOfScience",
        blank=True,
        related_name="organizations",
        verbose_name=_("fields of science"),
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    verified = models.BooleanField(_("verified by the department"), default=False)
    # registered by one of its own people (not imported or entered by the department): hidden
    # from the public and its listings unpublishable until an officer verifies it
    awaiting_verification = models.BooleanField(
        _("awaiting verification"), default=False, db_index=True
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("registered by"),
    )
    # folded (accent-free, lower-case) text for the simple "q" filter; the search index is the
    # real search, this keeps lists filterable without it
    search_folded = models.TextField(editable=False, blank=True, default="")

    history = HistoricalRecords(m2m_fields=[fields], excluded_fields=["search_folded"])
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def compute_derived(self) -> list[str]:
        """Derived fields, for save() and bulk writers alike (``openstx.core.derived``)."""
        if not self.slug:
            self.slug = slugify_vi(self.short_name or self.name, 100)
        self.search_folded = self.compute_search_folded()
        return ["slug", "search_folded"]

    def compute_search_folded(self) -> str:
        return fold(" ".join(filter(None, [self.name, self.short_name, self.tax_code])))

    def get_absolute_url(self) -> str:
        return reverse("directory:organization-detail", args=[self.pk, self.slug or "-"])


class Expert(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    """A researcher or specialist. Contact details are for signed-in members only."""

    class AcademicTitle(models.TextChoices):
        NONE = "", _("—")
        GS = "GS", _("Professor (GS)")
        PGS = "PGS", _("Associate professor (PGS)")

    class Degree(models.TextChoices):
        NONE = "", _("—")
        TSKH = "TSKH", _("Doctor of Science (TSKH)")
        TS = "TS", _("Doctor (TS)")
        THS = "ThS", _("Master (ThS)")
        BS_CK = "BSCK", _("Specialist physician (BSCK)")
        KS = "KS", _("Engineer (KS)")
        CN = "CN", _("Bachelor (CN)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
        verbose_name=_("user account"),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, blank=True)
    academic_title = models.CharField(
        _("academic title"), max_length=8, choices=AcademicTitle.choices, blank=True, db_index=True
    )
    degree = models.CharField(
        _("degree"), max_length=8, choices=Degree.choices, blank=True, db_index=True
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experts",
        verbose_name=_("organisation"),
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    fields = models.ManyToManyField(
        "taxonomy.FieldOfScience",
        blank=True,
        related_name="experts",
        verbose_name=_("fields of science"),
    )
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Separated by commas or semicolons.")
    )
    biography = models.TextField(_("biography"), blank=True)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    open_to_consulting = models.BooleanField(_("open to consulting"), default=False)
    search_folded = models.TextField(editable=False, blank=True, default="")

    history = HistoricalRecords(m2m_fields=[fields], excluded_fields=["search_folded"])
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self) -> str:
        return self.display_name

    def compute_derived(self) -> list[str]:
        """Derived fields, for save() and bulk writers alike (``openstx.core.derived``)."""
        if not self.slug:
            self.slug = slugify_vi(self.full_name, 100)
        self.search_folded = self.compute_search_folded()
        return ["slug", "search_folded"]

    def compute_search_folded(self) -> str:
        return fold(" ".join(filter(None, [self.full_name, self.keywords, self.position])))

    @property
    def display_name(self) -> str:
        """ "PGS.TS. Nguyễn Văn A" — the form used on Vietnamese documents."""
        prefix = ".".join(p for p in (self.academic_title, self.degree) if p)
        return f"{prefix}. {self.full_name}" if prefix else self.full_name

    @property
    def keyword_list(self) -> list[str]:
        import re

        return [k.strip() for k in re.split(r"[;,]", self.keywords) if k.strip()]

    def get_absolute_url(self) -> str:
        return reverse("directory:expert-detail", args=[self.pk, self.slug or "-"])


class Publication(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    class Kind(models.TextChoices):
        INTERNATIONAL = "international", _("International")
        DOMESTIC = "domestic", _("Domestic")

    title = models.CharField(_("title"), max_length=500)
    authors_text = models.CharField(_("authors as printed"), max_length=1000, blank=True)
    experts = models.ManyToManyField(
        Expert, blank=True, related_name="publications", verbose_name=_("authors in the directory")
    )
    venue = models.CharField(_("journal or proceedings"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DOMESTIC)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    url = models.URLField(_("link"), blank=True)

    history = HistoricalRecords(m2m_fields=[experts])
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return self.title
