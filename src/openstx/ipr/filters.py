"""List filters shared by the pages, the XLSX export and the API (GET parameters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openstx.ipr.models import IPStatus, IPType, StandardKind, StandardOutcome

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _years(field: str, qs: QuerySet) -> list[tuple[str, StrOrPromise]]:
    dates = qs.model._default_manager.exclude(**{field: None}).dates(field, "year", order="DESC")
    return [("", _("Any year"))] + [(str(d.year), str(d.year)) for d in dates]


class IPFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *IPType.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *IPStatus.choices]
    )
    year = forms.ChoiceField(label=_("Application year"), required=False)
    supported = forms.ChoiceField(
        label=_("Department support"),
        required=False,
        choices=[("", _("All")), ("yes", _("Supported")), ("no", _("Not supported"))],
    )
    task = forms.IntegerField(label=_("S&T task"), required=False, widget=forms.HiddenInput)
    organization = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openstx.core.permissions import VIEW, restrict
        from openstx.ipr.models import IPRecord

        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = _years("application_date", IPRecord.objects.all())
        # organisations among the applicants of the records this user may see
        visible = restrict(IPRecord.objects.all(), user, VIEW).exclude(applicant_organization=None)
        orgs = (
            visible.values_list("applicant_organization_id", "applicant_organization__name")
            .order_by("applicant_organization__name")
            .distinct()
        )
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ChoiceField)
        organization.choices = [("", _("All organisations")), *orgs]

    def filter(self, qs: QuerySet) -> QuerySet:
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data.get("q"):
            term = data["q"].strip()
            qs = qs.filter(
                Q(title__icontains=term)
                | Q(applicant_name__icontains=term)
                | Q(application_number__icontains=term)
                | Q(certificate_number__icontains=term)
                | Q(external_id=term)
            )
        if data.get("type"):
            qs = qs.filter(type=data["type"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("year"):
            qs = qs.filter(application_date__year=int(data["year"]))
        if data.get("supported") == "yes":
            qs = qs.filter(supported=True)
        elif data.get("supported") == "no":
            qs = qs.filter(supported=False)
        if data.get("organization"):
            qs = qs.filter(applicant_organization_id=data["organization"])
        if data.get("task"):
            qs = qs.filter(Q(task_id=data["task"]) | Q(task_outputs__task_id=data["task"]))
            qs = qs.distinct()
        return qs


class StandardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *StandardKind.choices]
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any outcome")), *StandardOutcome.choices],
    )
    year = forms.ChoiceField(label=_("Year received"), required=False)
    organization = forms.IntegerField(
        label=_("Organisation"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openstx.ipr.models import StandardRecord

        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = _years("received_date", StandardRecord.objects.all())

    def filter(self, qs: QuerySet) -> QuerySet:
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data.get("q"):
            term = data["q"].strip()
            qs = qs.filter(
                Q(title__icontains=term)
                | Q(organization_name__icontains=term)
                | Q(reference__icontains=term)
                | Q(number__icontains=term)
            )
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("outcome"):
            qs = qs.filter(outcome=data["outcome"])
        if data.get("year"):
            qs = qs.filter(received_date__year=int(data["year"]))
        if data.get("organization"):
            qs = qs.filter(organization_id=data["organization"])
        return qs
