"""What the library contributes to the one search index (openstx.search.registry).

Title ≫ subjects/creators/description ≫ full text. The access scope is the document's access
level; restricted documents, documents awaiting moderation and deleted ones are not indexed at
all, so they can never leak through results, counts or snippets. The full text is indexed
whole (up to 5 million characters — a 500-page report); the stored derivative is never cut.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from openstx.library.models import AccessLevel, Collection, Document
from openstx.search.registry import BODY, SUMMARY, TITLE, SearchSpec, register


@register
class DocumentSearch(SearchSpec):
    model = Document
    type = "document"
    label = _("Library documents")
    fields = {
        "title": TITLE,
        "subjects": SUMMARY,
        "creators": SUMMARY,
        "description": SUMMARY,
        "publisher": BODY,
        "full_text": BODY,
    }
    max_chars = {"title": 1_000, "summary": 50_000, "body": 5_000_000}
    #: the ``kind`` facet of a document is its collection
    kind_labels = dict(Collection.choices)
    dependents: dict[str, Any] = {}

    def queryset(self):
        return Document.objects.prefetch_related("organizations")

    def should_index(self, obj: Document) -> bool:
        return (
            obj.deleted_at is None
            and obj.status == Document.Status.PUBLISHED
            and obj.access_level != AccessLevel.RESTRICTED
        )

    def facets(self, obj: Document) -> dict[str, Any]:
        return {
            "year": obj.year,
            "org": [org.pk for org in obj.organizations.all()],
            "kind": obj.collection,
        }

    def date(self, obj: Document):
        return obj.created_at

    def bench_record(self, i: int, doc: dict[str, Any]) -> Document | None:
        return Document(
            title=doc.get("title", ""),
            description=doc.get("summary", ""),
            full_text=doc.get("body", ""),
            subjects=list(doc.get("keywords") or []),
            date=str(doc.get("year") or ""),
            external_id=f"bench-doc-{i}",
        )
