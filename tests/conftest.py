"""Shared fixtures. Tests run against real SQLite by default and real PostgreSQL when
DATABASE_URL points there (CI runs both)."""

from __future__ import annotations

import os

os.environ.setdefault(
    "OPENSTX_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)
# per-process cache in the suite (xdist workers share a data directory); the shared file and
# Redis caches are tested in tests/core/test_shared_cache.py
os.environ.setdefault("OPENSTX_CACHE_URL", "locmem://")


import pytest  # noqa: E402
from django.conf import settings as _settings  # noqa: E402

# The test database starts without the shipped code lists (``migrate`` would load ~3,400 rows
# into every test database); fixtures create the few codes they need, and
# tests/taxonomy/test_migrate_loads.py turns the loading on to test it.
_settings.OPENSTX_CODE_LISTS_ON_MIGRATE = False


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Anonymous page caching is tested on its own (tests/web/test_pagecache.py); elsewhere a
    cached copy from an earlier test would hide what the test just wrote."""
    from django.core.cache import caches

    settings.OPENSTX_PAGE_CACHE_SECONDS = 0
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture(autouse=True)
def _views_written_at_once(settings):
    """Listing views are summed per process and written every couple of seconds; a test's views
    are written at once inside its own transaction (tests of the summing set the interval), so
    none is left in the process for a later test whose listing may reuse the id."""
    from openstx.exchange.services import listings_posting

    settings.OPENSTX_VIEW_COUNT_FLUSH_SECONDS = 0
    yield
    with listings_posting._views_lock:
        listings_posting._views.clear()
        listings_posting._views_since.clear()


@pytest.fixture(autouse=True)
def _isolated_search_index(tmp_path, settings):
    """Every test gets its own search index directory and node name: the index is derived state
    on disk, and a shared one would carry records between tests and between xdist workers."""
    from openstx.search import synonyms

    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.SEARCH_NODE_NAME = f"test-node:{tmp_path.name}"
    settings.SEARCH_APPLY = ""
    synonyms.clear_cache()
    yield
    synonyms.clear_cache()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site language. Django leaves the language of the last request
    active in the thread, so an English request in one test would otherwise turn the next
    test's labels English (seen in CI: a workflow label came back "Screened")."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Django's default PBKDF2 (1,000,000 rounds) costs ~0.3 s per user on these machines and
    factories create users in almost every test; the hasher is Django's, not ours, so tests use
    the fast one (Django's own advice). PBKDF2 stays second, so hashes made with it still check."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
