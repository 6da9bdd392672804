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


def readiness(min_free_bytes: int = 512 * 1024 * 1024) -> dict[str, dict[str, Any]]:
    """Check what serving needs: the database answers, the broker answers, disk is not full."""
    import shutil

    from django.conf import settings
    from django.db import connection

    checks: dict[str, dict[str, Any]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # report, never raise: this is a health endpoint
        checks["database"] = {"ok": False, "error": str(exc)[:200]}
    try:
        from openstx.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = {"ok": True, "transport": conn.transport_cls}
    except Exception as exc:
        checks["broker"] = {"ok": False, "error": str(exc)[:200]}
    usage = shutil.disk_usage(settings.DATA_DIR)
    checks["disk"] = {"ok": usage.free >= min_free_bytes, "free_bytes": usage.free}
    return checks
