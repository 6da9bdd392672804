"""What S&T tasks contribute to the search index: public fields only (title, code, objectives,
expected products, host, leader). Tasks in a non-public state are visible to staff and the host
organisation's members only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from openstx.projects.models import Level, Task
from openstx.search.registry import BODY, SUMMARY, TITLE, SearchSpec, register


@register
class TaskSearch(SearchSpec):
    model = Task
    type = "task"
    label = _("S&T tasks")
    kind_labels = dict(Level.choices)
    fields = {
        "title": TITLE,
        "code": SUMMARY,
        "host.name": SUMMARY,
        "leader_name": SUMMARY,
        "field_names": SUMMARY,
        "objectives": BODY,
        "expected_products": BODY,
    }
    dependents = {
        "directory.Organization": lambda org: org.hosted_tasks.all(),
        "directory.Expert": lambda expert: expert.led_tasks.all(),
        # the team and the councils are among who may see a non-public task (its scopes)
        "projects.TaskMember": lambda member: [member.task],
        "projects.CouncilMember": lambda member: [member.council.task],
    }

    def queryset(self):
        return Task.objects.select_related("host", "leader", "workflow").prefetch_related("fields")

    def title(self, obj: Task) -> str:
        return obj.title

    def leader_name(self, obj: Task) -> str:
        return obj.leader.display_name if obj.leader else ""

    def field_names(self, obj: Task) -> list[str]:
        return [f.name_vi for f in obj.fields.all()]

    def facets(self, obj: Task) -> dict[str, Any]:
        codes: set[str] = set()
        for f in obj.fields.all():
            codes.update(f.ancestor_codes())
        return {
            "field": sorted(codes),
            "org": obj.host_id,
            "kind": obj.level,
            "year": obj.start_date.year if obj.start_date else None,
        }

    def date(self, obj: Task):
        return obj.start_date or obj.created_at
