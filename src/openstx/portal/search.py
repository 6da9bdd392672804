"""What the portal contributes to the search index: articles (news, calls, policy, events) and
the service catalogue."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from openstx.core.richtext import plain_text
from openstx.portal.models import Article, Service
from openstx.search.registry import BODY, SUMMARY, TITLE, SearchSpec, register


@register
class ArticleSearch(SearchSpec):
    model = Article
    type = "article"
    label = _("News and announcements")
    kind_labels = dict(Article.Category.choices)
    fields = {
        "title": TITLE,
        "summary": SUMMARY,
        "organization.name": SUMMARY,
        "body_text": BODY,
    }

    def queryset(self):
        return Article.objects.select_related("organization")

    def should_index(self, obj: Any) -> bool:
        return obj.status == Article.Status.PUBLISHED

    def body_text(self, obj: Any) -> str:
        return plain_text(obj.body)

    def facets(self, obj: Any) -> dict[str, Any]:
        return {
            "kind": obj.category,
            "org": obj.organization_id,
            "year": (obj.publish_at or obj.created_at).year,
        }

    def date(self, obj: Any):
        return obj.publish_at or obj.created_at


@register
class ServiceSearch(SearchSpec):
    model = Service
    type = "service"
    label = _("Services")
    kind_labels = dict(Service.Category.choices)
    fields = {
        "title": TITLE,
        "fees": SUMMARY,
        "provider.name": SUMMARY,
        "description_text": BODY,
        "steps": BODY,
    }

    def queryset(self):
        return Service.objects.select_related("provider")

    def should_index(self, obj: Any) -> bool:
        return obj.active

    def description_text(self, obj: Any) -> str:
        return plain_text(obj.description)

    def facets(self, obj: Any) -> dict[str, Any]:
        return {"kind": obj.category, "org": obj.provider_id}
