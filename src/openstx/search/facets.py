"""Human labels for facet values (codes and ids in the index, names on the page).

A type labels its ``kind`` facet values with ``SearchSpec.kind_labels``. Apps may add or
replace a labeller for another facet: ``facets.register_labeller(name, fn)`` where
``fn(values: list[str]) -> dict[str, str]``. The defaults read the taxonomy and directory
through the app registry, so the search app imports no domain app.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.utils.translation import gettext as _

Labeller = Callable[[list[str]], dict[str, str]]
_labellers: dict[str, Labeller] = {}


def register_labeller(name: str, fn: Labeller) -> None:
    _labellers[name] = fn


def labels(name: str, values: list[str]) -> dict[str, str]:
    if not values:
        return {}
    fn = _labellers.get(name) or _DEFAULTS.get(name)
    if fn is None:
        return {}
    try:
        return fn(values)
    except Exception:  # a missing table or model must not break the results page
        return {}


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _fields(values: list[str]) -> dict[str, str]:
    model = _model("taxonomy.FieldOfScience")
    if model is None:
        return {}
    return {f.code: f"{f.code} {f.name}" for f in model.objects.filter(code__in=values)}


def _orgs(values: list[str]) -> dict[str, str]:
    model = _model("directory.Organization")
    ids = [int(v) for v in values if v.isdigit()]
    if model is None or not ids:
        return {}
    return {
        str(pk): short or name
        for pk, name, short in model.objects.filter(pk__in=ids).values_list(
            "pk", "name", "short_name"
        )
    }


def _regions(values: list[str]) -> dict[str, str]:
    model = _model("taxonomy.AdministrativeUnit")
    if model is None:
        return {}
    return dict(model.objects.filter(code__in=values).values_list("code", "name"))


def _trl(values: list[str]) -> dict[str, str]:
    return {v: f"TRL {v}" for v in values}


def _types(values: list[str]) -> dict[str, str]:
    from openstx.search import registry

    out = {}
    for v in values:
        spec = registry.get(v)
        out[v] = spec.label_text if spec else v
    return out


def _kinds(values: list[str]) -> dict[str, str]:
    """Each type's ``SearchSpec.kind_labels``; the first type that names a value labels it."""
    from openstx.search import registry

    out: dict[str, str] = {}
    for spec in registry.specs():
        for value in values:
            if value not in out and value in spec.kind_labels:
                out[value] = str(spec.kind_labels[value])
    return out


_DEFAULTS: dict[str, Labeller] = {
    "kind": _kinds,
    "field": _fields,
    "org": _orgs,
    "region": _regions,
    "trl": _trl,
    "type": _types,
}

FACET_TITLES = {
    "type": lambda: _("Type"),
    "field": lambda: _("Field of science"),
    "year": lambda: _("Year"),
    "org": lambda: _("Organisation"),
    "trl": lambda: _("Technology readiness"),
    "region": lambda: _("Province / city"),
    "kind": lambda: _("Kind"),
}
