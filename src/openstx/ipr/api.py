"""JSON API: /api/v1/ip-records, /api/v1/ip-records/{id}, /api/v1/ip-statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from openstx.accounts.auth import api_auth, optional_user
from openstx.core.api import BodyIn, PageParams, errors, get_or_404, page_of, paginate
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


class IPStatusIn(BodyIn):
    to_status: str
    comment: str = ""
    date: dt.date | None = None
    certificate_number: str = ""
    certificate_date: dt.date | None = None


IPRecordPage = page_of(IPRecordOut)


@router.get("/ip-records", response=IPRecordPage)
def list_records(
    request,
    paging: Query[PageParams],
    type: str = "",
    status: str = "",
    year: str = "",  # noqa: A002
    supported: str = "",
    organization: str = "",
    q: str = "",
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
    return paginate(qs.order_by("-application_date", "-pk"), paging.page, paging.page_size)


@router.get("/ip-records/{record_id}", response={200: IPRecordOut, **errors(404)})
def get_record(request, record_id: str) -> Any:
    return get_or_404(IPRecord.objects.all(), record_id, optional_user(request))


@router.post(
    "/ip-records/{record_id}/status",
    response={200: IPRecordOut, **errors(403, 404, 422)},
    auth=api_auth,
)
def change_status(request, record_id: str, payload: IPStatusIn) -> Any:
    from django.core.exceptions import PermissionDenied, ValidationError

    record = get_or_404(IPRecord.objects.all(), record_id, request.user)
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
