"""Offers and demands: the shared listing fields, statuses, transfer modes, images,
attachments and the moderation log."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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
from openstx.core.richtext import plain_text, sanitize_html
from openstx.core.text import slugify_vi

RESERVED_SLUGS = {"edit", "new", "register"}
TRL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(9)]


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting moderation")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")
    PAUSED = "paused", _("Paused")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TransferMode(models.TextChoices):
    SALE = "sale", _("Sale of ownership")
    EXCLUSIVE = "licence_exclusive", _("Exclusive licence")
    NON_EXCLUSIVE = "licence_nonexclusive", _("Non-exclusive licence")
    JOINT_VENTURE = "joint_venture", _("Joint venture / capital contribution")
    RND = "rnd_cooperation", _("R&D cooperation")
    CONSULTING = "consulting_training", _("Consulting and training")


class Listing(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    """What offers and demands share: title, slug, fields, region, life cycle, validity."""

    RICH_FIELDS: tuple[str, ...] = ()
    # Changing one of these after publication sends the listing back to moderation.
    SUBSTANTIVE_FIELDS: tuple[str, ...] = ()

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Separated by commas or semicolons.")
    )
    region = models.ForeignKey(
        "taxonomy.AdministrativeUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("region"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ListingStatus.choices,
        default=ListingStatus.DRAFT,
        db_index=True,
    )
    moderation_note = models.TextField(
        _("moderation note"),
        blank=True,
        help_text=_("Reasons given when the listing was rejected."),
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reconfirm_sent_at = models.DateTimeField(_("re-confirmation requested"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = BaseQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    def compute_derived(self) -> list[str]:
        """Derived fields, for save() and bulk writers alike (``openstx.core.derived``)."""
        for name in self.RICH_FIELDS:
            setattr(self, name, sanitize_html(getattr(self, name)))
        if not self.slug:
            self.slug = slugify_vi(self.title, 100)
        if self.slug in RESERVED_SLUGS:
            self.slug += "-1"
        return [*self.RICH_FIELDS, "slug"]

    @property
    def is_public(self) -> bool:
        return self.status == ListingStatus.PUBLISHED

    @property
    def keyword_list(self) -> list[str]:
        import re

        return [k.strip() for k in re.split(r"[;,]", self.keywords) if k.strip()]

    @property
    def organization(self):
        raise NotImplementedError


class Offer(Listing):
    """A technology, equipment, service or solution offered by an organisation (chào bán)."""

    class Kind(models.TextChoices):
        TECHNOLOGY = "technology", _("Technology")
        EQUIPMENT = "equipment", _("Equipment")
        SERVICE = "service", _("Service")
        SOLUTION = "solution", _("Solution")

    RICH_FIELDS = ("description", "confidential_detail")
    SUBSTANTIVE_FIELDS = (
        "title",
        "summary",
        "description",
        "kind",
        "trl",
        "advantages",
        "applications",
        "ip_items",
        "transfer_modes",
        "price_vnd",
        "price_negotiable",
        "owner_id",
        "origin",
        "confidential_detail",
    )

    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.TECHNOLOGY, db_index=True
    )
    summary = models.CharField(_("one-line summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    fields = models.ManyToManyField(
        "taxonomy.FieldOfScience",
        blank=True,
        related_name="offers",
        verbose_name=_("fields of science"),
    )
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"),
        null=True,
        blank=True,
        validators=TRL_VALIDATORS,
        db_index=True,
    )
    advantages = models.TextField(_("advantages over existing solutions"), blank=True)
    applications = models.TextField(pgettext_lazy("technology uses", "applications"), blank=True)
    ip_items = models.TextField(
        _("intellectual property"),
        blank=True,
        help_text=_("Patents, utility solutions, designs… one per line."),
    )
    transfer_modes = models.CharField(
        _("transfer modes"),
        max_length=200,
        blank=True,
        help_text=_("Codes separated by commas."),
    )
    price_vnd = models.BigIntegerField(
        _("price (VND)"), null=True, blank=True, validators=[MinValueValidator(0)], db_index=True
    )
    price_negotiable = models.BooleanField(_("price negotiable"), default=False)
    owner = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("owner organisation"),
    )
    origin = models.CharField(
        _("origin"),
        max_length=500,
        blank=True,
        help_text=_("The S&T task or project the offer came from."),
    )
    confidential_detail = models.TextField(
        _("confidential detail"),
        blank=True,
        help_text=_("Shown only to staff and to parties whose connection you accepted."),
    )

    history = HistoricalRecords(m2m_fields=[fields], excluded_fields=["reconfirm_sent_at"])

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("technology offer")
        verbose_name_plural = _("technology offers")
        indexes = [models.Index(fields=["status", "-published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_vnd__isnull=True) | models.Q(price_vnd__gte=0),
                name="offer_price_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(trl__isnull=True) | models.Q(trl__gte=1, trl__lte=9),
                name="offer_trl_range",
            ),
        ]

    @property
    def organization(self):
        return self.owner

    @property
    def organization_id(self) -> int:
        return self.owner_id

    @property
    def transfer_mode_list(self) -> list[str]:
        return [m for m in self.transfer_modes.split(",") if m]

    def get_transfer_modes_display(self) -> list[str]:
        labels = dict(TransferMode.choices)
        return [str(labels.get(m, m)) for m in self.transfer_mode_list]

    @property
    def summary_text(self) -> str:
        return self.summary or plain_text(self.description, 200)

    def get_absolute_url(self) -> str:
        return reverse("exchange:offer-detail", args=[self.pk, self.slug or "-"])


class Demand(Listing):
    """A technology need posted by a business (nhu cầu công nghệ)."""

    RICH_FIELDS = ("problem", "desired_outcome", "constraints")
    SUBSTANTIVE_FIELDS = (
        "title",
        "problem",
        "desired_outcome",
        "constraints",
        "min_trl",
        "budget_min_vnd",
        "budget_max_vnd",
        "deadline",
        "requester_id",
        "requester_anonymous",
    )

    problem = models.TextField(_("problem"), blank=True)
    desired_outcome = models.TextField(_("desired outcome"), blank=True)
    constraints = models.TextField(_("constraints"), blank=True)
    fields = models.ManyToManyField(
        "taxonomy.FieldOfScience",
        blank=True,
        related_name="demands",
        verbose_name=_("fields of science"),
    )
    min_trl = models.PositiveSmallIntegerField(
        _("minimum TRL"), null=True, blank=True, validators=TRL_VALIDATORS, db_index=True
    )
    budget_min_vnd = models.BigIntegerField(
        _("budget from (VND)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    budget_max_vnd = models.BigIntegerField(
        _("budget up to (VND)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        db_index=True,
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    requester = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="demands",
        verbose_name=_("requester organisation"),
    )
    requester_anonymous = models.BooleanField(
        _("show the requester anonymously"),
        default=False,
        help_text=_("The public sees the demand but not who posted it."),
    )

    history = HistoricalRecords(m2m_fields=[fields], excluded_fields=["reconfirm_sent_at"])

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("technology demand")
        verbose_name_plural = _("technology demands")
        indexes = [models.Index(fields=["status", "-published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min_vnd__isnull=True) | models.Q(budget_min_vnd__gte=0),
                name="demand_budget_min_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_max_vnd__isnull=True) | models.Q(budget_max_vnd__gte=0),
                name="demand_budget_max_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_min_vnd__isnull=True)
                | models.Q(budget_max_vnd__isnull=True)
                | models.Q(budget_min_vnd__lte=models.F("budget_max_vnd")),
                name="demand_budget_min_le_max",
            ),
            models.CheckConstraint(
                condition=models.Q(min_trl__isnull=True) | models.Q(min_trl__gte=1, min_trl__lte=9),
                name="demand_trl_range",
            ),
        ]

    @property
    def organization(self):
        return self.requester

    @property
    def organization_id(self) -> int:
        return self.requester_id

    @property
    def summary_text(self) -> str:
        return plain_text(self.problem, 200)

    def get_absolute_url(self) -> str:
        return reverse("exchange:demand-detail", args=[self.pk, self.slug or "-"])


def _upload_path(kind: str, filename: str) -> str:
    from uuid import uuid4

    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"exchange/{kind}/{uuid4().hex}.{ext}"


def image_path(instance, filename: str) -> str:
    return _upload_path("images", filename)


def thumbnail_path(instance, filename: str) -> str:
    return _upload_path("thumbs", filename)


def attachment_path(instance, filename: str) -> str:
    return _upload_path("files", filename)


class ListingImage(TimeStampedModel):
    """An offer or demand picture, re-encoded by Pillow, with a thumbnail."""

    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.CASCADE, related_name="images"
    )
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(_("image"), upload_to=image_path, max_length=200)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=thumbnail_path, max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self) -> str:
        return self.caption or self.image.name or ""


class ListingAttachment(TimeStampedModel):
    """A document attached to an offer or demand; type checked from its content."""

    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("name"), max_length=200)
    mime_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Only staff and accepted connection parties can download it."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class ListingTransition(models.Model):
    """One step in a listing's life: who, when, from which status to which, why."""

    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=16, choices=ListingStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=ListingStatus.choices)
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
        verbose_name = _("listing transition")
        verbose_name_plural = _("listing transitions")

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class ListingDailyCount(models.Model):
    """How often a listing was looked at and asked about, per day — counts only: no IP
    address, user or browser is stored (``services.listings_counts``)."""

    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.CASCADE, related_name="daily_counts"
    )
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="daily_counts"
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)
    interests = models.PositiveIntegerField(_("interest"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("listing daily count")
        verbose_name_plural = _("listing daily counts")
        constraints = [
            models.UniqueConstraint(fields=["offer", "day"], name="listing_count_offer_day"),
            models.UniqueConstraint(fields=["demand", "day"], name="listing_count_demand_day"),
            models.CheckConstraint(
                condition=models.Q(offer__isnull=True) ^ models.Q(demand__isnull=True),
                name="listing_count_one_listing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id or self.demand_id} {self.day}: {self.views}/{self.interests}"
