from django.contrib import admin

from openstx.matching.models import Embedding, MatchAlert, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "query", "demand", "offer", "frequency", "active", "created_at")
    list_filter = ("kind", "frequency", "active")
    raw_id_fields = ("user", "demand", "offer")


@admin.register(MatchAlert)
class MatchAlertAdmin(admin.ModelAdmin):
    list_display = ("title", "subscription", "score", "created_at", "notified_at")
    raw_id_fields = ("subscription",)


@admin.register(Embedding)
class EmbeddingAdmin(admin.ModelAdmin):
    list_display = ("content_type", "object_id", "role", "model_name", "updated_at")
    list_filter = ("content_type", "role")
    exclude = ("vector",)
    readonly_fields = ("content_type", "object_id", "role", "text_hash", "model_name")
