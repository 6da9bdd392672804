"""Counting views of listing pages outside the page cache.

``web.pagecache`` answers most anonymous (and some signed-in) requests for a listing page from
its cache without running the view, so the count is taken here, around it. The view decides,
when it renders the page, whether a look by this viewer counts (``services.counts_as_view``:
published, not the owner's members nor an officer) and says so in the ``X-Listing-View`` header,
which the cached copies keep: a cached answer is counted without loading the session, the user
or the listing. The header never leaves the site; a bot's look is never counted
(``services.is_bot``); views are added up per process and written every couple of seconds
(``services.note_view``). Nothing about the visitor is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

#: Response header from the listing page's view to this middleware: "offer:12" (counts) or "-".
HEADER = "X-Listing-View"


def mark_view(response: HttpResponse, listing: Any, user: Any) -> HttpResponse:
    """Say on the listing page's response whether this viewer's look counts (called by the view
    when it renders the page; cached copies keep the header, this middleware removes it)."""
    from openstx.exchange import services

    counted = services.counts_as_view(listing, user)
    response[HEADER] = f"{services.listing_kind(listing)}:{listing.pk}" if counted else "-"
    return response


class ListingViewMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from openstx.exchange.services import flush_views_if_due, is_bot, note_view

        response = self.get_response(request)
        mark = response.get(HEADER)
        if mark is not None:
            del response[HEADER]
        if (
            mark
            and mark != "-"
            and request.method == "GET"
            and response.status_code == 200
            and not is_bot(request.headers.get("User-Agent", ""))
        ):
            kind, _, pk = mark.partition(":")
            if kind in ("offer", "demand") and pk.isdigit():
                note_view(kind, int(pk))
        flush_views_if_due()
        return response
