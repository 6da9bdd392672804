"""Pages and fragments of matching (thin: the work is in ``services``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import VIEW, can, is_broker_or_officer, restrict
from openstx.matching import services
from openstx.matching.forms import FollowForm, SavedSearchForm
from openstx.matching.models import MatchAlert, Subscription

LIMIT = 10


def _visible(request: HttpRequest, model, pk: int):
    obj = get_object_or_404(model, pk=pk)
    if not can(request.user, VIEW, obj):
        raise Http404
    return obj


def _demand_context(request: HttpRequest, demand) -> dict:
    ctx = {
        "demand": demand,
        "can_connect": services.can_connect(request.user, demand),
        "broker": is_broker_or_officer(request.user) and demand.status == services.PUBLISHED,
    }
    # "request a connection" only when it can be sent; otherwise a sentence saying what to do
    ctx["connect_hint"] = services.connect_hint(request.user, demand)
    ctx["connectable"] = ctx["can_connect"] and not ctx["connect_hint"]
    if demand.status == services.PUBLISHED or ctx["can_connect"]:
        ctx["offers"] = services.match_demand(demand, limit=LIMIT)
        ctx["experts"] = _with_expert_actions(
            request, demand, services.match_demand(demand, limit=5, experts=True)
        )
        ctx["waiting"] = services.waiting("offer")
    else:
        ctx["offers"], ctx["experts"], ctx["waiting"] = [], [], 0
    ctx["following"] = (
        request.user.is_authenticated
        and Subscription.objects.filter(user=request.user, demand=demand, active=True).exists()
    )
    ctx["follow_form"] = FollowForm()
    return ctx


def _with_expert_actions(request: HttpRequest, demand, matches) -> list[dict]:
    """Each suggested expert with what the viewer can do: ask (the demand's owner), connect
    (brokers, staff), or a sentence saying why not / what to do instead."""
    from openstx.directory.models import Expert

    experts = Expert.objects.in_bulk([m.record.id for m in matches])
    rows = []
    for m in matches:
        action, hint = services.expert_action(request.user, demand, experts.get(m.record.id))
        rows.append({"match": m, "action": action, "hint": hint})
    return rows


def _offer_context(request: HttpRequest, offer) -> dict:
    from openstx.exchange.models import Demand
    from openstx.exchange.services import requester_label

    matches = services.match_offer(offer, limit=LIMIT)
    demands = Demand.objects.in_bulk([m.record.id for m in matches])
    rows = [
        {
            "match": m,
            "demand": demands.get(m.record.id),
            "requester": requester_label(request.user, demands[m.record.id]),
        }
        for m in matches
        if m.record.id in demands
    ]
    return {
        "offer": offer,
        "rows": rows,
        "waiting": services.waiting("demand"),
        "can_connect": services.can_connect(request.user, offer),
        "connect_hint": services.connect_hint(request.user, offer),
        "following": request.user.is_authenticated
        and Subscription.objects.filter(user=request.user, offer=offer, active=True).exists(),
        "follow_form": FollowForm(),
    }


def demand_page(request: HttpRequest, pk: int) -> HttpResponse:
    from openstx.exchange.models import Demand

    demand = _visible(request, Demand, pk)
    return render(request, "matching/demand_page.html", _demand_context(request, demand))


def demand_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    from openstx.exchange.models import Demand

    demand = _visible(request, Demand, pk)
    return render(
        request, "matching/includes/demand_results.html", _demand_context(request, demand)
    )


def offer_page(request: HttpRequest, pk: int) -> HttpResponse:
    from openstx.exchange.models import Offer

    offer = _visible(request, Offer, pk)
    return render(request, "matching/offer_page.html", _offer_context(request, offer))


def offer_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    from openstx.exchange.models import Offer

    offer = _visible(request, Offer, pk)
    return render(request, "matching/includes/offer_results.html", _offer_context(request, offer))


@login_required
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    """One click from a match to a connection request."""
    from openstx.directory.models import Expert
    from openstx.exchange.models import Demand, Offer

    def pick(model, name):
        value = request.POST.get(name, "")
        return _visible(request, model, int(value)) if value.isdigit() else None

    demand = pick(Demand, "demand")
    offer = pick(Offer, "offer")
    expert = pick(Expert, "expert")
    back = request.POST.get("next") or "/"
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    try:
        conn = services.connect(
            request.user,
            demand=demand,
            offer=offer,
            expert=expert,
            message=request.POST.get("message", ""),
        )
    except (PermissionDenied, ValidationError) as exc:
        text = "; ".join(getattr(exc, "messages", None) or [str(exc)])
        messages.error(request, text or _("You may not do this."))
        return redirect(back)
    messages.success(request, _("Connection request sent."))
    return redirect(conn.get_absolute_url())


@login_required
@require_POST
def follow(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    from openstx.exchange.models import Demand, Offer

    model = {"demand": Demand, "offer": Offer}.get(kind)
    if model is None:
        raise Http404
    listing = _visible(request, model, pk)
    form = FollowForm(request.POST)
    frequency = form.cleaned_data["frequency"] if form.is_valid() else "immediate"
    try:
        services.subscribe(request.user, listing, frequency)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You will be told about new matches."))
    return redirect(request.POST.get("next") or "matching:alerts")


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    form = SavedSearchForm(
        request.POST or None, initial={"query": request.GET.get("q", ""), "target": "offer"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_search(
                request.user,
                form.cleaned_data["query"],
                form.cleaned_data["target"],
                form.cleaned_data["frequency"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Search saved: you will be told about new listings."))
            return redirect("matching:alerts")
    subs = restrict(Subscription.objects.select_related("demand", "offer"), request.user)
    recent = restrict(MatchAlert.objects.select_related("subscription"), request.user)[:50]
    return render(
        request,
        "matching/alerts.html",
        {"form": form, "subscriptions": subs.filter(active=True), "recent": recent},
    )


@login_required
@require_POST
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    sub = get_object_or_404(restrict(Subscription.objects.all(), request.user), pk=pk)
    sub.active = False
    sub.save(update_fields=["active"])
    messages.success(request, _("Alerts stopped."))
    return redirect("matching:alerts")


@login_required
def pairs(request: HttpRequest) -> HttpResponse:
    """Brokers and staff: the strongest demand–offer pairs nobody has connected yet."""
    if not is_broker_or_officer(request.user):
        raise PermissionDenied
    return render(request, "matching/pairs.html", {"pairs": services.strongest_pairs()})
