"""Back office for the directory, with change history (django-simple-history)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from openstx.directory.models import Expert, Organization, Publication


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "short_name", "type", "admin_unit", "verified", "external_id")
    list_filter = ("type", "verified")
    search_fields = ("name", "short_name", "tax_code", "external_id", "search_folded")
    autocomplete_fields = ("admin_unit",)
    filter_horizontal = ("fields",)
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("admin_unit",)


@admin.register(Expert)
class ExpertAdmin(SimpleHistoryAdmin):
    list_display = (
        "full_name",
        "academic_title",
        "degree",
        "organization",
        "open_to_consulting",
        "external_id",
    )
    list_filter = ("academic_title", "degree", "open_to_consulting")
    search_fields = ("full_name", "email", "orcid", "external_id", "search_folded")
    autocomplete_fields = ("organization", "user")
    filter_horizontal = ("fields",)
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("organization",)


@admin.register(Publication)
class PublicationAdmin(SimpleHistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("title", "year", "kind", "venue")
    list_filter = ("kind", "year")
    search_fields = ("title", "authors_text", "doi", "external_id")
    autocomplete_fields = ("experts",)
