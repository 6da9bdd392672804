"""Back office for portal records. Article images go through core.uploads (re-encoded)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from openstx.core.admin import SingletonAdmin
from openstx.core.uploads import check_image
from openstx.portal import services
from openstx.portal.models import (
    Application,
    ApplicationTransition,
    Article,
    Attachment,
    ContactMessage,
    DepartmentContact,
    Programme,
    RequestMessage,
    RequestTransition,
    Service,
    ServiceRequest,
    StartupProfile,
)


class ArticleForm(forms.ModelForm):
    upload_image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("PNG, JPEG or WebP; re-encoded, with a thumbnail."),
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "category",
            "summary",
            "body",
            "status",
            "publish_at",
            "organization",
            "tasks",
            "deadline",
            "event_start",
            "event_place",
            "external_id",
        ]

    def clean_upload_image(self) -> Any:
        upload = self.cleaned_data.get("upload_image")
        if upload:
            try:
                check_image(upload)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages)
        return upload


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["title", "category", "status", "publish_at", "live", "organization"]
    list_filter = ["category", "status", "live"]
    search_fields = ["title", "summary"]
    date_hierarchy = "publish_at"
    autocomplete_fields = ["organization", "tasks"]
    readonly_fields = ["slug"]

    def save_model(self, request: Any, obj: Article, form: Any, change: bool) -> None:
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("upload_image")
        if upload:
            services.set_article_image(obj, upload)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "provider", "expected_days", "active"]
    list_filter = ["category", "active"]
    search_fields = ["title"]
    autocomplete_fields = ["provider"]


class RequestTransitionInline(admin.TabularInline):
    model = RequestTransition
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "comment", "created_at"]
    can_delete = False


class RequestMessageInline(admin.TabularInline):
    model = RequestMessage
    extra = 0
    readonly_fields = ["author", "body", "created_at"]
    can_delete = False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "service",
        "requester",
        "status",
        "assignee",
        "due_date",
    ]
    list_filter = ["status", "service__category"]
    search_fields = ["subject", "requester__email"]
    readonly_fields = ["service", "requester", "organization", "status", "closed_at"]
    inlines = [RequestTransitionInline, RequestMessageInline]

    def has_add_permission(self, request: Any) -> bool:
        return False  # requests are filed by requesters; transitions go through the pages


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "opens_at", "closes_at", "max_amount_vnd", "active"]
    list_filter = ["active"]
    search_fields = ["title"]


class ApplicationTransitionInline(admin.TabularInline):
    model = ApplicationTransition
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "comment", "created_at"]
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "programme",
        "organization",
        "status",
        "requested_amount_vnd",
        "approved_amount_vnd",
        "decided_at",
    ]
    list_filter = ["status", "programme"]
    search_fields = ["project_title", "organization__name"]
    readonly_fields = ["status", "approved_amount_vnd", "decided_by", "decided_at", "reasons"]
    inlines = [ApplicationTransitionInline]

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(StartupProfile)
class StartupProfileAdmin(admin.ModelAdmin):
    list_display = ["organization", "stage", "team_size", "founded_year", "incubator"]
    list_filter = ["stage"]
    search_fields = ["organization__name"]
    autocomplete_fields = ["organization", "incubator"]


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "name", "email", "created_at", "handled"]
    list_filter = ["handled"]
    search_fields = ["subject", "name", "email"]
    readonly_fields = ["name", "email", "phone", "subject", "message", "ip"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "mime_type", "size", "request", "application", "created_at"]
    readonly_fields = ["file", "name", "mime_type", "size", "uploaded_by", "request", "application"]

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(DepartmentContact)
class DepartmentContactAdmin(SingletonAdmin, SimpleHistoryAdmin):
    """The contact page's details; saved through the service (officers only, NFC text)."""

    fieldsets = [
        (_("Department"), {"fields": ["name", "name_en", "phone", "email"]}),
        (
            _("Address and office hours"),
            {"fields": ["address", "address_en", "office_hours", "office_hours_en"]},
        ),
        (
            _("Map (OpenStreetMap link)"),
            {
                "fields": ["latitude", "longitude"],
                "description": _(
                    "The contact page links to OpenStreetMap at this point; no map is loaded "
                    "from another site."
                ),
            },
        ),
    ]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        services.save_department_contact(
            request.user, **{k: form.cleaned_data[k] for k in services.CONTACT_FIELDS}
        )
