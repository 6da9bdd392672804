"""Whole-page cache for anonymous visitors of the public pages.

Most traffic on a public S&T portal is anonymous reading of the same listing, detail and search
pages. A cached copy is served when the request carries no session, no credentials and no
cookies but the language and CSRF ones. Copies are keyed by the newest search-outbox id, which
every change to a public record advances in its own transaction, so a published, edited or
withdrawn listing never shows stale (a short lifetime covers the rest). Responses that set a
cookie, vary per user or are not 200 are never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

EXCLUDED_PREFIXES = (
    "/accounts/",
    "/admin/",
    "/jobs/",
    "/healthz",
    "/readyz",
    "/media/",
    "/static/",
    "/i18n/",
    "/api/v1/accounts",
    "/statistics/report",
    "/statistics/budget",
    "/exchange/my",
    "/exchange/staff",
    "/matching/staff",
)
ALLOWED_COOKIES = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
STORED_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "X-Robots-Tag")


def generation() -> str:
    """Advances with every committed change to an indexed (public-facing) record."""
    from django.db import connection

    from openstx.search.models import OutboxEntry

    # one indexed MAX() per request; plain SQL because the ORM's query compilation costs more
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {OutboxEntry._meta.db_table}")  # noqa: S608
        row = cursor.fetchone()
    return str(row[0] or 0)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = getattr(settings, "OPENSTX_PAGE_CACHE_SECONDS", 0)
        if not seconds or not self._eligible(request):
            return self.get_response(request)
        cache = caches["default"]
        raw = "|".join(
            [
                generation(),
                getattr(request, "LANGUAGE_CODE", ""),
                request.method or "",
                request.headers.get("HX-Request", ""),
                request.get_full_path(),
            ]
        )
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        stored = cache.get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            response["Content-Length"] = str(len(content))  # CommonMiddleware runs inside us
            response["X-Page-Cache"] = "hit"
            patch_vary_headers(response, ["Cookie", "Accept-Language"])
            return response
        response = self.get_response(request)
        if self._storable(response):
            headers = {h: response[h] for h in STORED_HEADERS if h in response}
            cache.set(key, (response.status_code, headers, response.content), seconds)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _eligible(request: HttpRequest) -> bool:
        if request.method not in ("GET", "HEAD") or request.path.startswith(EXCLUDED_PREFIXES):
            return False
        if "Authorization" in request.headers:
            return False
        return set(request.COOKIES) <= ALLOWED_COOKIES

    @staticmethod
    def _storable(response: HttpResponse) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "")
        return "private" not in cache_control and "no-store" not in cache_control
