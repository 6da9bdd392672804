"""Back office for users, memberships and API tokens."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from openstx.accounts.forms import AdminLoginForm
from openstx.accounts.models import ApiToken, Membership, User

# The admin's log-in goes through the same failed-log-in throttle as the site's.
admin.site.login_form = AdminLoginForm


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    raw_id_fields = ["organization", "decided_by"]
    fields = ["organization", "role", "status", "decided_by", "decided_at"]
    readonly_fields = ["decided_by", "decided_at"]
    verbose_name = _("membership")
    verbose_name_plural = _("memberships")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "full_name",
        "role",
        "email_verified",
        "is_active",
        "is_staff",
        "date_joined",
    ]
    list_filter = [
        "role",
        "account_type",
        "is_active",
        "email_verified",
        "is_staff",
        "is_superuser",
        "language",
    ]
    search_fields = ["username", "email", "full_name", "phone"]
    ordering = ["-date_joined"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal details"),
            {
                "fields": (
                    "full_name",
                    "email",
                    "email_verified",
                    "phone",
                    "language",
                    "account_type",
                )
            },
        ),
        (
            _("Role and access"),
            {
                "fields": (
                    "role",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "full_name", "role", "password1", "password2"),
            },
        ),
    )
    actions = ["mark_verified"]

    @admin.action(description=_("Mark the e-mail address as confirmed and activate"))
    def mark_verified(self, request, queryset):
        count = queryset.update(email_verified=True, is_active=True)
        self.message_user(
            request,
            ngettext("%(count)d account activated.", "%(count)d accounts activated.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "organization",
        "role",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "role"]
    search_fields = [
        "user__username",
        "user__email",
        "user__full_name",
        "organization__name",
        "organization__short_name",
    ]
    raw_id_fields = ["user", "organization", "decided_by"]
    readonly_fields = ["created_at", "updated_at", "decided_at"]
    list_select_related = ["user", "organization", "decided_by"]
    date_hierarchy = "created_at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [
        ("revoked_at", admin.EmptyFieldListFilter),
        ("expires_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "prefix", "user__username", "user__email"]
    list_select_related = ["user"]
    fields = [
        "user",
        "name",
        "prefix",
        "token_hash",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = ["user", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are created by their owner; the secret is shown to them only

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
