"""The API toolkit every app's ``api.py`` uses (see docs/api.md).

- **Pagination**: one style for every list endpoint — query ``page`` (≥ 1) and ``page_size``
  (1–100, default 20); the answer is ``{count, page, pages, page_size, results}``. A ``page``
  beyond the last answers the last page. Build a page schema with :func:`page_of` (or subclass
  :class:`Page`), take the query with :class:`PageParams` and slice with :func:`paginate`.
- **Errors**: every error body is :class:`ErrorOut` ``{"detail": …}``; document the statuses an
  operation really answers with :func:`errors`.
- **Lookup**: :func:`get_or_404` finds a record by ``external_id`` or platform id
  (``core.lookup``) among what ``core.permissions.restrict`` lets the caller see, else 404.
- **Writes**: :func:`write` turns ``ValidationError`` into 422, ``PermissionDenied`` into 403,
  :class:`ApiError` into its status, and a unique-constraint ``IntegrityError`` into 409.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from ninja import Field, Schema, Status
from ninja.errors import HttpError
from pydantic import model_validator

from openstx.core.lookup import MAX_PK, find_by_ident

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
#: Largest ``page`` accepted: beyond it the offset would overflow a 64-bit integer anyway.
MAX_PAGE = 10**9

__all__ = [
    "ApiError",
    "BodyIn",
    "ErrorOut",
    "MAX_PAGE_SIZE",
    "Page",
    "PageParams",
    "PositiveId",
    "errors",
    "get_or_404",
    "page_of",
    "paginate",
    "write",
]


#: A platform id in a query or body: positive and within the database's 64-bit integer column.
PositiveId = Annotated[int, Field(ge=1, le=MAX_PK)]


class ErrorOut(Schema):
    """The body of every error answer: ``detail`` is a message, a list, or field → messages."""

    detail: Any


class BodyIn(Schema):
    """Base of every request body: a JSON object, never a bare string or number.

    (Ninja's ``Schema`` reads attributes from any object, so ``"abc"`` would otherwise validate
    as ``{"title": "Abc"}``: ``str.title`` is an attribute too.)"""

    @model_validator(mode="before")
    @classmethod
    def _json_object_only(cls, data: Any) -> Any:
        if not isinstance(getattr(data, "_obj", data), dict):
            raise ValueError("The request body must be a JSON object.")
        return data


class Page(Schema):
    """The envelope of every list answer (``results`` added per item type)."""

    count: int
    page: int
    pages: int
    page_size: int


class PageParams(Schema):
    """The pagination query of every list endpoint."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page (1–100)"
    )


_page_classes: dict[type, type[Page]] = {}


def page_of(item: type, name: str | None = None) -> type[Page]:
    """The page schema ``{count, page, pages, page_size, results: [item]}``, named
    ``<Item>Page`` in the OpenAPI document (one class per item schema)."""
    if item not in _page_classes:
        cls_name = name or f"{item.__name__.removesuffix('Out')}Page"
        _page_classes[item] = type(
            cls_name,
            (Page,),
            {"__annotations__": {"results": list[item]}, "__module__": item.__module__},  # type: ignore[valid-type]
        )
    return _page_classes[item]


def paginate(qs: Any, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    """One page of ``qs`` (a queryset or a list) as ``{count, page, pages, page_size, results}``.

    Bounds are enforced here too, so a caller that bypasses :class:`PageParams` cannot ask the
    database for an offset it cannot represent."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    count = qs.count() if isinstance(qs, QuerySet) else len(qs)
    pages = max(1, math.ceil(count / page_size))
    page = max(1, min(int(page), pages))
    start = (page - 1) * page_size
    return {
        "count": count,
        "page": page,
        "pages": pages,
        "page_size": page_size,
        "results": list(qs[start : start + page_size]),
    }


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``response={200: Out, **errors(403, 404)}``: document the error answers of an operation."""
    return dict.fromkeys(statuses, ErrorOut)


class ApiError(Exception):
    """An error with a structured ``detail`` (message or field → messages), answered as JSON."""

    def __init__(self, status: int, detail: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def get_or_404(
    qs: QuerySet,
    ident: Any,
    user: Any = None,
    action: str | None = None,
    *,
    per_object: bool = False,
) -> Any:
    """The record of ``qs`` named by ``ident`` (``external_id`` or platform id), else 404.

    With ``user`` the permission check of ``core.permissions`` applies (``action`` defaults to
    VIEW): the lookup runs on ``restrict(qs, user, action)``, or, with ``per_object=True``, the
    record found is checked with ``can(user, action, record)``. Either way a record the caller
    may not see answers 404 exactly like a missing one."""
    from openstx.core.permissions import VIEW, can, restrict

    action = action or VIEW
    if user is not None and not per_object:
        qs = restrict(qs, user, action)
    match = find_by_ident(qs, ident)
    if match is None or (user is not None and per_object and not can(user, action, match)):
        raise HttpError(404, "Not found")
    return match


def validation_detail(exc: ValidationError) -> Any:
    """Field → messages for a form-style error, else the list of messages."""
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def write(func: Any) -> Any:
    """Wrap a write handler: ValidationError → 422 (field messages), PermissionDenied → 403,
    ApiError → its status, IntegrityError (a duplicate ``external_id``, say) → 409."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ApiError as exc:
            return Status(exc.status, {"detail": exc.detail})
        except ValidationError as exc:
            return Status(422, {"detail": validation_detail(exc)})
        except PermissionDenied as exc:
            return Status(403, {"detail": str(exc) or "Forbidden"})
        except IntegrityError as exc:
            text = str(exc).lower()
            if "unique" not in text and "duplicate" not in text:
                raise
            return Status(409, {"detail": "Conflicts with an existing record."})

    # Ninja reads the handler's signature through ``__wrapped__`` but would evaluate its string
    # annotations (``from __future__ import annotations``) in this module: resolve them here,
    # in the handler's own module.
    wrapper.__signature__ = inspect.signature(func, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


_ERROR_TEXT = {
    400: "The request body is not valid JSON",
    401: "Not authenticated (no or a bad session, or an invalid API token)",
    403: "Not allowed",
    404: "Not found, or not visible to the caller",
    409: "Conflicts with an existing record",
    422: "Invalid parameters or body",
}


def document_errors(schema: Any) -> Any:
    """Add the error answers every operation can give to an OpenAPI document, with ErrorOut:
    401 for secured operations, 404 for operations with a path id, 422 for operations with
    parameters or a body (Ninja's own validation), 400 for a body that is not JSON."""
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema())
    for path, item in schema.get("paths", {}).items():
        for op in item.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            # Ninja keys the declared responses by int; JSON has string keys only, so an int 404
            # and a str "404" would be one key twice (Swagger UI refuses such a document)
            op["responses"] = {str(code): answer for code, answer in op["responses"].items()}
            statuses = set()
            if op.get("security"):
                statuses.add(401)
            if "{" in path:
                statuses.add(404)
            if op.get("parameters") or op.get("requestBody"):
                statuses.add(422)
            if op.get("requestBody"):
                statuses.add(400)
            for status in sorted(statuses):
                op["responses"].setdefault(
                    str(status),
                    {
                        "description": _ERROR_TEXT[status],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return schema
