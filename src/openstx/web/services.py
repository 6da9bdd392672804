"""What the home page shows: counts and the newest records, each read through permissions."""

from __future__ import annotations

from typing import Any

from openstx.core.permissions import restrict
from openstx.web.areas import AREAS


def home_context(user: Any) -> dict[str, Any]:
    """Counts of what the viewer may see, per area, and the newest published listings."""
    from django.utils.translation import gettext_lazy as _

    from openstx.directory.models import Expert, Organization
    from openstx.exchange.models import Demand, Offer
    from openstx.library.models import Document
    from openstx.projects.models import Task

    offers = restrict(Offer.objects.filter(status="published"), user)
    demands = restrict(Demand.objects.filter(status="published"), user)
    return {
        "areas": AREAS,
        "counts": {
            "organizations": restrict(Organization.objects.all(), user).count(),
            "experts": restrict(Expert.objects.all(), user).count(),
        },
        "extra_counts": {
            "offers": (offers.count(), _("technology offers")),
            "demands": (demands.count(), _("technology demands")),
            "tasks": (restrict(Task.objects.all(), user).count(), _("S&T tasks")),
            "documents": (restrict(Document.objects.all(), user).count(), _("library documents")),
        },
        "latest_offers": offers.order_by("-published_at")[:5],
        "latest_demands": demands.order_by("-published_at")[:5],
        # the portal's newest public news and its open calls for proposals (two small queries;
        # public to everyone, so the anonymous page cache may keep them)
        **_portal_latest(),
    }


def _portal_latest() -> dict[str, Any]:
    from openstx.portal.services import latest_articles

    latest = latest_articles(limit=4)
    return {"latest_news": latest["news"], "open_calls": latest["calls"]}


def readiness(min_free_bytes: int = 512 * 1024 * 1024) -> dict[str, dict[str, Any]]:
    """Check what serving needs: the database answers, the broker answers, a job worker beats
    (when one is expected), disk is not full."""
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
    from openstx.core.jobs import worker_readiness

    checks["worker"] = worker_readiness()  # ok when no worker is expected (see docs/deployment.md)
    usage = shutil.disk_usage(settings.DATA_DIR)
    checks["disk"] = {"ok": usage.free >= min_free_bytes, "free_bytes": usage.free}
    return checks
