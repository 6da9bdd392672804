from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openstx.core.typeahead import LOOKUPS, IdentField, LookupInput, bind_user, use_typeahead
from openstx.projects.models import (
    Council,
    CouncilMember,
    ScoreSheet,
    Task,
    TaskMember,
    TaskOutput,
)
from openstx.projects.workflow import Step
from openstx.taxonomy.models import FieldOfScience

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "code",
            "title",
            "level",
            "form",
            "fields",
            "ordering_agency",
            "host",
            "leader",
            "start_date",
            "end_date",
            "objectives",
            "expected_products",
            "external_id",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "objectives": forms.Textarea(attrs={"rows": 4}),
            "expected_products": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # type-ahead choosers, not a <select> of every organisation and expert (core.typeahead)
        use_typeahead(self, "host", "organization", user)
        use_typeahead(self, "leader", "expert", user)
        fields = self.fields["fields"]
        assert isinstance(fields, forms.ModelMultipleChoiceField)
        fields.queryset = FieldOfScience.objects.filter(is_active=True)
        self.fields["fields"].widget.attrs["size"] = 6


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1990, max_value=2100)
    state = forms.IntegerField(label=_("State budget"), min_value=0, required=False)
    other = forms.IntegerField(label=_("Other sources"), min_value=0, required=False)


class StepForm(forms.Form):
    """Built from a configured step: its fields, documents and the comment."""

    comment = forms.CharField(
        label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, step: Step, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields["comment"].required = step.comment_required
        from openstx.projects.models import localized

        for spec in step.fields:
            label = localized(spec.get("label", spec["name"]), spec.get("label_vi", ""))
            kind = spec.get("type", "text")
            required = bool(spec.get("required"))
            if kind == "date":
                field: forms.Field = forms.DateField(label=label, required=required, widget=DATE)
            elif kind == "number":
                field = forms.DecimalField(label=label, required=required)
            elif kind == "textarea":
                field = forms.CharField(
                    label=label, required=required, widget=forms.Textarea(attrs={"rows": 3})
                )
            else:
                field = forms.CharField(label=label, required=required, max_length=300)
            self.fields[f"f_{spec['name']}"] = field
        for doc in step.documents:
            label = localized(doc.get("label", doc["code"]), doc.get("label_vi", ""))
            self.fields[f"doc_{doc['code']}"] = forms.FileField(
                label=label, required=bool(doc.get("required"))
            )

    def data_values(self) -> dict[str, Any]:
        return {
            name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("f_")
        }

    def files_values(self) -> dict[str, Any]:
        return {
            name[4:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("doc_") and value
        }


class CouncilForm(forms.ModelForm):
    class Meta:
        model = Council
        fields = ["purpose", "decision_number", "meeting_date", "place"]
        widgets = {"meeting_date": DATE}


#: How a picked suggestion ends: "Nguyễn Văn An — Viện Sinh học (#12)".
PICKED = re.compile(r"\(#(\d+)\)\s*$")


def expert_option_value(expert: Any) -> str:
    """What the input holds once an expert is picked: the name, the organisation, the id."""
    org = f" — {expert.organization}" if getattr(expert, "organization_id", None) else ""
    return f"{expert.display_name}{org} (#{expert.pk})"


class ExpertInput(LookupInput):
    """The core type-ahead input, asking a task-scoped endpoint (names, organisations and
    conflicts of interest) instead of the generic one."""

    def __init__(self, lookup_url: str = "", attrs: dict[str, Any] | None = None):
        super().__init__("expert", attrs={"size": 50, **(attrs or {})})
        self.lookup_url = lookup_url

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "pk"):
            return expert_option_value(value)
        return None if value in (None, "") else str(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.lookup_url:
            context["widget"]["lookup_url"] = self.lookup_url
        return context


class ExpertChooserField(IdentField):
    """An expert chosen by name. The input takes a picked suggestion ("Name — Organisation
    (#id)"), an external id, or just a name: one expert of that name among those the user may
    see is taken; several are refused with their organisations, to pick from."""

    default_error_messages = {
        **IdentField.default_error_messages,
        "unknown": _("No expert called “%(value)s” that you may see."),
        "ambiguous": _(
            "Several experts match “%(value)s”: %(names)s. Pick one from the suggestions."
        ),
    }

    def __init__(self, *args: Any, lookup_url: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", ExpertInput(lookup_url))
        kwargs.setdefault(
            "help_text",
            _("Type a few letters of the name; suggestions show each expert's organisation."),
        )
        super().__init__("expert", *args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if hasattr(value, "pk"):
            return value
        text = " ".join(str(value).split())
        if not text:
            return None
        visible = self.choices_queryset()
        picked = PICKED.search(text)
        if picked:
            obj = visible.filter(pk=int(picked.group(1))).first()
            if obj is not None:
                return obj
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": text}
            )
        from openstx.core.lookup import find_by_ident

        obj = find_by_ident(visible, text)
        if obj is not None:
            return obj
        found = LOOKUPS["expert"].search(self.user, text, visible.select_related("organization"))
        exact = [e for e in found if e.full_name.casefold() == text.casefold()]
        matches = exact or found
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": text}
            )
        raise forms.ValidationError(
            self.error_messages["ambiguous"],
            code="ambiguous",
            params={
                "value": text,
                "names": "; ".join(expert_option_value(e) for e in matches[:5]),
            },
        )


class CouncilMemberForm(forms.Form):
    # chosen by name from a type-ahead that shows organisations and conflicts (never a typed id)
    expert = ExpertChooserField(label=_("Expert"))
    role = forms.ChoiceField(choices=CouncilMember.Role.choices, label=_("Role"))

    def __init__(self, *args: Any, user: Any = None, lookup_url: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        bind_user(self, user)
        widget = self.fields["expert"].widget
        assert isinstance(widget, ExpertInput)
        widget.lookup_url = lookup_url


class TeamMemberForm(CouncilMemberForm):
    role = forms.ChoiceField(
        choices=[(v, label) for v, label in TaskMember.Role.choices if v != TaskMember.Role.LEADER],
        label=_("Role"),
        initial=TaskMember.Role.MEMBER,
    )


class ScoreForm(forms.Form):
    vote = forms.ChoiceField(
        choices=[
            (ScoreSheet.Vote.PASS, _("In favour (pass)")),
            (ScoreSheet.Vote.FAIL, _("Against (fail)")),
        ],
        label=_("vote"),
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("comments"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, council: Council, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openstx.projects.models import localized

        for c in council.criteria:
            label = localized(c.get("label", c["code"]), c.get("label_vi", ""))
            self.fields[f"c_{c['code']}"] = forms.DecimalField(
                label=f"{label} (≤ {c['max']})",
                min_value=0,
                max_value=c["max"],
                decimal_places=2,
            )

    def scores(self) -> dict[str, Any]:
        return {k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("c_")}


class OutputForm(forms.ModelForm):
    """An output; its IP record is named by id, external id or a search as one types
    (``ipr.lookups.IdentField``), and only among the records the user may see."""

    ip_record = IdentField("ip", required=False, label=_("IP record"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_user(self, user)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean returns
        record = data.get("ip_record")
        if record is not None and not data.get("ip_reference"):
            data["ip_reference"] = record.certificate_number or record.application_number
        if data.get("kind") == TaskOutput.Kind.IP and not (record or data.get("ip_reference")):
            self.add_error("ip_record", _("Name the IP record or give its number."))
        return data

    class Meta:
        model = TaskOutput
        fields = [
            "kind",
            "title",
            "description",
            "year",
            "publication_kind",
            "doi",
            "ip_record",
            "ip_reference",
            "degree",
            "count",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
