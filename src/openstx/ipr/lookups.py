"""Pick a task, an offer or an IP record by typing instead of scrolling a dropdown.

A ``<select>`` of every task or offer renders all rows into every form; at ten times today's
data that is megabytes per page. :class:`IdentField` is a text input that takes the record's
``external_id`` or platform id (``core.lookup.find_by_ident``, the same rule as the CLI and the
API), validated on the server against what the user may see; as the user types, htmx asks
:func:`openstx.ipr.views.lookup` for at most :data:`LIMIT` suggestions shown in a
``<datalist>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openstx.core.lookup import find_by_ident
from openstx.core.permissions import VIEW, restrict
from openstx.core.text import clean

LIMIT = 20


@dataclass(frozen=True)
class Lookup:
    """How one kind of record is found: ``search_fields`` in the database (codes, numbers,
    words typed with their accents), then the search index's type-ahead for ``index_type``
    (titles typed without accents: "lua thom" finds "lúa thơm")."""

    model_path: str
    search_fields: tuple[str, ...]
    index_type: str

    @property
    def model(self) -> Any:
        from django.apps import apps

        return apps.get_model(self.model_path)

    def queryset(self, user: Any) -> QuerySet:
        return restrict(self.model.objects.all(), user, VIEW)

    def search(self, user: Any, text: str) -> list[Any]:
        text = clean(text)
        if not text:
            return []
        qs = self.queryset(user)
        q = Q()
        for name in self.search_fields:
            q |= Q(**{f"{name}__icontains": text})
        if text.isdigit():
            q |= Q(pk=int(text))
        found = list(qs.filter(q).order_by("-pk")[:LIMIT])
        if len(found) < LIMIT:
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
        "directory.Organization", ("name", "short_name", "external_id"), "organization"
    ),
    "task": Lookup("projects.Task", ("code", "title", "external_id"), "task"),
    "offer": Lookup("exchange.Offer", ("title", "external_id"), "offer"),
    "ip": Lookup(
        "ipr.IPRecord",
        ("title", "application_number", "certificate_number", "external_id"),
        "ip",
    ),
}


def ident_of(obj: Any) -> str:
    """What the input shows for a record: its external id, else its platform id."""
    return str(getattr(obj, "external_id", None) or obj.pk)


def label_of(obj: Any) -> str:
    number = getattr(obj, "application_number", "") or ""
    text = f"{obj} ({number})" if number else str(obj)
    return f"#{obj.pk} {text}"[:200]


class LookupInput(forms.TextInput):
    """A text input with a datalist that htmx refills from the lookup endpoint as one types."""

    template_name = "ipr/includes/lookup_input.html"

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None):
        self.kind = kind
        super().__init__(attrs={"autocomplete": "off", "size": 40, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if hasattr(value, "pk"):
            return ident_of(value)
        model = LOOKUPS[self.kind].model
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            obj = model.objects.filter(pk=int(value)).first()
            if obj is not None:
                return ident_of(obj)
        return str(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["list_id"] = f"{widget['attrs'].get('id') or name}-options"
        widget["lookup_url"] = reverse("ipr:lookup", args=[self.kind])
        return context


class IdentField(forms.Field):
    """A record named by its ``external_id`` or id, among those ``user`` may see."""

    default_error_messages = {
        "unknown": _("No record with the id or external id “%(value)s” that you may see."),
    }

    def __init__(self, kind: str, *args: Any, **kwargs: Any):
        self.kind = kind
        self.user: Any = None
        kwargs.setdefault("widget", LookupInput(kind))
        kwargs.setdefault(
            "help_text", _("Type an id, an external id or words of the title to search.")
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if hasattr(value, "pk"):
            return value
        text = clean(str(value))
        if not text:
            return None
        if text.startswith("#"):  # a picked suggestion's label: "#12 title"
            text = text[1:].split(" ", 1)[0]
        obj = find_by_ident(LOOKUPS[self.kind].queryset(self.user), text)
        if obj is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": text}
            )
        return obj

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial_ident = ident_of(initial) if hasattr(initial, "pk") else str(initial or "")
        return initial_ident != str(data or "")


def bind_user(form: forms.BaseForm, user: Any) -> None:
    """Tell every :class:`IdentField` of ``form`` whose records it may offer."""
    for field in form.fields.values():
        if isinstance(field, IdentField):
            field.user = user
