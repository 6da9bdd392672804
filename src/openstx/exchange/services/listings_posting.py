"""Posting a listing: the steps of the form and what each requires, the completeness meter,
deleting a draft, linking an offer to its owner's IP records, and the daily view and interest
counts (numbers only: no IP address, user or browser is stored)."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.permissions import CHANGE, DELETE, can, is_officer, organization_ids
from openstx.exchange.models import Demand, ListingStatus, Offer
from openstx.exchange.models.listings import ListingDailyCount
from openstx.exchange.services.listings import listing_kind

log = logging.getLogger(__name__)

# --- Steps of the posting form -------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One page of the posting form: its fields and the ones it requires before "next"."""

    name: str
    label: Any
    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    files: bool = False


OFFER_STEPS: tuple[Step, ...] = (
    Step(
        "what",
        gettext_lazy("What"),
        ("title", "kind", "summary", "owner", "fields", "keywords", "region"),
        ("title", "kind", "summary", "owner", "fields"),
    ),
    Step(
        "technical",
        gettext_lazy("Technical detail"),
        ("description", "advantages", "applications"),
        ("description", "advantages"),
    ),
    Step(
        "readiness",
        gettext_lazy("Readiness and IP"),
        ("trl", "ip_records", "ip_items", "origin", "confidential_detail"),
        ("trl",),
    ),
    Step(
        "terms",
        gettext_lazy("Commercial terms"),
        (
            "transfer_modes",
            "price_vnd",
            "price_negotiable",
            "contact_name",
            "contact_email",
            "contact_phone",
            "valid_until",
        ),
    ),
    Step("files", gettext_lazy("Images and documents"), (), files=True),
)

DEMAND_STEPS: tuple[Step, ...] = (
    Step(
        "what",
        gettext_lazy("What"),
        ("title", "requester", "requester_anonymous", "fields", "keywords", "region"),
        ("title", "requester", "fields"),
    ),
    Step(
        "technical",
        gettext_lazy("Technical detail"),
        ("problem", "desired_outcome", "constraints"),
        ("problem", "desired_outcome"),
    ),
    Step("readiness", gettext_lazy("Readiness"), ("min_trl",)),
    Step(
        "terms",
        gettext_lazy("Budget and contact"),
        (
            "budget_min_vnd",
            "budget_max_vnd",
            "deadline",
            "contact_name",
            "contact_email",
            "contact_phone",
            "valid_until",
        ),
    ),
    Step("files", gettext_lazy("Images and documents"), (), files=True),
)


def steps_for(kind: str) -> tuple[Step, ...]:
    return OFFER_STEPS if kind == "offer" else DEMAND_STEPS


def get_step(kind: str, name: str) -> Step | None:
    return next((s for s in steps_for(kind) if s.name == name), None)


def next_step(kind: str, name: str) -> Step | None:
    steps = steps_for(kind)
    names = [s.name for s in steps]
    i = names.index(name)
    return steps[i + 1] if i + 1 < len(steps) else None


def step_issues(kind: str, name: str, values: dict[str, Any]) -> dict[str, str]:
    """Rules of a step beyond "required" (field -> message): a technology offer names how it
    can be transferred, as the quality check asks before submission."""
    errors: dict[str, str] = {}
    technology = values.get("kind") == Offer.Kind.TECHNOLOGY
    if kind == "offer" and name == "terms" and technology and not values.get("transfer_modes"):
        errors["transfer_modes"] = _("Choose how the technology can be transferred.")
    return errors


# --- Completeness ----------------------------------------------------------------------------------


@dataclass
class Completeness:
    """How complete a listing is: ``percent`` of the ``total`` items, and the ones missing."""

    done: int = 0
    total: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def add(self, ok: bool, label: str) -> None:
        self.total += 1
        if ok:
            self.done += 1
        else:
            self.missing.append(label)


def completeness(listing: Offer | Demand) -> Completeness:
    """Items a good listing has, counted from its fields (prefetch ``fields``, ``images``,
    ``attachments`` and, for offers, ``ip_records`` to compute it for many listings)."""
    c = Completeness()
    saved = listing.pk is not None
    has_fields = saved and bool(listing.fields.all())
    has_images = saved and bool(listing.images.all())
    has_files = saved and bool(listing.attachments.all())
    contact = bool(listing.contact_name and (listing.contact_email or listing.contact_phone))
    c.add(bool(listing.title), _("a title"))
    if isinstance(listing, Offer):
        has_ip = bool(listing.ip_items) or (saved and bool(listing.ip_records.all()))
        c.add(bool(listing.summary), _("a one-line summary"))
        c.add(has_fields, _("fields of science"))
        c.add(bool(listing.keywords), _("keywords"))
        c.add(bool(listing.description), _("a description"))
        c.add(bool(listing.advantages), _("the advantages"))
        c.add(bool(listing.applications), _("the applications"))
        c.add(listing.trl is not None, _("the readiness level (TRL)"))
        c.add(has_ip, _("intellectual property"))
        c.add(bool(listing.transfer_modes), _("transfer modes"))
        c.add(listing.price_vnd is not None or listing.price_negotiable, _("a price"))
    else:
        c.add(has_fields, _("fields of science"))
        c.add(bool(listing.keywords), _("keywords"))
        c.add(bool(listing.problem), _("the problem"))
        c.add(bool(listing.desired_outcome), _("the desired outcome"))
        c.add(bool(listing.constraints), _("the constraints"))
        c.add(listing.min_trl is not None, _("the minimum TRL"))
        c.add(
            listing.budget_min_vnd is not None or listing.budget_max_vnd is not None,
            _("a budget"),
        )
        c.add(listing.deadline is not None, _("a deadline"))
    c.add(listing.region_id is not None, _("a region"))
    c.add(contact, _("a contact person with e-mail or phone"))
    c.add(has_images or has_files, _("an image or a document"))
    return c


