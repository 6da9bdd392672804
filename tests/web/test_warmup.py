"""The gunicorn master compiles every template before forking, so a recycled worker starts warm
(#19: recycled workers compiling templates on their first requests made p99 spike)."""

from __future__ import annotations

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
    logged = []
    server = SimpleNamespace(
        log=SimpleNamespace(info=lambda *a: logged.append(a), warning=lambda *a: logged.append(a))
    )
    monkeypatch.setattr(gunicorn_conf, "preload_app", True)
    gunicorn_conf.when_ready(server)
    assert logged and logged[-1][0] == "warmed: %s" and "templates compiled" in logged[-1][1]
