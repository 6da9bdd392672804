"""Support programmes and applications: windows, applying, review and decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import (
    VIEW,
    can,
    is_authenticated,
    is_officer,
    organization_ids,
    restrict,
)
from openstx.portal import forms, services
from openstx.portal.models import (
    Application,
    Programme,
)
from openstx.portal.views.articles import _errors, _page

# --- programmes and applications --------------------------------------------------------------


def programme_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Programme.objects.annotate(n=Count("applications")), request.user)
    return render(
        request, "portal/programme_list.html", {"programmes": qs, "today": timezone.localdate()}
    )


def programme_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    if not can(request.user, VIEW, programme):
        raise Http404
    form = None
    if is_authenticated(request.user) and organization_ids(request.user):
        form = forms.ApplicationForm(user=request.user)
    return render(
        request,
        "portal/programme_detail.html",
        {"programme": programme, "form": form, "closed": services.window_error(programme)},
    )


@login_required
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    if not can(request.user, VIEW, programme):
        raise Http404
    form = forms.ApplicationForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            app = services.apply(
                programme,
                request.user,
                d["organization"],
                project_title=d["project_title"],
                summary=d["summary"],
                requested_amount_vnd=d["requested_amount_vnd"],
                total_cost_vnd=d.get("total_cost_vnd"),
                files=d["files"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Application %(ref)s submitted.") % {"ref": app.reference})
            return redirect(app)
    return render(
        request,
        "portal/programme_detail.html",
        {"programme": programme, "form": form, "closed": services.window_error(programme)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(
        Application.objects.select_related("programme", "organization", "applicant"), request.user
    )
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        qs = qs.filter(status=status)
    page = _page(request, qs)
    return render(
        request,
        "portal/application_list.html",
        {
            "page": page,
            "items": page.object_list,
            "statuses": Application.Status.choices,
            "status": status,
        },
    )


def _application_or_404(request: HttpRequest, pk: int) -> Application:
    app = get_object_or_404(
        Application.objects.select_related("programme", "organization", "applicant"), pk=pk
    )
    if not can(request.user, VIEW, app):
        raise Http404
    return app


def _application_context(request: HttpRequest, app: Application, **extra: Any) -> dict[str, Any]:
    ctx = {
        "app": app,
        "staff": is_officer(request.user),
        "review_form": forms.ReviewForm(
            documents=app.programme.document_list,
            initial={
                "checked": [d for d, ok in app.checklist_items() if ok],
                "amount_vnd": app.requested_amount_vnd,
            },
        ),
        "transitions": app.transitions.select_related("actor"),
        "attachments": app.attachments.all(),
    }
    ctx.update(extra)
    return ctx


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application_or_404(request, pk)
    return render(request, "portal/application_detail.html", _application_context(request, app))


@login_required
@require_POST
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application_or_404(request, pk)
    form = forms.ReviewForm(request.POST, documents=app.programme.document_list)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == "review":
                services.start_review(app, request.user, d["reasons"])
            elif d["action"] == "checklist":
                services.update_checklist(app, request.user, d["checked"])
            elif d["action"] == "approve":
                if app.status in Application.OPEN:
                    services.update_checklist(app, request.user, d["checked"])
                services.approve(
                    app, request.user, d.get("amount_vnd"), d["decision_number"], d["reasons"]
                )
            else:
                services.reject(app, request.user, d["reasons"])
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(app)
    return render(
        request,
        "portal/application_detail.html",
        _application_context(request, app, review_form=form),
        status=400,
    )
