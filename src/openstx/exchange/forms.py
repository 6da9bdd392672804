"""Forms of the exchange. Validation of business rules lives in services; forms shape input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openstx.core.permissions import is_officer, organization_ids
from openstx.core.typeahead import Lookup, register, use_typeahead
from openstx.directory.models import Organization
from openstx.exchange.models import Connection, Demand, Offer, TransferMode
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience
from openstx.taxonomy.widgets import use_fields_of_science

if TYPE_CHECKING:  # imported inside the forms at run time (app loading order)
    from openstx.directory.models import Expert
    from openstx.exchange.models import Event

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OwnIPRecords(Lookup):
    """Type-ahead over the IP records of the user's organisations (all of them for officers):
    what an offer may cite (``services.link_ip_records`` checks the offer's owner)."""

    def queryset(self, user: Any):
        qs = super().queryset(user)
        if is_officer(user):
            return qs
        return qs.filter(applicant_organization_id__in=organization_ids(user))


register(
    "ip-own",
    OwnIPRecords(
        "ipr.IPRecord", ("title", "application_number", "certificate_number", "external_id"), "ip"
    ),
)


def _org_queryset(user: Any):
    qs = Organization.objects.order_by("name")
    return qs if is_officer(user) else qs.filter(pk__in=organization_ids(user))


class ListingForm(forms.ModelForm):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        org_field = self.org_field_name
        org = self.fields[org_field]
        assert isinstance(org, forms.ModelChoiceField)  # a foreign key
        org.empty_label = None
        # a member's own few organisations stay a <select>; an officer types (20,000 rows)
        use_typeahead(self, org_field, "organization", user, _org_queryset(user), select_up_to=20)
        region, fields = self.fields["region"], self.fields["fields"]
        assert isinstance(region, forms.ModelChoiceField)  # a foreign key
        assert isinstance(fields, forms.ModelMultipleChoiceField)  # a many-to-many
        region.queryset = AdministrativeUnit.objects.filter(
            level=AdministrativeUnit.Level.PROVINCE, is_current=True
        )
        fields.queryset = FieldOfScience.objects.filter(is_active=True)
        use_fields_of_science(self, "fields")  # a searchable tree, never a raw list of codes
        for name in ("valid_until", "deadline"):
            if name in self.fields:
                self.fields[name].widget = DATE

    org_field_name = ""

    def _post_clean(self) -> None:
        """After Django's own model checks, the exchange's field rules — the ones the service
        applies to every write (``services.validate_listing``: prices, budgets, TRL, dates) —
        so a form shows the same messages the API and importers give, written once. Dates are
        checked when new or changed, as ``save_listing`` does."""
        super()._post_clean()  # type: ignore[misc]  # ModelForm hook the stubs omit
        from django.core.exceptions import ValidationError

        from openstx.exchange.services import validate_listing

        dates_changed = bool({"valid_until", "deadline"} & set(self.changed_data))
        try:
            validate_listing(self.instance, check_dates=self.instance.pk is None or dates_changed)
        except ValidationError as exc:
            self.add_error(None, exc)  # a dict of field -> messages lands on each field


class OfferForm(ListingForm):
    org_field_name = "owner"
    transfer_modes = forms.MultipleChoiceField(
        label=_("Transfer modes"),
        choices=TransferMode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Offer
        fields = [
            "title",
            "kind",
            "summary",
            "description",
            "fields",
            "keywords",
            "trl",
            "advantages",
            "applications",
            "ip_items",
            "transfer_modes",
            "price_vnd",
            "price_negotiable",
            "owner",
            "contact_name",
            "contact_email",
            "contact_phone",
            "origin",
            "region",
            "confidential_detail",
            "valid_until",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "confidential_detail": forms.Textarea(attrs={"rows": 5}),
            "advantages": forms.Textarea(attrs={"rows": 3}),
            "applications": forms.Textarea(attrs={"rows": 3}),
            "ip_items": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["transfer_modes"] = self.instance.transfer_mode_list
        self.fields["trl"].widget = forms.Select(
            choices=[("", "—")] + [(i, f"TRL {i}") for i in range(1, 10)]
        )
        self.fields["price_vnd"].widget.attrs["min"] = 0
        self._add_ip_records()

    def _add_ip_records(self) -> None:
        """The owner's IP records (ipr app), chosen by typing; ``ip_items`` stays free text
        for rights not recorded there."""
        from openstx.core.typeahead import MultiIdentField
        from openstx.exchange.services import owner_ip_records
        from openstx.ipr.models import IPRecord

        if self.instance.pk:
            queryset = owner_ip_records(self.instance.owner_id)
        elif is_officer(self.user):
            queryset = IPRecord.objects.all()
        else:
            queryset = IPRecord.objects.filter(
                applicant_organization_id__in=organization_ids(self.user)
            )
        field = MultiIdentField(
            "ip-own",
            queryset=queryset,
            required=False,
            label=_("IP records of the owner"),
            help_text=_(
                "Patents and other rights registered in the IP records: type a number or words "
                "of the title. Others go in the free text below."
            ),
        )
        field.user = self.user
        if self.instance.pk:
            field.initial = list(self.instance.ip_records.all())
        self.fields["ip_records"] = field
        # show the records before the free text
        order = list(self.fields)
        if "ip_items" in order:
            order.remove("ip_records")
            order.insert(order.index("ip_items"), "ip_records")
            self.order_fields(order)

    def clean_transfer_modes(self) -> str:
        return ",".join(self.cleaned_data.get("transfer_modes") or [])


class DemandForm(ListingForm):
    org_field_name = "requester"

    class Meta:
        model = Demand
        fields = [
            "title",
            "problem",
            "desired_outcome",
            "constraints",
            "fields",
            "keywords",
            "min_trl",
            "budget_min_vnd",
            "budget_max_vnd",
            "deadline",
            "requester",
            "requester_anonymous",
            "contact_name",
            "contact_email",
            "contact_phone",
            "region",
            "valid_until",
        ]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 6}),
            "desired_outcome": forms.Textarea(attrs={"rows": 3}),
            "constraints": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_trl"].widget = forms.Select(
            choices=[("", "—")] + [(i, f"TRL {i}") for i in range(1, 10)]
        )
        for name in ("budget_min_vnd", "budget_max_vnd"):
            self.fields[name].widget.attrs["min"] = 0


