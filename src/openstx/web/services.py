"""What the home page shows: counts and the newest records, each read through permissions."""

from __future__ import annotations

from typing import Any

from openstx.core.permissions import restrict
from openstx.web.areas import AREAS


def home_context(user: Any) -> dict[str, Any]:
    from openstx.directory.models import Expert, Organization

    return {
        "areas": AREAS,
        "counts": {
            "organizations": restrict(Organization.objects.all(), user).count(),
            "experts": restrict(Expert.objects.all(), user).count(),
        },
    }
