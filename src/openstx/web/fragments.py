"""Viewer-independent fragments of signed-in pages, rendered once and shared (issue #19).

The whole-page caches (``web.pagecache``) help the anonymous visitor and a signed-in person's
second look; the first look of each signed-in person, and every look after a write, renders the
page. The parts of those pages that are the same for every viewer are kept here, rendered once
per language and per *data version* and shared by all viewers:

- the statistics page's indicator tables and charts (``reports.views.statistics``): computed from
  the whole database, the same for everyone;
- the cards of offers and demands (``exchange/_listing_card.html``): keyed on the listing's own
  ``updated_at`` as well, with what depends on the viewer (an anonymous demand's requester, the
  "yours" mark) kept outside the cached part.

A fragment never holds anything that depends on who looks at it unless its key says who.

``data_version()`` changes with every committed change to an indexed record (the search-outbox
position), after every successful write request (``pagecache.note_write``) and after any
saved or deleted row of any model from any process (``connect_signals``: post_save/post_delete
and the bulk writers' ``records_written``, on commit), so a fragment is never shown after the
data it was made from changed. What changes a row without any of these (a queryset
``update()`` from a background job) shows within ``OPENSTX_FRAGMENT_CACHE_SECONDS`` (300; 0
turns the fragments off).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import translation

from openstx.core import stamps

DATA_KEY = "fragments:data"
#: models whose rows change often and never show in a shared fragment
IGNORED = frozenset(
    {
        "sessions.session",
        "core.job",
        "core.notification",
        "search.outboxentry",
        "admin.logentry",
        "exchange.listingdailycount",
    }
)


def seconds() -> int:
    return int(getattr(settings, "OPENSTX_FRAGMENT_CACHE_SECONDS", 0) or 0)


def note_change() -> None:
    """Make every shared fragment current no more (after a commit that changed rows)."""
    stamps.advance(DATA_KEY)


def data_version() -> str:
    """Changes whenever the data a shared fragment may show changes (see the module): the search
    outbox's position, the site-wide write stamp and this module's own, in one cache round trip."""
    from openstx.search.outbox import POSITION_KEY
    from openstx.web.pagecache import WRITES_KEY

    return ".".join(stamps.read(POSITION_KEY, WRITES_KEY, DATA_KEY))


def key(*parts: Any) -> str:
    """A cache key for a fragment: the parts plus the active language."""
    raw = "|".join(str(p) for p in (*parts, translation.get_language() or ""))
    return "fragment:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(fragment_key: str, render: Callable[[], str]) -> str:
    """The fragment stored under ``fragment_key``, rendered by ``render()`` when missing."""
    lifetime = seconds()
    if not lifetime:
        return render()
    cache = caches["default"]
    html = cache.get(fragment_key)
    if html is None:
        html = render()
        cache.set(fragment_key, str(html), lifetime)
    return str(html)


def _changed(sender: Any, **kwargs: Any) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.label_lower in IGNORED or meta.label_lower.startswith("historical"):
        return
    if meta.model_name.startswith("historical"):
        return
    if kwargs.get("update_fields") and set(kwargs["update_fields"]) <= {"last_login"}:
        return  # a sign-in
    # now (so a reader inside the same transaction, or a test's, never gets the old fragment)
    # and again after the commit (a fragment rendered by another process between the two was
    # made from the data before the commit)
    note_change()
    transaction.on_commit(note_change)


def connect_signals() -> None:
    """Any row saved or deleted, by any process, drops the shared fragments on commit
    (called from ``WebConfig.ready``)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from openstx.core.derived import records_written

    for signal in (post_save, post_delete, m2m_changed, records_written):
        signal.connect(_changed, dispatch_uid=f"fragments-{id(signal)}")
