"""Edit forms of the directory. The API validates with the same forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openstx.core.permissions import is_officer
from openstx.core.typeahead import use_typeahead
from openstx.directory.models import Expert, Organization, Publication
from openstx.directory.validators import (
    normalize_doi,
    normalize_orcid,
    normalize_tax_code,
    validate_doi,
    validate_orcid,
    validate_phone,
    validate_tax_code,
)
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience
from openstx.taxonomy.widgets import FieldOfScienceWidget


def field_choices() -> Any:
    return FieldOfScience.objects.filter(is_active=True).order_by("code")


def unit_choices(current: AdministrativeUnit | None = None) -> Any:
    """Current provinces (34), plus the record's own unit if it is a ward or an old province."""
    q = Q(level=AdministrativeUnit.Level.PROVINCE, is_current=True)
    if current is not None:
        q |= Q(pk=current.pk)
    return AdministrativeUnit.objects.filter(q).order_by("name")


class FieldChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: FieldOfScience) -> str:
        indent = "\u2003" * (obj.level - 1)
        return f"{indent}{obj.code} {obj.name}"


def fields_of_science_field() -> FieldChoiceField:
    """The form field for a record's ``fields`` (set in ``__init__``: a class attribute named
    ``fields`` would hide ``BaseForm.fields`` from the type checker)."""
    return FieldChoiceField(
        queryset=field_choices(),
        required=False,
        label=_("fields of science"),
        widget=FieldOfScienceWidget(),  # a searchable tree (taxonomy.widgets)
    )


class _CleanContactsMixin:
    cleaned_data: dict[str, Any]

    def clean_phone(self) -> str:
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone:
            validate_phone(phone)
        return phone

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()


