"""Public pages of the directory (thin: forms validate, services change, policies decide)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import CHANGE, DELETE, VIEW, can, can_add, is_officer, restrict
from openstx.directory import services
from openstx.directory.forms import (
    ExpertFilterForm,
    ExpertForm,
    OrganizationFilterForm,
    OrganizationForm,
    OrganizationRegistrationForm,
    PublicationForm,
    ward_choices,
)
from openstx.directory.history import history_entries
from openstx.directory.models import Expert, Organization, Publication
from openstx.directory.policies import (
    can_register_organization,
    can_see_contacts,
    can_verify_organization,
)
from openstx.taxonomy.models import FieldOfScience

PAGE_SIZE = 20


def _page(request: HttpRequest, qs: Any) -> Any:
    paginator = Paginator(qs, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _querystring(request: HttpRequest) -> str:
    """The current filters without ``page``, for pagination links."""
    params = [(k, v) for k, values in request.GET.lists() for v in values if k != "page" and v]
    return urlencode(params)


def _can_see_history(user: Any) -> bool:
    return is_officer(user) or bool(getattr(user, "is_staff", False))


def directory_home(request: HttpRequest) -> HttpResponse:
    return redirect("directory:expert-list")


# --- Organisations --------------------------------------------------------------------------


def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET or None)
    qs = restrict(Organization.objects.select_related("admin_unit"), request.user, VIEW)
    qs = services.filter_organizations(qs, form.values() if request.GET else {})
    page = _page(request, qs)
    return render(
        request,
        "directory/organization_list.html",
        {
            "form": form,
            "page": page,
            "querystring": _querystring(request),
            "can_create": can_add(request.user, Organization),
            "can_verify": can_verify_organization(request.user),
            "awaiting_count": (
                services.awaiting_verification().count()
                if can_verify_organization(request.user)
                else 0
            ),
        },
    )


def organization_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    qs = restrict(
        Organization.objects.select_related("admin_unit", *services.ORGANIZATION_PAGE_RELATED),
        request.user,
        VIEW,
    )
    org = get_object_or_404(qs.prefetch_related("fields"), pk=pk)
    if slug != (org.slug or "-"):
        return redirect(org.get_absolute_url(), permanent=True)
    experts = restrict(org.experts.all(), request.user, VIEW).order_by("full_name")
    return render(
        request,
        "directory/organization_detail.html",
        {
            "org": org,
            "experts": experts[:50],
            "expert_count": experts.count(),
            "can_edit": can(request.user, CHANGE, org),
            "can_see_history": _can_see_history(request.user),
            "can_verify": can_verify_organization(request.user),
            **services.organization_page_links(org, request.user),
        },
    )


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    if not can_add(request.user, Organization):
        # a member registers the organisation they work for; officers verify it
        return redirect("directory:organization-register")
    form = OrganizationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        org = services.create_organization(request.user, form.cleaned_data)
        messages.success(request, _("The organisation was created."))
        return redirect(org.get_absolute_url())
    return render(
        request,
        "directory/form.html",
        {
            "form": form,
            "title": _("New organisation"),
            "cancel_url": reverse("directory:organization-list"),
        },
    )


@login_required
def organization_register(request: HttpRequest) -> HttpResponse:
    """Self-registration: the organisation is usable for drafts at once and public once an
    officer verifies it (``services.register_organization``)."""
    if not can_register_organization(request.user):
        raise PermissionDenied
    form = OrganizationRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.register_organization(request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Your organisation is registered and you are its administrator. You can "
                    "prepare offers and demands now; the organisation is listed, and its "
                    "listings can be published, once the department has verified it."
                ),
            )
            return redirect(org.get_absolute_url())
    return render(
        request,
        "directory/organization_register.html",
        {"form": form, "cancel_url": reverse("directory:organization-list")},
    )


def ward_options(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of the ward chooser for a province (htmx, on changing the province)."""
    wards = ward_choices(request.GET.get("province"))
    return render(request, "directory/includes/ward_options.html", {"wards": wards})


@login_required
def organization_verification_queue(request: HttpRequest) -> HttpResponse:
    if not can_verify_organization(request.user):
        raise PermissionDenied
    pending = [
        (org, services.possible_duplicates(org))
        for org in services.awaiting_verification().select_related("admin_unit", "registered_by")[
            :100
        ]
    ]
    return render(request, "directory/organization_verification.html", {"pending": pending})


@login_required
def organization_verify(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_verify_organization(request.user):
        raise PermissionDenied
    org = get_object_or_404(
        Organization.objects.select_related("admin_unit__parent", "registered_by"), pk=pk
    )
    if request.method == "POST":
        services.verify_organization(request.user, org)
        messages.success(request, _("%(name)s is verified and public.") % {"name": org.name})
        return redirect("directory:organization-verification")
    return render(
        request,
        "directory/organization_verify.html",
        {"org": org, "duplicates": services.possible_duplicates(org)},
    )


@login_required
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organization, pk=pk)
    if not can(request.user, CHANGE, org):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, instance=org, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        services.update_organization(request.user, Organization.objects.get(pk=pk), data)
        messages.success(request, _("Your changes were saved."))
        return redirect(org.get_absolute_url())
    return render(
        request,
        "directory/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": org.name},
            "cancel_url": org.get_absolute_url(),
            "object": org,
        },
    )


