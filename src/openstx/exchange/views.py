"""Exchange pages. Thin: permissions via core.permissions, state changes via services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.forms import ModelChoiceField
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import (
    CHANGE,
    VIEW,
    can,
    can_add,
    is_broker_or_officer,
    is_officer,
    organization_ids,
    restrict,
)
from openstx.core.richtext import plain_text
from openstx.exchange import forms, services
from openstx.exchange.filters import SORT_LABELS, ListingFilter
from openstx.exchange.models import (
    Connection,
    Demand,
    Event,
    ListingAttachment,
    ListingStatus,
    Notification,
    Offer,
    TransferMode,
)

PAGE_SIZE = 20
MODELS = {"offer": Offer, "demand": Demand}


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _flash_errors(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.error(request, str(exc) or _("You may not do this."))


# --- Public lists ---------------------------------------------------------------------------------


def _listing_list(
    request: HttpRequest, model: type[Offer] | type[Demand], template: str
) -> HttpResponse:
    flt = ListingFilter(model, request.GET, request.user)
    qs = flt.apply()
    facets = flt.compute_facets(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    if model is Demand:
        for d in items:
            d.requester_display = services.requester_label(request.user, d)
    from openstx.directory.models import Organization

    return render(
        request,
        template,
        {
            "page": page,
            "items": items,
            "facets": facets,
            "flt": flt,
            "selected_fields": flt.getlist("field"),
            "sorts": SORT_LABELS,
            "kinds": Offer.Kind.choices,
            "modes": TransferMode.choices,
            "org_types": Organization.Type.choices,
            "trl_range": range(1, 10),
            "can_post": can_add(request.user, model),
        },
    )


def offer_list(request: HttpRequest) -> HttpResponse:
    return _listing_list(request, Offer, "exchange/offer_list.html")


def demand_list(request: HttpRequest) -> HttpResponse:
    return _listing_list(request, Demand, "exchange/demand_list.html")


# --- Detail pages -----------------------------------------------------------------------------------


def _related(listing: Offer | Demand, user: Any, limit: int = 4) -> list[Any]:
    field_ids = list(listing.fields.values_list("pk", flat=True))
    if not field_ids:
        return []
    qs = (
        restrict(type(listing).objects.all(), user)
        .filter(status=ListingStatus.PUBLISHED, fields__in=field_ids)
        .exclude(pk=listing.pk)
        .distinct()
        .order_by("-published_at")
    )
    return list(qs[:limit])


def _json_ld(request: HttpRequest, listing: Offer | Demand, user: Any) -> str:
    url = request.build_absolute_uri(listing.get_absolute_url())
    if isinstance(listing, Offer):
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "Service" if listing.kind == Offer.Kind.SERVICE else "Product",
            "name": listing.title,
            "description": listing.summary_text,
            "url": url,
            "category": [f.name for f in listing.fields.all()],
            "keywords": ", ".join(listing.keyword_list),
        }
        owner = {"@type": "Organization", "name": listing.owner.name}
        data["provider" if listing.kind == Offer.Kind.SERVICE else "brand"] = owner
        if listing.price_vnd is not None:
            data["offers"] = {
                "@type": "Offer",
                "price": listing.price_vnd,
                "priceCurrency": "VND",
                "availability": "https://schema.org/InStock",
            }
            if listing.valid_until:
                data["offers"]["priceValidUntil"] = listing.valid_until.isoformat()
    else:
        data = {
            "@context": "https://schema.org",
            "@type": "Demand",
            "name": listing.title,
            "description": listing.summary_text,
            "url": url,
        }
        if services.can_see_requester(None, listing):
            data["seller"] = {"@type": "Organization", "name": listing.requester.name}
        if listing.deadline:
            data["availabilityEnds"] = listing.deadline.isoformat()
        if listing.budget_max_vnd is not None:
            data["priceSpecification"] = {
                "@type": "PriceSpecification",
                "priceCurrency": "VND",
                "minPrice": listing.budget_min_vnd,
                "maxPrice": listing.budget_max_vnd,
            }
    if listing.published_at:
        data["datePublished"] = listing.published_at.date().isoformat()
    # </script> inside a JSON string must not end the script element
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _detail(
    request: HttpRequest,
    model: type[Offer] | type[Demand],
    pk: int,
    slug: str | None,
    template: str,
) -> HttpResponse:
    related = {"offer": "owner", "demand": "requester"}[services.listing_kind(model())]
    listing = get_object_or_404(
        restrict(model.objects.select_related(related, "region", "created_by"), request.user),
        pk=pk,
    )
    if slug != listing.slug:
        return redirect(listing.get_absolute_url(), permanent=True)
    user = request.user
    is_owner = services.is_owner(user, listing)
    confidential = services.can_see_confidential(user, listing)
    context: dict[str, Any] = {
        "listing": listing,
        "fields": list(listing.fields.all()),
        "images": list(listing.images.all()),
        "attachments": [a for a in listing.attachments.all() if not a.confidential or confidential],
        "show_confidential": confidential,
        "is_owner": is_owner,
        "can_edit": can(user, CHANGE, listing),
        "actions": services.allowed_actions(user, listing),
        "quality_issues": services.quality_issues(listing)
        if listing.status == ListingStatus.DRAFT
        else [],
        "related": _related(listing, user),
        "json_ld": _json_ld(request, listing, user) if listing.is_public else "",
        "meta_description": plain_text(listing.summary_text, 160),
        "transitions": list(listing.transitions.select_related("actor"))
        if (is_owner or is_officer(user))
        else [],
        "can_interest": user.is_authenticated and listing.is_public and not is_owner,
        "interest_form": forms.InterestForm(),
        "action_form": forms.ActionForm(),
        "upload_form": forms.UploadForm(),
        "kind": services.listing_kind(listing),
        "my_connections": list(
            services.pipeline(user, mine_only=True).filter(
                **{services.listing_kind(listing): listing}
            )
        )
        if user.is_authenticated
        else [],
        "can_broker": is_broker_or_officer(user)
        and isinstance(listing, Demand)
        and listing.is_public,
        "can_ask_expert": is_owner and isinstance(listing, Demand) and listing.is_public,
        "listing_events": list(
            restrict(listing.events.all(), user).exclude(status=Event.Status.DRAFT)[:10]
        ),
    }
    if isinstance(listing, Demand):
        context["requester_display"] = services.requester_label(user, listing)
        context["show_requester"] = services.can_see_requester(user, listing)
    return render(request, template, context)


def offer_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    return _detail(request, Offer, pk, slug, "exchange/offer_detail.html")


def demand_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    return _detail(request, Demand, pk, slug, "exchange/demand_detail.html")


# --- Posting and editing --------------------------------------------------------------------------


def _edit(request: HttpRequest, kind: str, pk: int | None) -> HttpResponse:
    model = MODELS[kind]
    form_class = forms.OfferForm if kind == "offer" else forms.DemandForm
    if pk is None:
        if not can_add(request.user, model):
            messages.error(
                request, _("To post, you must be an approved member of an organisation.")
            )
            return redirect("accounts:profile")
        instance = model()
    else:
        instance = get_object_or_404(restrict(model.objects.all(), request.user, CHANGE), pk=pk)
    if request.method == "POST":
        form = form_class(request.POST, instance=instance, user=request.user)
        if form.is_valid():
            listing = form.save(commit=False)
            try:
                listing = services.save_listing(
                    listing,
                    request.user,
                    fields=form.cleaned_data.get("fields"),
                    organization=form.cleaned_data.get(form.org_field_name),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errs in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errs)
                else:
                    form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                if listing.status == ListingStatus.SUBMITTED and pk is not None:
                    messages.info(request, _("Your changes were sent to moderation again."))
                else:
                    messages.success(request, _("Saved."))
                return redirect(listing.get_absolute_url())
    else:
        form = form_class(instance=instance, user=request.user)
    return render(
        request,
        "exchange/listing_form.html",
        {
            "form": form,
            "kind": kind,
            "listing": instance if pk else None,
        },
    )


@login_required
def offer_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, "offer", None)


@login_required
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, "offer", pk)


@login_required
def demand_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, "demand", None)


@login_required
def demand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, "demand", pk)


@login_required
@require_POST
def listing_action(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = MODELS.get(kind)
    if model is None:
        raise Http404
    listing = get_object_or_404(restrict(model.objects.all(), request.user), pk=pk)
    form = forms.ActionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            services.transition(listing, action, request.user, form.cleaned_data["comment"])
            messages.success(
                request, _("Done: %(what)s.") % {"what": services.ACTION_LABELS.get(action, action)}
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash_errors(request, exc)
    nxt = request.POST.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    listing.refresh_from_db()
    if can(request.user, VIEW, listing):
        return redirect(listing.get_absolute_url())
    return redirect("exchange:my-listings")


@login_required
@require_POST
def listing_upload(request: HttpRequest, kind: str, pk: int, what: str) -> HttpResponse:
    model = MODELS.get(kind)
    if model is None or what not in ("image", "attachment"):
        raise Http404
    listing = get_object_or_404(restrict(model.objects.all(), request.user, CHANGE), pk=pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            if what == "image":
                services.add_image(
                    listing, request.user, form.cleaned_data["file"], form.cleaned_data["caption"]
                )
            else:
                services.add_attachment(
                    listing,
                    request.user,
                    form.cleaned_data["file"],
                    form.cleaned_data["confidential"],
                )
            messages.success(request, _("File added."))
        except (ValidationError, PermissionDenied) as exc:
            _flash_errors(request, exc)
    else:
        messages.error(request, _("Choose a file."))
    return redirect(listing.get_absolute_url())


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    att = get_object_or_404(ListingAttachment.objects.select_related("offer", "demand"), pk=pk)
    listing = att.offer or att.demand
    if listing is None or not can(request.user, VIEW, listing):
        raise Http404
    if att.confidential and not services.can_see_confidential(request.user, listing):
        raise Http404
    response = FileResponse(
        att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.mime_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def my_listings(request: HttpRequest) -> HttpResponse:
    ids = organization_ids(request.user)
    offers = Offer.objects.filter(owner__in=ids).select_related("owner").order_by("-updated_at")
    demands = (
        Demand.objects.filter(requester__in=ids).select_related("requester").order_by("-updated_at")
    )
    return render(
        request,
        "exchange/my_listings.html",
        {
            "offers": offers[:200],
            "demands": demands[:200],
            "can_post": bool(ids) or is_officer(request.user),
        },
    )


# --- Moderation -----------------------------------------------------------------------------------


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        raise PermissionDenied
    offers = Offer.objects.filter(status=ListingStatus.SUBMITTED).select_related("owner")
    demands = Demand.objects.filter(status=ListingStatus.SUBMITTED).select_related("requester")
    return render(
        request,
        "exchange/moderation.html",
        {
            "offers": offers.order_by("submitted_at"),
            "demands": demands.order_by("submitted_at"),
        },
    )


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


# --- Statistics -------------------------------------------------------------------------------------


def _chart(title: str, rows: list[dict[str, Any]], value_key: str = "count") -> str:
    """A horizontal bar chart (core.charts) of ``rows``; the page prints the same numbers in a
    table beside it."""
    from openstx.core.charts import hbar_chart_svg

    return hbar_chart_svg(
        [str(r["label"]) for r in rows], [r[value_key] or 0 for r in rows], title=str(title)
    )


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    if not is_broker_or_officer(request.user):
        raise PermissionDenied
    import datetime as dt

    from openstx.exchange.stats import exchange_statistics

    def parse(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    date_from, date_to = parse("from"), parse("to")
    stats = exchange_statistics(date_from, date_to)
    by_field = [
        dict(
            r,
            total=r["offers"] + r["demands"],
            label=f"{r['key']} {r['label_en'] if request.LANGUAGE_CODE == 'en' and r['label_en'] else r['label']}",
        )
        for r in stats["listings_by_field"][:15]
    ]
    charts = [
        ("kind", _("Offers by kind"), stats["offers_by_kind"]),
        ("offer-status", _("Offers by status"), stats["offers_by_status"]),
        ("demand-status", _("Demands by status"), stats["demands_by_status"]),
        ("stage", _("Connections and deals by stage"), stats["connections_by_stage"]),
    ]
    return render(
        request,
        "exchange/statistics.html",
        {
            "stats": stats,
            "charts": [
                {"id": cid, "title": title, "rows": rows, "svg": _chart(title, rows)}
                for cid, title, rows in charts
            ],
            "by_field": by_field,
            "field_svg": _chart(_("Listings by field of science"), by_field, "total"),
            "date_from": date_from,
            "date_to": date_to,
        },
    )


def listing_redirect(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """``/exchange/offers/12/`` → the canonical URL with the slug."""
    model = MODELS[kind]
    listing = get_object_or_404(restrict(model.objects.all(), request.user), pk=pk)
    return redirect(listing.get_absolute_url(), permanent=True)
