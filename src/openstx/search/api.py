"""``GET /api/v1/search?q=&type=&page=`` (docs/api.md) and ``GET /api/v1/search/suggest?q=``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from openstx.search import service

router = Router(tags=["search"])


def _viewer(request: HttpRequest):
    from openstx.accounts.auth import optional_user

    return optional_user(request)


class SearchHitOut(Schema):
    type: str
    id: str
    external_id: str
    title: str
    score: float
    snippet: str
    url: str
    missing: list[str] = []
    similar: bool = False


class SuggestionOut(Schema):
    query: str
    html: str


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    query: str
    count: int  # the API's one page envelope (docs/api.md): count, page, pages, page_size
    page: int
    pages: int
    page_size: int
    total: int  # = count, = pages and = page_size: the names search answered with first
    num_pages: int
    per_page: int
    sort: str
    relaxed: bool
    partial: bool = False
    missing: list[str] = []
    complete: int = 0
    suggestion: SuggestionOut | None = None
    results: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]]
    type_counts: dict[str, int]


class SearchParams(Schema):
    q: str = ""
    type: list[str] = []
    page: str = "1"
    page_size: str = ""
    per_page: str = "20"  # the older name of page_size
    sort: str = "relevance"
    field: list[str] = []
    year: list[str] = []
    org: list[str] = []
    trl: list[str] = []
    region: list[str] = []
    kind: list[str] = []


class SuggestOut(Schema):
    type: str
    id: str
    title: str
    url: str


@router.get("/search", response=SearchOut, summary="Search every type of record")
def search(request: HttpRequest, params: Query[SearchParams]):
    """Full-text search as the caller may see it (anonymous unless a session or API token).

    ``q`` accepts any text: words (accents optional), "exact phrase", -exclude, and
    ``type:``, ``field:``, ``year:``, ``org:``, ``trl:``, ``region:``, ``kind:`` filters.
    ``type`` may be repeated or comma-separated; ``snippet`` is HTML with ``<mark>``.

    Records with every word come first, then records with some of them: ``partial`` is true
    when a returned record lacks a typed word, ``missing`` lists those words (per result too),
    ``complete`` counts the records with every word. Offers, demands and experts are also
    found by meaning (``similar``: no typed word, close in meaning). ``suggestion``: a
    spelling or accent correction when there are few or only partial results."""
    types = [t for value in params.type for t in value.split(",") if t]
    filters = {
        name: getattr(params, name)
        for name in ("field", "year", "org", "trl", "region", "kind")
        if getattr(params, name)
    }
    results = service.search(
        params.q[:1000],
        user=_viewer(request),
        types=types or None,
        filters=filters,
        page=params.page,
        per_page=params.page_size or params.per_page,
        sort=params.sort,
    )
    out = results.as_dict()
    return {**out, "count": out["total"], "pages": out["num_pages"], "page_size": out["per_page"]}


@router.get("/search/suggest", response=list[SuggestOut], summary="Type-ahead suggestions")
def suggest(request: HttpRequest, q: str = ""):
    return service.suggest(q[:200], user=_viewer(request), limit=8)
