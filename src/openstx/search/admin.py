from django.contrib import admin

from openstx.search.models import OutboxEntry, SearchNode, Synonym


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "is_active", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("terms", "note")
    fields = ("terms", "kind", "note", "is_active")


@admin.register(SearchNode)
class SearchNodeAdmin(admin.ModelAdmin):
    list_display = ("name", "generation", "last_applied_id", "safe_id", "documents", "heartbeat")
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "model", "pk_value", "op", "created_at")
    list_filter = ("op", "model")
    readonly_fields = list_display
    ordering = ("-id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
