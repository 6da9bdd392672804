from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from openstx.projects.models import (
    Council,
    CouncilMember,
    Reminder,
    ScoreSheet,
    Task,
    TaskBudget,
    TaskMember,
    TaskOutput,
    TaskTransition,
    Workflow,
)


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = ["code", "name", "definition"]

    def clean_definition(self):
        from openstx.projects.workflow import validate_definition

        definition = self.cleaned_data["definition"]
        validate_definition(definition)  # ValidationError -> shown on the field
        return definition


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    """Staff copy the shipped configuration, edit the JSON (validated) and make it active."""

    form = WorkflowForm
    list_display = ["name", "code", "is_active", "updated_at"]
    readonly_fields = ["is_active"]
    actions = ["make_active"]

    @admin.action(description=_("Make active for new tasks"))
    def make_active(self, request, queryset):
        from openstx.projects.workflow import activate

        row = queryset.first()
        if row:
            activate(row)


class MemberInline(admin.TabularInline):
    model = TaskMember
    raw_id_fields = ["expert"]
    extra = 0


class BudgetInline(admin.TabularInline):
    model = TaskBudget
    extra = 0


class TransitionInline(admin.TabularInline):
    model = TaskTransition
    extra = 0
    readonly_fields = ["action", "from_state", "to_state", "actor", "comment", "data", "at"]
    can_delete = False


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "level", "form", "state", "host", "start_date", "end_date"]
    list_filter = ["level", "form", "state"]
    search_fields = ["code", "title", "external_id"]
    raw_id_fields = ["host", "leader", "created_by", "source_demand"]
    filter_horizontal = ["fields"]
    readonly_fields = ["state", "state_changed_at"]
    inlines = [MemberInline, BudgetInline, TransitionInline]


class CouncilMemberInline(admin.TabularInline):
    model = CouncilMember
    raw_id_fields = ["expert"]
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["task", "purpose", "meeting_date", "status", "outcome_label"]
    list_filter = ["purpose", "status"]
    raw_id_fields = ["task"]
    inlines = [CouncilMemberInline]


admin.site.register(ScoreSheet)
admin.site.register(Reminder)


@admin.register(TaskOutput)
class TaskOutputAdmin(admin.ModelAdmin):
    list_display = ["task", "kind", "title", "year"]
    list_filter = ["kind"]
    raw_id_fields = ["task", "publication", "offer", "ip_record"]
