"""JSON API of the library: /api/v1/library/documents…"""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from openstx.core.lookup import find_by_ident
from openstx.core.permissions import VIEW, can
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


def _optional_user(request: Any) -> Any:
    try:
        from openstx.accounts.auth import optional_user

        return optional_user(request)
    except ImportError:
        return request.user


@router.get("/documents", response=list[DocumentOut])
@paginate(LimitOffsetPagination)
def list_documents(request, collection: str = "", q: str = ""):  # type: ignore[no-untyped-def]
    qs = Document.objects.restrict(_optional_user(request), VIEW).order_by("-id")
    if collection:
        qs = qs.filter(collection=collection)
    if q:
        qs = qs.filter(title__icontains=q)
    return qs


@router.get("/documents/{doc_id}", response=DocumentOut)
def get_document(request, doc_id: str):  # type: ignore[no-untyped-def]
    document = find_by_ident(Document.objects.live(), doc_id)
    if document is None or not can(_optional_user(request), VIEW, document):
        raise HttpError(404, "Not found")
    return document
