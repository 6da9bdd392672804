"""What the home page shows: counts and the newest records, each read through permissions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from openstx.core.permissions import restrict
from openstx.web.areas import AREAS

CATEGORIES_FILE = Path(__file__).resolve().parent / "data" / "categories.json"
CATEGORY_CACHE_SECONDS = 600


@dataclass(frozen=True)
class Category:
    """A technology category of the home page, with the published listings in it."""

    key: str
    name: str
    icon: str
    fields: tuple[str, ...]  # field-of-science code prefixes
    offers: int
    demands: int

    @property
    def query(self) -> str:
        return urlencode([("field", code) for code in self.fields])


@lru_cache(maxsize=1)
def category_config() -> dict[str, Any]:
    """The configured categories (web/data/categories.json): top-level fields and key sectors."""
    return json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))


def _category_counts() -> dict[str, tuple[int, int]]:
    """Published offers and demands per category key, public visibility, one cache entry that a
    change to any public record replaces (keyed by the search outbox generation)."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from django.db.models import Count, Q
    from django.db.models.functions import Substr

    from openstx.exchange.models import Demand, Offer
    from openstx.search.outbox import position

    key = f"web:category-counts:{position()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    config = category_config()
    anonymous = AnonymousUser()
    counts: dict[str, list[int]] = {}
    for i, model in enumerate((Offer, Demand)):
        published = restrict(model.objects.filter(status="published"), anonymous)
        tops = dict(
            published.filter(fields__isnull=False)
            .annotate(top=Substr("fields__code", 1, 1))
            .values("top")
            .annotate(n=Count("pk", distinct=True))
            .values_list("top", "n")
        )
        for f in config["fields"]:
            counts.setdefault(f"field-{f['code']}", [0, 0])[i] = tops.get(f["code"], 0)
        for sector in config["sectors"]:
            cond = Q()
            for code in sector["fields"]:
                cond |= Q(fields__code__startswith=code)
            n = published.filter(pk__in=model.objects.filter(cond).values("pk")).count()
            counts.setdefault(f"sector-{sector['key']}", [0, 0])[i] = n
    result = {k: (v[0], v[1]) for k, v in counts.items()}
    cache.set(key, result, CATEGORY_CACHE_SECONDS)
    return result


def home_categories() -> dict[str, list[Category]]:
    """The home page's technology categories in the active language, with their counts."""
    from django.utils.translation import get_language

    from openstx.taxonomy.models import FieldOfScience

    config = category_config()
    counts = _category_counts()
    english = (get_language() or "vi").startswith("en")
    names = {
        f.code: (f.name_en if english and f.name_en else f.name)
        for f in FieldOfScience.objects.filter(code__in=[c["code"] for c in config["fields"]])
    }
    fields = [
        Category(
            f"field-{c['code']}",
            names.get(c["code"], c["code"]),
            c["icon"],
            (c["code"],),
            *counts.get(f"field-{c['code']}", (0, 0)),
        )
        for c in config["fields"]
        if c["code"] in names
    ]
    sectors = [
        Category(
            f"sector-{s['key']}",
            s["name_en"] if english else s["name_vi"],
            s["icon"],
            tuple(s["fields"]),
            *counts.get(f"sector-{s['key']}", (0, 0)),
        )
        for s in config["sectors"]
    ]
    return {"fields": fields, "sectors": sectors}


def home_context(user: Any) -> dict[str, Any]:
    """Counts of what the viewer may see, per area, the newest and featured published listings
    (with their first image and owner), upcoming events, news and open calls."""
    from django.db.models import Exists, F, OuterRef, Prefetch, Q
    from django.utils import timezone
    from django.utils.translation import gettext_lazy as _

    from openstx.directory.models import Expert, Organization
    from openstx.exchange.models import Demand, Event, ListingImage, Offer
    from openstx.library.models import Document
    from openstx.projects.models import Task

    offers = restrict(Offer.objects.filter(status="published"), user)
    demands = restrict(Demand.objects.filter(status="published"), user)
    first_images = Prefetch("images", queryset=ListingImage.objects.order_by("id"))
    card_offers = offers.select_related("owner").prefetch_related(first_images)
    # featured: offers with a picture first, then the most mature (highest TRL), newest first
    featured = list(
        card_offers.annotate(
            has_image=Exists(ListingImage.objects.filter(offer=OuterRef("pk")))
        ).order_by("-has_image", F("trl").desc(nulls_last=True), "-published_at")[:4]
    )
    newest_offers = list(card_offers.order_by("-published_at")[:4])
    today = timezone.localdate()
    events = list(
        restrict(Event.objects.filter(status="published"), user)
        .filter(Q(start_date__gte=today) | Q(end_date__gte=today))
        .order_by("start_date")[:3]
    )
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
        "featured_offers": featured,
        "latest_offers": newest_offers,
        "latest_demands": _with_requester(
            user,
            demands.select_related("requester")
            .prefetch_related(first_images)
            .order_by("-published_at")[:4],
        ),
        "upcoming_events": events,
        "categories": home_categories(),
        # the portal's newest public news and its open calls for proposals (two small queries;
        # public to everyone, so the anonymous page cache may keep them)
        **_portal_latest(),
    }


def _with_requester(user: Any, demands: Any) -> list[Any]:
    """Demands with the requester's name as this viewer may see it (anonymous demands stay so)."""
    from openstx.exchange.services import requester_label

    rows = list(demands)
    for d in rows:
        d.requester_display = requester_label(user, d)
    return rows


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
