from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from openstx.core.admin import SingletonAdmin
from openstx.reports.models import BudgetYear, GeneratedReport, ReportLetterhead, ReportNarrative


@admin.register(BudgetYear)
class BudgetYearAdmin(SimpleHistoryAdmin):
    list_display = [
        "year",
        "development_investment_vnd",
        "recurrent_vnd",
        "total_provincial_budget_vnd",
    ]


@admin.register(ReportNarrative)
class ReportNarrativeAdmin(SimpleHistoryAdmin):
    list_display = ["year_from", "year_to", "section", "updated_by", "updated_at"]
    list_filter = ["section"]


@admin.register(GeneratedReport)
class GeneratedReportAdmin(admin.ModelAdmin):
    list_display = ["year_from", "year_to", "format", "created_by", "created_at"]
    readonly_fields = ["job", "file", "created_by"]


@admin.register(ReportLetterhead)
class ReportLetterheadAdmin(SingletonAdmin, SimpleHistoryAdmin):
    """The periodic report's official header (``/admin/reports/reportletterhead/``)."""

    fields = [
        "governing_body",
        "department",
        "document_number",
        "province",
        "signer_title",
        "signer_name",
        "recipients",
    ]
