"""Ids (see docs/api.md): ids on the command line and in the API accept the ``external_id`` given at import
or the platform's own id. One rule everywhere: an ``external_id`` match wins, then a numeric
platform id — so a numeric external id ("10234") resolves the same in every app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def find_by_ident(queryset: QuerySet, ident: Any) -> Any | None:
    """The record of ``queryset`` that ``ident`` names, or None."""
    ident = str(ident).strip()
    if not ident or "\x00" in ident:  # PostgreSQL text cannot hold NUL: nothing can match
        return None
    match = None
    if any(f.name == "external_id" for f in queryset.model._meta.get_fields()):
        match = queryset.filter(external_id=ident).first()
    if match is None and _is_platform_id(ident):
        match = queryset.filter(pk=int(ident)).first()
    return match


#: Largest primary key a 64-bit signed integer column holds (SQLite and PostgreSQL bigint).
MAX_PK = 2**63 - 1


def _is_platform_id(ident: str) -> bool:
    """ASCII digits only (``'¹'.isdigit()`` and ``'٣'.isdigit()`` are true, but ``int('¹')``
    fails) and small enough for the database's integer column."""
    return ident.isascii() and ident.isdigit() and int(ident) <= MAX_PK
