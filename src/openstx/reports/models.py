"""Figures staff enter (the provincial budget) and what the periodic report keeps."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openstx.core.models import BaseQuerySet, TimeStampedModel


class BudgetYear(TimeStampedModel):
    """The province's S&T budget for one year, as staff enter it from the budget decision."""

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    development_investment_vnd = models.BigIntegerField(
        _("S&T development investment (VND)"), default=0, validators=[MinValueValidator(0)]
    )
    recurrent_vnd = models.BigIntegerField(
        _("S&T recurrent spending (VND)"), default=0, validators=[MinValueValidator(0)]
    )
    total_provincial_budget_vnd = models.BigIntegerField(
        _("total provincial budget expenditure (VND)"), default=0, validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()
    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["year"]
        verbose_name = _("S&T budget year")
        verbose_name_plural = _("S&T budget years")

    def __str__(self) -> str:
        return str(self.year)

    @property
    def st_total_vnd(self) -> int:
        return self.development_investment_vnd + self.recurrent_vnd

    @property
    def share_percent(self) -> float | None:
        if not self.total_provincial_budget_vnd:
            return None
        return round(100 * self.st_total_vnd / self.total_provincial_budget_vnd, 2)


class ReportNarrative(TimeStampedModel):
    """A section of the periodic report that staff write; kept per period and section."""

    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"))
    section = models.CharField(_("section"), max_length=32)
    text = models.TextField(_("text"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    history = HistoricalRecords()
    objects = BaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("report narrative")
        verbose_name_plural = _("report narratives")
        constraints = [
            models.UniqueConstraint(
                fields=["year_from", "year_to", "section"], name="uniq_narrative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year_from}–{self.year_to} {self.section}"


class GeneratedReport(TimeStampedModel):
    class Format(models.TextChoices):
        DOCX = "docx", "DOCX"
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"

    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"))
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    job = models.OneToOneField(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="report"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("generated report")
        verbose_name_plural = _("generated reports")

    def __str__(self) -> str:
        return f"{self.year_from}–{self.year_to}.{self.format}"


class ReportLetterhead(TimeStampedModel):
    """The official header of the periodic report (one row, edited by officers in the admin):
    the governing body and the department on the left with the document number, the national
    motto on the right with the place and date line, as in official correspondence."""

    governing_body = models.CharField(
        _("governing body"), max_length=200, default="UBND THÀNH PHỐ CẦN THƠ"
    )
    department = models.CharField(
        _("department"), max_length=200, default="SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    )
    province = models.CharField(
        _("province or city"),
        max_length=100,
        default="Cần Thơ",
        help_text=_("The place in the date line: “Cần Thơ, ngày … tháng … năm …”."),
    )
    document_number = models.CharField(
        _("document number"),
        max_length=100,
        default="Số:       /BC-SKHCN",
        help_text=_("As printed under the department, e.g. “Số: 123/BC-SKHCN”."),
    )
    signer_title = models.CharField(_("signer's title"), max_length=200, default="GIÁM ĐỐC")
    signer_name = models.CharField(_("signer's name"), max_length=200, blank=True)
    recipients = models.TextField(
        _("recipients (Nơi nhận)"),
        blank=True,
        default="- UBND thành phố;\n- Bộ Khoa học và Công nghệ;\n- Lưu: VT.",
        help_text=_("“Nơi nhận”, one per line."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report letterhead")
        verbose_name_plural = _("report letterhead")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="letterhead_singleton")
        ]

    def __str__(self) -> str:
        return f"{self.governing_body} – {self.department}"

    @classmethod
    def load(cls) -> ReportLetterhead:
        """The one row (created with the defaults above the first time)."""
        return cls.objects.get_or_create(pk=1)[0]
