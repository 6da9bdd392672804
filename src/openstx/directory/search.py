"""What the directory contributes to the search index: organisations and experts.

Expert contact details (e-mail, phone) are never indexed: they are for signed-in members only
and an index is not a place to keep them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from openstx.directory.models import Expert, Organization
from openstx.search.registry import BODY, SUMMARY, TITLE, SearchSpec, register


def _field_codes(fields: Any) -> list[str]:
    codes: set[str] = set()
    for f in fields.all():
        codes.update(f.ancestor_codes())
    return sorted(codes)


def _field_names(fields: Any) -> list[str]:
    return [f.name_vi for f in fields.all()]


def _region(unit: Any) -> list[str]:
    """The unit's code and its province's code (facets count at province level)."""
    codes = []
    while unit is not None:
        codes.append(unit.code)
        unit = unit.parent
    return codes


@register
class OrganizationSearch(SearchSpec):
    model = Organization
    type = "organization"
    label = _("Organisations")
    kind_labels = dict(Organization.Type.choices)
    fields = {
        "name": TITLE,
        "short_name": TITLE,
        "type_label": SUMMARY,
        "field_names": SUMMARY,
        "address": BODY,
        "description": BODY,
    }

    def queryset(self):
        return Organization.objects.select_related("admin_unit__parent").prefetch_related("fields")

    def title(self, obj: Organization) -> str:
        return f"{obj.name} ({obj.short_name})" if obj.short_name else obj.name

    def type_label(self, obj: Organization) -> str:
        return str(obj.get_type_display())

    def field_names(self, obj: Organization) -> list[str]:
        return _field_names(obj.fields)

    def facets(self, obj: Organization) -> dict[str, Any]:
        return {
            "field": _field_codes(obj.fields),
            "org": obj.pk,
            "region": _region(obj.admin_unit),
            "kind": obj.type,
        }

    def bench_record(self, i: int, doc: dict[str, Any]) -> Organization:
        return Organization(
            external_id=f"bench-{i}",
            name=doc["title"][:300],
            short_name="",
            slug=f"bench-{i}",
            type=Organization.Type.OTHER,
            description=doc["summary"] + "\n\n" + doc["body"],
        )


@register
class ExpertSearch(SearchSpec):
    model = Expert
    type = "expert"
    label = _("Experts")
    kind_labels = {k: v for k, v in Expert.Degree.choices if k}
    fields = {
        "full_name": TITLE,
        "keywords": SUMMARY,
        "field_names": SUMMARY,
        "position": SUMMARY,
        "organization.name": SUMMARY,
        "biography": BODY,
    }
    dependents = {
        "directory.Organization": lambda org: org.experts.all(),
    }

    def queryset(self):
        return Expert.objects.select_related("organization").prefetch_related("fields")

    def title(self, obj: Expert) -> str:
        return obj.display_name

    def field_names(self, obj: Expert) -> list[str]:
        return _field_names(obj.fields)

    def facets(self, obj: Expert) -> dict[str, Any]:
        return {
            "field": _field_codes(obj.fields),
            "org": obj.organization_id,
            "kind": obj.degree or None,
        }
