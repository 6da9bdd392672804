"""Portal business rules: every state change of articles, service requests, support applications,
contact messages and training registrations goes through here (views and the API stay thin)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openstx.core.permissions import (
    CHANGE,
    can,
    can_add,
    is_authenticated,
    is_officer,
    organization_ids,
)
from openstx.core.text import clean, nfc
from openstx.core.uploads import check_attachment, check_image
from openstx.portal.models import (
    Application,
    ApplicationTransition,
    Article,
    Attachment,
    ContactMessage,
    Programme,
    RequestMessage,
    RequestTransition,
    Service,
    ServiceRequest,
)
from openstx.portal.policies import handles_service

R = ServiceRequest.Status
A = Application.Status

CONTACT_LIMIT = 5  # messages per IP address
CONTACT_WINDOW = 3600  # seconds


class RateLimited(ValidationError):
    pass


# --- e-mail ---------------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _mail(recipients: Iterable[Any], _subject: str, _body: str, **params: Any) -> int:
    """Send one e-mail per recipient (a User or an address) in the recipient's language."""
    sent = 0
    for rcpt in recipients:
        address = getattr(rcpt, "email", rcpt)
        if not address:
            continue
        lang = getattr(rcpt, "language", None) or settings.LANGUAGE_CODE
        with translation.override(lang):
            text_subject = clean(_(_subject) % params)
            text = _(_body) % params
        sent += send_mail(
            text_subject, text, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True
        )
    return sent


def department_email() -> str:
    return getattr(settings, "OPENSTX_DEPARTMENT_EMAIL", "") or settings.DEFAULT_FROM_EMAIL


def _handlers(service: Service) -> list[Any]:
    from openstx.accounts.models import User

    if service.provider_id:
        users = list(
            User.objects.filter(
                is_active=True,
                memberships__organization_id=service.provider_id,
                memberships__status="approved",
            ).distinct()
        )
        if users:
            return users
    return list(User.objects.filter(is_active=True, role__in=["officer", "admin"]))


def handler_choices(service: Service) -> list[Any]:
    """Who may be assigned a request for ``service``: officers and the provider's members."""

    from openstx.accounts.models import User

    q = Q(role__in=["officer", "admin"]) | Q(is_superuser=True)
    if service.provider_id:
        q |= Q(memberships__organization_id=service.provider_id, memberships__status="approved")
    return list(User.objects.filter(q, is_active=True).distinct().order_by("full_name", "username"))


# --- articles ------------------------------------------------------------------------------------


def publish_due(now: dt.datetime | None = None) -> int:
    """Mark articles whose publication time has come as live (and tell the search index).
    Called by the list pages, the feed, the API and the ``portal_publish`` command."""
    from openstx.search import outbox

    now = now or timezone.now()
    due = Article.objects.filter(status=Article.Status.PUBLISHED, publish_at__lte=now, live=False)
    pks = list(due.values_list("pk", flat=True))
    if not pks:
        return 0
    with transaction.atomic():
        Article.objects.filter(pk__in=pks).update(live=True)
        outbox.record_changes(Article, pks)
    return len(pks)


def set_article_image(article: Article, upload: Any) -> Article:
    """Re-encode an uploaded image (core.uploads) and store it with its thumbnail."""
    checked = check_image(upload)
    article.image.save(checked.content.name, checked.content, save=False)
    article.thumbnail.save(checked.thumbnail.name, checked.thumbnail, save=False)
    article.save()
    return article


def publish_article(article: Article, actor: Any, when: dt.datetime | None = None) -> Article:
    """Publish now, or at ``when`` (a future time schedules it: hidden until then, then made
    live by ``publish_due`` — the list pages, the feed and the periodic job call it)."""
    if not can(actor, CHANGE, article):
        raise PermissionDenied(_("Only department staff publish articles."))
    article.status = Article.Status.PUBLISHED
    article.publish_at = when or article.publish_at or timezone.now()
    article.save()
    return article


def unpublish_article(article: Article, actor: Any) -> Article:
    """Back to draft: off the public pages, the feed and the search results at once."""
    if not can(actor, CHANGE, article):
        raise PermissionDenied(_("Only department staff unpublish articles."))
    article.status = Article.Status.DRAFT
    article.save()
    return article


