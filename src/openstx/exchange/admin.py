"""Back office for staff. State changes still go through the services (actions below)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from openstx.exchange import services
from openstx.exchange.models import (
    ConfidentialRequest,
    ConfidentialTerms,
    Connection,
    ConnectionStep,
    Demand,
    Event,
    ListingAttachment,
    ListingImage,
    ListingTransition,
    Meeting,
    Message,
    Offer,
)


class TransitionInline(admin.TabularInline):
    model = ListingTransition
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "from_status", "to_status", "actor", "comment")

    def has_add_permission(self, request, obj=None):
        return False


class ImageInline(admin.TabularInline):
    model = ListingImage
    extra = 0
    readonly_fields = ("image", "thumbnail", "width", "height")


class AttachmentInline(admin.TabularInline):
    model = ListingAttachment
    extra = 0
    readonly_fields = ("file", "mime_type", "size")


def _run(modeladmin, request, queryset, action: str, comment: str = "") -> None:
    done = 0
    for listing in queryset:
        try:
            services.transition(listing, action, request.user, comment)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            modeladmin.message_user(request, f"{listing}: {exc}", messages.WARNING)
    modeladmin.message_user(request, _("%(n)d listing(s) updated.") % {"n": done})


@admin.action(description=_("Approve and publish"))
def approve(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, "approve")


@admin.action(description=_("Pause"))
def pause(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, "pause")


@admin.action(description=pgettext_lazy("listing", "Withdraw"))
def withdraw(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, "withdraw")


class ListingAdmin(SimpleHistoryAdmin):
    list_filter: tuple[str, ...] = ("status",)
    search_fields = ("title", "external_id", "keywords")
    readonly_fields = (
        "status",
        "published_at",
        "submitted_at",
        "reconfirm_sent_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    filter_horizontal = ("fields",)
    inlines = [TransitionInline, ImageInline, AttachmentInline]
    actions = [approve, pause, withdraw]
    date_hierarchy = "created_at"


@admin.register(Offer)
class OfferAdmin(ListingAdmin):
    list_display = ("title", "kind", "owner", "trl", "price_vnd", "status", "published_at")
    list_filter = ("status", "kind", "trl")
    autocomplete_fields = ("owner",)
    list_select_related = ("owner",)


@admin.register(Demand)
class DemandAdmin(ListingAdmin):
    list_display = (
        "title",
        "requester",
        "requester_anonymous",
        "min_trl",
        "budget_max_vnd",
        "status",
        "published_at",
    )
    list_filter = ("status", "requester_anonymous")
    autocomplete_fields = ("requester",)
    list_select_related = ("requester",)


class StepInline(admin.TabularInline):
    model = ConnectionStep
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "from_stage", "to_stage", "actor", "comment")

    def has_add_permission(self, request, obj=None):
        return False


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0


@admin.register(Connection)
class ConnectionAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "stage", "outcome", "contract_value_vnd", "broker", "created_at")
    list_filter = ("stage", "outcome", "contract_type")
    search_fields = ("demand__title", "offer__title", "expert__full_name")
    raw_id_fields = (
        "demand",
        "offer",
        "expert",
        "seeker_org",
        "provider_org",
        "initiated_by",
        "broker",
        "event",
    )
    readonly_fields = ("stage", "responded_at", "closed_at")
    inlines = [StepInline, MeetingInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "start_date", "place", "status")
    list_filter = ("status",)
    search_fields = ("title", "place")
    raw_id_fields = ("offers", "demands", "participants", "created_by")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("connection", "author", "created_at")
    raw_id_fields = ("connection", "author")


def _decide(modeladmin, request, queryset, action: str) -> None:
    done = 0
    for req in queryset:
        try:
            services.confidential.decide(request.user, req, action)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            modeladmin.message_user(request, f"{req}: {exc}", messages.WARNING)
    modeladmin.message_user(request, _("%(n)d request(s) updated.") % {"n": done})


@admin.action(description=_("Grant access to the confidential details"))
def grant_details(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "grant")


@admin.action(description=_("Refuse the request"))
def refuse_details(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "refuse")


@admin.action(description=_("Revoke access"))
def revoke_details(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "revoke")


@admin.register(ConfidentialRequest)
class ConfidentialRequestAdmin(SimpleHistoryAdmin):
    """Answers go through the service (actions), so the requester is notified."""

    list_display = ("offer", "requester", "organization", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("offer__title", "requester__username", "organization__name")
    raw_id_fields = ("offer", "requester", "organization", "decided_by")
    readonly_fields = (
        "status",
        "nda_text",
        "nda_version",
        "nda_sha256",
        "nda_accepted_at",
        "decided_by",
        "decided_at",
    )
    actions = [grant_details, refuse_details, revoke_details]


@admin.register(ConfidentialTerms)
class ConfidentialTermsAdmin(SimpleHistoryAdmin):
    list_display = ("offer", "version", "updated_at", "updated_by")
    search_fields = ("offer__title",)
    raw_id_fields = ("offer", "updated_by")
    readonly_fields = ("version",)
