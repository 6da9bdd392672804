"""Content-Security-Policy for every response.

Pages load only the project's own vendored assets, so the policy can be strict: no inline
script, no eval, no third-party origin. A template that needs behaviour uses htmx attributes or a
file under ``static/``; a page that needs a looser policy says so in ``OPENSTX_CSP`` (settings),
never by adding ``'unsafe-inline'`` here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy_header() -> str:
    """The header value: the defaults, with any directive overridden in ``OPENSTX_CSP``."""
    directives = dict(DEFAULT_POLICY)
    directives.update(getattr(settings, "OPENSTX_CSP", {}) or {})
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items() if value)


class ContentSecurityPolicyMiddleware:
    """Adds the policy unless the view already set one (e.g. a stricter one for a download)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = policy_header()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.header
        return response
