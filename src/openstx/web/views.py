from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from openstx.web.areas import AREAS


def home(request: HttpRequest) -> HttpResponse:
    from openstx.web.services import home_context

    return render(request, "web/home.html", home_context(request.user))


def area_pending(request: HttpRequest, key: str) -> HttpResponse:
    """An honest page for an area that is not built yet."""
    match = next((a for a in AREAS if a.key == key), None)
    if match is None or match.built:
        raise Http404
    return render(request, "web/area_pending.html", {"area": match}, status=200)


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive (no dependencies checked)."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: database, job broker and disk space, as JSON; 503 if any fails."""
    from openstx.web.services import readiness

    checks = readiness()
    status = 200 if all(c["ok"] for c in checks.values()) else 503
    return JsonResponse({"ok": status == 200, "checks": checks}, status=status)
