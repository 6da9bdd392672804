"""Which access scopes a viewer may see (the filter placed inside every search query)."""

from __future__ import annotations

from typing import Any

from openstx.core.permissions import principals


def scopes_for(user: Any) -> list[str] | None:
    """Scopes visible to ``user``; ``None`` means everything (administrators). The vocabulary
    and the rules are the permission module's (``core.permissions.principals``)."""
    return principals(user)