def step_form(kind: str, step_name: str, *args: Any, **kwargs: Any) -> ListingForm:
    """The posting form's page ``step_name``: only that step's fields, its required ones
    marked (``required`` and ``aria-required``), and the step's own rules on "next"."""
    from openstx.exchange.services import get_step, step_issues

    found = get_step(kind, step_name)
    assert found is not None
    step = found
    form_class = OfferForm if kind == "offer" else DemandForm

    class StepForm(form_class):  # type: ignore[valid-type,misc]
        def clean(self) -> dict[str, Any]:
            data = super().clean()
            values = {"kind": data.get("kind", self.instance.kind)} if kind == "offer" else {}
            values.update(data)
            for name, message in step_issues(kind, step.name, values).items():
                if name not in self.errors:  # not twice when "required" said it already
                    self.add_error(name if name in self.fields else None, message)
            return data

    form = StepForm(*args, **kwargs)
    for name in list(form.fields):
        if name not in step.fields:
            del form.fields[name]
    for name in step.required:
        if name in form.fields:
            form.fields[name].required = True
    modes = form.fields.get("transfer_modes")
    if modes is not None and form.instance.kind == Offer.Kind.TECHNOLOGY:
        # the quality check asks a technology for its transfer modes: marked, and said plainly
        modes.required = True
        modes.error_messages["required"] = str(
            step_issues(kind, step.name, {"kind": Offer.Kind.TECHNOLOGY})["transfer_modes"]
        )
    for field in form.fields.values():
        if field.required:
            field.widget.attrs["aria-required"] = "true"
    return form


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)
    confidential = forms.BooleanField(label=_("Confidential"), required=False)


