from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from openstx.ipr.models import (
    Attendance,
    IPRecord,
    IPTransition,
    StandardAttachment,
    StandardRecord,
    TrainingCourse,
)


class IPTransitionInline(admin.TabularInline):
    model = IPTransition
    extra = 0
    readonly_fields = ["from_status", "to_status", "date", "comment", "actor", "at"]
    can_delete = False


@admin.register(IPRecord)
class IPRecordAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "type",
        "status",
        "applicant_name",
        "application_number",
        "application_date",
        "supported",
    ]
    list_filter = ["type", "status", "supported", "is_public"]
    search_fields = [
        "title",
        "applicant_name",
        "application_number",
        "certificate_number",
        "external_id",
    ]
    raw_id_fields = ["applicant_organization", "offer"]
    date_hierarchy = "application_date"
    inlines = [IPTransitionInline]


class StandardAttachmentInline(admin.TabularInline):
    model = StandardAttachment
    extra = 0
    readonly_fields = ["name", "mime_type", "size", "uploaded_by"]


@admin.register(StandardRecord)
class StandardRecordAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "organization_name", "received_date", "outcome"]
    list_filter = ["kind", "outcome"]
    search_fields = ["title", "organization_name", "reference", "number", "external_id"]
    raw_id_fields = ["organization"]
    inlines = [StandardAttachmentInline]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["organization"]


@admin.register(TrainingCourse)
class TrainingCourseAdmin(SimpleHistoryAdmin):
    list_display = ["title", "start_date", "place", "capacity"]
    search_fields = ["title", "topic", "place", "trainers"]
    raw_id_fields = ["organizer"]
    inlines = [AttendanceInline]