ARTICLE_FIELDS = (
    "title",
    "category",
    "summary",
    "body",
    "publish_at",
    "organization",
    "deadline",
    "event_start",
    "event_place",
)


def save_article(
    article: Article | None,
    actor: Any,
    data: dict[str, Any],
    *,
    action: str = "draft",
    image: Any = None,
    remove_image: bool = False,
) -> Article:
    """Create or edit an article from the editor. ``action``: ``draft`` keeps it (or puts it
    back) out of public view; ``publish`` publishes it at ``publish_at`` (now when empty; a
    future time schedules it). The body is sanitised (core.richtext) by ``Article.save``; the
    image is sniffed, re-encoded and thumbnailed (core.uploads) before anything is stored."""
    creating = article is None
    if creating:
        if not can_add(actor, Article):
            raise PermissionDenied(_("Only department staff write articles."))
        article = Article(author=actor if is_authenticated(actor) else None)
    elif not can(actor, CHANGE, article):
        raise PermissionDenied(_("Only department staff write articles."))
    if action not in ("draft", "publish"):
        raise ValidationError(_("Unknown action."))
    checked = check_image(image) if image else None  # raises before anything is saved
    tasks = data.get("tasks")
    for name in ARTICLE_FIELDS:
        if name in data:
            setattr(article, name, data[name])
    article.title = clean(article.title)
    if not article.title:
        raise ValidationError(_("An article needs a title."))
    if article.category != Article.Category.CALL:
        article.deadline = None
    if action == "publish":
        article.status = Article.Status.PUBLISHED
        article.publish_at = article.publish_at or timezone.now()
    else:
        article.status = Article.Status.DRAFT
    with transaction.atomic():
        if remove_image and article.image:
            article.image.delete(save=False)
            article.thumbnail.delete(save=False)
        if checked is not None:
            article.image.save(checked.content.name, checked.content, save=False)
            article.thumbnail.save(checked.thumbnail.name, checked.thumbnail, save=False)
        article.save()
        if tasks is not None:
            article.tasks.set(tasks if article.category == Article.Category.CALL else [])
    return article


def tasks_by_codes(codes: Iterable[str]) -> list[Any]:
    """The S&T tasks a call concerns, from their codes; unknown codes are refused by name."""
    from openstx.projects.models import Task

    wanted = [c.strip() for c in codes if c and c.strip()]
    tasks = list(Task.objects.filter(code__in=wanted))
    missing = sorted(set(wanted) - {t.code for t in tasks})
    if missing:
        raise ValidationError(
            _("No S&T task with the code %(codes)s.") % {"codes": ", ".join(missing)}
        )
    return tasks


def article_state(article: Article, now: dt.datetime | None = None) -> str:
    """``draft``, ``scheduled`` (published with a future time) or ``published``."""
    if article.status != Article.Status.PUBLISHED:
        return "draft"
    now = now or timezone.now()
    if article.publish_at and article.publish_at > now:
        return "scheduled"
    return "published"


def latest_articles(limit: int = 5, now: dt.datetime | None = None) -> dict[str, list[Article]]:
    """For the home page: the newest public news (not calls) and the calls still open, soonest
    deadline first. Two queries, only the columns a teaser needs."""
    now = now or timezone.now()
    cols = ("pk", "title", "slug", "category", "summary", "publish_at", "deadline")
    visible = Article.objects.visible(now).only(*cols)
    news = list(visible.exclude(category=Article.Category.CALL).order_by("-publish_at")[:limit])
    calls = list(
        visible.filter(category=Article.Category.CALL)
        .filter(Q(deadline__isnull=True) | Q(deadline__gte=now))
        .order_by(F("deadline").asc(nulls_last=True), "-publish_at")[:limit]
    )
    return {"news": news, "calls": calls}


# --- service requests -----------------------------------------------------------------------------


