from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openstx.core.typeahead import IdentField, bind_user, use_typeahead
from openstx.projects.models import Council, CouncilMember, ScoreSheet, Task, TaskOutput
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


class CouncilMemberForm(forms.Form):
    # an id, an external id or a pick from the type-ahead (core.typeahead)
    expert = IdentField("expert", label=_("expert"))
    role = forms.ChoiceField(choices=CouncilMember.Role.choices, label=_("role"))


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
