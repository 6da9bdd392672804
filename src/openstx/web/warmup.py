"""Work a web process does once, done before the workers fork (``gunicorn_conf.when_ready``).

Django compiles a template on first use and keeps it in the cached loader, and loads a
language's catalogue on first activation; the Redis cache backend imports redis-py on first use;
the e5 model loads on the first semantic search. In a fork of a warmed master all of them are
already there.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

#: Files under a template directory that are templates.
SUFFIXES = {".html", ".txt", ".xml", ".svg", ".js", ".json"}


def template_names() -> list[str]:
    """Every template name the Django engines can load (first directory wins, as in lookup)."""
    from django.template import engines

    names: list[str] = []
    seen: set[str] = set()
    for engine in engines.all():
        for directory in getattr(engine, "template_dirs", ()):
            root = Path(directory)
            for path in sorted(root.rglob("*")):
                if path.suffix in SUFFIXES and path.is_file():
                    name = path.relative_to(root).as_posix()
                    if name not in seen:
                        seen.add(name)
                        names.append(name)
    return names


def warm() -> str:
    """Compile every template and load every language's catalogue; says how many."""
    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.utils import translation

    compiled = failed = 0
    for name in template_names():
        try:
            get_template(name)
            compiled += 1
        except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError) as exc:
            # not a template after all (an asset under templates/), or one that fails: the
            # worker meets the same error when it renders it
            failed += 1
            log.debug("not precompiled: %s (%s)", name, exc)
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")
    clients = warm_caches()
    return (
        f"{compiled} templates compiled ({failed} skipped), {len(settings.LANGUAGES)} languages, "
        f"{clients} cache clients, {warm_encoder()}"
    )


def warm_encoder() -> str:
    """Load the e5 model before forking when search is semantic (every search and matching page
    may encode a query). The numpy engine takes ~0.75 s and ~130 MB to load: in each worker that
    was the first semantic search's wait again after every recycling, and one copy per worker.
    Loaded in the master, every fork has it at once and the weights' pages stay shared (they are
    never written)."""
    import time

    from openstx.matching import embeddings
    from openstx.search import semantic

    if not semantic.enabled():
        return "encoder not loaded (semantic search off)"
    start = time.perf_counter()
    try:
        embeddings.get_model()
    except Exception as exc:  # the workers load it on first use then, or search lexically
        log.warning("encoder not preloaded: %s", exc)
        return "encoder not loaded"
    return f"encoder {embeddings.current_engine()} loaded in {time.perf_counter() - start:.2f} s"


def warm_caches() -> int:
    """Build each cache's client without connecting: Django's Redis backend imports ``redis``
    (~0.23 s) on its first use, which was every recycled worker's first request (p99 at 32
    connections 300–900 ms on the production shape while workers recycled, 20–30 ms without).
    redis-py opens connections on the first command and a fork's pool starts afresh, so no
    connection is shared between workers."""
    from django.core.cache import caches

    built = 0
    for alias in caches:
        backend = caches[alias]
        if "_cache" in type(backend).__dict__:  # RedisCache: a lazily built client
            getattr(backend, "_cache")  # noqa: B009 - builds the client (a cached property)
            built += 1
    return built
