"""Authentication for the JSON API, shared by every app's ninja router.

    from openstx.accounts.auth import api_auth, optional_user

    @router.post("/offers", auth=api_auth)        # token or session (+CSRF) required
    def create_offer(request, payload: OfferIn):
        request.user ...                           # the authenticated user (also request.auth)

    @router.get("/offers")                         # public; reads the viewer when there is one
    def list_offers(request):
        viewer = optional_user(request)            # a User or AnonymousUser

Two ways in, tried in this order:

1. ``Authorization: Bearer ostx_<prefix>_<secret>`` — a personal API token (see
   :func:`openstx.accounts.services.create_token`). Scripts need no CSRF token. A bearer header
   that does not name a live token is refused with 401, never silently downgraded.
2. The browser's Django session. Unsafe methods (POST, PUT, PATCH, DELETE) must carry Django's
   CSRF token (``X-CSRFToken`` header, as htmx sends from ``base.html``); without it: 403.

django-ninja marks every API view ``csrf_exempt`` for Django's middleware and leaves CSRF to
the auth classes (``APIKeyCookie``/``SessionAuth`` call ``ninja.utils.check_csrf``). Our session
auth keeps that behaviour but only for a request that actually is session-authenticated, so an
anonymous request gets a clean 401 rather than a CSRF 403.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.openapi.docs import Swagger, render_template
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from openstx.accounts import services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

__all__ = [
    "api_auth",
    "optional_user",
    "TokenAuth",
    "SessionCsrfAuth",
    "bearer_token",
    "CsrfSwagger",
]


def bearer_token(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or ``None``."""
    value = request.headers.get("Authorization", "")
    scheme, _sep, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _csrf_ok(request: HttpRequest) -> bool:
    if request.method in SAFE_METHODS or getattr(request, "_ninja_csrf_exempt", False):
        return True
    return check_csrf(request) is None


class TokenAuth(HttpBearer):
    """Personal API token in ``Authorization: Bearer``; sets ``request.user``."""

    def __call__(self, request: HttpRequest) -> Any:
        token = bearer_token(request)
        if token is None:
            return None
        user = self.authenticate(request, token)
        if user is None:
            # A wrong or revoked token is an error, not a reason to try the session.
            raise HttpError(401, _("Invalid, expired or revoked API token"))
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = services.authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class SessionCsrfAuth(APIKeyCookie):
    """The Django session; unsafe methods must pass Django's CSRF check."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not _csrf_ok(request):
            raise HttpError(403, _("CSRF check failed"))
        return user


#: Use as ``auth=api_auth`` on a router or an operation: bearer token, else session with CSRF.
api_auth = [TokenAuth(), SessionCsrfAuth()]


def optional_user(request: HttpRequest) -> Any:
    """The user behind a valid bearer token or session, else ``AnonymousUser``.

    For public endpoints (no ``auth=``). A bad bearer token yields an anonymous viewer. A session
    is only trusted for an unsafe method when the CSRF check passes, so a cross-site form cannot
    act as the visitor. When a token is used, ``request.user`` is set to its owner.
    """
    cached = getattr(request, "_openstx_optional_user", None)
    if cached is not None:
        return cached
    viewer: Any = AnonymousUser()
    token = bearer_token(request)
    if token is not None:
        user = services.authenticate_token(token)
        if user is not None:
            request.user = user
            viewer = user
    else:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active and _csrf_ok(request):
            viewer = user
    request._openstx_optional_user = viewer  # type: ignore[attr-defined]
    return viewer


def _operations_need_csrf(api: Any) -> bool:
    """Does any operation of ``api`` accept an auth that checks CSRF (our session auth)?

    Reads the routers as django-ninja 1.5+ binds them (auth inherited from router and API);
    when that internal shape is not there, answers yes: the header is harmless where unused.
    """
    try:
        routers = api._get_bound_routers()
    except AttributeError:  # pragma: no cover - another django-ninja layout
        return True
    for router in routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if any(getattr(a, "csrf", False) for a in operation.auth_callbacks or []):
                    return True
    return False


class CsrfSwagger(Swagger):
    """``/api/v1/docs`` whose "Try it out" sends Django's CSRF token.

    django-ninja's Swagger page adds the ``X-CSRFToken`` header only when the *API-wide* auth
    checks CSRF; ours is set per router and per operation (public reads need none), so the
    signed-in browser's POSTs from the docs page were refused with 403. This page adds the
    header whenever some operation is session-authenticated with CSRF. Nothing is relaxed: the
    session auth still demands the token, and a bearer token still needs none.
    """

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> Any:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _operations_need_csrf(api),
        }
        return render_template(request, self.template, self.template_cdn, context)
