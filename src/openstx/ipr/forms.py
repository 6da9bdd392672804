from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openstx.ipr.classes import normalize_classes
from openstx.ipr.lookups import IdentField, bind_user
from openstx.ipr.models import IPRecord, StandardRecord, TrainingCourse

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _LookupForm(forms.ModelForm):
    """A model form whose links are :class:`IdentField` inputs checked against ``user``."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_user(self, user)


class IPRecordForm(_LookupForm):
    applicant_organization = IdentField(
        "organization", required=False, label=_("Applicant (organisation)")
    )
    task = IdentField("task", required=False, label=_("S&T task"))
    offer = IdentField("offer", required=False, label=_("Technology offer"))

    class Meta:
        model = IPRecord
        fields = [
            "type",
            "title",
            "applicant_organization",
            "applicant_name",
            "applicant_address",
            "application_number",
            "application_date",
            "status",
            "certificate_number",
            "certificate_date",
            "expiry_date",
            "classes",
            "supported",
            "support_amount_vnd",
            "support_programme",
            "task",
            "task_reference",
            "offer",
            "is_public",
            "external_id",
            "description",
            "notes",
        ]
        widgets = {
            "application_date": DATE,
            "certificate_date": DATE,
            "expiry_date": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the status moves through the workflow, not this form
            self.fields.pop("status")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean returns
        if data.get("type") is not None:
            try:
                data["classes"] = normalize_classes(data["type"], data.get("classes"))
            except ValidationError as exc:
                self.add_error("classes", exc)
        if not data.get("applicant_name") and not data.get("applicant_organization"):
            self.add_error("applicant_name", _("Give the applicant."))
        return data


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    date = forms.DateField(label=_("Date of the decision"), required=False, widget=DATE)
    certificate_number = forms.CharField(
        label=_("Certificate number"), required=False, max_length=64
    )
    certificate_date = forms.DateField(label=_("Certificate date"), required=False, widget=DATE)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, choices: Sequence[tuple[str, StrOrPromise]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        to_status = self.fields["to_status"]
        assert isinstance(to_status, forms.ChoiceField)
        to_status.choices = choices


class StandardRecordForm(_LookupForm):
    organization = IdentField("organization", required=False, label=_("Organisation"))

    class Meta:
        model = StandardRecord
        fields = [
            "kind",
            "title",
            "reference",
            "number",
            "organization",
            "organization_name",
            "received_date",
            "decision_date",
            "valid_until",
            "outcome",
            "support_amount_vnd",
            "external_id",
            "notes",
        ]
        widgets = {
            "received_date": DATE,
            "decision_date": DATE,
            "valid_until": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class DossierForm(forms.Form):
    file = forms.FileField(label=_("Dossier document"))


class TrainingCourseForm(_LookupForm):
    organizer = IdentField("organization", required=False, label=_("Organiser"))

    class Meta:
        model = TrainingCourse
        fields = [
            "title",
            "topic",
            "start_date",
            "end_date",
            "place",
            "trainers",
            "organizer",
            "capacity",
            "external_id",
            "description",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
        }


class AttendeeForm(forms.Form):
    name = forms.CharField(label=_("Attendee"), max_length=200)
    organization_name = forms.CharField(label=_("Organisation"), max_length=300, required=False)
    contact = forms.CharField(label=_("Contact (e-mail or phone)"), max_length=200, required=False)


class ImportForm(forms.Form):
    KINDS = [
        ("ip", _("IP records")),
        ("standards", _("Standards and quality records")),
        ("training", _("Training courses")),
    ]
    kind = forms.ChoiceField(label=_("Kind of records"), choices=KINDS)
    file = forms.FileField(label=_("Spreadsheet (XLSX or CSV)"))
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)
