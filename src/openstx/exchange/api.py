"""JSON API of the exchange: /api/v1/offers, /demands, /connections, /events.

Reads of published listings are public; everything else needs a token or a session
(``openstx.accounts.auth.api_auth``). The same policies, services and visibility rules as the
pages apply: confidential detail only for staff and accepted parties, an anonymous requester
never shown to the public, messages only for parties, their broker and staff. ``{ident}``
accepts the platform id or the ``external_id``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from openstx.accounts.auth import api_auth, optional_user
from openstx.core.api import (
    ErrorOut,
    Page,
    PageParams,
    get_or_404,
    page_of,
    paginate,
    write,
)
from openstx.core.permissions import CHANGE, VIEW, can, can_add, is_broker_or_officer, restrict
from openstx.exchange import services
from openstx.exchange.filters import ListingFilter
from openstx.exchange.forms import DemandForm, OfferForm
from openstx.exchange.models import Connection, Demand, Event, ListingStatus, Offer
from openstx.exchange.schemas import (
    CloseIn,
    ConnectionIn,
    ConnectionMessageIn,
    ConnectionMessageOut,
    ConnectionOut,
    ConnectionPage,
    ContractIn,
    DemandIn,
    DemandOut,
    DemandPage,
    EventIn,
    EventListingIn,
    EventOut,
    InterestIn,
    ListingFilters,
    ListingTransitionIn,
    MeetingIn,
    MouIn,
    OfferIn,
    OfferOut,
    OfferPage,
    RespondIn,
)

router = Router(tags=["exchange"])


# --- Helpers ---------------------------------------------------------------------------------------


def _fields(obj: Any) -> list[dict[str, str]]:
    return [
        {"code": f.code, "name_vi": f.name_vi, "name_en": f.name_en}
        for f in sorted(obj.fields.all(), key=lambda f: f.code)
    ]


def _org(org: Any) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"id": org.pk, "external_id": org.external_id, "name": org.name, "type": org.type}


def offer_out(o: Offer, viewer: Any) -> dict[str, Any]:
    member = viewer is not None and viewer.is_authenticated
    return {
        "id": o.pk,
        "external_id": o.external_id,
        "url": o.get_absolute_url(),
        "title": o.title,
        "summary": o.summary,
        "description": o.description,
        "kind": o.kind,
        "fields": _fields(o),
        "keywords": o.keyword_list,
        "trl": o.trl,
        "advantages": o.advantages,
        "applications": o.applications,
        "ip_items": o.ip_items,
        "transfer_modes": o.transfer_mode_list,
        "price_vnd": o.price_vnd,
        "price_negotiable": o.price_negotiable,
        "owner": _org(o.owner),
        "origin": o.origin,
        "region": o.region.code if o.region is not None else None,
        "status": o.status,
        "valid_until": o.valid_until,
        "published_at": o.published_at,
        "confidential_detail": o.confidential_detail
        if services.can_see_confidential(viewer, o)
        else None,
        "contact_name": o.contact_name if member else None,
        "contact_email": o.contact_email if member else None,
        "contact_phone": o.contact_phone if member else None,
    }


def demand_out(d: Demand, viewer: Any) -> dict[str, Any]:
    show = services.can_see_requester(viewer, d)
    return {
        "id": d.pk,
        "external_id": d.external_id,
        "url": d.get_absolute_url(),
        "title": d.title,
        "problem": d.problem,
        "desired_outcome": d.desired_outcome,
        "constraints": d.constraints,
        "fields": _fields(d),
        "keywords": d.keyword_list,
        "min_trl": d.min_trl,
        "budget_min_vnd": d.budget_min_vnd,
        "budget_max_vnd": d.budget_max_vnd,
        "deadline": d.deadline,
        "requester": _org(d.requester) if show else None,
        "requester_anonymous": d.requester_anonymous,
        "region": d.region.code if d.region is not None else None,
        "status": d.status,
        "valid_until": d.valid_until,
        "published_at": d.published_at,
    }


def connection_out(c: Connection, viewer: Any) -> dict[str, Any]:
    thread = services.can_see_thread(viewer, c)
    seeker, demand = c.seeker_org, c.demand
    seeker_name: str | None
    if demand is not None and seeker is not None and seeker.pk == demand.requester_id:
        seeker_name = services.requester_label(viewer, demand)
    else:
        seeker_name = seeker.name if seeker else None
    return {
        "id": c.pk,
        "url": c.get_absolute_url(),
        "stage": c.stage,
        "outcome": c.outcome,
        "demand": c.demand_id,
        "offer": c.offer_id,
        "expert": c.expert_id,
        "seeker": seeker_name,
        "provider": c.provider_org.name if c.provider_org else None,
        "broker": str(c.broker) if c.broker else None,
        "responder_side": c.responder_side,
        "event": c.event_id,
        "created_at": c.created_at,
        "responded_at": c.responded_at,
        "mou_date": c.mou_date,
        "contract_value_vnd": c.contract_value_vnd,
        "contract_type": c.contract_type,
        "contract_date": c.contract_date,
        "closed_at": c.closed_at,
        "close_reason": c.close_reason,
        "steps": [
            {
                "action": s.action,
                "from_stage": s.from_stage,
                "to_stage": s.to_stage,
                "actor": str(s.actor) if s.actor else None,
                "comment": s.comment if thread else "",
                "at": s.at,
            }
            for s in c.steps.all()
        ],
    }


def _resolve_org(value: str) -> int:
    from openstx.directory.models import Organization

    return get_or_404(Organization.objects.all(), value).pk


def _form_data(instance: Any, form_class: Any, payload: dict[str, Any], user: Any) -> dict:
    from openstx.taxonomy import services as taxonomy

    form = form_class(user=user, instance=instance)
    names = list(form.fields)
    data: dict[str, Any] = {}
    if instance.pk:
        data = model_to_dict(instance, fields=names)
        data = {
            k: ([v.pk for v in val] if isinstance(val, list) else val) for k, val in data.items()
        }
        if "transfer_modes" in names:
            data["transfer_modes"] = instance.transfer_mode_list
    errors: dict[str, list[str]] = {}
    for name, value in payload.items():
        if name not in names:
            continue
        try:
            if name == "fields":
                data[name] = [taxonomy.resolve_field_id(v) for v in (value or [])]
            elif name == "region":
                data[name] = taxonomy.resolve_admin_unit_id(value) if value else None
            elif name in ("owner", "requester"):
                data[name] = _resolve_org(value) if value else None
            else:
                data[name] = value
        except (ValueError, HttpError) as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return {k: v for k, v in data.items() if v is not None}


def _save(model: Any, instance: Any, payload: dict[str, Any], user: Any) -> Any:
    form_class = OfferForm if model is Offer else DemandForm
    form = form_class(
        data=_form_data(instance, form_class, payload, user), instance=instance, user=user
    )
    if not form.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    listing = form.save(commit=False)
    return services.save_listing(
        listing,
        user,
        fields=form.cleaned_data.get("fields"),
        organization=form.cleaned_data.get(form.org_field_name),
    )


def _list(request: HttpRequest, model: Any, filters: ListingFilters) -> dict[str, Any]:
    viewer = optional_user(request)
    params = filters.model_dump(exclude_none=True)
    status = params.pop("status", None)
    flt = ListingFilter(model, params, viewer, public_only=status is None)
    qs = flt.apply()
    if status:
        qs = qs.filter(status=status)
    qs = qs.prefetch_related("fields")
    page = paginate(qs, filters.page, filters.page_size)
    out = offer_out if model is Offer else demand_out
    return {**page, "results": [out(r, viewer) for r in page["results"]]}


# --- Offers and demands ----------------------------------------------------------------------------


@router.get("/offers", response=OfferPage)
def list_offers(request: HttpRequest, filters: Query[ListingFilters]):
    """Published offers (``status=`` shows the caller's other statuses they may see)."""
    return _list(request, Offer, filters)


@router.get("/offers/{ident}", response=OfferOut)
def get_offer(request: HttpRequest, ident: str):
    viewer = optional_user(request)
    qs = restrict(Offer.objects.select_related("owner", "region"), viewer, VIEW)
    return offer_out(get_or_404(qs, ident), viewer)


@router.post("/offers", auth=api_auth, response={201: OfferOut, 403: ErrorOut, 422: ErrorOut})
@write
def create_offer(request: HttpRequest, payload: OfferIn):
    user = request.auth  # type: ignore[attr-defined]
    if not can_add(user, Offer):
        raise PermissionDenied("You must be an approved member of an organisation")
    offer = _save(Offer, Offer(), payload.model_dump(exclude_unset=True), user)
    return Status(201, offer_out(offer, user))


@router.patch(
    "/offers/{ident}",
    auth=api_auth,
    response={200: OfferOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def update_offer(request: HttpRequest, ident: str, payload: OfferIn):
    user = request.auth  # type: ignore[attr-defined]
    offer = get_or_404(restrict(Offer.objects.all(), user, VIEW), ident)
    if not can(user, CHANGE, offer):
        raise PermissionDenied("You may edit only your own organisation's listings")
    offer = _save(Offer, offer, payload.model_dump(exclude_unset=True), user)
    return Status(200, offer_out(offer, user))


@router.get("/demands", response=DemandPage)
def list_demands(request: HttpRequest, filters: Query[ListingFilters]):
    return _list(request, Demand, filters)


@router.get("/demands/{ident}", response=DemandOut)
def get_demand(request: HttpRequest, ident: str):
    viewer = optional_user(request)
    qs = restrict(Demand.objects.select_related("requester", "region"), viewer, VIEW)
    return demand_out(get_or_404(qs, ident), viewer)


@router.post("/demands", auth=api_auth, response={201: DemandOut, 403: ErrorOut, 422: ErrorOut})
@write
def create_demand(request: HttpRequest, payload: DemandIn):
    user = request.auth  # type: ignore[attr-defined]
    if not can_add(user, Demand):
        raise PermissionDenied("You must be an approved member of an organisation")
    demand = _save(Demand, Demand(), payload.model_dump(exclude_unset=True), user)
    return Status(201, demand_out(demand, user))


@router.patch(
    "/demands/{ident}",
    auth=api_auth,
    response={200: DemandOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def update_demand(request: HttpRequest, ident: str, payload: DemandIn):
    user = request.auth  # type: ignore[attr-defined]
    demand = get_or_404(restrict(Demand.objects.all(), user, VIEW), ident)
    if not can(user, CHANGE, demand):
        raise PermissionDenied("You may edit only your own organisation's listings")
    demand = _save(Demand, demand, payload.model_dump(exclude_unset=True), user)
    return Status(200, demand_out(demand, user))


def _transition(request: HttpRequest, model: Any, ident: str, payload: ListingTransitionIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    listing = get_or_404(restrict(model.objects.all(), user, VIEW), ident)
    listing = services.transition(listing, payload.action, user, payload.comment)
    if isinstance(listing, Offer):
        return Status(200, offer_out(listing, user))
    return Status(200, demand_out(listing, user))


@router.post(
    "/offers/{ident}/transitions",
    auth=api_auth,
    response={200: OfferOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def offer_transition(request: HttpRequest, ident: str, payload: ListingTransitionIn):
    """submit, approve, reject (comment = reasons), redraft, pause, resume, withdraw, reconfirm."""
    return _transition(request, Offer, ident, payload)


@router.post(
    "/demands/{ident}/transitions",
    auth=api_auth,
    response={200: DemandOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def demand_transition(request: HttpRequest, ident: str, payload: ListingTransitionIn):
    return _transition(request, Demand, ident, payload)


@router.get("/offers/{ident}/quality", auth=api_auth, response=list[str])
def offer_quality(request: HttpRequest, ident: str):
    """What the offer still lacks before it can be submitted."""
    return services.quality_issues(
        get_or_404(restrict(Offer.objects.all(), request.auth, CHANGE), ident)  # type: ignore[attr-defined]  # Ninja sets request.auth
    )


@router.get("/demands/{ident}/quality", auth=api_auth, response=list[str])
def demand_quality(request: HttpRequest, ident: str):
    return services.quality_issues(
        get_or_404(restrict(Demand.objects.all(), request.auth, CHANGE), ident)  # type: ignore[attr-defined]  # Ninja sets request.auth
    )


# --- Connections -----------------------------------------------------------------------------------

CONN_RELATED = ("demand", "offer", "expert", "seeker_org", "provider_org", "broker")


def _conn(user: Any, ident: str) -> Connection:
    qs = restrict(Connection.objects.select_related(*CONN_RELATED), user, VIEW)
    return get_or_404(qs, ident)


def _interest(request: HttpRequest, model: Any, ident: str, payload: InterestIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    listing = get_or_404(restrict(model.objects.all(), user, VIEW), ident)
    counterpart = None
    if payload.counterpart:
        other = Demand if model is Offer else Offer
        counterpart = get_or_404(restrict(other.objects.all(), user, CHANGE), payload.counterpart)
    event = None
    if payload.event:
        event = get_or_404(listing.events.filter(status=Event.Status.PUBLISHED), payload.event)
    conn = services.express_interest(
        user, listing, payload.message, event=event, counterpart=counterpart
    )
    return Status(201, connection_out(conn, user))


@router.post(
    "/offers/{ident}/interest",
    auth=api_auth,
    response={201: ConnectionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def offer_interest(request: HttpRequest, ident: str, payload: InterestIn):
    """ "I am interested": ask the offer's owner to connect."""
    return _interest(request, Offer, ident, payload)


@router.post(
    "/demands/{ident}/interest",
    auth=api_auth,
    response={201: ConnectionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def demand_interest(request: HttpRequest, ident: str, payload: InterestIn):
    return _interest(request, Demand, ident, payload)


@router.get("/connections", auth=api_auth, response=ConnectionPage)
def list_connections(
    request: HttpRequest, paging: Query[PageParams], stage: str = "", mine: bool = False
):
    """The caller's pipeline; brokers and staff see every connection unless ``mine=true``."""
    user = request.auth  # type: ignore[attr-defined]
    qs = services.pipeline(user, mine_only=mine, stage=stage).prefetch_related("steps__actor")
    page = paginate(qs, paging.page, paging.page_size)
    return {**page, "results": [connection_out(c, user) for c in page["results"]]}


@router.get("/connections/{ident}", auth=api_auth, response=ConnectionOut)
def get_connection(request: HttpRequest, ident: str):
    user = request.auth  # type: ignore[attr-defined]
    return connection_out(_conn(user, ident), user)


@router.post(
    "/connections",
    auth=api_auth,
    response={201: ConnectionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def create_connection(request: HttpRequest, payload: ConnectionIn):
    """Connect a demand with an offer or an expert.

    A broker or officer proposes the pair; the demand's owner asks an expert
    (``request_expert``) or an offer's owner (interest recording both listings); an offer's
    owner answers the demand with its offer. The side that was asked accepts or declines.
    """
    from openstx.directory.models import Expert

    user = request.auth  # type: ignore[attr-defined]
    demand = get_or_404(restrict(Demand.objects.all(), user, VIEW), payload.demand)
    offer = (
        get_or_404(restrict(Offer.objects.all(), user, VIEW), payload.offer)
        if payload.offer
        else None
    )
    expert = get_or_404(Expert.objects.all(), payload.expert) if payload.expert else None
    event = (
        get_or_404(restrict(Event.objects.all(), user, VIEW), payload.event)
        if payload.event
        else None
    )
    conn = services.connect(
        user, demand, offer=offer, expert=expert, message=payload.message, event=event
    )
    return Status(201, connection_out(conn, user))


def _conn_action(request: HttpRequest, ident: str, func: Any, **kwargs: Any) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    conn = _conn(user, ident)
    func(conn, user, **kwargs)
    return Status(200, connection_out(_conn(user, ident), user))


CONN_RESPONSES = {200: ConnectionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post("/connections/{ident}/respond", auth=api_auth, response=CONN_RESPONSES)
@write
def respond_connection(request: HttpRequest, ident: str, payload: RespondIn):
    return _conn_action(
        request, ident, services.respond, accept=payload.accept, comment=payload.comment
    )


@router.post("/connections/{ident}/meetings", auth=api_auth, response=CONN_RESPONSES)
@write
def add_meeting(request: HttpRequest, ident: str, payload: MeetingIn):
    return _conn_action(request, ident, services.record_meeting, **payload.model_dump())


@router.post("/connections/{ident}/mou", auth=api_auth, response=CONN_RESPONSES)
@write
def add_mou(request: HttpRequest, ident: str, payload: MouIn):
    return _conn_action(request, ident, services.record_mou, **payload.model_dump())


@router.post("/connections/{ident}/contract", auth=api_auth, response=CONN_RESPONSES)
@write
def add_contract(request: HttpRequest, ident: str, payload: ContractIn):
    return _conn_action(request, ident, services.record_contract, **payload.model_dump())


@router.post("/connections/{ident}/close", auth=api_auth, response=CONN_RESPONSES)
@write
def close_connection(request: HttpRequest, ident: str, payload: CloseIn):
    return _conn_action(request, ident, services.close_connection, **payload.model_dump())


@router.get(
    "/connections/{ident}/messages",
    auth=api_auth,
    response={200: page_of(ConnectionMessageOut), 403: ErrorOut},
)
def list_messages(request: HttpRequest, ident: str, paging: Query[PageParams]):
    user = request.auth  # type: ignore[attr-defined]
    conn = _conn(user, ident)
    if not services.can_see_thread(user, conn):
        return Status(403, {"detail": "Only the parties, their broker and staff see messages"})
    messages = conn.messages.select_related("author")
    page = paginate(
        messages if messages.ordered else messages.order_by("pk"), paging.page, paging.page_size
    )
    page["results"] = [
        {
            "id": m.pk,
            "author": str(m.author) if m.author else None,
            "body": m.body,
            "created_at": m.created_at,
        }
        for m in page["results"]
    ]
    return page


@router.post(
    "/connections/{ident}/messages",
    auth=api_auth,
    response={201: ConnectionMessageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def post_message(request: HttpRequest, ident: str, payload: ConnectionMessageIn):
    user = request.auth  # type: ignore[attr-defined]
    m = services.post_message(_conn(user, ident), user, payload.body)
    return Status(
        201, {"id": m.pk, "author": str(user), "body": m.body, "created_at": m.created_at}
    )


# --- Events and statistics -------------------------------------------------------------------------


def event_out(e: Event, viewer: Any) -> dict[str, Any]:
    live = ListingStatus.PUBLISHED
    return {
        "id": e.pk,
        "external_id": e.external_id,
        "url": e.get_absolute_url(),
        "title": e.title,
        "status": e.status,
        "registration_open": services.event_registration_open(e),
        "start_date": e.start_date,
        "end_date": e.end_date,
        "place": e.place,
        "description": e.description,
        "offers": list(e.offers.filter(status=live).values_list("pk", flat=True)),
        "demands": list(e.demands.filter(status=live).values_list("pk", flat=True)),
        "participants": [_org(o) for o in e.participants.all()],
        "counts": services.event_counts(e),
    }


class EventPage(Page):
    results: list[EventOut]


@router.get("/events", response=EventPage)
def list_events(request: HttpRequest, paging: Query[PageParams]):
    viewer = optional_user(request)
    page = paginate(restrict(Event.objects.all(), viewer, VIEW), paging.page, paging.page_size)
    return {**page, "results": [event_out(e, viewer) for e in page["results"]]}


@router.get("/events/{ident}", response=EventOut)
def get_event(request: HttpRequest, ident: str):
    viewer = optional_user(request)
    return event_out(get_or_404(restrict(Event.objects.all(), viewer, VIEW), ident), viewer)


def _save_event(event: Event, data: dict[str, Any], user: Any) -> Event:
    for name, value in data.items():
        if value is not None:
            setattr(event, name, value)
    return services.save_event(event, user)


@router.post(
    "/events", auth=api_auth, response={201: EventOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
@write
def create_event(request: HttpRequest, payload: EventIn):
    """Officers: a new event, saved as a draft (publish it with a transition)."""
    user = request.auth  # type: ignore[attr-defined]
    event = _save_event(Event(), payload.model_dump(exclude_unset=True), user)
    return Status(201, event_out(event, user))


@router.patch(
    "/events/{ident}",
    auth=api_auth,
    response={200: EventOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
@write
def update_event(request: HttpRequest, ident: str, payload: EventIn):
    user = request.auth  # type: ignore[attr-defined]
    event = get_or_404(restrict(Event.objects.all(), user, CHANGE), ident)
    event = _save_event(event, payload.model_dump(exclude_unset=True), user)
    return Status(200, event_out(event, user))


@router.post(
    "/events/{ident}/transitions",
    auth=api_auth,
    response={200: EventOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def event_transition(request: HttpRequest, ident: str, payload: ListingTransitionIn):
    """Officers: publish, unpublish (back to draft), cancel (comment = reason)."""
    user = request.auth  # type: ignore[attr-defined]
    event = get_or_404(restrict(Event.objects.all(), user, CHANGE), ident)
    event = services.event_transition(event, payload.action, user, payload.comment)
    return Status(200, event_out(event, user))


@router.post(
    "/events/{ident}/listings",
    auth=api_auth,
    response={200: EventOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def event_listing(request: HttpRequest, ident: str, payload: EventListingIn):
    """Register (or, with ``remove``, withdraw) one of your listings for the event; officers may
    showcase any published listing."""
    user = request.auth  # type: ignore[attr-defined]
    event = get_or_404(restrict(Event.objects.all(), user, VIEW), ident)
    model = {"offer": Offer, "demand": Demand}.get(payload.kind)
    if model is None:
        raise ValidationError({"kind": ["offer or demand"]})
    listing = get_or_404(restrict(model.objects.all(), user, VIEW), payload.listing)
    if payload.remove:
        services.unregister_from_event(event, user, listing)
    else:
        services.register_for_event(event, user, listing)
    return Status(200, event_out(event, user))


@router.get("/exchange/statistics", auth=api_auth, response={200: dict, 403: ErrorOut})
def statistics(
    request: HttpRequest, date_from: dt.date | None = None, date_to: dt.date | None = None
):
    """Exchange statistics for brokers and staff (the same data as the statistics page)."""
    from openstx.exchange.stats import exchange_statistics

    if not is_broker_or_officer(request.auth):  # type: ignore[attr-defined]
        return Status(403, {"detail": "Staff only"})
    data = exchange_statistics(date_from, date_to)
    data["period"] = {k: v.isoformat() if v else None for k, v in data["period"].items()}
    return data


# routes of these modules join this router (confidential details; deleting drafts)
from openstx.exchange import api_confidential, api_posting  # noqa: E402, F401
