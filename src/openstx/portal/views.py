"""Portal pages. Thin: permissions via core.permissions, state changes via services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.accounts.models import User
from openstx.core.client_address import client_ip
from openstx.core.permissions import (
    CHANGE,
    MODERATE,
    VIEW,
    can,
    can_add,
    is_authenticated,
    is_officer,
    organization_ids,
    restrict,
)
from openstx.directory.models import Organization
from openstx.portal import filters, forms, services
from openstx.portal.models import (
    Application,
    Article,
    Attachment,
    Programme,
    Service,
    ServiceRequest,
    StartupProfile,
)
from openstx.portal.policies import handles_service

PAGE_SIZE = 20


def _page(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


def _errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for m in exc.messages:
            form.add_error(None, m)
    else:
        form.add_error(None, str(exc) or _("You may not do this."))


def _flash(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.error(request, str(exc) or _("You may not do this."))


def _files(request: HttpRequest) -> list[Any]:
    return request.FILES.getlist("files")


# --- articles ------------------------------------------------------------------------------------


def article_list(request: HttpRequest) -> HttpResponse:
    services.publish_due()
    form = forms.ArticleFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    q = (data.get("q") or "").strip()
    ctx: dict[str, Any] = {"form": form, "years": filters.article_years(), "q": q}
    if q:
        from openstx.search.service import search

        search_filters: dict[str, Any] = {}
        if data.get("category"):
            search_filters["kind"] = [data["category"]]
        if data.get("year"):
            search_filters["year"] = [str(data["year"])]
        res = search(
            q,
            user=request.user,
            types=["article"],
            filters=search_filters,
            page=request.GET.get("page", 1),
            per_page=PAGE_SIZE,
            facets=False,
        )
        by_id = {
            a.pk: a
            for a in restrict(Article.objects.all(), request.user).filter(
                pk__in=[int(h.id) for h in res.hits]
            )
        }
        ctx["hits"] = [(h, by_id[int(h.id)]) for h in res.hits if int(h.id) in by_id]
        ctx["results"] = res
    else:
        qs = filters.filter_articles(
            Article.objects.visible().select_related("organization"), data
        ).order_by("-publish_at", "-pk")
        page = _page(request, qs)
        ctx.update(page=page, items=page.object_list)
    return render(request, "portal/article_list.html", ctx)


def article_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    services.publish_due()
    article = get_object_or_404(Article.objects.select_related("organization"), pk=pk)
    if not can(request.user, VIEW, article):
        raise Http404
    tasks = list(article.tasks.all()) if article.is_call else []
    return render(
        request,
        "portal/article_detail.html",
        {
            "article": article,
            "tasks": tasks,
            "can_edit": can(request.user, CHANGE, article),
            "state": services.article_state(article),
        },
    )


def _officer_only(request: HttpRequest, article: Article | None = None) -> None:
    """Anonymous visitors are sent to sign in; signed-in non-officers get 403."""
    allowed = can(request.user, CHANGE, article) if article else can_add(request.user, Article)
    if not allowed:
        raise PermissionDenied


@login_required
def article_manage(request: HttpRequest) -> HttpResponse:
    """Officers' list of every article: drafts, scheduled and published, newest first."""
    _officer_only(request)
    services.publish_due()
    qs = restrict(Article.objects.select_related("author"), request.user, CHANGE).order_by(
        "-updated_at", "-pk"
    )
    state = request.GET.get("state", "")
    now = timezone.now()
    if state == "draft":
        qs = qs.filter(status=Article.Status.DRAFT)
    elif state == "scheduled":
        qs = qs.filter(status=Article.Status.PUBLISHED, publish_at__gt=now)
    elif state == "published":
        qs = qs.filter(status=Article.Status.PUBLISHED, publish_at__lte=now)
    page = _page(request, qs)
    rows = [(a, services.article_state(a, now)) for a in page.object_list]
    return render(
        request, "portal/article_manage.html", {"page": page, "rows": rows, "state": state}
    )


