"""Start-up profiles and intermediary organisations."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.core.permissions import (
    CHANGE,
    can,
    organization_ids,
    restrict,
)
from openstx.directory.models import Organization
from openstx.portal import forms, services
from openstx.portal.models import (
    Article,
    StartupProfile,
)
from openstx.portal.views.articles import _page

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
