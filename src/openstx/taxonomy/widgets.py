"""Choosing fields of science: a searchable tree instead of a raw multi-select of codes.

:class:`FieldOfScienceWidget` renders a ``<select multiple>`` grouped by top-level field (it
works without JavaScript) whose options carry each field's path in the hierarchy and a folded
search text in both languages (``core.text.fold``: accents stripped, ``đ`` → ``d``). The static
script ``taxonomy/fos-picker.js`` turns it into a type-ahead with the hierarchy shown and the
chosen fields as removable chips; the ``<select>`` stays the form's value. Forms call
:func:`use_fields_of_science` on a ``ModelMultipleChoiceField`` of ``FieldOfScience``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language

from openstx.core.text import fold


def _name(f: Any, lang: str) -> str:
    return (f.name_en if lang.startswith("en") and f.name_en else f.name_vi) or f.code


class FieldOfScienceWidget(forms.SelectMultiple):
    template_name = "taxonomy/widgets/fos_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"size": 10, **(attrs or {})})

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None):
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:  # plain choices: Django's own rendering
            return super().optgroups(name, value, attrs)
        lang = get_language() or "vi"
        rows = list(queryset.order_by("code"))
        by_id = {f.pk: f for f in rows}
        selected = {str(v) for v in value}
        groups: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        for index, f in enumerate(rows):
            chain = [f]
            while chain[-1].parent_id and chain[-1].parent_id in by_id:
                chain.append(by_id[chain[-1].parent_id])
            chain.reverse()  # most general first
            top = chain[0]
            path = " › ".join(_name(a, lang) for a in chain[1:-1])
            search = fold(
                " ".join([f.code] + [a.name_vi for a in chain] + [a.name_en or "" for a in chain])
            )
            label = f"{path} › {_name(f, lang)}" if path else _name(f, lang)
            if f is top:
                label = _name(f, lang)
            option = self.create_option(
                name, str(f.pk), label, str(f.pk) in selected, index, attrs=attrs
            )
            option["attrs"].update(
                {
                    "data-code": f.code,
                    "data-name": _name(f, lang),
                    "data-path": " › ".join(_name(a, lang) for a in chain[:-1]),
                    "data-search": search,
                    "data-level": str(len(chain)),
                }
            )
            group = groups.setdefault(top.code, (_name(top, lang), []))
            group[1].append(option)
        return [(label, options, i) for i, (label, options) in enumerate(groups.values())]

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"] = dict(option["attrs"])  # one dict per option (data-* are added)
        return option


def use_fields_of_science(form: forms.BaseForm, name: str = "fields") -> forms.Field:
    """Give ``form``'s many-to-many ``name`` (fields of science) the searchable tree."""
    from openstx.taxonomy.models import FieldOfScience

    field = form.fields[name]
    assert isinstance(field, forms.ModelMultipleChoiceField)
    if field.queryset is None or field.queryset.model is not FieldOfScience:
        field.queryset = FieldOfScience.objects.filter(is_active=True)
    field.widget = FieldOfScienceWidget()
    field.widget.choices = field.choices
    return field
