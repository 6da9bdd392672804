"""Pick an organisation, an expert, a task, an offer… by typing instead of scrolling a dropdown.

A ``<select>`` of every organisation renders all rows into every form: with 20,000
organisations the offer form was 1.4 MB. :class:`IdentField` is a text input that takes the
record's ``external_id`` or platform id (``core.lookup.find_by_ident``, the same rule as the CLI
and the API) and is validated on the server against what the user may see
(``core.permissions.restrict``); as the user types, htmx asks :func:`lookup` (URL
``/lookup/<kind>/``, name ``web:lookup``) for at most :data:`LIMIT` suggestions shown in a
``<datalist>``. :class:`MultiIdentField` is the same for several records (co-authors, team
members): one input per record and an "add another" button that asks the server for one more
input (no script of ours: the Content-Security-Policy allows none inline).

Kinds are declared in :data:`LOOKUPS` (``register()`` adds one); forms call :func:`bind_user`
so their fields know whose visibility applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openstx.core.lookup import find_by_ident
from openstx.core.permissions import VIEW, restrict
from openstx.core.text import clean, fold

LIMIT = 20
#: Inputs a multi-value field renders at most (the "add another" button stops there).
MULTI_MAX = 50


@dataclass(frozen=True)
class Lookup:
    """How one kind of record is found: ``search_fields`` in the database (codes, numbers,
    words typed with their accents), ``folded_field`` (accent-free text, "giang" finds
    "Giang"), then the search index's type-ahead for ``index_type``."""

    model_path: str
    search_fields: tuple[str, ...]
    index_type: str = ""
    folded_field: str = ""

    @property
    def model(self) -> Any:
        from django.apps import apps

        return apps.get_model(self.model_path)

    def queryset(self, user: Any) -> QuerySet:
        return restrict(self.model.objects.all(), user, VIEW)

    def search(self, user: Any, text: str, queryset: QuerySet | None = None) -> list[Any]:
        text = clean(text)
        if not text:
            return []
        qs = self.queryset(user) if queryset is None else queryset
        q = Q()
        for name in self.search_fields:
            q |= Q(**{f"{name}__icontains": text})
        if self.folded_field:
            words = fold(text).split()[:5]
            if words:
                folded = Q()
                for word in words:
                    folded &= Q(**{f"{self.folded_field}__contains": word})
                q |= folded
        if text.isdigit():
            q |= Q(pk=int(text))
        found = list(qs.filter(q).order_by("-pk")[:LIMIT])
        if len(found) < LIMIT and self.index_type:
            seen = {obj.pk for obj in found}
            more = [pk for pk in self._indexed(user, text) if pk not in seen]
            by_pk = qs.in_bulk(more[: LIMIT - len(found)])  # the policy applies again here
            found += [by_pk[pk] for pk in more if pk in by_pk]
        return found[:LIMIT]

    def _indexed(self, user: Any, text: str) -> list[int]:
        from openstx.search import service

        try:
            hits = service.suggest(text, user=user, limit=LIMIT, types=[self.index_type])
        except Exception:  # noqa: BLE001 - suggestions are a convenience; the database answered
            return []
        return [int(h["id"]) for h in hits if str(h.get("id", "")).isdigit()]


LOOKUPS: dict[str, Lookup] = {
    "organization": Lookup(
        "directory.Organization",
        ("name", "short_name", "external_id", "tax_code"),
        "organization",
        folded_field="search_folded",
    ),
    "expert": Lookup(
        "directory.Expert",
        ("full_name", "external_id", "orcid"),
        "expert",
        folded_field="search_folded",
    ),
    "task": Lookup("projects.Task", ("code", "title", "external_id"), "task"),
    "offer": Lookup("exchange.Offer", ("title", "external_id"), "offer"),
    "ip": Lookup(
        "ipr.IPRecord",
        ("title", "application_number", "certificate_number", "external_id"),
        "ip",
    ),
}


def register(kind: str, lookup: Lookup) -> None:
    """Declare another kind of record that forms may pick by typing."""
    LOOKUPS[kind] = lookup


