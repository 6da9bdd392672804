"""Counting views of listing pages outside the page cache.

``web.pagecache`` answers most anonymous (and some signed-in) requests for a listing page from
its cache without running the view, so the count is taken here, around it: after any 200
answer to a GET of an offer's or demand's public page, ``services.count_page_view`` adds one to
the listing's daily counter unless the viewer is its owner, an officer or a bot. Nothing about
the visitor is stored."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

PREFIXES = ("/exchange/offers/", "/exchange/demands/")
VIEWS = {"exchange:offer-detail": "offer", "exchange:demand-detail": "demand"}


class ListingViewMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method == "GET"
            and response.status_code == 200
            and request.path_info.startswith(PREFIXES)
        ):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return response
            kind = VIEWS.get(match.view_name)
            if kind:
                from django.contrib.auth import get_user

                from openstx.exchange.services import count_page_view

                user = getattr(request, "user", None) or get_user(request)
                count_page_view(
                    kind,
                    match.kwargs["pk"],
                    user,
                    request.headers.get("User-Agent", ""),
                    getattr(request, "shown_listing", None),
                )
        return response