def _article_editor(request: HttpRequest, article: Article | None) -> HttpResponse:
    form = forms.ArticleForm(request.POST or None, request.FILES or None, instance=article)
    if request.method == "POST" and form.is_valid():
        action = "publish" if request.POST.get("action") == "publish" else "draft"
        try:
            saved = services.save_article(
                article,
                request.user,
                form.service_data(),
                action=action,
                image=form.cleaned_data.get("image"),
                remove_image=form.cleaned_data.get("remove_image", False),
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            state = services.article_state(saved)
            if state == "scheduled":
                messages.success(
                    request,
                    _("Scheduled: the article will be published on %(when)s.")
                    % {"when": timezone.localtime(saved.publish_at).strftime("%d/%m/%Y %H:%M")},
                )
            elif state == "published":
                messages.success(request, _("Published."))
            else:
                messages.success(request, _("Saved as a draft."))
            return redirect("portal:article-edit", pk=saved.pk)
    state = services.article_state(article) if article else "draft"
    return render(
        request, "portal/article_form.html", {"form": form, "article": article, "state": state}
    )


@login_required
def article_create(request: HttpRequest) -> HttpResponse:
    _officer_only(request)
    return _article_editor(request, None)


@login_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    _officer_only(request, article)
    return _article_editor(request, article)


@login_required
@require_POST
def article_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish now or unpublish (back to draft) from the editor or the officers' list."""
    article = get_object_or_404(Article, pk=pk)
    _officer_only(request, article)
    if request.POST.get("action") == "unpublish":
        services.unpublish_article(article, request.user)
        messages.success(request, _("Unpublished: the article is a draft again."))
    else:
        services.publish_article(article, request.user, when=timezone.now())
        messages.success(request, _("Published."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("portal:article-manage")


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


# --- start-ups and intermediaries ----------------------------------------------------------------


def startup_list(request: HttpRequest) -> HttpResponse:
    qs = StartupProfile.objects.select_related("organization", "field", "incubator")
    stage = request.GET.get("stage", "")
    if stage in StartupProfile.Stage.values:
        qs = qs.filter(stage=stage)
    page = _page(request, qs)
    mine = Organization.objects.filter(
        pk__in=organization_ids(request.user, admin_only=True), type=Organization.Type.STARTUP
    )
    return render(
        request,
        "portal/startup_list.html",
        {
            "mine": mine,
            "page": page,
            "items": page.object_list,
            "stages": StartupProfile.Stage.choices,
            "stage": stage,
        },
    )


def startup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(
        StartupProfile.objects.select_related("organization", "field", "incubator"), pk=pk
    )
    from openstx.exchange.models import Offer

    offers = restrict(Offer.objects.filter(owner=profile.organization), request.user)[:20]
    return render(
        request,
        "portal/startup_detail.html",
        {"profile": profile, "offers": offers, "can_edit": can(request.user, CHANGE, profile)},
    )


@login_required
def startup_edit(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The start-up's own administrators (or officers) keep its profile."""
    org = get_object_or_404(Organization, pk=org_pk, type=Organization.Type.STARTUP)
    profile = StartupProfile.objects.filter(organization=org).first() or StartupProfile(
        organization=org
    )
    if not can(request.user, CHANGE, profile):
        raise PermissionDenied
    form = forms.StartupProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = services.save_startup_profile(form.save(commit=False), request.user)
        form.save_m2m()
        messages.success(request, _("Saved."))
        return redirect(profile)
    return render(request, "portal/startup_form.html", {"form": form, "org": org})


def intermediary_list(request: HttpRequest) -> HttpResponse:
    services.publish_due()
    now = timezone.now()
    orgs = Organization.objects.filter(type=Organization.Type.INTERMEDIARY).annotate(
        n_services=Count("portal_services", filter=Q(portal_services__active=True), distinct=True),
        n_startups=Count("incubated_startups", distinct=True),
    )
    events = (
        Article.objects.visible()
        .filter(category=Article.Category.EVENT, organization__type=Organization.Type.INTERMEDIARY)
        .filter(Q(event_start__isnull=True) | Q(event_start__gte=now - dt.timedelta(days=1)))
        .select_related("organization")
        .order_by("event_start")[:20]
    )
    return render(request, "portal/intermediary_list.html", {"orgs": orgs, "events": events})


# --- contact and training ---------------------------------------------------------------------------


def contact(request: HttpRequest) -> HttpResponse:
    form = forms.ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.submit_contact(
                name=d["name"],
                email=d["email"],
                phone=d["phone"],
                subject=d["subject"],
                message=d["message"],
                ip=client_ip(request),
                honeypot=d["website"],
            )
        except ValidationError as exc:
            _errors(form, exc)
            return render(request, "portal/contact.html", {"form": form}, status=429)
        messages.success(request, _("Thank you. Your message was sent to the department."))
        return redirect("portal:contact")
    return render(request, "portal/contact.html", {"form": form})


def training_list(request: HttpRequest) -> HttpResponse:
    from openstx.ipr.models import TrainingCourse

    today = timezone.localdate()
    courses = list(
        TrainingCourse.objects.filter(start_date__gte=today)
        .annotate(n=Count("attendances"))
        .order_by("start_date")
    )
    for course in courses:
        # an attribute for the template, set at run time on the model instance
        course.seats_left = services.seats_left(course, taken=course.n)  # type: ignore[attr-defined]
    return render(request, "portal/training_list.html", {"courses": courses})


def training_register(request: HttpRequest, pk: int) -> HttpResponse:
    from openstx.ipr.models import TrainingCourse

    course = get_object_or_404(TrainingCourse, pk=pk)
    initial = {}
    user = request.user
    if isinstance(user, User):  # signed in (AnonymousUser otherwise)
        initial = {"name": user.display_name, "email": user.email, "phone": user.phone}
    form = forms.TrainingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.register_for_course(course, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
            status = 409
        else:
            messages.success(
                request,
                _("You are registered for %(course)s. A confirmation was e-mailed.")
                % {"course": course.title},
            )
            return redirect("portal:training-list")
    return render(
        request,
        "portal/training_register.html",
        {"course": course, "form": form, **services.registration_status(course)},
        status=status,
    )