def ident_of(obj: Any) -> str:
    """What the input shows for a record: its external id, else its platform id."""
    return str(getattr(obj, "external_id", None) or obj.pk)


def label_of(obj: Any) -> str:
    number = getattr(obj, "application_number", "") or getattr(obj, "code", "") or ""
    text = f"{obj} ({number})" if number and number not in str(obj) else str(obj)
    return f"#{obj.pk} {text}"[:200]


def _parse(text: str) -> str:
    text = clean(str(text))
    if text.startswith("#"):  # a picked suggestion's label: "#12 title"
        text = text[1:].split(" ", 1)[0]
    return text


def _display(kind: str, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return ident_of(value)
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        obj = LOOKUPS[kind].model.objects.filter(pk=int(value)).first()
        if obj is not None:
            return ident_of(obj)
    return str(value)


class LookupInput(forms.TextInput):
    """A text input with a datalist that htmx refills from the lookup endpoint as one types."""

    template_name = "core/includes/typeahead_input.html"

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None):
        self.kind = kind
        super().__init__(attrs={"autocomplete": "off", "size": 40, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        return _display(self.kind, value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["list_id"] = f"{widget['attrs'].get('id') or name}-options"
        widget["lookup_url"] = reverse("web:lookup", args=[self.kind])
        return context


class MultiLookupInput(forms.Widget):
    """Several :class:`LookupInput`s under one name, plus an "add another" button."""

    template_name = "core/includes/typeahead_multi.html"

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None):
        self.kind = kind
        super().__init__(attrs=attrs)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        getter = getattr(data, "getlist", None)
        values = getter(name) if getter else data.get(name, [])
        if isinstance(values, str):
            values = [values]
        out: list[str] = []
        for value in values or []:
            # one input may also hold several ids separated by commas or semicolons
            out += [v.strip() for v in str(value).replace(";", ",").split(",") if v.strip()]
        return out

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data

    def format_value(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, QuerySet):
            value = list(value)
        if not isinstance(value, list | tuple):
            value = [value]
        return [v for v in (_display(self.kind, item) for item in value) if v]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        base_id = widget["attrs"].get("id") or name
        values = widget["value"] or []
        widget["rows"] = [
            {"id": f"{base_id}_{i}", "value": v, "list_id": f"{base_id}_{i}-options"}
            for i, v in enumerate([*values, ""])
        ]
        widget["lookup_url"] = reverse("web:lookup", args=[self.kind])
        widget["next"] = len(values) + 1
        widget["base_id"] = base_id
        return context


class IdentField(forms.Field):
    """A record named by its ``external_id`` or id, among those ``user`` may see (or among
    ``queryset`` when the form narrows the choice further, e.g. the user's own organisations)."""

    default_error_messages = {
        "unknown": _("No record with the id or external id “%(value)s” that you may see."),
    }

    def __init__(
        self, kind: str, *args: Any, queryset: QuerySet | None = None, **kwargs: Any
    ) -> None:
        self.kind = kind
        self.user: Any = None
        self.queryset = queryset
        kwargs.setdefault("widget", LookupInput(kind))
        kwargs.setdefault(
            "help_text", _("Type an id, an external id or words of the name to search.")
        )
        super().__init__(*args, **kwargs)

    def choices_queryset(self) -> QuerySet:
        visible = LOOKUPS[self.kind].queryset(self.user)
        if self.queryset is not None:
            return visible.filter(pk__in=self.queryset.values("pk"))
        return visible

    def prepare_value(self, value: Any) -> Any:
        return value

    def _resolve(self, text: str) -> Any:
        obj = find_by_ident(self.choices_queryset(), text)
        if obj is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": text}
            )
        return obj

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if hasattr(value, "pk"):
            return value
        text = _parse(value)
        return self._resolve(text) if text else None

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial_ident = _display(self.kind, initial) or ""
        return initial_ident != str(data or "")


class MultiIdentField(IdentField):
    """Several records by id or external id; cleans to a list (a ModelForm's many-to-many)."""

    default_error_messages = {
        "unknown": _("No record with the id or external id “%(value)s” that you may see."),
        "too_many": _("At most %(max)s entries."),
    }

    def __init__(self, kind: str, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiLookupInput(kind))
        super().__init__(kind, *args, **kwargs)

    def to_python(self, value: Any) -> list[Any]:
        if value in (None, ""):
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        if len(value) > MULTI_MAX:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": MULTI_MAX}
            )
        found: list[Any] = []
        errors: list[forms.ValidationError] = []
        for item in value:
            if hasattr(item, "pk"):
                found.append(item)
                continue
            text = _parse(item)
            if not text:
                continue
            try:
                obj = self._resolve(text)
            except forms.ValidationError as exc:
                errors.append(exc)
                continue
            if obj not in found:
                found.append(obj)
        if errors:
            raise forms.ValidationError(errors)
        return found

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial: Any, data: Any) -> bool:
        before = MultiLookupInput(self.kind).format_value(initial)
        after = [str(v) for v in (data or [])]
        return sorted(before) != sorted(after)


