from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from openstx.core.models import Job
from openstx.core.permissions import restrict


def home(request: HttpRequest) -> HttpResponse:
    from openstx.web.services import home_context

    return render(request, "web/home.html", home_context(request.user))


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive (no dependencies checked)."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: database, job broker and disk space, as JSON; 503 if any fails."""
    from openstx.web.services import readiness

    checks = readiness()
    status = 200 if all(c["ok"] for c in checks.values()) else 503
    return JsonResponse({"ok": status == 200, "checks": checks}, status=status)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    """Queued, running and failed jobs: all of them for staff, one's own for others."""
    jobs = restrict(Job.objects.select_related("created_by"), request.user)
    status = request.GET.get("status", "")
    if status in Job.Status.values:
        jobs = jobs.filter(status=status)
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/job_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Job.Status.choices,
        },
    )


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(restrict(Job.objects.all(), request.user), pk=pk)
    template = (
        "web/includes/job_progress.html"
        if request.headers.get("HX-Request") == "true"
        else "web/job_detail.html"
    )
    return render(request, template, {"job": job})


def set_language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the interface language with a plain link (no form, so public pages stay cacheable)."""
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme
    from django.utils.translation import check_for_language

    if code not in dict(settings.LANGUAGES) or not check_for_language(code):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
