"""Event pages: the public list and page, officers preparing events, members registering listings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import (
    CHANGE,
    can,
    can_add,
    is_officer,
    organization_ids,
    restrict,
)
from openstx.exchange import forms, services
from openstx.exchange.models import (
    Demand,
    Event,
    ListingStatus,
    Offer,
)
from openstx.exchange.views.listings import MODELS, PAGE_SIZE, _flash_errors

# --- Events -----------------------------------------------------------------------------------------


def event_list(request: HttpRequest) -> HttpResponse:
    from django.db.models import Q

    today = timezone.localdate()
    when = request.GET.get("when", "")
    qs = (
        restrict(Event.objects.all(), request.user)
        .annotate(
            n_offers=Count("offers", distinct=True),
            n_demands=Count("demands", distinct=True),
            n_connections=Count("connections", distinct=True),
        )
        .order_by("-start_date", "-pk")
    )
    last_day = Q(end_date__gte=today) | Q(end_date__isnull=True, start_date__gte=today)
    if when == "upcoming":
        qs = qs.filter(last_day).order_by("start_date", "pk")
    elif when == "past":
        qs = qs.exclude(last_day)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/event_list.html",
        {"page": page, "when": when, "can_add": can_add(request.user, Event), "today": today},
    )


def event_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    event = get_object_or_404(restrict(Event.objects.all(), request.user), pk=pk)
    if slug != event.slug:
        return redirect(event.get_absolute_url(), permanent=True)
    user = request.user
    offers = list(
        restrict(event.offers.select_related("owner"), user).filter(status=ListingStatus.PUBLISHED)[
            :100
        ]
    )
    demands = list(
        restrict(event.demands.select_related("requester"), user).filter(
            status=ListingStatus.PUBLISHED
        )[:100]
    )
    for d in demands:
        d.requester_display = services.requester_label(user, d)
    open_reg = services.event_registration_open(event)
    mine: list[Any] = []
    own_ids: set[int] = set()
    if user.is_authenticated:
        ids = organization_ids(user)
        own_ids = set(ids)
        if open_reg:
            mine = [
                *Offer.objects.filter(owner__in=ids, status=ListingStatus.PUBLISHED).exclude(
                    events=event
                ),
                *Demand.objects.filter(requester__in=ids, status=ListingStatus.PUBLISHED).exclude(
                    events=event
                ),
            ]
    officer = is_officer(user)
    for listing in [*offers, *demands]:
        listing.kind_name = services.listing_kind(listing)
        listing.removable = officer or listing.organization_id in own_ids
        listing.can_interest = (
            user.is_authenticated
            and event.status == Event.Status.PUBLISHED
            and listing.organization_id not in own_ids
        )
    return render(
        request,
        "exchange/event_detail.html",
        {
            "event": event,
            "offers": offers,
            "demands": demands,
            "participants": event.participants.all()[:200],
            "counts": services.event_counts(event),
            "mine": mine,
            "registration_open": open_reg,
            "actions": services.event_allowed_actions(user, event),
            "can_edit": can(user, CHANGE, event),
            "showcase_form": forms.ShowcaseForm() if officer else None,
        },
    )


def _event_form(request: HttpRequest, event: Event) -> HttpResponse:
    if request.method == "POST":
        form = forms.EventForm(request.POST, instance=event)
        if form.is_valid():
            try:
                event = services.save_event(form.save(commit=False), request.user)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errs in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errs)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(event.get_absolute_url())
    else:
        form = forms.EventForm(instance=event)
    return render(
        request, "exchange/event_form.html", {"form": form, "event": event if event.pk else None}
    )


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if not can_add(request.user, Event):
        raise PermissionDenied
    return _event_form(request, Event())


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(restrict(Event.objects.all(), request.user, CHANGE), pk=pk)
    return _event_form(request, event)


@login_required
@require_POST
def event_action(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(restrict(Event.objects.all(), request.user, CHANGE), pk=pk)
    form = forms.EventActionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            services.event_transition(event, action, request.user, form.cleaned_data["comment"])
            messages.success(
                request,
                _("Done: %(what)s.") % {"what": services.EVENT_ACTION_LABELS.get(action, action)},
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash_errors(request, exc)
    return redirect(event.get_absolute_url())


def _event_listing(request: HttpRequest) -> Offer | Demand:
    """The listing named by ``listing=offer:12`` (members) or ``kind`` + ``number`` (officers)."""
    value = request.POST.get("listing", "")
    kind, _sep, listing_pk = value.partition(":")
    if not value:
        form = forms.ShowcaseForm(request.POST)
        if not form.is_valid():
            raise Http404
        kind, listing_pk = form.cleaned_data["kind"], str(form.cleaned_data["number"])
    model = MODELS.get(kind)
    if model is None or not listing_pk.isdigit():
        raise Http404
    return get_object_or_404(restrict(model.objects.all(), request.user), pk=listing_pk)


@login_required
@require_POST
def event_register(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(restrict(Event.objects.all(), request.user), pk=pk)
    listing = _event_listing(request)
    try:
        services.register_for_event(event, request.user, listing)
        messages.success(request, _("Registered for the event."))
    except (ValidationError, PermissionDenied) as exc:
        _flash_errors(request, exc)
    return redirect(event.get_absolute_url())


@login_required
@require_POST
def event_unregister(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(restrict(Event.objects.all(), request.user), pk=pk)
    listing = _event_listing(request)
    try:
        services.unregister_from_event(event, request.user, listing)
        messages.success(request, _("Removed from the event."))
    except (ValidationError, PermissionDenied) as exc:
        _flash_errors(request, exc)
    return redirect(event.get_absolute_url())
