"""Services and tracked requests: catalogue, sending a request, queues, messages, files."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.accounts.models import User
from openstx.core.permissions import (
    MODERATE,
    VIEW,
    can,
    is_authenticated,
    is_officer,
    organization_ids,
    restrict,
)
from openstx.portal import filters, forms, services
from openstx.portal.models import (
    Attachment,
    Service,
    ServiceRequest,
)
from openstx.portal.policies import handles_service
from openstx.portal.views.articles import _errors, _flash, _page

# --- services and requests -----------------------------------------------------------------------


def service_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Service.objects.select_related("provider"), request.user)
    category = request.GET.get("category", "")
    if category in Service.Category.values:
        qs = qs.filter(category=category)
    provider = request.GET.get("provider", "")
    if provider == "department":
        qs = qs.filter(provider__isnull=True)
    elif provider.isdigit():
        qs = qs.filter(provider_id=int(provider))
    return render(
        request,
        "portal/service_list.html",
        {"services": qs, "categories": Service.Category.choices, "category": category},
    )


def service_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    service = get_object_or_404(Service.objects.select_related("provider"), pk=pk)
    if not can(request.user, VIEW, service):
        raise Http404
    form = forms.RequestForm(user=request.user) if is_authenticated(request.user) else None
    return render(request, "portal/service_detail.html", {"service": service, "form": form})


def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(Service, pk=pk)
    if not can(request.user, VIEW, service):
        raise Http404
    if not is_authenticated(request.user):
        return redirect_to_login(service.get_absolute_url())
    form = forms.RequestForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.create_request(
                service,
                request.user,
                subject=form.cleaned_data["subject"],
                details=form.cleaned_data["details"],
                contact_phone=form.cleaned_data["contact_phone"],
                organization=form.cleaned_data.get("organization"),
                files=form.cleaned_data["files"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc)
        else:
            assert req.due_date is not None  # create_request sets it
            messages.success(
                request,
                _("Your request %(ref)s was received. We will answer by %(due)s.")
                % {"ref": req.reference, "due": req.due_date.strftime("%d/%m/%Y")},
            )
            return redirect(req)
    return render(request, "portal/service_detail.html", {"service": service, "form": form})


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # login_required
    qs = ServiceRequest.objects.filter(requester=request.user).select_related("service", "assignee")
    page = _page(request, qs)
    return render(request, "portal/my_requests.html", {"page": page, "items": page.object_list})


@login_required
def request_queue(request: HttpRequest) -> HttpResponse:
    qs = restrict(ServiceRequest.objects.all(), request.user, MODERATE)
    if (
        not is_officer(request.user)
        and not Service.objects.filter(provider_id__in=organization_ids(request.user)).exists()
    ):
        raise PermissionDenied
    form = forms.QueueFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = filters.filter_queue(qs, data, request.user).select_related(
        "service", "requester", "assignee", "organization"
    )
    counts = {
        "open": restrict(ServiceRequest.objects.all(), request.user, MODERATE)
        .filter(status__in=ServiceRequest.OPEN)
        .count(),
        "overdue": services.overdue(
            restrict(ServiceRequest.objects.all(), request.user, MODERATE)
        ).count(),
    }
    page = _page(request, qs.order_by("due_date", "pk"))
    return render(
        request,
        "portal/request_queue.html",
        {"form": form, "page": page, "items": page.object_list, "counts": counts},
    )


def _request_or_404(request: HttpRequest, pk: int) -> ServiceRequest:
    req = get_object_or_404(
        ServiceRequest.objects.select_related("service__provider", "requester", "assignee"), pk=pk
    )
    if not can(request.user, VIEW, req):
        raise Http404
    return req


def _request_context(request: HttpRequest, req: ServiceRequest, **extra: Any) -> dict[str, Any]:
    handler = handles_service(request.user, req.service)
    ctx = {
        "req": req,
        "handler": handler,
        "actions": services.available_actions(req, request.user),
        "assignees": services.handler_choices(req.service) if handler else [],
        "transitions": req.transitions.select_related("actor"),
        "thread": req.messages.select_related("author"),
        "attachments": req.attachments.all(),
        "message_form": forms.MessageForm(),
        "action_form": forms.ActionForm(),
    }
    ctx.update(extra)
    return ctx


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = _request_or_404(request, pk)
    return render(request, "portal/request_detail.html", _request_context(request, req))


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int) -> HttpResponse:
    req = _request_or_404(request, pk)
    form = forms.ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect(req)
    action = form.cleaned_data["action"]
    comment = form.cleaned_data["comment"]
    try:
        if action == "assign":
            assignee = User.objects.filter(pk=form.cleaned_data.get("assignee") or 0).first()
            services.assign_request(req, request.user, assignee, comment)
        else:
            services.TRANSITIONS[action](req, request.user, comment)
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
        return render(
            request,
            "portal/request_detail.html",
            _request_context(request, req, action_form=form),
            status=400,
        )
    messages.success(
        request,
        _("Request %(ref)s is now: %(status)s.")
        % {"ref": req.reference, "status": req.get_status_display()},
    )
    return redirect(req)


@login_required
@require_POST
def request_message(request: HttpRequest, pk: int) -> HttpResponse:
    req = _request_or_404(request, pk)
    form = forms.MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_message(
                req, request.user, form.cleaned_data["body"], form.cleaned_data["files"]
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Message sent."))
            return redirect(req)
    return render(
        request,
        "portal/request_detail.html",
        _request_context(request, req, message_form=form),
        status=400,
    )


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    att = get_object_or_404(
        Attachment.objects.select_related("request__service", "application"), pk=pk
    )
    if not can(request.user, VIEW, att):
        raise Http404
    response = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)
    response["Content-Type"] = att.mime_type
    response["X-Content-Type-Options"] = "nosniff"
    return response
