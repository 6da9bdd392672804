"""JSON API of the portal: /api/v1/articles, /services, /service-requests, /programmes,
/applications, /startups. Articles, services, programmes and start-ups are public; a requester
sees only their own service requests (staff all, provider organisations theirs); applications
are seen by the applying organisation and staff. Same policies and services as the pages.
``{ident}`` accepts the platform id or, where records have one, the ``external_id``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from openstx.accounts.auth import api_auth, optional_user
from openstx.accounts.models import User
from openstx.core.api import (
    BodyIn,
    ErrorOut,
    Page,
    PageParams,
    PositiveId,
    get_or_404,
    page_of,
    paginate,
    write,
)
from openstx.core.permissions import restrict
from openstx.directory.models import Organization
from openstx.portal import services
from openstx.portal.models import (
    Application,
    Article,
    Programme,
    Service,
    ServiceRequest,
    StartupProfile,
)

router = Router(tags=["portal"])


# --- schemas -----------------------------------------------------------------------------------------


class OrgSummary(Schema):
    id: int
    name: str
    type: str


class ArticleOut(Schema):
    id: int
    external_id: str | None
    url: str
    title: str
    category: str
    summary: str
    body: str
    image: str | None
    publish_at: dt.datetime | None
    organization: OrgSummary | None
    deadline: dt.datetime | None
    closed: bool
    tasks: list[int]
    event_start: dt.datetime | None
    event_place: str
    state: str  # draft, scheduled or published


class ArticleIn(BodyIn):
    """Officers: a new article. ``action``: ``draft`` or ``publish`` (at ``publish_at``, now
    when empty; a future time schedules it). ``tasks``: S&T task codes (calls only)."""

    title: str
    category: str = "news"
    summary: str = ""
    body: str = ""
    publish_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    tasks: list[str] = []
    event_start: dt.datetime | None = None
    event_place: str = ""
    organization: int | None = None
    action: str = "draft"


class ArticlePatch(BodyIn):
    """Only the given keys change; without ``action`` the article keeps its state."""

    title: str | None = None
    category: str | None = None
    summary: str | None = None
    body: str | None = None
    publish_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    tasks: list[str] | None = None
    event_start: dt.datetime | None = None
    event_place: str | None = None
    organization: int | None = None
    action: str | None = None


class ArticlePage(Page):
    results: list[ArticleOut]


class ServiceOut(Schema):
    id: int
    external_id: str | None
    url: str
    title: str
    category: str
    provider: OrgSummary | None
    description: str
    steps: list[str]
    fees: str
    documents_required: list[str]
    expected_days: int


class TransitionOut(Schema):
    from_status: str
    to_status: str
    actor: str | None
    comment: str
    created_at: dt.datetime


class RequestMessageOut(Schema):
    author: str | None
    body: str
    created_at: dt.datetime


class RequestOut(Schema):
    id: int
    reference: str
    url: str
    service: int
    requester: str
    organization: OrgSummary | None
    subject: str
    details: str
    status: str
    assignee: str | None
    due_date: dt.date | None
    overdue: bool
    created_at: dt.datetime
    closed_at: dt.datetime | None
    transitions: list[TransitionOut]
    messages: list[RequestMessageOut]
    attachments: list[str]


class RequestPage(Page):
    results: list[RequestOut]


class RequestIn(BodyIn):
    service: str
    subject: str
    details: str
    contact_phone: str = ""
    organization: int | None = None


class ActionIn(BodyIn):
    action: str
    assignee: int | None = None
    comment: str = ""


class RequestMessageIn(BodyIn):
    body: str


class ProgrammeOut(Schema):
    id: int
    external_id: str | None
    url: str
    title: str
    description: str
    eligibility: str
    support_rate: float | None
    min_amount_vnd: int | None
    max_amount_vnd: int
    opens_at: dt.date
    closes_at: dt.date
    open: bool
    required_documents: list[str]


class ApplicationOut(Schema):
    id: int
    reference: str
    url: str
    programme: int
    organization: OrgSummary
    applicant: str
    project_title: str
    summary: str
    total_cost_vnd: int | None
    requested_amount_vnd: int
    status: str
    checklist: dict[str, bool]
    approved_amount_vnd: int | None
    reasons: str
    decision_number: str
    decided_at: dt.datetime | None
    transitions: list[TransitionOut]


class ApplicationPage(Page):
    results: list[ApplicationOut]


class ApplicationIn(BodyIn):
    programme: str
    organization: int
    project_title: str
    summary: str
    requested_amount_vnd: int
    total_cost_vnd: int | None = None


class ApplicationDecisionIn(BodyIn):
    action: str  # review | checklist | approve | reject
    checked: list[str] = []
    amount_vnd: int | None = None
    decision_number: str = ""
    reasons: str = ""


class StartupOut(Schema):
    id: int
    url: str
    organization: OrgSummary
    stage: str
    field: str | None
    team_size: int
    founded_year: int | None
    pitch: str
    support_received: str
    offers: list[int]


# --- helpers -----------------------------------------------------------------------------------------


def _org(org: Any) -> dict[str, Any] | None:
    return {"id": org.pk, "name": org.name, "type": org.type} if org else None


def _name(user: Any) -> str | None:
    return user.display_name if user else None


def _transitions(obj: Any) -> list[dict[str, Any]]:
    return [
        {
            "from_status": t.from_status,
            "to_status": t.to_status,
            "actor": _name(t.actor),
            "comment": t.comment,
            "created_at": t.created_at,
        }
        for t in obj.transitions.select_related("actor")
    ]


def article_out(a: Article) -> dict[str, Any]:
    return {
        "id": a.pk,
        "external_id": a.external_id,
        "url": a.get_absolute_url(),
        "title": a.title,
        "category": a.category,
        "summary": a.summary,
        "body": a.body,
        "image": a.image.url if a.image else None,
        "publish_at": a.publish_at,
        "organization": _org(a.organization),
        "deadline": a.deadline,
        "closed": a.is_closed,
        "tasks": [t.pk for t in a.tasks.all()],
        "event_start": a.event_start,
        "event_place": a.event_place,
        "state": services.article_state(a),
    }


def service_out(s: Service) -> dict[str, Any]:
    return {
        "id": s.pk,
        "external_id": s.external_id,
        "url": s.get_absolute_url(),
        "title": s.title,
        "category": s.category,
        "provider": _org(s.provider),
        "description": s.description,
        "steps": s.step_list,
        "fees": s.fees,
        "documents_required": s.document_list,
        "expected_days": s.expected_days,
    }


def request_out(r: ServiceRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reference": r.reference,
        "url": r.get_absolute_url(),
        "service": r.service_id,
        "requester": r.requester.display_name,
        "organization": _org(r.organization),
        "subject": r.subject,
        "details": r.details,
        "status": r.status,
        "assignee": _name(r.assignee),
        "due_date": r.due_date,
        "overdue": r.is_overdue,
        "created_at": r.created_at,
        "closed_at": r.closed_at,
        "transitions": _transitions(r),
        "messages": [
            {"author": _name(m.author), "body": m.body, "created_at": m.created_at}
            for m in r.messages.select_related("author")
        ],
        "attachments": [a.get_absolute_url() for a in r.attachments.all()],
    }


def programme_out(p: Programme) -> dict[str, Any]:
    return {
        "id": p.pk,
        "external_id": p.external_id,
        "url": p.get_absolute_url(),
        "title": p.title,
        "description": p.description,
        "eligibility": p.eligibility,
        "support_rate": float(p.support_rate) if p.support_rate is not None else None,
        "min_amount_vnd": p.min_amount_vnd,
        "max_amount_vnd": p.max_amount_vnd,
        "opens_at": p.opens_at,
        "closes_at": p.closes_at,
        "open": p.window_open,
        "required_documents": p.document_list,
    }


def application_out(a: Application) -> dict[str, Any]:
    return {
        "id": a.pk,
        "reference": a.reference,
        "url": a.get_absolute_url(),
        "programme": a.programme_id,
        "organization": _org(a.organization),
        "applicant": a.applicant.display_name,
        "project_title": a.project_title,
        "summary": a.summary,
        "total_cost_vnd": a.total_cost_vnd,
        "requested_amount_vnd": a.requested_amount_vnd,
        "status": a.status,
        "checklist": dict(a.checklist_items()),
        "approved_amount_vnd": a.approved_amount_vnd,
        "reasons": a.reasons,
        "decision_number": a.decision_number,
        "decided_at": a.decided_at,
        "transitions": _transitions(a),
    }


# --- articles ----------------------------------------------------------------------------------------


class ArticleFilters(PageParams):
    category: str | None = None
    year: int | None = Field(None, ge=1, le=9999)


@router.get("/articles", response=ArticlePage)
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]):
    """Published articles, newest first (scheduled ones appear when their time has come)."""
    services.publish_due()
    qs = restrict(Article.objects.select_related("organization"), optional_user(request))
    qs = qs.filter(status=Article.Status.PUBLISHED)
    if filters.category in Article.Category.values:
        qs = qs.filter(category=filters.category)
    if filters.year:
        qs = qs.filter(publish_at__year=filters.year)
    page = paginate(
        qs.prefetch_related("tasks").order_by("-publish_at", "-pk"), filters.page, filters.page_size
    )
    return {**page, "results": [article_out(a) for a in page["results"]]}


@router.get("/articles/{ident}", response=ArticleOut)
def get_article(request: HttpRequest, ident: str):
    services.publish_due()
    qs = restrict(Article.objects.select_related("organization"), optional_user(request))
    return article_out(get_or_404(qs, ident))


def _article_data(payload: Any, fields: set[str]) -> dict[str, Any]:
    data = payload.model_dump(include=fields - {"action", "tasks", "organization"})
    if "category" in data and data["category"] not in Article.Category.values:
        raise ValidationError({"category": [_("Unknown category.")]})
    if "tasks" in fields:
        data["tasks"] = services.tasks_by_codes(payload.tasks or [])
    if "organization" in fields:
        org_id = payload.organization
        data["organization"] = Organization.objects.filter(pk=org_id).first() if org_id else None
        if org_id and data["organization"] is None:
            raise ValidationError({"organization": [_("No such organisation.")]})
    return data


@router.post(
    "/articles",
    auth=api_auth,
    response={201: ArticleOut, 403: ErrorOut, 422: ErrorOut},
)
@write
def create_article(request: HttpRequest, payload: ArticleIn):
    """Officers write an article (the body is sanitised; see docs/portal.md)."""
    user = request.auth  # type: ignore[attr-defined]
    data = _article_data(payload, set(ArticleIn.model_fields))
    article = services.save_article(None, user, data, action=payload.action)
    return Status(201, article_out(article))


@router.patch(
    "/articles/{ident}",
    auth=api_auth,
    response={200: ArticleOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def update_article(request: HttpRequest, ident: str, payload: ArticlePatch):
    """Edit, publish (``action=publish``), schedule (a future ``publish_at``) or unpublish
    (``action=draft``) an article."""
    user = request.auth  # type: ignore[attr-defined]
    article = get_or_404(restrict(Article.objects.all(), user), ident)
    given = set(payload.model_fields_set)
    data = _article_data(payload, given)
    action = payload.action or (
        "publish" if article.status == Article.Status.PUBLISHED else "draft"
    )
    article = services.save_article(article, user, data, action=action)
    return article_out(article)


# --- services and requests ----------------------------------------------------------------------------


@router.get("/services", response=page_of(ServiceOut))
def list_services(request: HttpRequest, paging: Query[PageParams], category: str | None = None):
    qs = restrict(Service.objects.select_related("provider"), optional_user(request))
    if category:
        qs = qs.filter(category=category)
    page = paginate(qs if qs.ordered else qs.order_by("pk"), paging.page, paging.page_size)
    return {**page, "results": [service_out(s) for s in page["results"]]}


@router.get("/services/{ident}", response=ServiceOut)
def get_service(request: HttpRequest, ident: str):
    qs = restrict(Service.objects.select_related("provider"), optional_user(request))
    return service_out(get_or_404(qs, ident))


def _requests(user: Any) -> Any:
    return restrict(
        ServiceRequest.objects.select_related("service", "requester", "assignee", "organization"),
        user,
    )


@router.get("/service-requests", auth=api_auth, response=RequestPage)
def list_requests(
    request: HttpRequest,
    paging: Query[PageParams],
    status: str | None = None,
    mine: bool = False,
    overdue: bool = False,
):
    """Requests the caller may see: their own; staff see all (``mine=true``: filed by me)."""
    user = request.auth  # type: ignore[attr-defined]
    qs = _requests(user)
    if mine:
        qs = qs.filter(requester=user)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = services.overdue(qs)
    page = paginate(qs.order_by("-created_at", "-pk"), paging.page, paging.page_size)
    return {**page, "results": [request_out(r) for r in page["results"]]}


@router.get("/service-requests/{pk}", auth=api_auth, response=RequestOut)
def get_request(request: HttpRequest, pk: int):
    return request_out(get_or_404(_requests(request.auth), str(pk)))  # type: ignore[attr-defined]


@router.post(
    "/service-requests",
    auth=api_auth,
    response={201: RequestOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def create_request(request: HttpRequest, payload: RequestIn):
    user = request.auth  # type: ignore[attr-defined]
    service = get_or_404(restrict(Service.objects.all(), user), payload.service)
    org = None
    if payload.organization is not None:
        org = Organization.objects.filter(pk=payload.organization).first()
        if org is None:
            raise ValidationError("Unknown organisation")
    req = services.create_request(
        service,
        user,
        subject=payload.subject,
        details=payload.details,
        contact_phone=payload.contact_phone,
        organization=org,
    )
    return Status(201, request_out(req))


@router.post(
    "/service-requests/{pk}/transitions",
    auth=api_auth,
    response={200: RequestOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def transition_request(request: HttpRequest, pk: int, payload: ActionIn):
    user = request.auth  # type: ignore[attr-defined]
    req = get_or_404(_requests(user), str(pk))
    if payload.action not in services.TRANSITIONS:
        raise ValidationError(f"Unknown action; one of: {', '.join(services.TRANSITIONS)}")
    if payload.action == "assign":
        assignee = User.objects.filter(pk=payload.assignee or 0).first()
        services.assign_request(req, user, assignee, payload.comment)
    else:
        services.TRANSITIONS[payload.action](req, user, payload.comment)
    return request_out(req)


@router.post(
    "/service-requests/{pk}/messages",
    auth=api_auth,
    response={201: RequestOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def post_message(request: HttpRequest, pk: int, payload: RequestMessageIn):
    user = request.auth  # type: ignore[attr-defined]
    req = get_or_404(_requests(user), str(pk))
    services.add_message(req, user, payload.body)
    return Status(201, request_out(req))


# --- programmes and applications ---------------------------------------------------------------------


@router.get("/programmes", response=page_of(ProgrammeOut))
def list_programmes(request: HttpRequest, paging: Query[PageParams], open: bool = False):
    qs = restrict(Programme.objects.all(), optional_user(request))
    items = [p for p in qs if p.window_open] if open else list(qs)
    page = paginate(items, paging.page, paging.page_size)
    return {**page, "results": [programme_out(p) for p in page["results"]]}


@router.get("/programmes/{ident}", response=ProgrammeOut)
def get_programme(request: HttpRequest, ident: str):
    return programme_out(
        get_or_404(restrict(Programme.objects.all(), optional_user(request)), ident)
    )


def _applications(user: Any) -> Any:
    return restrict(
        Application.objects.select_related("programme", "organization", "applicant"), user
    )


@router.get("/applications", auth=api_auth, response=ApplicationPage)
def list_applications(
    request: HttpRequest,
    paging: Query[PageParams],
    status: str | None = None,
    programme: PositiveId | None = None,
):
    qs = _applications(request.auth)  # type: ignore[attr-defined]
    if status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme_id=programme)
    page = paginate(qs.order_by("-created_at", "-pk"), paging.page, paging.page_size)
    return {**page, "results": [application_out(a) for a in page["results"]]}


@router.get("/applications/{pk}", auth=api_auth, response=ApplicationOut)
def get_application(request: HttpRequest, pk: int):
    return application_out(get_or_404(_applications(request.auth), str(pk)))  # type: ignore[attr-defined]


@router.post(
    "/applications",
    auth=api_auth,
    response={201: ApplicationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def create_application(request: HttpRequest, payload: ApplicationIn):
    user = request.auth  # type: ignore[attr-defined]
    programme = get_or_404(restrict(Programme.objects.all(), user), payload.programme)
    org = Organization.objects.filter(pk=payload.organization).first()
    app = services.apply(
        programme,
        user,
        org,
        project_title=payload.project_title,
        summary=payload.summary,
        requested_amount_vnd=payload.requested_amount_vnd,
        total_cost_vnd=payload.total_cost_vnd,
    )
    return Status(201, application_out(app))


@router.post(
    "/applications/{pk}/decision",
    auth=api_auth,
    response={200: ApplicationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@write
def decide_application(request: HttpRequest, pk: int, payload: ApplicationDecisionIn):
    user = request.auth  # type: ignore[attr-defined]
    app = get_or_404(_applications(user), str(pk))
    if payload.action == "review":
        services.start_review(app, user, payload.reasons)
    elif payload.action == "checklist":
        services.update_checklist(app, user, payload.checked)
    elif payload.action == "approve":
        if payload.checked:
            services.update_checklist(app, user, payload.checked)
        services.approve(app, user, payload.amount_vnd, payload.decision_number, payload.reasons)
    elif payload.action == "reject":
        services.reject(app, user, payload.reasons)
    else:
        raise ValidationError("Unknown action; one of: review, checklist, approve, reject")
    return application_out(app)


# --- start-ups ----------------------------------------------------------------------------------------


@router.get("/startups", response=page_of(StartupOut))
def list_startups(request: HttpRequest, paging: Query[PageParams], stage: str | None = None):
    from openstx.exchange.models import Offer

    viewer = optional_user(request)
    qs = restrict(StartupProfile.objects.select_related("organization", "field"), viewer)
    if stage:
        qs = qs.filter(stage=stage)
    page = paginate(qs if qs.ordered else qs.order_by("pk"), paging.page, paging.page_size)
    profiles = page["results"]
    offers: dict[int, list[int]] = {}
    for oid, owner in restrict(
        Offer.objects.filter(owner__in=[p.organization_id for p in profiles]), viewer
    ).values_list("pk", "owner_id"):
        offers.setdefault(owner, []).append(oid)
    return {
        **page,
        "results": [
            {
                "id": p.pk,
                "url": p.get_absolute_url(),
                "organization": _org(p.organization),
                "stage": p.stage,
                "field": p.field.code if p.field else None,
                "team_size": p.team_size,
                "founded_year": p.founded_year,
                "pitch": p.pitch,
                "support_received": p.support_received,
                "offers": offers.get(p.organization_id, []),
            }
            for p in profiles
        ],
    }