# --- Deleting a draft ------------------------------------------------------------------------------


def can_delete(user: Any, listing: Offer | Demand) -> bool:
    return listing.status == ListingStatus.DRAFT and can(user, DELETE, listing)


@transaction.atomic
def delete_draft(listing: Offer | Demand, user: Any) -> None:
    """Delete a draft with its images, documents and log (only drafts; the owner's members or
    an officer). Submitted and published listings are withdrawn, never deleted."""
    listing = type(listing).objects.select_for_update().get(pk=listing.pk)
    if listing.status != ListingStatus.DRAFT:
        raise ValidationError(_("Only a draft can be deleted; withdraw the listing instead."))
    if not can(user, DELETE, listing):
        raise PermissionDenied(_("You may delete only your own organisation's drafts."))
    files: list[Any] = [im.image for im in listing.images.all()]
    files += [im.thumbnail for im in listing.images.all()]
    files += [a.file for a in listing.attachments.all()]
    listing._change_reason = "delete draft"  # type: ignore[union-attr]  # simple-history
    listing.delete()
    transaction.on_commit(lambda: [f.delete(save=False) for f in files if f])


# --- IP records of the owner --------------------------------------------------------------------


def owner_ip_records(organization_id: int | None) -> Any:
    """The IP records an offer may cite: those its owner applied for (the ipr app's records)."""
    from openstx.ipr.models import IPRecord

    return IPRecord.objects.filter(applicant_organization_id=organization_id).order_by("title")


@transaction.atomic
def link_ip_records(offer: Offer, user: Any, records: Iterable[Any]) -> list[Any]:
    """Tie ``offer`` to exactly ``records`` among its owner's IP records (others stay free
    text in ``ip_items``). Records of another organisation are refused."""
    if not can(user, CHANGE, offer):
        raise PermissionDenied(_("You may edit only your own organisation's listings."))
    chosen = list(records)
    own = owner_ip_records(offer.owner_id)
    foreign = [r for r in chosen if r.applicant_organization_id != offer.owner_id]
    if foreign:
        raise ValidationError(
            {
                "ip_records": _("Only the owner's IP records can be linked: %(titles)s")
                % {"titles": ", ".join(str(r) for r in foreign)}
            }
        )
    keep = {r.pk for r in chosen}
    for record in own.filter(offer=offer).exclude(pk__in=keep):
        record.offer = None
        record._change_reason = f"unlinked from offer {offer.pk}"
        record.save()
    for record in chosen:
        if record.offer_id != offer.pk:
            record.offer = offer
            record._change_reason = f"linked to offer {offer.pk}"
            record.save()
    return chosen


# --- View and interest counts ---------------------------------------------------------------------

BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|fetch|monitor|curl|wget|python|httpx|java/|go-http|"
    r"headless|lighthouse|facebookexternalhit|scanner",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    """Crawlers, link previews, scripts and headless browsers (by user agent); an empty
    user agent counts as a bot too."""
    return not user_agent.strip() or bool(BOT_AGENTS.search(user_agent))