def _check_files(files: Iterable[Any]) -> list[Any]:
    """Run every upload through core.uploads before anything is written; errors name the file."""
    checked = []
    errors = []
    for f in files or []:
        if not f:
            continue
        try:
            checked.append(check_attachment(f))
        except ValidationError as exc:
            errors.append(f"{getattr(f, 'name', '')}: {' '.join(exc.messages)}")
    if errors:
        raise ValidationError(errors)
    return checked


def _store_files(checked: list[Any], user: Any, **parent: Any) -> list[Attachment]:
    out = []
    for c in checked:
        att = Attachment(
            name=c.name, mime_type=c.mime_type, size=c.size, uploaded_by=user, **parent
        )
        att.file.save(c.name, c.content, save=False)
        att.save()
        out.append(att)
    return out


def _log_request(req: ServiceRequest, old: str, actor: Any, comment: str = "") -> None:
    RequestTransition.objects.create(
        request=req,
        from_status=old,
        to_status=req.status,
        actor=actor,
        comment=nfc(comment).strip(),
    )


def _notify_request(req: ServiceRequest, comment: str = "") -> None:
    params = {
        "ref": req.reference,
        "subject": req.subject,
        "service": req.service.title,
        "status": "",
        "comment": comment or "—",
        "url": _absolute(req.get_absolute_url()),
    }
    recipients = [req.requester]
    if req.assignee_id and req.assignee_id != req.requester_id:
        recipients.append(req.assignee)
    for user in recipients:
        lang = getattr(user, "language", None) or settings.LANGUAGE_CODE
        with translation.override(lang):
            params["status"] = str(R(req.status).label)
        _mail(
            [user],
            gettext_noop("[%(ref)s] Your request is now: %(status)s"),
            gettext_noop(
                "Request %(ref)s (%(service)s): %(subject)s\n\nNew status: %(status)s\n"
                "Comment: %(comment)s\n\nFollow it here: %(url)s\n"
            ),
            **params,
        )


@transaction.atomic
def create_request(
    service: Service,
    user: Any,
    *,
    subject: str,
    details: str,
    contact_phone: str = "",
    organization: Any = None,
    files: Iterable[Any] = (),
) -> ServiceRequest:
    if not is_authenticated(user):
        raise PermissionDenied(_("Log in to request a service."))
    if not service.active:
        raise ValidationError(_("This service does not take requests at the moment."))
    if organization is not None and organization.pk not in organization_ids(user):
        raise PermissionDenied(_("You may only file requests for your own organisation."))
    if not clean(subject) or not nfc(details).strip():
        raise ValidationError(_("Give a subject and the details of your request."))
    checked = _check_files(files)
    req = ServiceRequest.objects.create(
        service=service,
        requester=user,
        organization=organization,
        subject=subject,
        details=details,
        contact_phone=contact_phone,
        due_date=timezone.localdate() + dt.timedelta(days=service.expected_days),
    )
    _store_files(checked, user, request=req)
    _log_request(req, "", user)
    params = {
        "ref": req.reference,
        "subject": req.subject,
        "service": service.title,
        "due": req.due_date.strftime("%d/%m/%Y"),
        "url": _absolute(req.get_absolute_url()),
    }
    _mail(
        [user],
        gettext_noop("[%(ref)s] We received your request"),
        gettext_noop(
            "We received your request %(ref)s for the service %(service)s: %(subject)s.\n"
            "Expected answer by %(due)s.\n\nFollow it here: %(url)s\n"
        ),
        **params,
    )
    _mail(
        _handlers(service),
        gettext_noop("[%(ref)s] New service request: %(service)s"),
        gettext_noop(
            "A new request %(ref)s for %(service)s: %(subject)s\nDue %(due)s.\n\n%(url)s\n"
        ),
        **params,
    )
    return req


def _require_handler(req: ServiceRequest, actor: Any) -> None:
    if not handles_service(actor, req.service):
        raise PermissionDenied(_("Only the staff handling this service may do this."))


def _move(req: ServiceRequest, allowed_from: Iterable[str], new: str) -> str:
    if req.status not in allowed_from:
        raise ValidationError(
            _("A request that is %(status)s cannot be moved to %(new)s.")
            % {"status": req.get_status_display(), "new": R(new).label}
        )
    old = req.status
    req.status = new
    return old


