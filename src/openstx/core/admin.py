from typing import Any

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from openstx.core.models import Notification, NotificationPreference
from openstx.core.permissions import is_officer


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "verb", "title", "created_at", "read_at")
    list_filter = ("verb",)
    raw_id_fields = ("user",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email")
    raw_id_fields = ("user",)


class SingletonAdmin(admin.ModelAdmin):
    """A settings row (one per site) that department officers edit in the admin: the list page
    goes straight to the one row; it cannot be added twice or deleted."""

    def _officer(self, request: Any) -> bool:
        return is_officer(request.user)

    def has_module_permission(self, request: Any) -> bool:
        return self._officer(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return self._officer(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return self._officer(request)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        obj = self.model.load()
        return redirect(
            reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        )
