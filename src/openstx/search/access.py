"""Which access scopes a viewer may see (the filter placed inside every search query)."""

from __future__ import annotations

from typing import Any

from openstx.core.permissions import (
    is_admin,
    is_authenticated,
    is_officer,
    organization_ids,
)


def scopes_for(user: Any) -> list[str] | None:
    """Scopes visible to ``user``; ``None`` means everything (administrators)."""
    if is_admin(user):
        return None
    scopes = ["public"]
    if is_authenticated(user):
        scopes.append("members")
        scopes.append(f"user:{user.pk}")
        scopes.extend(f"org:{org_id}" for org_id in sorted(organization_ids(user)))
        if is_officer(user):
            scopes.append("staff")
    return scopes
