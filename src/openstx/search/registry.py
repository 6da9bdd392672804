"""What each app contributes to the one search index.

An app declares, in its own ``search.py``, one :class:`SearchSpec` per searchable model::

    from openstx.search.registry import BODY, SUMMARY, TITLE, SearchSpec, register

    @register
    class OfferSearch(SearchSpec):
        model = TechnologyOffer
        type = "offer"                       # the result type (tabs, ``type:`` filter, CLI --type)
        label = _("Technology offers")
        fields = {                           # attribute / spec method / callable -> weight tier
            "title": TITLE,
            "summary": SUMMARY,
            "keywords": SUMMARY,
            "description": BODY,
        }

        def queryset(self):                  # what ``reindex`` walks (select/prefetch here)
            return TechnologyOffer.objects.select_related("owner").prefetch_related("fields")

        def should_index(self, obj):          # False -> removed from the index
            return obj.status in ("published", "paused")

        def scope(self, obj):                 # who may see it (see SCOPES below)
            return "public" if obj.status == "published" else [f"org:{obj.owner_id}", "staff"]

        def facets(self, obj):
            return {"field": field_codes(obj.fields.all()), "trl": obj.trl,
                    "org": obj.owner_id, "kind": obj.kind, "year": obj.created_at.year}

The app module ``<app>.search`` is imported when Django starts (``SearchConfig.ready``). For
every registered model, ``post_save``/``post_delete`` and ``m2m_changed`` of its many-to-many
fields write an outbox row automatically (see :mod:`openstx.search.outbox`); bulk operations that
skip signals must call ``outbox.record_changes(model, pks)`` themselves.

Scopes: each document carries one or more scope strings; a viewer sees a document when one of
its scopes is among the viewer's (:func:`openstx.search.access.scopes_for`):

- ``"public"`` — everybody, anonymous included;
- ``"members"`` — any signed-in user;
- ``"org:<id>"`` — approved members of organisation ``<id>``;
- ``"user:<id>"`` — that user only (e.g. an owner's draft);
- ``"staff"`` — department officers (and administrators);
- ``"restricted"`` — administrators only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

#: Weight tiers. A field's weight picks the index field it goes to (title ≫ summary ≫ body);
#: within a tier BM25 does the rest. Any number may be given: >= TITLE -> title tier,
#: >= SUMMARY -> summary tier, else body.
TITLE = 8.0
SUMMARY = 3.0
BODY = 1.0

#: Facets every type may fill. Values: str/int or a list of them. ``field`` takes codes of
#: fields of science (give ancestors too: ``FieldOfScience.ancestor_codes()``), ``org`` an
#: organisation id, ``region`` an administrative-unit code, ``trl`` 1–9, ``kind`` a free code
#: of the type, ``year`` an int.
FACETS = ("field", "year", "org", "trl", "region", "kind")

SCOPES = ("public", "members", "staff", "restricted")  # plus "org:<id>", "user:<id>"


def tier_of(weight: float) -> str:
    if weight >= TITLE:
        return "title"
    if weight >= SUMMARY:
        return "summary"
    return "body"


class SearchSpec:
    """How one model becomes a search document. Subclass, set the attributes, ``@register``."""

    model: type[models.Model]
    type: str = ""
    label: Any = ""
    #: source -> weight. A source is a model attribute (dotted paths allowed: "owner.name"),
    #: the name of a method on the spec taking ``obj``, or a callable ``obj -> str | list``.
    fields: dict[str | Callable[[Any], Any], float] = {}
    #: related models whose change must re-index records of this type:
    #: ``{"directory.Organization": lambda org: org.experts.all()}``
    dependents: dict[str, Callable[[Any], Iterable[Any]]] = {}
    #: Labels of this type's ``kind`` facet values: ``{"equipment": _("Equipment")}``
    #: (a model's ``TextChoices`` works: ``dict(Offer.Kind.choices)``).
    kind_labels: dict[str, Any] = {}
    #: Max characters kept per tier (a 300-page report is cut; the index is not an archive).
    max_chars = {"title": 1_000, "summary": 10_000, "body": 200_000}
    #: Take part in semantic recall when the matching store holds vectors for this model.
    semantic: bool = True

    # --- to override --------------------------------------------------------------------
    def queryset(self) -> models.QuerySet:
        """All candidate rows (``should_index`` still filters); add select/prefetch_related."""
        return self.model._default_manager.all()

    def should_index(self, obj: Any) -> bool:
        return True

    def title(self, obj: Any) -> str:
        return str(obj)

    def scope(self, obj: Any) -> str | list[str]:
        """Who may see the document: the model's policy says (``Policy.search_scopes``), so
        search never restates a permission rule."""
        from openstx.core.permissions import policy_for

        return policy_for(self.model).search_scopes(obj)

    def facets(self, obj: Any) -> dict[str, Any]:
        return {}

    def url(self, obj: Any) -> str:
        get = getattr(obj, "get_absolute_url", None)
        return get() if callable(get) else ""

    def external_id(self, obj: Any) -> str:
        return getattr(obj, "external_id", None) or ""

    def date(self, obj: Any) -> dt.datetime | dt.date | None:
        """Date used by ``sort=date`` (newest first) and the default ``year`` facet."""
        return getattr(obj, "updated_at", None) or getattr(obj, "created_at", None)

    def bench_record(self, i: int, doc: dict[str, Any]) -> models.Model | None:
        """Optional: an unsaved instance from a synthetic ``doc`` (title, summary, body, year,
        keywords) for ``openstx bench search``. Return None if the type cannot be benchmarked."""
        return None

    # --- used by the index ---------------------------------------------------------------
    def text(self, obj: Any) -> dict[str, list[str]]:
        """Tier -> list of text values, from ``fields``."""
        out: dict[str, list[str]] = {"title": [], "summary": [], "body": []}
        for source, weight in self.fields.items():
            value = self._value(obj, source)
            for item in _as_list(value):
                if item is None or item == "":
                    continue
                out[tier_of(weight)].append(str(item))
        return out

    def _value(self, obj: Any, source: Any) -> Any:
        if callable(source):
            return source(obj)
        method = getattr(self, source, None) if isinstance(source, str) else None
        if callable(method) and source not in ("type", "label", "model"):
            return method(obj)
        value: Any = obj
        for part in str(source).split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        if callable(value):
            value = value()
        return value

    @property
    def label_text(self) -> str:
        return str(self.label or self.model._meta.verbose_name_plural)

    def __repr__(self) -> str:
        return f"<SearchSpec {self.type} {self.model._meta.label}>"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return list(value)
    if isinstance(value, models.QuerySet | models.Manager):
        return [str(v) for v in (value.all() if isinstance(value, models.Manager) else value)]
    return [value]


_by_type: dict[str, SearchSpec] = {}
_by_model: dict[str, SearchSpec] = {}


def register(spec_cls: type[SearchSpec]) -> type[SearchSpec]:
    """Class decorator registering a spec (one per model; re-registering replaces it)."""
    spec = spec_cls()
    if not spec.type or not getattr(spec, "model", None):
        raise ValueError(f"{spec_cls.__name__} needs `type` and `model`")
    if not spec.type.isidentifier():
        raise ValueError(f"search type must be an identifier: {spec.type!r}")
    _by_type[spec.type] = spec
    _by_model[spec.model._meta.label_lower] = spec
    from openstx.search import outbox

    outbox.connect_signals(spec)
    return spec_cls


def unregister(type_name: str) -> None:
    spec = _by_type.pop(type_name, None)
    if spec is not None:
        _by_model.pop(spec.model._meta.label_lower, None)
        from openstx.search import outbox

        outbox.disconnect_signals(spec)


def specs() -> list[SearchSpec]:
    return list(_by_type.values())


def types() -> list[str]:
    return list(_by_type)


def get(type_name: str) -> SearchSpec | None:
    return _by_type.get(type_name)


def for_model(model: type[models.Model] | str) -> SearchSpec | None:
    label = model if isinstance(model, str) else model._meta.label_lower
    return _by_model.get(label.lower())


def dependents_of(label_lower: str) -> list[tuple[SearchSpec, Callable[[Any], Iterable[Any]]]]:
    out = []
    for spec in _by_type.values():
        for dep_label, fn in spec.dependents.items():
            if dep_label.lower() == label_lower:
                out.append((spec, fn))
    return out