def _locked(req: ServiceRequest) -> ServiceRequest:
    fresh = ServiceRequest.objects.select_for_update().select_related("service").get(pk=req.pk)
    req.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return req


@transaction.atomic
def assign_request(
    req: ServiceRequest, actor: Any, assignee: Any, comment: str = ""
) -> ServiceRequest:
    _locked(req)
    _require_handler(req, actor)
    if assignee is None or not handles_service(assignee, req.service):
        raise ValidationError(_("The assignee must be staff handling this service."))
    old = _move(req, (R.RECEIVED, R.ASSIGNED), R.ASSIGNED)
    req.assignee = assignee
    req.save(update_fields=["status", "assignee", "updated_at"])
    _log_request(req, old, actor, comment or str(assignee))
    _notify_request(req, comment)
    return req


@transaction.atomic
def start_request(req: ServiceRequest, actor: Any, comment: str = "") -> ServiceRequest:
    _locked(req)
    _require_handler(req, actor)
    if req.assignee_id != actor.pk and not is_officer(actor):
        raise PermissionDenied(_("Only the assignee or an officer may start the work."))
    old = _move(req, (R.ASSIGNED,), R.IN_PROGRESS)
    req.save(update_fields=["status", "updated_at"])
    _log_request(req, old, actor, comment)
    _notify_request(req, comment)
    return req


@transaction.atomic
def complete_request(req: ServiceRequest, actor: Any, comment: str = "") -> ServiceRequest:
    _locked(req)
    _require_handler(req, actor)
    if req.assignee_id != actor.pk and not is_officer(actor):
        raise PermissionDenied(_("Only the assignee or an officer may close the request."))
    old = _move(req, (R.IN_PROGRESS,), R.DONE)
    req.closed_at = timezone.now()
    req.save(update_fields=["status", "closed_at", "updated_at"])
    _log_request(req, old, actor, comment)
    _notify_request(req, comment)
    return req


@transaction.atomic
def decline_request(req: ServiceRequest, actor: Any, comment: str) -> ServiceRequest:
    _locked(req)
    _require_handler(req, actor)
    if not clean(comment):
        raise ValidationError(_("Say why the request is declined."))
    old = _move(req, ServiceRequest.OPEN, R.DECLINED)
    req.closed_at = timezone.now()
    req.save(update_fields=["status", "closed_at", "updated_at"])
    _log_request(req, old, actor, comment)
    _notify_request(req, comment)
    return req


TRANSITIONS = {
    "assign": assign_request,
    "start": start_request,
    "complete": complete_request,
    "decline": decline_request,
}


def available_actions(req: ServiceRequest, user: Any) -> list[str]:
    if not handles_service(user, req.service):
        return []
    acts = []
    if req.status in (R.RECEIVED, R.ASSIGNED):
        acts.append("assign")
    mine = req.assignee_id == getattr(user, "pk", None) or is_officer(user)
    if req.status == R.ASSIGNED and mine:
        acts.append("start")
    if req.status == R.IN_PROGRESS and mine:
        acts.append("complete")
    if req.is_open:
        acts.append("decline")
    return acts


@transaction.atomic
def add_message(
    req: ServiceRequest, author: Any, body: str, files: Iterable[Any] = ()
) -> RequestMessage:
    is_requester = is_authenticated(author) and req.requester_id == author.pk
    if not (is_requester or handles_service(author, req.service)):
        raise PermissionDenied(_("You may not write on this request."))
    body = nfc(body).strip()
    checked = _check_files(files)
    if not body and not checked:
        raise ValidationError(_("Write a message or attach a file."))
    msg = RequestMessage.objects.create(request=req, author=author, body=body or "—")
    _store_files(checked, author, request=req)
    if is_requester:
        recipients = [req.assignee] if req.assignee_id else _handlers(req.service)
    else:
        recipients = [req.requester]
    _mail(
        recipients,
        gettext_noop("[%(ref)s] New message on your request"),
        gettext_noop("%(author)s wrote on request %(ref)s (%(subject)s):\n\n%(body)s\n\n%(url)s\n"),
        ref=req.reference,
        author=str(author),
        subject=req.subject,
        body=body,
        url=_absolute(req.get_absolute_url()),
    )
    return msg


