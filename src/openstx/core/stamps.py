"""Version stamps in the shared cache: values that change whenever what they stand for changes,
seen by every process of the deployment (web workers, job workers, commands).

Cached things are stored with the stamps they were made at and served only while those are
current: page copies (the search outbox's position, the site-wide write stamp), shared
fragments, facet and category counts. A stamp the cache dropped (culled, evicted, flushed)
comes back as a new value, never as an earlier one, so nothing made before a change can become
current again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.core.cache import caches


def read_with(keys: Sequence[str], others: Sequence[str] = ()) -> tuple[list[str], dict[str, Any]]:
    """The current value of each stamp in ``keys``, and the cached values of ``others`` that
    exist (a page copy read with its stamps), in one cache round trip."""
    cache = caches["default"]
    got = cache.get_many([*keys, *others])
    values = []
    for key in keys:
        value = got.get(key)
        if value is None:
            cache.add(key, time.time_ns(), None)
            value = cache.get(key)
        values.append(str(value))
    return values, {k: got[k] for k in others if k in got}


def read(*keys: str) -> list[str]:
    """The current value of each stamp (one cache round trip)."""
    return read_with(keys)[0]


def advance(key: str) -> None:
    """Give the stamp a new value: everything stored with the old one is current no more."""
    caches["default"].set(key, time.time_ns(), None)