class ActionForm(forms.Form):
    action = forms.CharField(max_length=32)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class InterestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the other side"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )


class MeetingForm(forms.Form):
    date = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online = forms.BooleanField(label=_("Online"), required=False)
    link = forms.URLField(label=_("Meeting link"), required=False, assume_scheme="https")
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MouForm(forms.Form):
    date = forms.DateField(label=_("MoU date"), widget=DATE)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContractForm(forms.Form):
    value_vnd = forms.IntegerField(label=_("Contract value (VND)"), min_value=0)
    contract_type = forms.ChoiceField(
        label=_("Contract type"), choices=Connection.ContractType.choices
    )
    date = forms.DateField(label=_("Contract date"), widget=DATE)


class CloseForm(forms.Form):
    success = forms.TypedChoiceField(
        label=_("Outcome"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Success")), ("0", _("Failure"))],
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    close_demand = forms.BooleanField(label=_("The demand is met: close it"), required=False)


class RespondForm(forms.Form):
    accept = forms.TypedChoiceField(coerce=lambda v: v == "1", choices=[("1", "1"), ("0", "0")])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BrokerConnectForm(forms.Form):
    demand = forms.ModelChoiceField(label=_("Demand"), queryset=Demand.objects.none())
    offer = forms.ModelChoiceField(label=_("Offer"), queryset=Offer.objects.none(), required=False)
    expert: forms.ModelChoiceField[Expert] = forms.ModelChoiceField(
        label=_("Expert"), queryset=None, required=False
    )
    event: forms.ModelChoiceField[Event] = forms.ModelChoiceField(
        label=_("Made at event"), queryset=None, required=False
    )
    message = forms.CharField(
        label=_("Message to both sides"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openstx.directory.models import Expert
        from openstx.exchange.models import Event, ListingStatus

        demand, offer = self.fields["demand"], self.fields["offer"]
        expert, event = self.fields["expert"], self.fields["event"]
        # the fields declared above (copied per form instance)
        assert isinstance(demand, forms.ModelChoiceField)
        assert isinstance(offer, forms.ModelChoiceField)
        assert isinstance(expert, forms.ModelChoiceField)
        assert isinstance(event, forms.ModelChoiceField)
        demand.queryset = Demand.objects.filter(status=ListingStatus.PUBLISHED)
        offer.queryset = Offer.objects.filter(status=ListingStatus.PUBLISHED)
        expert.queryset = Expert.objects.all()
        event.queryset = Event.objects.exclude(status=Event.Status.DRAFT)

    def clean(self):
        data = super().clean()
        if bool(data.get("offer")) == bool(data.get("expert")):
            raise forms.ValidationError(_("Choose either an offer or an expert."))
        return data


class AskExpertForm(forms.Form):
    """The demand's owner asks an expert (reachable: with an account or an organisation)."""

    expert: forms.ModelChoiceField[Expert] = forms.ModelChoiceField(
        label=_("Expert"), queryset=None
    )
    message = forms.CharField(
        label=_("Message to the expert"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from openstx.directory.models import Expert

        expert = self.fields["expert"]
        assert isinstance(expert, forms.ModelChoiceField)  # declared above
        expert.queryset = Expert.objects.filter(
            Q(user__isnull=False) | Q(organization__isnull=False)
        )


class EventForm(forms.ModelForm):
    """An officer prepares a technology fair or matchmaking session (saved as a draft)."""

    class Meta:
        from openstx.exchange.models import Event

        model = Event
        fields = [
            "title",
            "start_date",
            "end_date",
            "place",
            "description",
            "registration_open",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "description": forms.Textarea(attrs={"rows": 6}),
        }


class EventActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("publish", "publish"), ("unpublish", "unpublish"), ("cancel", "cancel")]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ShowcaseForm(forms.Form):
    """An officer adds any published listing to an event by its number."""

    kind = forms.ChoiceField(
        label=_("Listing type"), choices=[("offer", _("Offer")), ("demand", _("Demand"))]
    )
    number = forms.IntegerField(label=_("Listing number"), min_value=1)
