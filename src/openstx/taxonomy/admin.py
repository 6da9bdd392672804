"""Back office for code lists: staff edit fields of science, TRLs and administrative units."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience, TechnologyReadinessLevel


@admin.register(FieldOfScience)
class FieldOfScienceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "name_en", "level", "parent", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name_vi", "name_en")
    raw_id_fields = ("parent",)
    list_per_page = 100


@admin.register(TechnologyReadinessLevel)
class TechnologyReadinessLevelAdmin(admin.ModelAdmin):
    list_display = ("level", "code", "name_vi_short", "name_en")
    search_fields = ("code", "name_vi", "name_en")


class CurrentFilter(admin.SimpleListFilter):
    title = _("current (after the 2025 reorganisation)")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current")), ("no", _("Before 2025"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_current=True)
        if self.value() == "no":
            return queryset.filter(is_current=False)
        return queryset


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "division_type", "level", "parent", "is_current", "successor")
    list_filter = ("level", CurrentFilter, "division_type")
    search_fields = ("code", "name", "name_folded", "name_en")
    raw_id_fields = ("parent", "successor")
    list_select_related = ("parent", "successor")
    list_per_page = 100
