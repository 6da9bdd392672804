"""Whole-page cache: public pages for anonymous visitors, the main pages per signed-in viewer.

Most traffic on a public S&T portal is anonymous reading of the same listing, detail and search
pages. A cached copy is served when the request carries no session, no credentials and no
cookies but the language and CSRF ones. A copy is stored with the search outbox's position
(``search.outbox.position``, kept in the cache), which every change to a public record advances
when it is written and again when it commits, and is served only while the position is the same:
a published, edited or withdrawn listing never shows stale (a short lifetime covers a process
killed between its commit and the second advance). A hit is one cache round trip (position and
copy read together) and no database query. Responses that set a
cookie, vary per user or are not 200 are never stored.

Signed-in people going back and forth between a list and its records (the back button, the
next page and back, a reload after a colleague's call) get their own copy of the main pages
(``SIGNED_IN_PAGES``) for at most ``OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS``. A copy belongs to one
signed-in browser: its key holds the session cookie (a secret of that sign-in) and the CSRF
cookie (so the forms in the copy carry a token that browser's cookie accepts), and it is only
stored for an authenticated viewer. It is dropped when the search outbox advances (any change
to an indexed record, from any process), after every successful write request to the site by
anyone (``note_write``: signing out, an edit, a membership approval), and after any change to
an account or a membership from any process (``connect_signals``: rights, password, active
flag), and it is not served after the session's expiry. So an edit shows at once on the page
the editor lands on, and a copy never outlives the rights it was rendered with. Requests
carrying flash messages are never served from or stored in the cache. What changes without
any of these (a background job's notice) shows within the lifetime.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from openstx.core import stamps

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
STORED_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Content-Disposition",
    "X-Robots-Tag",
    "X-Listing-View",  # whether a look counts (exchange.middleware; never sent to the client)
)
#: URL names whose signed-in copies may be served from the cache (read-only pages whose content
#: follows indexed records and the viewer; forms, downloads and personal inboxes are not here)
SIGNED_IN_PAGES = frozenset(
    {
        "web:home",
        "exchange:offer-list",
        "exchange:demand-list",
        "exchange:offer-detail",
        "exchange:demand-detail",
        "exchange:moderation",
        "search:search",
        "matching:demand",
        "matching:offer",
        "projects:task-list",
        "projects:task-detail",
        "reports:statistics",
    }
)
#: headers of a signed-in copy that are not restored on a hit
UNSTORED_HEADERS = frozenset({"content-length", "date", "x-request-id", "x-page-cache"})
#: A stamp (:mod:`openstx.core.stamps`) advanced after every successful write request to the
#: site, from any process: part of the version of signed-in copies (:func:`_lookup`).
WRITES_KEY = "pagecache:writes"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def note_write() -> None:
    """Drop every signed-in copy (called after a write request that succeeded)."""
    stamps.advance(WRITES_KEY)


def _rights_changed(sender: Any, **kwargs: Any) -> None:
    if getattr(settings, "OPENSTX_PAGE_CACHE_SECONDS", 0) and getattr(
        settings, "OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS", 0
    ):
        note_write()


def connect_signals() -> None:
    """A change to an account or a membership (rights, password, active flag), from any process
    — a page, the admin, the shell, an import — drops every signed-in copy at once
    (called from ``WebConfig.ready``)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    from openstx.accounts.models import Membership

    for model in (get_user_model(), Membership):
        for signal in (post_save, post_delete):
            signal.connect(
                _rights_changed, sender=model, dispatch_uid=f"pagecache-{model}-{signal}"
            )


def _lookup(key: str, signed_in: bool) -> tuple[str, tuple | None]:
    """The current version of cached pages and the copy stored under ``key`` if it was made at
    that version (its fields after the version), in one cache round trip: the outbox position
    (and, for signed-in copies, the write stamp) are read with the copy itself. The version is
    read before the page is rendered and stored with the copy, so a copy rendered while a write
    commits is never served after it."""
    from openstx.search.outbox import POSITION_KEY

    names = [POSITION_KEY, WRITES_KEY] if signed_in else [POSITION_KEY]
    parts, got = stamps.read_with(names, [key])
    version = "|".join(parts)
    stored = got.get(key)
    size = 5 if signed_in else 4
    if isinstance(stored, tuple) and len(stored) == size and stored[0] == version:
        return version, stored[1:]
    return version, None