class OrganizationForm(_CleanContactsMixin, forms.ModelForm):
    website = forms.URLField(
        label=_("website"), required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "short_name",
            "type",
            "tax_code",
            "address",
            "admin_unit",
            "fields",
            "website",
            "email",
            "phone",
            "description",
            "verified",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "tax_code": _("10 digits, or 13 for a branch: 0123456789-001."),
            "website": _("Full address, e.g. https://www.ctu.edu.vn"),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fields"] = fields_of_science_field()
        admin_unit = self.fields["admin_unit"]
        assert isinstance(admin_unit, forms.ModelChoiceField)  # a foreign key
        admin_unit.queryset = unit_choices(self.instance.admin_unit if self.instance.pk else None)
        if not is_officer(user):
            del self.fields["verified"]

    def clean_tax_code(self) -> str:
        code = normalize_tax_code(self.cleaned_data.get("tax_code") or "")
        if code:
            validate_tax_code(code)
        return code


class ExpertForm(_CleanContactsMixin, forms.ModelForm):
    # longer than the stored form so that "https://orcid.org/…" can be pasted and normalised
    orcid = forms.CharField(label=_("ORCID iD"), max_length=60, required=False)

    class Meta:
        model = Expert
        fields = [
            "full_name",
            "academic_title",
            "degree",
            "organization",
            "position",
            "fields",
            "keywords",
            "biography",
            "orcid",
            "email",
            "phone",
            "open_to_consulting",
        ]
        widgets = {"biography": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"orcid": _("16 digits, e.g. 0000-0002-1825-0097.")}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fields"] = fields_of_science_field()
        # type-ahead, not a <select> of every organisation (core.typeahead)
        use_typeahead(self, "organization", "organization", user)
        if is_officer(user):
            # officers link the profile to the person's account, who may then edit it
            linked = self.instance.user if self.instance.pk and self.instance.user_id else None
            self.fields["account"] = forms.CharField(
                label=_("User account"),
                required=False,
                max_length=254,
                initial=linked.email if linked else "",
                help_text=_(
                    "E-mail or username of the person's account; they may then edit this profile."
                ),
            )

    def clean_account(self) -> Any:
        from openstx.accounts.services import find_user_by_login

        value = (self.cleaned_data.get("account") or "").strip()
        if not value:
            return None
        account = find_user_by_login(value)
        if account is None:
            raise forms.ValidationError(_("No user account with this e-mail or username."))
        other = Expert.objects.filter(user=account).exclude(pk=self.instance.pk).first()
        if other is not None:
            raise forms.ValidationError(
                _("This account is already linked to the profile of %(name)s.")
                % {"name": other.full_name}
            )
        return account

    def model_data(self) -> dict[str, Any]:
        """Cleaned data in model terms (``account`` becomes ``user``)."""
        data = {name: self.cleaned_data[name] for name in self.fields if name != "account"}
        if "account" in self.fields:
            data["user"] = self.cleaned_data.get("account")
        return data

    def clean_orcid(self) -> str:
        orcid = normalize_orcid(self.cleaned_data.get("orcid") or "")
        if orcid:
            validate_orcid(orcid)
        return orcid


# --- Filters (GET forms of the list pages; the API accepts the same names) ------------------


class _FilterForm(forms.Form):
    q = forms.CharField(label=_("Contains"), required=False, max_length=200)
    field = forms.ModelChoiceField(
        label=_("Field of science"),
        queryset=FieldOfScience.objects.none(),
        required=False,
        to_field_name="code",
    )
    admin_unit = forms.ModelChoiceField(
        label=_("Province / city"),
        queryset=AdministrativeUnit.objects.none(),
        required=False,
        to_field_name="code",
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("name", _("Name")), ("newest", _("Newest"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # validation accepts any code (a link may name a deep field or an old province);
        # the select offers field_options() / unit_options()
        field, admin_unit = self.fields["field"], self.fields["admin_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        assert isinstance(admin_unit, forms.ModelChoiceField)
        field.queryset = FieldOfScience.objects.all()
        admin_unit.queryset = AdministrativeUnit.objects.all()

    def field_options(self) -> Any:
        """The fields offered in the select (two levels; a deeper one from a link stays selected)."""
        selected = self.data.get("field")
        return FieldOfScience.objects.filter(Q(level__lte=2) | Q(code=selected or "")).order_by(
            "code"
        )

    def unit_options(self) -> Any:
        selected = self.data.get("admin_unit")
        return AdministrativeUnit.objects.filter(
            Q(level=AdministrativeUnit.Level.PROVINCE, is_current=True) | Q(code=selected or "")
        ).order_by("name")

    def values(self) -> dict[str, Any]:
        """Cleaned values, ignoring invalid ones (a stale link should still show a list)."""
        if self.is_valid():
            return self.cleaned_data
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}


class OrganizationFilterForm(_FilterForm):
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Organization.Type.choices]
    )


class ExpertFilterForm(_FilterForm):
    academic_title = forms.ChoiceField(
        label=_("Academic title"),
        required=False,
        choices=[("", _("Any")), *[c for c in Expert.AcademicTitle.choices if c[0]]],
    )
    degree = forms.ChoiceField(
        label=_("Degree"),
        required=False,
        choices=[("", _("Any")), *[c for c in Expert.Degree.choices if c[0]]],
    )
    open_to_consulting = forms.BooleanField(label=_("Open to consulting"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )


class CoauthorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Expert) -> str:
        return obj.display_name


def year_bounds() -> tuple[int, int]:
    from django.utils import timezone

    return 1900, timezone.localdate().year + 1


class PublicationForm(forms.ModelForm):
    """A publication of ``expert``. Co-authors in the directory are chosen among the experts of
    the same organisation (and those already linked); the full author list as printed goes in
    "authors as printed"."""

    doi = forms.CharField(
        label=_("DOI"),
        max_length=200,
        required=False,
        help_text=_("e.g. 10.1016/j.aquaculture.2020.735678; a doi.org link is accepted."),
    )
    url = forms.URLField(label=_("link"), required=False, assume_scheme="https", max_length=200)
    coauthors = CoauthorChoiceField(
        queryset=Expert.objects.none(),
        required=False,
        label=_("Co-authors in the directory"),
        help_text=_("Their profiles will list this publication too."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Publication
        fields = ["title", "authors_text", "year", "venue", "kind", "doi", "url"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "authors_text": _("All authors in the order printed, e.g. “Trần V. A., Lê T. B.”")
        }

    def __init__(self, *args: Any, expert: Expert, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expert = expert
        linked = (
            list(self.instance.experts.values_list("pk", flat=True)) if self.instance.pk else []
        )
        q = Q(pk__in=linked)
        if expert.organization_id:
            q |= Q(organization_id=expert.organization_id)
        coauthors = self.fields["coauthors"]
        assert isinstance(coauthors, forms.ModelMultipleChoiceField)
        coauthors.queryset = Expert.objects.filter(q).exclude(pk=expert.pk).order_by("full_name")
        if self.instance.pk:
            self.fields["coauthors"].initial = [pk for pk in linked if pk != expert.pk]
        self.fields["title"].required = True
        self.fields["url"].widget.attrs["inputmode"] = "url"
        low, high = year_bounds()
        self.fields["year"].widget.attrs.update({"min": low, "max": high})

    def clean_year(self) -> int | None:
        year = self.cleaned_data.get("year")
        low, high = year_bounds()
        if year is not None and not low <= year <= high:
            raise forms.ValidationError(
                _("Enter a year between %(low)d and %(high)d.") % {"low": low, "high": high}
            )
        return year

    def clean_doi(self) -> str:
        doi = normalize_doi(self.cleaned_data.get("doi") or "")
        if doi:
            validate_doi(doi)
        return doi

    def model_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["coauthors"] = list(self.cleaned_data.get("coauthors") or [])
        return data


class OrganizationRegistrationForm(_CleanContactsMixin, forms.Form):
    """A person registers the organisation they work for (rules in
    ``services.register_organization``): tax code, address by the 2025 administrative units,
    type."""

    name = forms.CharField(label=_("Full name of the organisation"), max_length=300)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=())
    tax_code = forms.CharField(
        label=_("Tax code (mã số doanh nghiệp)"),
        max_length=32,
        required=False,
        help_text=_(
            "10 digits, or 13 for a branch (0123456789-001). Required for businesses; "
            "institutes and universities give theirs if they have one."
        ),
    )
    province = forms.ModelChoiceField(
        label=_("Province / city"),
        queryset=AdministrativeUnit.objects.none(),
        empty_label=_("— choose —"),
        help_text=_("The 34 provinces and cities since the 2025 reorganisation."),
    )
    ward = forms.ModelChoiceField(
        label=_("Ward / commune"),
        queryset=AdministrativeUnit.objects.none(),
        required=False,
        empty_label=_("— choose the province first —"),
    )
    address = forms.CharField(
        label=_("Street address"),
        max_length=500,
        required=False,
        help_text=_("House number and street, e.g. Số 12 đường 30/4."),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    description = forms.CharField(
        label=_("What the organisation does"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from openstx.directory.services import REGISTRATION_KINDS

        super().__init__(*args, **kwargs)
        kind, province_field, ward = (self.fields[k] for k in ("kind", "province", "ward"))
        assert isinstance(kind, forms.ChoiceField)
        assert isinstance(province_field, forms.ModelChoiceField)
        assert isinstance(ward, forms.ModelChoiceField)
        kind.choices = [(key, label) for key, label, _type in REGISTRATION_KINDS]
        province_field.queryset = AdministrativeUnit.objects.filter(
            level=AdministrativeUnit.Level.PROVINCE, is_current=True
        ).order_by("name")
        province = self.data.get("province") if self.is_bound else None
        ward.queryset = ward_choices(province)
        from django.urls import reverse

        self.fields["province"].widget.attrs.update(
            {"hx-get": reverse("directory:ward-options"), "hx-target": "#id_ward"}
        )

    def clean_tax_code(self) -> str:
        from openstx.directory.services import organizations_with_tax_code

        value = normalize_tax_code((self.cleaned_data.get("tax_code") or "").strip())
        if not value:
            return ""
        validate_tax_code(value)
        if organizations_with_tax_code(value).exists():
            raise forms.ValidationError(
                _(
                    "An organisation with this tax code is already registered. Ask to join it "
                    "from its page in the directory instead."
                ),
                code="duplicate_tax_code",
            )
        return value

    def clean(self) -> dict[str, Any]:
        from openstx.directory.services import TAX_CODE_REQUIRED

        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        kind, tax_code = data.get("kind"), data.get("tax_code")
        if kind in TAX_CODE_REQUIRED and not tax_code and "tax_code" not in self.errors:
            self.add_error("tax_code", _("Enter the enterprise's tax code."))
        ward, province = data.get("ward"), data.get("province")
        if ward is not None and province is not None and ward.parent_id != province.pk:
            self.add_error("ward", _("The ward is not in the province chosen."))
        return data


def ward_choices(province: Any) -> Any:
    """Current wards and communes of a province (id or unit); none without a province."""
    try:
        province_id = int(getattr(province, "pk", province) or 0)
    except (TypeError, ValueError):
        province_id = 0
    if not province_id:
        return AdministrativeUnit.objects.none()
    return AdministrativeUnit.objects.filter(
        parent_id=province_id, level=AdministrativeUnit.Level.WARD, is_current=True
    ).order_by("name")
