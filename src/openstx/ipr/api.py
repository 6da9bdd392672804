"""JSON API: /api/v1/ip-records, /api/v1/ip-records/{id}, /api/v1/ip-statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema
from ninja.errors import HttpError

from openstx.accounts.auth import api_auth, optional_user
from openstx.core.lookup import find_by_ident
from openstx.core.permissions import VIEW, restrict
from openstx.ipr import services
from openstx.ipr.filters import IPFilterForm
from openstx.ipr.models import IPRecord

router = Router(tags=["ip"])


class IPRecordOut(Schema):
    id: int
    external_id: str | None
    type: str
    title: str
    applicant: str
    applicant_organization_id: int | None
    application_number: str
    application_date: dt.date | None
    status: str
    certificate_number: str
    certificate_date: dt.date | None
    expiry_date: dt.date | None
    classes: str
    supported: bool
    support_amount_vnd: int | None
    task_id: int | None
    task_reference: str
    offer_id: int | None
    url: str

    @staticmethod
    def resolve_url(obj: IPRecord) -> str:
        return obj.get_absolute_url()


class TransitionIn(Schema):
    to_status: str
    comment: str = ""
    date: dt.date | None = None
    certificate_number: str = ""
    certificate_date: dt.date | None = None


def _get(request: Any, record_id: str, user: Any) -> IPRecord:
    found = find_by_ident(restrict(IPRecord.objects.all(), user, VIEW), record_id)
    if found is None:
        raise HttpError(404, "Not found")
    return found


@router.get("/ip-records", response=list[IPRecordOut])
def list_records(
    request,
    type: str = "",
    status: str = "",
    year: str = "",  # noqa: A002
    supported: str = "",
    organization: str = "",
    q: str = "",
    page: int = 1,
) -> Any:
    user = optional_user(request)
    form = IPFilterForm(
        {
            "type": type,
            "status": status,
            "year": year,
            "supported": supported,
            "organization": organization,
            "q": q,
        },
        user=user,
    )
    qs = form.filter(
        restrict(IPRecord.objects.select_related("applicant_organization"), user, VIEW)
    )
    size = 100
    start = max(0, page - 1) * size
    return list(qs.order_by("-application_date", "-pk")[start : start + size])


@router.get("/ip-records/{record_id}", response=IPRecordOut)
def get_record(request, record_id: str) -> Any:
    return _get(request, record_id, optional_user(request))


@router.post("/ip-records/{record_id}/status", response=IPRecordOut, auth=api_auth)
def change_status(request, record_id: str, payload: TransitionIn) -> Any:
    from django.core.exceptions import PermissionDenied, ValidationError

    record = _get(request, record_id, request.user)
    try:
        services.transition(
            record,
            payload.to_status,
            request.user,
            comment=payload.comment,
            date=payload.date,
            certificate_number=payload.certificate_number,
            certificate_date=payload.certificate_date,
        )
    except PermissionDenied:
        raise HttpError(403, "Only department officers can change the status.")
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages))
    record.refresh_from_db()
    return record


@router.get("/ip-statistics")
def ip_statistics(request) -> Any:
    return services.statistics()
