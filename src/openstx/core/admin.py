from django.contrib import admin

from openstx.core.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "verb", "title", "created_at", "read_at")
    list_filter = ("verb",)
    raw_id_fields = ("user",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email")
    raw_id_fields = ("user",)
