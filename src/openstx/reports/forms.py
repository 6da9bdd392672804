from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openstx.reports import services
from openstx.reports.models import BudgetYear, GeneratedReport


class PeriodForm(forms.Form):
    year_from = forms.IntegerField(
        label=_("From year"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR
    )
    year_to = forms.IntegerField(
        label=_("To year"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if data.get("year_from") and data.get("year_to"):
            try:
                services.check_period(data["year_from"], data["year_to"])
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


class BudgetYearForm(forms.ModelForm):
    class Meta:
        model = BudgetYear
        fields = [
            "year",
            "development_investment_vnd",
            "recurrent_vnd",
            "total_provincial_budget_vnd",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def validate_unique(self) -> None:  # one row per year: saving a known year updates it
        pass

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        dev, rec, total = (
            data.get(k)
            for k in ("development_investment_vnd", "recurrent_vnd", "total_provincial_budget_vnd")
        )
        if dev is not None and rec is not None and total and dev + rec > total:
            raise forms.ValidationError(
                _("The S&T budget cannot exceed the total provincial budget.")
            )
        return data


class ReportForm(PeriodForm):
    format = forms.ChoiceField(label=_("Format"), choices=GeneratedReport.Format.choices)


class NarrativeForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in services.SECTIONS:
            self.fields[key] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 4})
            )
        overview = self.fields["overview"]
        overview.widget.attrs["rows"] = 10
        overview.help_text = _(
            "Required before the report is generated. Separate paragraphs with a blank line; "
            "you may also write HTML (paragraphs, bold, italic, lists, headings), which is "
            "cleaned when saved."
        )
