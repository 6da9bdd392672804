"""One discovery for every per-app registry.

Each app contributes to the shared registries from modules with fixed names; this imports them
all once, when Django is ready, so no app's ``ready()`` has to remember to:

- ``<app>/policies.py``   — permission policies (``core.permissions.register``)
- ``<app>/search.py``     — what is indexed (``search.registry``)
- ``<app>/indicators.py`` — statistics and report indicators (``reports.registry``)
- ``<app>/importers.py``  — import/export KINDs (``core.importing``)
"""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules

MODULES: tuple[str, ...] = ("policies", "search", "indicators", "importers")


def autodiscover() -> None:
    for name in MODULES:
        autodiscover_modules(name)
