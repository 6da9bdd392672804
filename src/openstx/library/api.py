"""JSON API of the library: /api/v1/library/documents…"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Schema

from openstx.accounts.auth import optional_user
from openstx.core.api import PageParams, errors, get_or_404, page_of, paginate
from openstx.core.permissions import VIEW
from openstx.library.models import Document

router = Router(tags=["library"])


class DocumentOut(Schema):
    id: int
    external_id: str | None
    title: str
    creators: list[str]
    subjects: list[str]
    description: str
    publisher: str
    date: str
    type: str
    format: str
    identifier: str
    language: str
    rights: str
    collection: str
    access_level: str
    digitised: bool
    url: str

    @staticmethod
    def resolve_type(obj: Document) -> str:
        return obj.dc_type

    @staticmethod
    def resolve_format(obj: Document) -> str:
        return obj.dc_format

    @staticmethod
    def resolve_url(obj: Document) -> str:
        return obj.get_absolute_url()


DocumentPage = page_of(DocumentOut)


@router.get("/documents", response=DocumentPage)
def list_documents(
    request: Any, paging: Query[PageParams], collection: str = "", q: str = ""
) -> dict[str, Any]:
    qs = Document.objects.restrict(optional_user(request), VIEW).order_by("-id")
    if collection:
        qs = qs.filter(collection=collection)
    if q:
        qs = qs.filter(title__icontains=q)
    return paginate(qs, paging.page, paging.page_size)


@router.get("/documents/{doc_id}", response={200: DocumentOut, **errors(404)})
def get_document(request: Any, doc_id: str) -> Document:
    return get_or_404(Document.objects.live(), doc_id, optional_user(request), per_object=True)
