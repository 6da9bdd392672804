"""Connection pages: interest in a listing, connections and deals, asking an expert, brokers pairing listings, notices."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import (
    is_broker_or_officer,
    restrict,
)
from openstx.exchange import forms, services
from openstx.exchange.models import (
    Connection,
    Demand,
    Event,
    ListingStatus,
    Notification,
    Offer,
)
from openstx.exchange.views.listings import MODELS, PAGE_SIZE, _flash_errors

# --- Connections ------------------------------------------------------------------------------------


@login_required
@require_POST
def interest(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = MODELS.get(kind)
    if model is None:
        raise Http404
    listing = get_object_or_404(restrict(model.objects.all(), request.user), pk=pk)
    form = forms.InterestForm(request.POST)
    event = None
    event_id = request.POST.get("event", "")
    if event_id.isdigit():  # "I am interested" from an event page: counted for the event
        event = listing.events.filter(pk=event_id, status=Event.Status.PUBLISHED).first()
    if form.is_valid():
        try:
            conn = services.express_interest(
                request.user, listing, form.cleaned_data["message"], event=event
            )
            messages.success(
                request, _("Your request was sent. You will be notified of the answer.")
            )
            return redirect(conn.get_absolute_url())
        except (ValidationError, PermissionDenied) as exc:
            _flash_errors(request, exc)
    return redirect(listing.get_absolute_url())


@login_required
def connection_list(request: HttpRequest) -> HttpResponse:
    staff = is_broker_or_officer(request.user)
    mine = request.GET.get("mine") == "1" or not staff
    stage = request.GET.get("stage", "")
    if stage not in Connection.Stage.values:
        stage = ""
    qs = services.pipeline(
        request.user, mine_only=mine, stage=stage, q=(request.GET.get("q") or "")[:100]
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {}
    base = services.pipeline(request.user, mine_only=mine)
    for value, n in base.values_list("stage").order_by().annotate(n=Count("pk")):
        counts[value] = n
    return render(
        request,
        "exchange/connection_list.html",
        {
            "page": page,
            "stages": [(v, lbl, counts.get(v, 0)) for v, lbl in Connection.Stage.choices],
            "stage": stage,
            "mine": mine,
            "staff": staff,
        },
    )


@login_required
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conn = get_object_or_404(
        restrict(
            Connection.objects.select_related(
                "demand", "offer", "expert", "seeker_org", "provider_org", "broker", "initiated_by"
            ),
            request.user,
        ),
        pk=pk,
    )
    user = request.user
    thread = services.can_see_thread(user, conn)
    worker = thread
    demand_label = services.requester_label(user, conn.demand) if conn.demand_id else ""
    seeker_label = (
        demand_label
        if conn.demand_id and conn.seeker_org_id == conn.demand.requester_id
        else str(conn.seeker_org or conn.initiated_by or "—")
    )
    return render(
        request,
        "exchange/connection_detail.html",
        {
            "conn": conn,
            "seeker_label": seeker_label,
            "thread": thread,
            "messages_list": list(conn.messages.select_related("author")) if thread else [],
            "meetings": list(conn.meetings.all()) if thread else [],
            "steps": list(conn.steps.select_related("actor")),
            "can_respond": services.can_respond(user, conn),
            "worker": worker and conn.is_open and conn.stage != Connection.Stage.REQUESTED,
            "meeting_form": forms.MeetingForm(prefix="meeting"),
            "mou_form": forms.MouForm(prefix="mou", initial={"date": timezone.localdate()}),
            "contract_form": forms.ContractForm(
                prefix="contract", initial={"date": timezone.localdate()}
            ),
            "close_form": forms.CloseForm(prefix="close"),
        },
    )


@login_required
@require_POST
def connection_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    conn = get_object_or_404(restrict(Connection.objects.all(), request.user), pk=pk)
    user = request.user
    form_classes = {
        "respond": forms.RespondForm,
        "message": forms.MessageForm,
        "meeting": forms.MeetingForm,
        "mou": forms.MouForm,
        "contract": forms.ContractForm,
        "close": forms.CloseForm,
    }
    form_class = form_classes.get(action)
    if form_class is None:
        raise Http404
    prefixed = action in ("meeting", "mou", "contract", "close")
    form = form_class(request.POST, prefix=action if prefixed else None)
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:  # an ErrorList yields its messages as str
                messages.error(request, str(e))
        return redirect(conn.get_absolute_url())
    data = form.cleaned_data
    try:
        if action == "respond":
            services.respond(conn, user, data["accept"], data["comment"])
        elif action == "message":
            services.post_message(conn, user, data["body"])
        elif action == "meeting":
            services.record_meeting(
                conn,
                user,
                date=data["date"],
                place=data["place"],
                online=data["online"],
                link=data["link"],
                minutes=data["minutes"],
            )
        elif action == "mou":
            services.record_mou(conn, user, date=data["date"], note=data["note"])
        elif action == "contract":
            services.record_contract(
                conn,
                user,
                value_vnd=data["value_vnd"],
                contract_type=data["contract_type"],
                date=data["date"],
            )
        elif action == "close":
            services.close_connection(
                conn,
                user,
                success=data["success"],
                reason=data["reason"],
                close_demand=data["close_demand"],
            )
        if action != "message":
            messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied) as exc:
        _flash_errors(request, exc)
    return redirect(conn.get_absolute_url() + ("#thread" if action == "message" else ""))


@login_required
def ask_expert(request: HttpRequest, pk: int) -> HttpResponse:
    """The demand's owner asks an expert: suggestions in the demand's fields, or the expert
    chosen in the directory (``?expert=<id>``)."""
    demand = get_object_or_404(
        restrict(Demand.objects.select_related("requester"), request.user), pk=pk
    )
    if not services.is_owner(request.user, demand):
        raise PermissionDenied
    if request.method == "POST":
        form = forms.AskExpertForm(request.POST)
        if form.is_valid():
            try:
                conn = services.request_expert(
                    request.user,
                    demand,
                    form.cleaned_data["expert"],
                    form.cleaned_data["message"],
                )
                messages.success(
                    request, _("Your request was sent. You will be notified of the answer.")
                )
                return redirect(conn.get_absolute_url())
            except (ValidationError, PermissionDenied) as exc:
                _flash_errors(request, exc)
    else:
        chosen = request.GET.get("expert", "")
        form = forms.AskExpertForm(initial={"expert": chosen} if chosen.isdigit() else None)
    q = (request.GET.get("q") or "").strip()[:100]
    experts = services.find_experts(q) if q else services.suggested_experts(demand)
    chosen_pk = str(form["expert"].value() or "")
    if chosen_pk.isdigit() and all(str(e.pk) != chosen_pk for e in experts):
        field = form.fields["expert"]
        assert isinstance(field, ModelChoiceField)  # AskExpertForm.expert
        assert field.queryset is not None  # set in AskExpertForm.__init__
        extra = field.queryset.select_related("organization").filter(pk=chosen_pk)
        experts = [*extra, *experts]
    asked = set(
        demand.connections.exclude(stage__in=[Connection.Stage.DECLINED, Connection.Stage.CLOSED])
        .filter(expert__isnull=False)
        .values_list("expert_id", flat=True)
    )
    return render(
        request,
        "exchange/ask_expert.html",
        {
            "demand": demand,
            "form": form,
            "experts": experts,
            "chosen": chosen_pk,
            "asked": asked,
            "q": q,
        },
    )


@login_required
def broker_connect(request: HttpRequest) -> HttpResponse:
    if not is_broker_or_officer(request.user):
        raise PermissionDenied
    demand = None
    demand_id = request.GET.get("demand") or request.POST.get("demand")
    if demand_id and str(demand_id).isdigit():
        demand = Demand.objects.filter(pk=demand_id, status=ListingStatus.PUBLISHED).first()
    if request.method == "POST":
        form = forms.BrokerConnectForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                conn = services.broker_connect(
                    request.user,
                    data["demand"],
                    offer=data["offer"],
                    expert=data["expert"],
                    message=data["message"],
                    event=data["event"],
                )
                messages.success(request, _("The connection was proposed to both sides."))
                return redirect(conn.get_absolute_url())
            except (ValidationError, PermissionDenied) as exc:
                _flash_errors(request, exc)
    else:
        form = forms.BrokerConnectForm(initial={"demand": demand})
    suggestions, experts = [], []
    if demand is not None:
        field_ids = list(demand.fields.values_list("pk", flat=True))
        suggestions = list(
            Offer.objects.filter(status=ListingStatus.PUBLISHED, fields__in=field_ids)
            .select_related("owner")
            .distinct()
            .order_by("-trl", "-published_at")[:15]
        )
        from openstx.directory.models import Expert

        experts = list(
            Expert.objects.filter(fields__in=field_ids)
            .select_related("organization")
            .distinct()
            .order_by("-open_to_consulting", "full_name")[:15]
        )
    return render(
        request,
        "exchange/broker_connect.html",
        {
            "form": form,
            "demand": demand,
            "suggestions": suggestions,
            "experts": experts,
            "events": Event.objects.filter(status=Event.Status.PUBLISHED).order_by("-start_date")[
                :20
            ],
        },
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Notification.objects.all(), request.user)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    if request.method == "POST":
        qs.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("exchange:notifications")
    return render(
        request,
        "exchange/notifications.html",
        {
            "page": page,
            "unread": qs.filter(read_at__isnull=True).count(),
        },
    )
