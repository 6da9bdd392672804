from django.contrib import admin

from openstx.library.models import BatchItem, Document, DocumentFile, ExtractedPage, Extraction


class DocumentFileInline(admin.TabularInline):
    model = DocumentFile
    extra = 0
    readonly_fields = ("sha256", "size", "mime")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "collection",
        "access_level",
        "status",
        "digitised",
        "needs_review",
        "download_count",
        "updated_at",
    )
    list_filter = ("collection", "access_level", "status", "digitised", "needs_review")
    search_fields = ("title", "external_id", "identifier")
    raw_id_fields = ("uploaded_by",)
    filter_horizontal = ("experts", "organizations")
    inlines = [DocumentFileInline]


class ExtractedPageInline(admin.TabularInline):
    model = ExtractedPage
    extra = 0
    fields = ("number", "source", "confidence", "needs_review")
    readonly_fields = fields


@admin.register(Extraction)
class ExtractionAdmin(admin.ModelAdmin):
    list_display = (
        "sha256",
        "status",
        "method",
        "page_count",
        "ocr_pages",
        "mean_confidence",
        "needs_review",
        "seconds",
    )
    list_filter = ("status", "method", "needs_review")
    search_fields = ("sha256",)
    inlines = [ExtractedPageInline]


@admin.register(BatchItem)
class BatchItemAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "error", "job", "document")
    list_filter = ("status",)