def overdue(qs: Any = None) -> Any:
    qs = qs if qs is not None else ServiceRequest.objects.all()
    return qs.filter(status__in=ServiceRequest.OPEN, due_date__lt=timezone.localdate())


# --- support programmes and applications ------------------------------------------------------------


def _log_application(app: Application, old: str, actor: Any, comment: str = "") -> None:
    ApplicationTransition.objects.create(
        application=app,
        from_status=old,
        to_status=app.status,
        actor=actor,
        comment=nfc(comment).strip(),
    )


def window_error(programme: Programme, today: dt.date | None = None) -> str | None:
    """Why the programme takes no applications now, or None when its window is open."""
    today = today or timezone.localdate()
    if not programme.active:
        return _("This programme does not take applications.")
    if today < programme.opens_at:
        return _("Applications to this programme open on %(date)s.") % {
            "date": programme.opens_at.strftime("%d/%m/%Y")
        }
    if today > programme.closes_at:
        return _("Applications to this programme closed on %(date)s.") % {
            "date": programme.closes_at.strftime("%d/%m/%Y")
        }
    return None


def _notify_application(app: Application, _subject: str, _body: str) -> None:
    from openstx.accounts.models import User

    members = User.objects.filter(
        is_active=True, memberships__organization=app.organization, memberships__status="approved"
    ).distinct()
    recipients = {app.applicant, *members}
    _mail(
        recipients,
        _subject,
        _body,
        ref=app.reference,
        programme=app.programme.title,
        project=app.project_title,
        amount=f"{app.approved_amount_vnd or 0:,}".replace(",", "."),
        reasons=app.reasons or "—",
        url=_absolute(app.get_absolute_url()),
    )


@transaction.atomic
def apply(
    programme: Programme,
    user: Any,
    organization: Any,
    *,
    project_title: str,
    summary: str,
    requested_amount_vnd: int,
    total_cost_vnd: int | None = None,
    files: Iterable[Any] = (),
) -> Application:
    if (
        not is_authenticated(user)
        or organization is None
        or organization.pk not in organization_ids(user)
    ):
        raise PermissionDenied(_("Only an approved member of the organisation may apply for it."))
    problem = window_error(programme)
    if problem:
        raise ValidationError(problem)
    if requested_amount_vnd is None or requested_amount_vnd <= 0:
        raise ValidationError(_("Give the amount of support requested."))
    if requested_amount_vnd > programme.max_amount_vnd:
        raise ValidationError(
            _("The programme gives at most %(max)s VND.")
            % {"max": f"{programme.max_amount_vnd:,}".replace(",", ".")}
        )
    if total_cost_vnd is not None and total_cost_vnd < requested_amount_vnd:
        raise ValidationError(_("The amount requested cannot exceed the total cost."))
    if Application.objects.filter(
        programme=programme,
        organization=organization,
        status__in=Application.OPEN,
        project_title__iexact=clean(project_title),
    ).exists():
        raise ValidationError(
            _("This organisation already has an open application for this project.")
        )
    checked = _check_files(files)
    app = Application.objects.create(
        programme=programme,
        organization=organization,
        applicant=user,
        project_title=project_title,
        summary=summary,
        requested_amount_vnd=requested_amount_vnd,
        total_cost_vnd=total_cost_vnd,
    )
    _store_files(checked, user, application=app)
    _log_application(app, "", user)
    _mail(
        [user],
        gettext_noop("[%(ref)s] Application received: %(programme)s"),
        gettext_noop(
            "Your application %(ref)s to %(programme)s (%(project)s) was received.\n\n%(url)s\n"
        ),
        ref=app.reference,
        programme=programme.title,
        project=app.project_title,
        url=_absolute(app.get_absolute_url()),
    )
    return app


def _require_officer(actor: Any) -> None:
    if not is_officer(actor):
        raise PermissionDenied(_("Only department staff review applications."))


def _lock_app(app: Application) -> Application:
    fresh = Application.objects.select_for_update().get(pk=app.pk)
    app.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return app


