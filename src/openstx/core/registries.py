"""One discovery for every per-app registry.

Each app contributes to the shared registries from modules with fixed names; this imports them
all once, when Django is ready, so no app's ``ready()`` has to remember to:

- ``<app>/policies.py``   — permission policies (``core.permissions.register``)
- ``<app>/search.py``     — what is indexed (``search.registry``)
- ``<app>/indicators.py`` — statistics and report indicators (``reports.registry``)
- ``<app>/importers.py``  — import/export KINDs (``core.importing``)

``<app>/demo.py`` modules are found the same way but imported only when ``openstx demo`` runs
(:func:`app_modules`), in ``INSTALLED_APPS`` order: apps depend downward, so that is the order
their demo records can refer to each other in.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

MODULES: tuple[str, ...] = ("policies", "search", "indicators", "importers")


def autodiscover() -> None:
    for name in MODULES:
        autodiscover_modules(name)


def app_modules(name: str, *, exclude: tuple[str, ...] = ()) -> list[ModuleType]:
    """``<app>.<name>`` of every installed OpenSTX app that has one, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("openstx.") or config.name in exclude:
            continue
        dotted = f"{config.name}.{name}"
        if importlib.util.find_spec(dotted) is not None:
            found.append(importlib.import_module(dotted))
    return found
