"""What the exchange contributes to the search index (offers and demands)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from openstx.core.richtext import plain_text
from openstx.exchange.models import Demand, ListingStatus, Offer
from openstx.search.registry import BODY, SUMMARY, TITLE, SearchSpec, register

PUBLISHED = ListingStatus.PUBLISHED


def _field_codes(obj: Any) -> list[str]:
    codes: set[str] = set()
    for f in obj.fields.all():
        codes.update(f.ancestor_codes())
    return sorted(codes)


@register
class OfferSearch(SearchSpec):
    model = Offer
    type = "offer"
    label = _("Technology offers")
    kind_labels = dict(Offer.Kind.choices)
    fields = {
        "title": TITLE,
        "summary": SUMMARY,
        "keywords": SUMMARY,
        "owner.name": SUMMARY,
        "description_text": BODY,
        "advantages": BODY,
        "applications": BODY,
    }
    dependents = {"directory.Organization": lambda org: org.offers.all()}

    def queryset(self):
        return Offer.objects.select_related("owner", "region").prefetch_related("fields")

    def should_index(self, obj: Any) -> bool:
        return obj.status not in (ListingStatus.DRAFT, ListingStatus.WITHDRAWN)

    def description_text(self, obj: Any) -> str:
        return plain_text(obj.description)

    def facets(self, obj: Any) -> dict[str, Any]:
        return {
            "field": _field_codes(obj),
            "trl": obj.trl,
            "org": obj.owner_id,
            "kind": obj.kind,
            "region": obj.region.code if obj.region_id else None,
            "year": (obj.published_at or obj.created_at).year,
        }

    def date(self, obj: Any):
        return obj.published_at or obj.created_at


@register
class DemandSearch(SearchSpec):
    model = Demand
    type = "demand"
    label = _("Technology demands")
    kind_labels = {"demand": _("Demand")}
    fields = {
        "title": TITLE,
        "keywords": SUMMARY,
        "requester_name": SUMMARY,
        "problem_text": SUMMARY,
        "outcome_text": BODY,
        "constraints_text": BODY,
    }
    dependents = {"directory.Organization": lambda org: org.demands.all()}

    def queryset(self):
        return Demand.objects.select_related("requester", "region").prefetch_related("fields")

    def should_index(self, obj: Any) -> bool:
        return obj.status not in (ListingStatus.DRAFT, ListingStatus.WITHDRAWN)

    def requester_name(self, obj: Any) -> str:
        # An anonymous requester is never put into the index: the public could search for it.
        return "" if obj.requester_anonymous else obj.requester.name

    def problem_text(self, obj: Any) -> str:
        return plain_text(obj.problem)

    def outcome_text(self, obj: Any) -> str:
        return plain_text(obj.desired_outcome)

    def constraints_text(self, obj: Any) -> str:
        return plain_text(obj.constraints)

    def facets(self, obj: Any) -> dict[str, Any]:
        return {
            "field": _field_codes(obj),
            "trl": obj.min_trl,
            "kind": "demand",
            "org": None if obj.requester_anonymous else obj.requester_id,
            "region": obj.region.code if obj.region_id else None,
            "year": (obj.published_at or obj.created_at).year,
        }

    def date(self, obj: Any):
        return obj.published_at or obj.created_at