@transaction.atomic
def start_review(app: Application, actor: Any, comment: str = "") -> Application:
    _require_officer(actor)
    _lock_app(app)
    if app.status != A.SUBMITTED:
        raise ValidationError(_("Only a submitted application can be taken for review."))
    old, app.status, app.reviewer = app.status, A.UNDER_REVIEW, actor
    app.save(update_fields=["status", "reviewer", "updated_at"])
    _log_application(app, old, actor, comment)
    return app


@transaction.atomic
def update_checklist(app: Application, actor: Any, checked: Iterable[str]) -> Application:
    _require_officer(actor)
    _lock_app(app)
    if app.status not in Application.OPEN:
        raise ValidationError(_("The application has been decided."))
    ticked = set(checked)
    app.checklist = {doc: doc in ticked for doc in app.programme.document_list}
    app.save(update_fields=["checklist", "updated_at"])
    return app


@transaction.atomic
def approve(
    app: Application, actor: Any, amount_vnd: int, decision_number: str = "", comment: str = ""
) -> Application:
    _require_officer(actor)
    _lock_app(app)
    if app.status != A.UNDER_REVIEW:
        raise ValidationError(_("Take the application for review before deciding."))
    missing = [doc for doc, ok in app.checklist_items() if not ok]
    if missing:
        raise ValidationError(
            _("The checklist is not complete: %(docs)s.") % {"docs": "; ".join(missing)}
        )
    if amount_vnd is None or amount_vnd <= 0:
        raise ValidationError(_("Give the amount approved."))
    if amount_vnd > app.programme.max_amount_vnd:
        raise ValidationError(
            _("The amount approved cannot exceed the programme's maximum of %(max)s VND.")
            % {"max": f"{app.programme.max_amount_vnd:,}".replace(",", ".")}
        )
    old = app.status
    app.status = A.APPROVED
    app.approved_amount_vnd = amount_vnd
    app.decision_number = clean(decision_number)
    app.decided_by, app.decided_at = actor, timezone.now()
    app.save()
    _log_application(app, old, actor, comment)
    _notify_application(
        app,
        gettext_noop("[%(ref)s] Support approved: %(programme)s"),
        gettext_noop(
            "Your application %(ref)s (%(project)s) to %(programme)s was approved "
            "with %(amount)s VND.\n\n%(url)s\n"
        ),
    )
    return app


@transaction.atomic
def reject(app: Application, actor: Any, reasons: str) -> Application:
    _require_officer(actor)
    _lock_app(app)
    if app.status not in Application.OPEN:
        raise ValidationError(_("The application has been decided."))
    if not clean(reasons):
        raise ValidationError(_("Give the reasons for the rejection."))
    old = app.status
    app.status = A.REJECTED
    app.reasons = reasons
    app.decided_by, app.decided_at = actor, timezone.now()
    app.save()
    _log_application(app, old, actor, reasons)
    _notify_application(
        app,
        gettext_noop("[%(ref)s] Application not approved: %(programme)s"),
        gettext_noop(
            "Your application %(ref)s (%(project)s) to %(programme)s was not approved.\n"
            "Reasons: %(reasons)s\n\n%(url)s\n"
        ),
    )
    return app


@transaction.atomic
def withdraw(app: Application, user: Any) -> Application:
    _lock_app(app)
    if app.organization_id not in organization_ids(user):
        raise PermissionDenied(_("Only the applying organisation may withdraw the application."))
    if app.status not in Application.OPEN:
        raise ValidationError(_("The application has been decided."))
    old, app.status = app.status, A.WITHDRAWN
    app.save(update_fields=["status", "updated_at"])
    _log_application(app, old, user)
    return app


def support_by_programme_year(year_from: int, year_to: int) -> dict[tuple[int, int], int]:
    """Approved support (VND) by (programme id, year of the decision)."""
    rows = (
        Application.objects.filter(
            status=A.APPROVED, decided_at__year__gte=year_from, decided_at__year__lte=year_to
        )
        .annotate(y=ExtractYear("decided_at"))
        .values("programme_id", "y")
        .annotate(total=Sum("approved_amount_vnd"))
        .order_by()
    )
    out: dict[tuple[int, int], int] = {}
    for r in rows:
        key = (r["programme_id"], r["y"])
        out[key] = out.get(key, 0) + int(r["total"] or 0)
    return out


