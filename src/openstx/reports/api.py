"""Indicators as open data: ``/api/v1/indicators`` and ``/api/v1/indicators/{key}``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.errors import HttpError

from openstx.core.api import errors
from openstx.reports import registry, services

router = Router(tags=["indicators"])


@router.get("/indicators")
def list_indicators(request: HttpRequest) -> list[dict[str, Any]]:
    return [services.describe(i) for i in registry.all_indicators()]


@router.get("/indicators/{key}", response={200: dict[str, Any], **errors(400, 404)})
def indicator(
    request: HttpRequest,
    key: str,
    year_from: int | None = None,
    year_to: int | None = None,
    format: str = "json",
) -> Any:  # noqa: A002
    ind = registry.get(key)
    if ind is None:
        raise HttpError(404, "unknown indicator")
    y1, y2 = services.default_period()
    y1, y2 = year_from or y1, year_to or y2
    try:
        t = services.table(ind, y1, y2)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
    if format == "csv":
        return HttpResponse(services.to_csv(t), content_type="text/csv; charset=utf-8")
    if format != "json":
        raise HttpError(400, "format must be json or csv")
    return services.describe(ind) | {"year_from": y1, "year_to": y2, "rows": services.to_records(t)}
