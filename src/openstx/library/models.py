"""S&T library: documents with Dublin Core metadata, their files and derivatives.

A file's extracted text is a derivative keyed by the SHA-256 of its bytes (``Extraction``):
the same bytes are never extracted twice, whichever document they belong to.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openstx.core.models import BaseQuerySet, ExternalIdModel, NormalizedTextMixin, TimeStampedModel
from openstx.core.text import slugify_vi


class Collection(models.TextChoices):
    TASK_REPORTS = "task_reports", _("S&T task reports")
    PAPERS = "papers", _("Papers")
    PATENTS = "patents", _("Patents")
    STANDARDS = "standards", _("Standards")
    THESES = "theses", _("Theses")
    NEWS = "news", _("News")
    OTHER = "other", _("Other")


class AccessLevel(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Signed-in members")
    STAFF = "staff", _("Department staff")
    RESTRICTED = "restricted", _("Restricted")


class DocumentQuerySet(BaseQuerySet):
    def live(self) -> models.QuerySet:
        return self.filter(deleted_at__isnull=True)

    def oai_public(self) -> models.QuerySet:
        return self.filter(
            deleted_at__isnull=True,
            status=Document.Status.PUBLISHED,
            access_level=AccessLevel.PUBLIC,
        )


class Document(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    # Dublin Core
    title = models.CharField(_("title"), max_length=1000)
    creators = models.JSONField(_("creators"), default=list, blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    date = models.CharField(
        _("date"), max_length=32, blank=True, help_text=_("YYYY, YYYY-MM or YYYY-MM-DD")
    )
    dc_type = models.CharField(_("type"), max_length=100, blank=True)
    dc_format = models.CharField(_("format"), max_length=100, blank=True)
    identifier = models.CharField(_("identifier"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True, default="vi")
    rights = models.CharField(_("rights"), max_length=500, blank=True)

    collection = models.CharField(
        _("collection"),
        max_length=32,
        choices=Collection.choices,
        default=Collection.OTHER,
        db_index=True,
    )
    access_level = models.CharField(
        _("access level"),
        max_length=16,
        choices=AccessLevel.choices,
        default=AccessLevel.PUBLIC,
        db_index=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    digitised = models.BooleanField(_("digitised from paper"), default=False)
    full_text = models.TextField(_("full text"), blank=True)
    needs_review = models.BooleanField(_("OCR needs review"), default=False)
    experts = models.ManyToManyField(
        "directory.Expert", blank=True, related_name="documents", verbose_name=_("experts")
    )
    organizations = models.ManyToManyField(
        "directory.Organization",
        blank=True,
        related_name="documents",
        verbose_name=_("organisations"),
    )
    # The projects app does not exist yet: a free-text reference now, an FK-ready id later.
    task_reference = models.CharField(_("S&T task"), max_length=300, blank=True)
    task_id_ref = models.BigIntegerField(_("S&T task id"), null=True, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_documents",
        verbose_name=_("uploaded by"),
    )
    download_count = models.PositiveIntegerField(_("downloads"), default=0)
    moderation_note = models.TextField(_("moderation note"), blank=True)
    # OAI-PMH: once a record has been public it is kept as a tombstone when deleted or hidden.
    was_public = models.BooleanField(default=False, editable=False, db_index=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, db_index=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["updated_at", "id"], name="library_doc_oai_cursor")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.is_oai_public:
            self.was_public = True
        super().save(*args, **kwargs)

    @property
    def is_oai_public(self) -> bool:
        return (
            self.deleted_at is None
            and self.status == self.Status.PUBLISHED
            and self.access_level == AccessLevel.PUBLIC
        )

    @property
    def slug(self) -> str:
        return slugify_vi(self.title, 60)

    @property
    def year(self) -> int | None:
        head = (self.date or "")[:4]
        return int(head) if head.isdigit() else None

    def get_absolute_url(self) -> str:
        # reverse() once per process: indexing 300,000 documents calls this for each of them
        return _detail_url_pattern().replace("999999999", str(self.pk)).replace("slug-x", self.slug)

    def file_of(self, kind: str) -> DocumentFile | None:
        for item in self.files.all():
            if item.kind == kind:
                return item
        return None


@functools.cache
def _detail_url_pattern() -> str:
    return reverse("library:detail", args=[999999999, "slug-x"])


def _upload_to(instance: DocumentFile, filename: str) -> str:
    return f"library/{instance.sha256[:2]}/{instance.sha256}/{instance.kind}/{filename}"


class DocumentFile(TimeStampedModel):
    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original")
        SEARCHABLE_PDF = "searchable_pdf", _("Searchable PDF")
        TEXT = "text", _("Extracted text")
        PREVIEW = "preview", _("Preview image")

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="files", verbose_name=_("document")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ORIGINAL)
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=500)
    original_name = models.CharField(_("file name"), max_length=300, blank=True)
    mime = models.CharField(_("media type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        constraints = [
            models.UniqueConstraint(fields=["document", "kind"], name="library_one_file_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.original_name or self.file.name} ({self.kind})"


class Extraction(TimeStampedModel):
    """Extracted text of one file's bytes, keyed by content hash: computed once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    mime = models.CharField(_("media type"), max_length=100, blank=True)
    method = models.CharField(_("method"), max_length=32, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    ocr_pages = models.PositiveIntegerField(_("OCR pages"), default=0)
    text = models.TextField(_("text"), blank=True)
    mean_confidence = models.FloatField(_("mean OCR confidence"), null=True, blank=True)
    needs_review = models.BooleanField(_("needs review"), default=False)
    error = models.TextField(_("error"), blank=True)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("text extraction")
        verbose_name_plural = _("text extractions")

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.status})"


class ExtractedPage(models.Model):
    class Source(models.TextChoices):
        TEXT_LAYER = "text", _("Text layer")
        OCR = "ocr", _("OCR")

    extraction = models.ForeignKey(
        Extraction, on_delete=models.CASCADE, related_name="pages", verbose_name=_("extraction")
    )
    number = models.PositiveIntegerField(_("page"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    text = models.TextField(_("text"), blank=True)
    confidence = models.FloatField(_("OCR confidence"), null=True, blank=True)
    needs_review = models.BooleanField(_("needs review"), default=False)

    class Meta:
        ordering = ["extraction", "number"]
        verbose_name = _("extracted page")
        verbose_name_plural = _("extracted pages")
        constraints = [
            models.UniqueConstraint(fields=["extraction", "number"], name="library_page_once")
        ]

    def __str__(self) -> str:
        return f"p. {self.number}"


class BatchItem(TimeStampedModel):
    """One file of a digitisation batch (CLI or staff upload): processed once, failures kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Already in the library")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.CASCADE, related_name="library_items"
    )
    path = models.CharField(_("file"), max_length=1000)
    name = models.CharField(_("file name"), max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    error = models.TextField(_("reason"), blank=True)
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("batch file")
        verbose_name_plural = _("batch files")

    def __str__(self) -> str:
        return self.name