# --- contact ---------------------------------------------------------------------------------------


def _rate_key(ip: str | None) -> str:
    return f"portal:contact:{ip or 'unknown'}"


def submit_contact(
    *,
    name: str,
    email: str,
    subject: str,
    message: str,
    phone: str = "",
    ip: str | None = None,
    honeypot: str = "",
) -> ContactMessage | None:
    """Store a contact message and e-mail it to the department. A filled honeypot is dropped
    silently (None); more than CONTACT_LIMIT messages an hour from one IP are refused."""
    if honeypot:
        return None
    key = _rate_key(ip)
    cache.add(key, 0, CONTACT_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, CONTACT_WINDOW)
        count = 1
    if count > CONTACT_LIMIT:
        raise RateLimited(_("Too many messages from your address. Please try again in an hour."))
    msg = ContactMessage.objects.create(
        name=name, email=email, phone=phone, subject=subject, message=message, ip=ip or None
    )
    _mail(
        [department_email()],
        gettext_noop("[Contact] %(subject)s"),
        gettext_noop("From: %(name)s <%(email)s> %(phone)s\n\n%(message)s\n"),
        subject=msg.subject,
        name=msg.name,
        email=msg.email,
        phone=msg.phone,
        message=msg.message,
    )
    return msg


# --- training registration ------------------------------------------------------------------------


def seats_left(course: Any, taken: int | None = None) -> int | None:
    """Seats still free (None: no capacity limit). ``taken`` may come from an annotation."""
    if course.capacity is None:
        return None
    if taken is None:
        taken = course.attendances.count()
    return max(0, course.capacity - taken)


def registration_status(course: Any, taken: int | None = None) -> dict[str, Any]:
    """What a course page shows about registration: seats left and whether it is open."""
    left = seats_left(course, taken)
    started = bool(course.start_date and course.start_date < timezone.localdate())
    return {"seats_left": left, "started": started, "open": not started and left != 0}


def register_for_course(
    course: Any,
    *,
    name: str,
    email: str,
    phone: str = "",
    organization_name: str = "",
    user: Any = None,
) -> Any:
    """Register one attendee; refused when the course is full (the course row is locked so two
    registrations for the last seat cannot both pass) or already started."""
    from openstx.ipr.models import Attendance, TrainingCourse

    with transaction.atomic():
        locked = TrainingCourse.objects.select_for_update().get(pk=course.pk)
        if locked.start_date and locked.start_date < timezone.localdate():
            raise ValidationError(_("This course has already started; registration is closed."))
        email = clean(email).lower()
        taken = locked.attendances.count()
        if locked.capacity is not None and taken >= locked.capacity:
            raise ValidationError(
                _("This course is full (%(n)s seats). Registration is closed.")
                % {"n": locked.capacity}
            )
        if email and locked.attendances.filter(contact__icontains=email).exists():
            raise ValidationError(_("This e-mail address is already registered for the course."))
        orgs = organization_ids(user)
        org = None
        if orgs:
            from openstx.directory.models import Organization

            org = Organization.objects.filter(pk__in=orgs).order_by("pk").first()
        attendance = Attendance.objects.create(
            course=locked,
            name=name,
            organization=org,
            organization_name=organization_name or (org.name if org else ""),
            contact=" · ".join(filter(None, [email, clean(phone)])),
            attended=False,
        )
    _mail(
        [user if user is not None and getattr(user, "email", "") == email else email],
        gettext_noop("Registration confirmed: %(course)s"),
        gettext_noop(
            "Dear %(name)s,\n\nYour registration for the course %(course)s is confirmed.\n"
            "Date: %(date)s\nPlace: %(place)s\n"
        ),
        name=attendance.name,
        course=locked.title,
        date=locked.start_date.strftime("%d/%m/%Y") if locked.start_date else "—",
        place=locked.place or "—",
    )
    return attendance