def _bump(listing: Offer | Demand, column: str, day: dt.date | None = None) -> None:
    """Add one to today's ``column`` of the listing: one statement (an upsert on the
    (listing, day) unique constraint), whether or not the day's row exists yet."""
    kind = listing_kind(listing)
    day = day or timezone.localdate()
    table = ListingDailyCount._meta.db_table
    other = "interests" if column == "views" else "views"
    assert column in ("views", "interests")  # noqa: S101 — names below are not parameters
    sql = (
        f"INSERT INTO {table} ({kind}_id, day, {column}, {other}) VALUES (%s, %s, 1, 0) "  # noqa: S608
        f"ON CONFLICT ({kind}_id, day) DO UPDATE SET {column} = {table}.{column} + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [listing.pk, day])


def counts_as_view(listing: Offer | Demand, user: Any) -> bool:
    """Does a look at this listing's page by ``user`` count (published, and not by its owner's
    members or an officer)? Decided when the page is rendered and kept with cached copies of it
    (``exchange.middleware``), so a cached answer needs neither the user nor the listing."""
    if listing.status != ListingStatus.PUBLISHED:
        return False
    return not (
        getattr(user, "is_authenticated", False)
        and (listing.organization_id in organization_ids(user) or is_officer(user))
    )


def count_view(listing: Offer | Demand, user: Any, user_agent: str) -> bool:
    """Count one look at a published listing's page, unless made by its owner's members, an
    officer or a bot. Returns whether it counted."""
    if is_bot(user_agent or "") or not counts_as_view(listing, user):
        return False
    note_view(listing_kind(listing), listing.pk)
    return True


# Views are added up in each process and written together (one statement per listing and day,
# one transaction) at most every ``OPENSTX_VIEW_COUNT_FLUSH_SECONDS``: a listing page answered
# from the page cache then costs no database write, and SQLite's writers do not queue behind
# one another for every look. Reading the counts flushes this process's first; a process that
# ends flushes on its way out (``atexit``: a gunicorn worker recycled or stopped); one killed
# outright loses at most the last interval's views.
_views: dict[tuple[str, int, dt.date], int] = {}
_views_lock = threading.Lock()
_views_since: list[float] = []  # monotonic time of the oldest unwritten view (empty: none)


def note_view(kind: str, pk: int) -> None:
    """Add one view of listing ``kind``/``pk`` today (written by :func:`flush_views`)."""
    key = (kind, int(pk), timezone.localdate())
    with _views_lock:
        _views[key] = _views.get(key, 0) + 1
        if not _views_since:
            _views_since.append(time.monotonic())
    if _flush_seconds() <= 0:
        flush_views()


def _flush_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "OPENSTX_VIEW_COUNT_FLUSH_SECONDS", 2.0))


def flush_views_if_due() -> int:
    """:func:`flush_views` when the oldest unwritten view is older than the interval."""
    if _views_since and time.monotonic() - _views_since[0] >= _flush_seconds():
        return flush_views()
    return 0


def flush_views() -> int:
    """Write this process's unwritten views; returns how many. A listing deleted meanwhile is
    skipped. On a database error the views are kept for the next try."""
    with _views_lock:
        if not _views:
            return 0
        pending = dict(_views)
        _views.clear()
        _views_since.clear()
    table = ListingDailyCount._meta.db_table
    by_kind: dict[str, list[tuple[dt.date, int, int]]] = {}
    for (kind, pk, day), n in pending.items():
        by_kind.setdefault(kind, []).append((day, n, pk))
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for kind, rows in by_kind.items():
                listing_table = (Offer if kind == "offer" else Demand)._meta.db_table
                # table and column names come from the models, never from input
                cursor.executemany(
                    f"INSERT INTO {table} ({kind}_id, day, views, interests) "  # noqa: S608
                    f"SELECT id, %s, %s, 0 FROM {listing_table} WHERE id = %s "
                    f"ON CONFLICT ({kind}_id, day) DO UPDATE SET views = {table}.views + "
                    "excluded.views",
                    rows,
                )
    except DatabaseError:
        log.warning("listing views not written yet (kept for the next try)", exc_info=True)
        with _views_lock:
            for key, n in pending.items():
                _views[key] = _views.get(key, 0) + n
            if not _views_since:
                _views_since.append(time.monotonic())
        return 0
    return sum(pending.values())


def _flush_at_exit() -> None:
    try:
        flush_views()
    except Exception:  # the interpreter is going away: nothing else to do with them
        log.warning("listing views lost at exit", exc_info=True)


atexit.register(_flush_at_exit)


def count_interest(listing: Offer | Demand) -> None:
    """Count one sign of interest (a connection request about the listing)."""
    _bump(listing, "interests")


def counts(listing: Offer | Demand, *, days: int | None = None) -> dict[str, int]:
    """Total views and interest of a listing (over the last ``days`` days when given)."""
    flush_views()
    kind = listing_kind(listing)
    qs = ListingDailyCount.objects.filter(**{kind: listing})
    if days:
        qs = qs.filter(day__gt=timezone.localdate() - dt.timedelta(days=days))
    totals = qs.aggregate(views=Sum("views"), interests=Sum("interests"))
    return {k: v or 0 for k, v in totals.items()}


def counts_by_listing(kind: str, ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{listing id: {"views": n, "interests": n}}`` for many listings in one query."""
    flush_views()
    ids = list(ids)
    out = {pk: {"views": 0, "interests": 0} for pk in ids}
    rows = (
        ListingDailyCount.objects.filter(**{f"{kind}__in": ids})
        .values(kind)
        .annotate(views=Sum("views"), interests=Sum("interests"))
    )
    for row in rows:
        out[row[kind]] = {"views": row["views"] or 0, "interests": row["interests"] or 0}
    return out
