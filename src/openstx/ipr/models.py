"""IP records (applications and certificates), standards and quality records, training courses."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from openstx.core.models import BaseQuerySet, ExternalIdModel, NormalizedTextMixin, TimeStampedModel
from openstx.core.text import fold


def application_key(number: str | None) -> str:
    """The form of an application number used to find a record again: "4-2019-01234" and
    "4 2019 01234 " are the same application."""
    return "".join(ch for ch in fold(number or "") if ch.isalnum())


class IPType(models.TextChoices):
    TRADEMARK = "trademark", _("Trademark")
    PATENT = "patent", _("Patent (invention)")
    UTILITY_SOLUTION = "utility_solution", _("Utility solution")
    INDUSTRIAL_DESIGN = "industrial_design", _("Industrial design")
    GEOGRAPHICAL_INDICATION = "geographical_indication", _("Geographical indication")
    SOFTWARE_COPYRIGHT = "software_copyright", _("Copyright for software")


class IPStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    FORMALITY = "formality_examination", _("Formality examination")
    PUBLISHED = "published", pgettext_lazy("ip status", "Published")
    SUBSTANTIVE = "substantive_examination", _("Substantive examination")
    GRANTED = "granted", pgettext_lazy("ip status", "Granted")
    REFUSED = "refused", pgettext_lazy("ip status", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("ip status", "Withdrawn")
    LAPSED = "lapsed", _("Lapsed")
    EXPIRED = "expired", pgettext_lazy("ip status", "Expired")


#: Statuses in which a certificate exists (counted as grants).
CERTIFIED_STATUSES = (IPStatus.GRANTED, IPStatus.LAPSED, IPStatus.EXPIRED)
#: Statuses that end the application.
FINAL_STATUSES = (IPStatus.REFUSED, IPStatus.WITHDRAWN, IPStatus.LAPSED, IPStatus.EXPIRED)


class IPRecord(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    """One IP application and, once granted, its certificate (văn bằng)."""

    type = models.CharField(_("type"), max_length=32, choices=IPType.choices, db_index=True)
    title = models.CharField(_("title or mark"), max_length=500)
    applicant_organization = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ip_records",
        verbose_name=_("applicant (organisation)"),
    )
    applicant_name = models.CharField(
        pgettext_lazy("ip", "applicant"),
        max_length=300,
        blank=True,
        help_text=_("The applicant as written on the application (organisation or person)."),
    )
    applicant_address = models.CharField(_("applicant's address"), max_length=500, blank=True)
    application_number = models.CharField(_("application number"), max_length=64, blank=True)
    application_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    application_date = models.DateField(_("application date"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=32, choices=IPStatus.choices, default=IPStatus.FILED, db_index=True
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    certificate_date = models.DateField(_("certificate date"), null=True, blank=True, db_index=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    classes = models.CharField(
        _("classes"),
        max_length=500,
        blank=True,
        help_text=_(
            "Nice classes for marks (1–45), IPC symbols for patents and utility "
            "solutions (A23B 7/16), Locarno classes for designs (09-01); separated by ';'."
        ),
    )
    supported = models.BooleanField(_("supported by the department"), default=False, db_index=True)
    support_amount_vnd = models.BigIntegerField(_("support amount (VND)"), null=True, blank=True)
    support_programme = models.CharField(_("support programme"), max_length=300, blank=True)
    task = models.ForeignKey(
        "projects.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ip_records",
        verbose_name=_("S&T task"),
    )
    task_reference = models.CharField(
        _("S&T task as written"),
        max_length=300,
        blank=True,
        help_text=_("Code or title of the S&T task the record came from."),
    )
    offer = models.ForeignKey(
        "exchange.Offer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ip_records",
        verbose_name=_("technology offer"),
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Shown to everybody; otherwise only to the applicant's members and staff."),
    )
    description = models.TextField(_("description"), blank=True)
    notes = models.TextField(_("staff notes"), blank=True)

    history = HistoricalRecords()
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-application_date", "-pk"]
        verbose_name = _("IP record")
        verbose_name_plural = _("IP records")
        indexes = [models.Index(fields=["type", "status"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.application_key = application_key(self.application_number)
        if not self.applicant_name and self.applicant_organization_id:
            self.applicant_name = self.applicant_organization.name
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from openstx.ipr.classes import normalize_classes

        try:
            self.classes = normalize_classes(self.type, self.classes)
        except ValidationError as exc:
            raise ValidationError({"classes": exc.messages})
        if self.support_amount_vnd and not self.supported:
            raise ValidationError(
                {"support_amount_vnd": _("A support amount needs 'supported' to be set.")}
            )

    def get_absolute_url(self) -> str:
        return reverse("ipr:record-detail", args=[self.pk])

    @property
    def applicant(self) -> str:
        return self.applicant_name or (
            str(self.applicant_organization) if self.applicant_organization_id else ""
        )

    @property
    def year(self) -> int | None:
        return self.application_date.year if self.application_date else None

    @property
    def is_certified(self) -> bool:
        return self.status in CERTIFIED_STATUSES


class IPTransition(models.Model):
    """One step of an IP record's status workflow: who, when, why."""

    record = models.ForeignKey(
        IPRecord, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("IP record")
    )
    from_status = models.CharField(_("from"), max_length=32, choices=IPStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=32, choices=IPStatus.choices)
    date = models.DateField(_("date of the decision"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.record_id}: {self.from_status} → {self.to_status}"


class StandardKind(models.TextChoices):
    IN_HOUSE = "in_house", _("In-house standard declaration (TCCS)")
    CONFORMITY_STANDARD = (
        "conformity_standard",
        _("Conformity declaration to a standard (hợp chuẩn)"),
    )
    CONFORMITY_REGULATION = (
        "conformity_regulation",
        _("Conformity declaration to a regulation (hợp quy)"),
    )
    LABELLING = "labelling", _("Labelling support")
    BARCODE = "barcode", _("Barcode support")


class StandardOutcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("ip status", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("ip status", "Accepted")
    SUPPORTED = "supported", _("Supported")
    RETURNED = "returned", _("Returned for completion")
    REJECTED = "rejected", pgettext_lazy("ip status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("ip status", "Withdrawn")


class StandardRecord(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    """A standards or quality case handled by the department."""

    kind = models.CharField(_("kind"), max_length=32, choices=StandardKind.choices, db_index=True)
    title = models.CharField(_("product or subject"), max_length=500)
    reference = models.CharField(
        _("standard or regulation"),
        max_length=200,
        blank=True,
        help_text=_("E.g. TCCS 01:2019/ABC, TCVN 5603:2023, QCVN 01-190:2020/BNNPTNT."),
    )
    number = models.CharField(_("receipt number"), max_length=64, blank=True, db_index=True)
    organization = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="standard_records",
        verbose_name=_("organisation"),
    )
    organization_name = models.CharField(_("organisation as written"), max_length=300, blank=True)
    received_date = models.DateField(_("received"), null=True, blank=True, db_index=True)
    decision_date = models.DateField(pgettext_lazy("ip", "decided"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=StandardOutcome.choices,
        default=StandardOutcome.PENDING,
        db_index=True,
    )
    support_amount_vnd = models.BigIntegerField(_("support amount (VND)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-received_date", "-pk"]
        verbose_name = _("standards record")
        verbose_name_plural = _("standards records")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.organization_name and self.organization_id:
            self.organization_name = self.organization.name
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("ipr:standard-detail", args=[self.pk])


def dossier_path(instance, filename: str) -> str:
    from uuid import uuid4

    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"ipr/dossiers/{uuid4().hex}.{ext}"


class StandardAttachment(TimeStampedModel):
    """A document of a standards record's dossier (hồ sơ)."""

    record = models.ForeignKey(
        StandardRecord,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("standards record"),
    )
    file = models.FileField(_("file"), upload_to=dossier_path, max_length=200)
    name = models.CharField(_("name"), max_length=200)
    mime_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")

    def __str__(self) -> str:
        return self.name


class TrainingCourse(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    """A training course on IP, standards, quality or technology run or supported by the department."""

    title = models.CharField(_("title"), max_length=300)
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True, db_index=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    trainers = models.CharField(_("trainers"), max_length=500, blank=True)
    organizer = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_courses",
        verbose_name=_("organiser"),
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ipr:course-detail", args=[self.pk])

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The course cannot end before it starts.")})


class Attendance(NormalizedTextMixin, TimeStampedModel):
    course = models.ForeignKey(
        TrainingCourse,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("training course"),
    )
    name = models.CharField(_("attendee"), max_length=200)
    organization = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_attendances",
        verbose_name=_("organisation"),
    )
    organization_name = models.CharField(_("organisation as written"), max_length=300, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    attended = models.BooleanField(_("attended"), default=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return self.name
