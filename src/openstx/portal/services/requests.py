"""Service requests: received, assigned, in progress, done or declined, with messages and files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openstx.core.permissions import (
    is_authenticated,
    is_officer,
    organization_ids,
)
from openstx.core.text import clean, nfc
from openstx.core.uploads import check_attachment
from openstx.portal.models import (
    Attachment,
    RequestMessage,
    RequestTransition,
    Service,
    ServiceRequest,
)
from openstx.portal.policies import handles_service
from openstx.portal.services.notices import _absolute, _handlers, _mail

R = ServiceRequest.Status


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
    if req.assignee is not None and req.assignee_id != req.requester_id:
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
    due_date = timezone.localdate() + dt.timedelta(days=service.expected_days)
    req = ServiceRequest.objects.create(
        service=service,
        requester=user,
        organization=organization,
        subject=subject,
        details=details,
        contact_phone=contact_phone,
        due_date=due_date,
    )
    _store_files(checked, user, request=req)
    _log_request(req, "", user)
    params = {
        "ref": req.reference,
        "subject": req.subject,
        "service": service.title,
        "due": due_date.strftime("%d/%m/%Y"),
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


TRANSITIONS: dict[str, Callable[..., ServiceRequest]] = {
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
