"""The gunicorn master compiles every template before forking, so a recycled worker starts warm
(#19: recycled workers compiling templates on their first requests made p99 spike)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from django.template import engines

from openstx import gunicorn_conf
from openstx.web.warmup import template_names, warm


def _cached() -> set[str]:
    engine = engines["django"].engine
    names = set()
    for loader in engine.template_loaders:
        for key in getattr(loader, "get_template_cache", {}):
            names.add(key)
    return names


def test_every_template_is_compiled_into_the_cached_loader():
    names = template_names()
    assert "base.html" in names and "404.html" in names
    assert any(n.startswith("exchange/") for n in names)
    assert len(names) == len(set(names))
    engine = engines["django"].engine
    for loader in engine.template_loaders:
        loader.reset()
    summary = warm()
    assert f"{len(names)} templates compiled (0 skipped)" in summary
    assert {"base.html", "404.html"} <= _cached()


def test_the_master_warms_before_forking(monkeypatch):
    frozen = []
    monkeypatch.setattr(gunicorn_conf.gc, "freeze", lambda: frozen.append(True))
    logged = []
    server = SimpleNamespace(
        log=SimpleNamespace(info=lambda *a: logged.append(a), warning=lambda *a: logged.append(a))
    )
    monkeypatch.setattr(gunicorn_conf, "preload_app", True)
    gunicorn_conf.when_ready(server)
    assert logged and logged[-1][0] == "warmed: %s" and "templates compiled" in logged[-1][1]
    assert frozen == [True]  # a recycled worker's exit no longer walks the inherited heap


def test_cache_clients_are_built_in_the_master_without_connecting(settings):
    """Django's Redis backend imports redis-py on first use (~0.2 s, every recycled worker's
    first request); warming builds the client, and opens no connection a fork would share
    (the port below has no server: a connection attempt would fail)."""
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "warm": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    from openstx.web.warmup import warm_caches

    assert warm_caches() == 1
    assert "redis" in sys.modules
    assert caches["warm"]._cache._pools == {}  # pools, hence connections, come with commands


def test_the_encoder_is_loaded_before_forking_when_search_is_semantic(settings):
    """Every search and matching page may encode a query: a fork of the master has the model
    (the numpy engine loads in ~0.75 s), instead of each recycled worker loading its own."""
    from openstx.matching import embeddings
    from openstx.web.warmup import warm_encoder

    settings.SEARCH_SEMANTIC = "0"
    assert warm_encoder() == "encoder not loaded (semantic search off)"
    settings.SEARCH_SEMANTIC = "1"
    assert warm_encoder().startswith(f"encoder {embeddings.current_engine()} loaded in")
    assert embeddings.current_engine() in embeddings._models
