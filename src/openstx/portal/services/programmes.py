"""Support programmes: applications within a window, review, approval with an amount or reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openstx.core.permissions import (
    is_authenticated,
    is_officer,
    organization_ids,
)
from openstx.core.text import clean, nfc
from openstx.portal.models import (
    Application,
    ApplicationTransition,
    Programme,
)
from openstx.portal.services.notices import _absolute, _mail
from openstx.portal.services.requests import _check_files, _store_files

A = Application.Status


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
    app: Application,
    actor: Any,
    amount_vnd: int | None,
    decision_number: str = "",
    comment: str = "",
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
