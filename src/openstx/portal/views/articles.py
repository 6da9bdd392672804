"""News and calls for proposals: public list and page, the officers' editor; shared page helpers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import (
    CHANGE,
    VIEW,
    can,
    can_add,
    restrict,
)
from openstx.portal import filters, forms, services
from openstx.portal.models import (
    Article,
)

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
