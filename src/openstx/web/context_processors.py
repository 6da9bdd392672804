from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from openstx.core.permissions import is_broker_or_officer, is_officer


def site(request: HttpRequest) -> dict[str, Any]:
    """Values every template needs: site name and the viewer's broad roles."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "viewer_is_officer": is_officer(user),
        "viewer_is_broker_or_officer": is_broker_or_officer(user),
    }