class AnonymousPageCacheMiddleware:
    """Anonymous copies of public pages, and signed-in viewers' own copies of the main pages
    (see the module's docstring). Also notes every write request, which drops the latter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = getattr(settings, "OPENSTX_PAGE_CACHE_SECONDS", 0)
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            if seconds and response.status_code < 400:
                note_write()
            return response
        if not seconds:
            return self.get_response(request)
        if not self._eligible(request):
            signed_in = min(seconds, getattr(settings, "OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS", 0))
            if signed_in and request.method == "GET":
                return self._signed_in(request, signed_in)
            return self.get_response(request)
        cache = caches["default"]
        raw = "|".join(
            [
                getattr(request, "LANGUAGE_CODE", ""),
                request.method or "",
                request.headers.get("HX-Request", ""),
                request.get_full_path(),
            ]
        )
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        version, stored = _lookup(key, signed_in=False)
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
            cache.set(key, (version, response.status_code, headers, response.content), seconds)
            response["X-Page-Cache"] = "miss"
        return response

    def _signed_in(self, request: HttpRequest, seconds: int) -> HttpResponse:
        """A signed-in viewer's own copy of one of ``SIGNED_IN_PAGES``, if it is still current.

        A hit loads neither the session nor the user: the copy is keyed on the session cookie
        itself (a secret of one signed-in browser), and everything that could make it wrong for
        that session drops it: signing out or any other write request, any change to an
        account or membership (``connect_signals``), the session's own expiry (stored with the
        copy)."""
        from django.utils import timezone

        key = self._signed_in_key(request)
        if key is None:
            return self.get_response(request)
        cache = caches["default"]
        version, stored = _lookup(key, signed_in=True)
        if stored is not None and stored[3] > timezone.now():
            status, headers, content, _expiry = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["Content-Length"] = str(len(content))
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and self._storable_signed_in(request, response)
            and not self._has_messages(request)
        ):
            headers = [(h, v) for h, v in response.items() if h.lower() not in UNSTORED_HEADERS]
            expiry = request.session.get_expiry_date()
            cache.set(
                key, (version, response.status_code, headers, response.content, expiry), seconds
            )
            response["X-Page-Cache"] = "miss"
        return response

    def _signed_in_key(self, request: HttpRequest) -> str | None:
        """The cache key of this request's signed-in copy, or None when it must not be cached.
        The copy stored under it carries the outbox position and write stamp read before the
        page was rendered (:func:`_lookup`), so a copy rendered while a write commits is never
        served after it."""
        from django.urls import Resolver404, resolve

        csrf = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if (
            not csrf
            or not session_key
            or "Authorization" in request.headers
            or "messages" in request.COOKIES
        ):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name not in SIGNED_IN_PAGES:
            return None
        raw = "|".join(
            [
                session_key,
                csrf,
                getattr(request, "LANGUAGE_CODE", ""),
                request.headers.get("HX-Request", ""),
                request.get_full_path(),
            ]
        )
        return "page:session:" + hashlib.sha256(raw.encode()).hexdigest()

    def _storable_signed_in(self, request: HttpRequest, response: HttpResponse) -> bool:
        """As ``_storable``, but a page with a form renews the browser's CSRF cookie (same
        value, later expiry): that cookie alone is allowed (a copy does not renew it)."""
        name = settings.CSRF_COOKIE_NAME
        cookies = response.cookies
        if set(cookies) - {name}:
            return False
        if name in cookies and cookies[name].value != request.COOKIES.get(name):
            return False
        if response.status_code != 200 or response.streaming:
            return False
        cache_control = response.get("Cache-Control", "")
        return "private" not in cache_control and "no-store" not in cache_control

    @staticmethod
    def _has_messages(request: HttpRequest) -> bool:
        session = getattr(request, "session", None)
        return bool(session is not None and session.get("_messages"))

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
