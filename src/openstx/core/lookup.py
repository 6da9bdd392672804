"""DESIGN §4: ids on the command line and in the API accept the ``external_id`` given at import
or the platform's own id. One rule everywhere: an ``external_id`` match wins, then a numeric
platform id — so a numeric external id ("10234") resolves the same in every app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def find_by_ident(queryset: QuerySet, ident: Any) -> Any | None:
    """The record of ``queryset`` that ``ident`` names, or None."""
    ident = str(ident).strip()
    if not ident:
        return None
    match = None
    if any(f.name == "external_id" for f in queryset.model._meta.get_fields()):
        match = queryset.filter(external_id=ident).first()
    if match is None and ident.isdigit():
        match = queryset.filter(pk=int(ident)).first()
    return match