@login_required
def organization_history(request: HttpRequest, pk: int) -> HttpResponse:
    if not _can_see_history(request.user):
        raise PermissionDenied
    org = get_object_or_404(Organization, pk=pk)
    return render(
        request,
        "directory/history.html",
        {"object": org, "title": org.name, "entries": history_entries(org)},
    )


# --- Experts --------------------------------------------------------------------------------


def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET or None)
    qs = restrict(
        Expert.objects.select_related("organization").prefetch_related(
            Prefetch("fields", queryset=FieldOfScience.objects.order_by("code"))
        ),
        request.user,
        VIEW,
    )
    qs = services.filter_experts(qs, form.values() if request.GET else {})
    page = _page(request, qs)
    return render(
        request,
        "directory/expert_list.html",
        {
            "form": form,
            "page": page,
            "querystring": _querystring(request),
            "can_create": can_add(request.user, Expert),
        },
    )


def expert_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    qs = restrict(Expert.objects.select_related("organization"), request.user, VIEW)
    expert = get_object_or_404(
        qs.prefetch_related(
            "fields",
            Prefetch("publications", queryset=Publication.objects.order_by("-year", "title")),
        ),
        pk=pk,
    )
    if slug != (expert.slug or "-"):
        return redirect(expert.get_absolute_url(), permanent=True)
    return render(
        request,
        "directory/expert_detail.html",
        {
            "expert": expert,
            "show_contacts": can_see_contacts(request.user),
            "can_edit": can(request.user, CHANGE, expert),
            "can_see_history": _can_see_history(request.user),
        },
    )


@login_required
def expert_create(request: HttpRequest) -> HttpResponse:
    if not can_add(request.user, Expert):
        raise PermissionDenied
    form = ExpertForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        expert = services.create_expert(request.user, form.model_data())
        messages.success(request, _("The expert profile was created."))
        return redirect(expert.get_absolute_url())
    return render(
        request,
        "directory/form.html",
        {"form": form, "title": _("New expert"), "cancel_url": reverse("directory:expert-list")},
    )


@login_required
def expert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    if not can(request.user, CHANGE, expert):
        raise PermissionDenied
    form = ExpertForm(request.POST or None, instance=expert, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_expert(request.user, Expert.objects.get(pk=pk), form.model_data())
        messages.success(request, _("Your changes were saved."))
        return redirect(expert.get_absolute_url())
    return render(
        request,
        "directory/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": expert.full_name},
            "cancel_url": expert.get_absolute_url(),
            "object": expert,
        },
    )


@login_required
def expert_history(request: HttpRequest, pk: int) -> HttpResponse:
    if not _can_see_history(request.user):
        raise PermissionDenied
    expert = get_object_or_404(Expert, pk=pk)
    return render(
        request,
        "directory/history.html",
        {"object": expert, "title": expert.full_name, "entries": history_entries(expert)},
    )


# --- Publications of an expert ----------------------------------------------------------------


def _expert_to_edit(request: HttpRequest, pk: int) -> Expert:
    expert = get_object_or_404(Expert.objects.select_related("organization"), pk=pk)
    if not can(request.user, CHANGE, expert):
        raise PermissionDenied
    return expert


@login_required
def publication_create(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _expert_to_edit(request, pk)
    form = PublicationForm(request.POST or None, expert=expert)
    if request.method == "POST" and form.is_valid():
        services.add_publication(request.user, expert, form.model_data())
        messages.success(request, _("The publication was added."))
        return redirect(expert.get_absolute_url() + "#publications")
    return render(
        request,
        "directory/form.html",
        {
            "form": form,
            "title": _("New publication of %(name)s") % {"name": expert.display_name},
            "cancel_url": expert.get_absolute_url() + "#publications",
        },
    )


@login_required
def publication_edit(request: HttpRequest, pk: int, pub_pk: int) -> HttpResponse:
    expert = _expert_to_edit(request, pk)
    publication = get_object_or_404(
        restrict(expert.publications.all(), request.user, CHANGE), pk=pub_pk
    )
    form = PublicationForm(request.POST or None, instance=publication, expert=expert)
    if request.method == "POST" and form.is_valid():
        services.update_publication(
            request.user, expert, Publication.objects.get(pk=pub_pk), form.model_data()
        )
        messages.success(request, _("Your changes were saved."))
        return redirect(expert.get_absolute_url() + "#publications")
    return render(
        request,
        "directory/form.html",
        {
            "form": form,
            "title": _("Edit publication"),
            "cancel_url": expert.get_absolute_url() + "#publications",
            "delete_url": reverse("directory:publication-delete", args=[expert.pk, pub_pk]),
        },
    )


@login_required
@require_POST
def publication_delete(request: HttpRequest, pk: int, pub_pk: int) -> HttpResponse:
    expert = _expert_to_edit(request, pk)
    publication = get_object_or_404(
        restrict(expert.publications.all(), request.user, DELETE), pk=pub_pk
    )
    services.remove_publication(request.user, expert, publication)
    messages.success(request, _("The publication was removed from the profile."))
    return redirect(expert.get_absolute_url() + "#publications")
