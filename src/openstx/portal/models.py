"""Portal: news and calls for proposals, the service catalogue and tracked requests, support
programmes and applications, start-up profiles, contact messages."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from openstx.core.models import BaseQuerySet, ExternalIdModel, NormalizedTextMixin, TimeStampedModel
from openstx.core.text import slugify_vi


def _path(prefix: str, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"portal/{prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


def article_image_path(instance, filename: str) -> str:
    return _path("articles", filename)


def article_thumb_path(instance, filename: str) -> str:
    return _path("thumbs", filename)


def attachment_path(instance, filename: str) -> str:
    return _path("attachments", filename)


def lines(text: str) -> list[str]:
    return [ln.strip(" -•\t") for ln in (text or "").splitlines() if ln.strip(" -•\t")]


# --- Articles ---------------------------------------------------------------------------------


class ArticleQuerySet(BaseQuerySet):
    def visible(self, now: dt.datetime | None = None) -> ArticleQuerySet:
        """Published articles whose publication time has come."""
        now = now or timezone.now()
        return self.filter(status=Article.Status.PUBLISHED, publish_at__lte=now)


class Article(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    class Category(models.TextChoices):
        NEWS = "news", _("News")
        CALL = "call", _("Call for proposals")
        POLICY = "policy", _("Policy")
        EVENT = "event", _("Event")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, blank=True)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.NEWS, db_index=True
    )
    summary = models.CharField(_("summary"), max_length=600, blank=True)
    body = models.TextField(_("body"), blank=True, help_text=_("Rich text; sanitised on save."))
    image = models.ImageField(_("image"), upload_to=article_image_path, max_length=200, blank=True)
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to=article_thumb_path, max_length=200, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("A time in the future keeps the article hidden until then."),
    )
    # True once the publication time has passed and the search index was told (scope public)
    live = models.BooleanField(default=False, editable=False, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_articles",
        verbose_name=_("author"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_articles",
        verbose_name=_("organisation"),
        help_text=_("For events: the incubator or intermediary organisation holding it."),
    )
    tasks = models.ManyToManyField(
        "projects.Task", blank=True, related_name="calls", verbose_name=_("S&T tasks concerned")
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    event_start = models.DateTimeField(_("event starts"), null=True, blank=True)
    event_place = models.CharField(_("event place"), max_length=300, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        from openstx.core.richtext import sanitize_html

        if not self.slug:
            self.slug = slugify_vi(self.title, 100)
        self.body = sanitize_html(self.body)
        self.live = self.is_visible
        super().save(*args, **kwargs)

    @property
    def is_visible(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_call(self) -> bool:
        return self.category == self.Category.CALL

    @property
    def is_closed(self) -> bool:
        return self.is_call and self.deadline is not None and self.deadline < timezone.now()

    def get_absolute_url(self) -> str:
        return reverse("portal:article-detail", args=[self.pk, self.slug or "-"])


# --- Services and requests ------------------------------------------------------------------


class Service(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    class Category(models.TextChoices):
        CONSULTING = "consulting", _("Technology consulting")
        VALUATION = "valuation", _("Technology valuation")
        TRANSFER = "transfer", _("Registration of technology-transfer contracts")
        IP = "ip", _("IP filing support")
        LAB = "lab", _("Laboratory analysis")
        CALIBRATION = "calibration", _("Testing and calibration")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, blank=True)
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=Category.choices,
        default=Category.OTHER,
        db_index=True,
    )
    provider = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_services",
        verbose_name=_("provider"),
        help_text=_("Empty: the department itself."),
    )
    description = models.TextField(_("what it is"), blank=True)
    steps = models.TextField(_("process steps"), blank=True, help_text=_("One step per line."))
    fees = models.CharField(_("fees"), max_length=500, blank=True)
    documents_required = models.TextField(
        _("documents required"), blank=True, help_text=_("One document per line.")
    )
    expected_days = models.PositiveIntegerField(_("expected time (days)"), default=10)
    active = models.BooleanField(pgettext_lazy("in use", "active"), default=True, db_index=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["category", "title"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        from openstx.core.richtext import sanitize_html

        if not self.slug:
            self.slug = slugify_vi(self.title, 100)
        self.description = sanitize_html(self.description)
        super().save(*args, **kwargs)

    @property
    def step_list(self) -> list[str]:
        return lines(self.steps)

    @property
    def document_list(self) -> list[str]:
        return lines(self.documents_required)

    def get_absolute_url(self) -> str:
        return reverse("portal:service-detail", args=[self.pk, self.slug or "-"])


class ServiceRequest(NormalizedTextMixin, TimeStampedModel):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")

    OPEN = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="requests", verbose_name=_("service")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("requester"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
        verbose_name=_("on behalf of"),
    )
    subject = models.CharField(_("subject"), max_length=300)
    details = models.TextField(_("details"))
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_service_requests",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"YC-{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()

    def get_absolute_url(self) -> str:
        return reverse("portal:request-detail", args=[self.pk])


class RequestTransition(models.Model):
    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("request"),
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("request transition")
        verbose_name_plural = _("request transitions")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def to_label(self) -> str:
        return str(ServiceRequest.Status(self.to_status).label)


class RequestMessage(NormalizedTextMixin, models.Model):
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="messages", verbose_name=_("request")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("request message")
        verbose_name_plural = _("request messages")

    def __str__(self) -> str:
        return self.body[:80]


class Attachment(TimeStampedModel):
    """A file on a service request or a programme application (checked by core.uploads)."""

    request = models.ForeignKey(
        ServiceRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("request"),
    )
    application = models.ForeignKey(
        "Application",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("application"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("name"), max_length=200)
    mime_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:attachment", args=[self.pk])


# --- Support programmes and applications ----------------------------------------------------


class Programme(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    eligibility = models.TextField(_("eligibility"), blank=True)
    support_rate = models.DecimalField(
        _("support rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Share of the eligible cost the programme pays."),
    )
    min_amount_vnd = models.BigIntegerField(_("minimum amount (VND)"), null=True, blank=True)
    max_amount_vnd = models.BigIntegerField(_("maximum amount (VND)"))
    opens_at = models.DateField(_("applications open"))
    closes_at = models.DateField(_("applications close"))
    required_documents = models.TextField(
        _("required documents"), blank=True, help_text=_("One document per line.")
    )
    active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "title"]
        verbose_name = _("support programme")
        verbose_name_plural = _("support programmes")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        from openstx.core.richtext import sanitize_html

        if not self.slug:
            self.slug = slugify_vi(self.title, 100)
        self.description = sanitize_html(self.description)
        super().save(*args, **kwargs)

    def is_open(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.active and self.opens_at <= today <= self.closes_at

    @property
    def window_open(self) -> bool:
        return self.is_open()

    @property
    def document_list(self) -> list[str]:
        return lines(self.required_documents)

    def get_absolute_url(self) -> str:
        return reverse("portal:programme-detail", args=[self.pk, self.slug or "-"])


class Application(NormalizedTextMixin, TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.SUBMITTED, Status.UNDER_REVIEW)

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("programme"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="support_applications",
        verbose_name=_("organisation"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="support_applications",
        verbose_name=_("applicant"),
    )
    project_title = models.CharField(_("project"), max_length=300)
    summary = models.TextField(_("summary"))
    total_cost_vnd = models.BigIntegerField(_("total cost (VND)"), null=True, blank=True)
    requested_amount_vnd = models.BigIntegerField(_("amount requested (VND)"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    approved_amount_vnd = models.BigIntegerField(_("amount approved (VND)"), null=True, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, db_index=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"{self.programme} — {self.organization}"

    @property
    def reference(self) -> str:
        return f"HT-{self.pk or 0:06d}"

    def checklist_items(self) -> list[tuple[str, bool]]:
        return [(doc, bool(self.checklist.get(doc))) for doc in self.programme.document_list]

    def get_absolute_url(self) -> str:
        return reverse("portal:application-detail", args=[self.pk])


class ApplicationTransition(models.Model):
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("application"),
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("application transition")
        verbose_name_plural = _("application transitions")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def to_label(self) -> str:
        return str(Application.Status(self.to_status).label)


# --- Start-ups ---------------------------------------------------------------------------------


class StartupProfile(NormalizedTextMixin, TimeStampedModel):
    class Stage(models.TextChoices):
        IDEA = "idea", _("Idea")
        PROTOTYPE = "prototype", _("Prototype")
        MVP = "mvp", _("Minimum viable product")
        MARKET = "market", _("First customers")
        GROWTH = "growth", _("Growth")

    organization = models.OneToOneField(
        "directory.Organization",
        on_delete=models.CASCADE,
        related_name="startup_profile",
        verbose_name=_("organisation"),
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.IDEA, db_index=True
    )
    field = models.ForeignKey(
        "taxonomy.FieldOfScience",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("field"),
    )
    team_size = models.PositiveIntegerField(_("team size"), default=1)
    founded_year = models.PositiveSmallIntegerField(_("founded"), null=True, blank=True)
    pitch = models.CharField(_("one-line pitch"), max_length=300, blank=True)
    support_received = models.TextField(_("support received"), blank=True)
    incubator = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incubated_startups",
        verbose_name=_("incubator"),
    )

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name"]
        verbose_name = _("start-up profile")
        verbose_name_plural = _("start-up profiles")

    def __str__(self) -> str:
        return str(self.organization)

    def get_absolute_url(self) -> str:
        return reverse("portal:startup-detail", args=[self.pk])


# --- Contact -------------------------------------------------------------------------------------


class ContactMessage(NormalizedTextMixin, TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    message = models.TextField(_("message"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    handled = models.BooleanField(_("handled"), default=False)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")

    def __str__(self) -> str:
        return self.subject


class DepartmentContact(TimeStampedModel):
    """The department's address, phone, e-mail, office hours and map: one row, edited by staff
    in the admin (``/admin/portal/departmentcontact/``), shown on the contact page. Texts people
    read have an English version; an empty one falls back to the Vietnamese."""

    name = models.CharField(_("department name"), max_length=200, blank=True)
    name_en = models.CharField(_("department name (English)"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    office_hours = models.TextField(_("office hours"), blank=True)
    office_hours_en = models.TextField(_("office hours (English)"), blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department contact details")
        verbose_name_plural = _("department contact details")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="contact_singleton")]

    def __str__(self) -> str:
        return str(_("Department contact details"))

    @classmethod
    def load(cls) -> DepartmentContact:
        """The one row (created empty the first time)."""
        return cls.objects.get_or_create(pk=1)[0]