def use_typeahead(
    form: forms.BaseForm,
    name: str,
    kind: str,
    user: Any,
    queryset: QuerySet | None = None,
    *,
    multiple: bool = False,
    select_up_to: int = 0,
) -> forms.Field:
    """Turn ``form``'s chooser ``name`` (a ModelChoiceField or ModelMultipleChoiceField) into a
    type-ahead of ``kind``, keeping its label and whether it is required. ``queryset`` narrows
    the choice below what ``user`` may see. With ``select_up_to``, a choice of at most that many
    records stays a ``<select>`` (a member picking among their own two organisations)."""
    old = form.fields[name]
    if select_up_to and queryset is not None:
        few = list(queryset[: select_up_to + 1])
        if len(few) <= select_up_to:
            old.queryset = queryset  # type: ignore[attr-defined]
            return old
    cls = MultiIdentField if multiple else IdentField
    kwargs: dict[str, Any] = {"queryset": queryset, "required": old.required, "label": old.label}
    if old.help_text:
        kwargs["help_text"] = old.help_text
    field = cls(kind, **kwargs)
    field.user = user
    field.initial = old.initial
    form.fields[name] = field
    return field


def bind_user(form: forms.BaseForm, user: Any) -> None:
    """Tell every :class:`IdentField` of ``form`` whose records it may offer."""
    for field in form.fields.values():
        if isinstance(field, IdentField):
            field.user = user


def lookup(request: HttpRequest, kind: str) -> HttpResponse:
    """Suggestions for an :class:`IdentField` (``<option>`` elements), or with ``add=<name>``
    one more input of a :class:`MultiIdentField`."""
    if kind not in LOOKUPS:
        raise Http404
    add = request.GET.get("add")
    if add:
        try:
            index = min(int(request.GET.get("n") or 0), MULTI_MAX)
        except ValueError:
            index = 0
        base = clean(request.GET.get("id") or add)[:100]
        return render(
            request,
            "core/includes/typeahead_row.html",
            {
                "name": clean(add)[:100],
                "row": {"id": f"{base}_{index}", "value": "", "list_id": f"{base}_{index}-options"},
                "lookup_url": reverse("web:lookup", args=[kind]),
                "next": index + 1,
                "base_id": base,
                "more": index + 1 < MULTI_MAX,
            },
        )
    # the first other non-empty parameter (QueryDict[key] is its last value, as .items() gives)
    text = request.GET.get("q") or next(
        (request.GET[k] for k in request.GET if request.GET[k] and k not in ("add", "n", "id")),
        "",
    )
    options = [
        {"ident": ident_of(obj), "label": label_of(obj)}
        for obj in LOOKUPS[kind].search(request.user, text)
    ]
    return render(request, "core/includes/typeahead_options.html", {"options": options})


def options_count(html: str | bytes) -> int:
    """How many ``<option`` elements a rendered page holds (tests keep forms small with it)."""
    if isinstance(html, bytes):
        html = html.decode()
    return html.count("<option")


def idents(objs: Iterable[Any]) -> list[str]:
    return [ident_of(o) for o in objs]
