from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from openstx.directory.forms import ExpertForm, OrganizationForm
from openstx.directory.validators import (
    normalize_orcid,
    normalize_tax_code,
    orcid_checksum_ok,
    validate_orcid,
    validate_phone,
    validate_tax_code,
)


@pytest.mark.parametrize(
    "value", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"]
)
def test_valid_orcids(value):
    validate_orcid(value)
    assert orcid_checksum_ok(value)


@pytest.mark.parametrize("value", ["0000-0002-1825-0098", "1234", "0000-0002-1825-009"])
def test_invalid_orcids(value):
    with pytest.raises(ValidationError):
        validate_orcid(value)


def test_orcid_normalisation():
    assert normalize_orcid("https://orcid.org/0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert normalize_orcid("000000021694233x") == "0000-0002-1694-233X"


@pytest.mark.parametrize("value", ["0123456789", "0123456789-001", "0123456789001"])
def test_valid_tax_codes(value):
    validate_tax_code(normalize_tax_code(value))


@pytest.mark.parametrize("value", ["12345", "0123456789-01", "abcdefghij", "01234567890"])
def test_invalid_tax_codes(value):
    with pytest.raises(ValidationError):
        validate_tax_code(normalize_tax_code(value))


@pytest.mark.parametrize(
    "value", ["0292 3831 234", "+84 292 3831 234", "0909.123.456", "(0292) 3831234"]
)
def test_valid_phones(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["123", "call me", "0909-abc-123"])
def test_invalid_phones(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


def test_organization_form_errors_are_translated(db, fields):
    data = {
        "name": "X",
        "type": "enterprise",
        "tax_code": "123",
        "website": "not a url",
        "phone": "12",
    }
    with translation.override("vi"):
        form = OrganizationForm(data=data)
        assert not form.is_valid()
        assert set(form.errors) == {"tax_code", "website", "phone"}
        assert "mã số thuế" in str(form.errors["tax_code"]).lower()


def test_organization_form_normalises(db, fields, units):
    data = {
        "name": "  Công ty   ABC ",
        "type": "enterprise",
        "tax_code": "0123456789001",
        "admin_unit": units["92"].pk,
        "fields": [fields["10616"].pk],
        "email": "INFO@ABC.VN",
    }
    form = OrganizationForm(data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tax_code"] == "0123456789-001"
    assert form.cleaned_data["email"] == "info@abc.vn"
    assert "verified" not in form.fields  # only officers set the verified flag


def test_expert_form_orcid(db, fields):
    form = ExpertForm(data={"full_name": "A", "orcid": "0000-0002-1825-0098"})
    assert not form.is_valid()
    assert "orcid" in form.errors
    form = ExpertForm(data={"full_name": "A", "orcid": "https://orcid.org/0000-0002-1825-0097"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["orcid"] == "0000-0002-1825-0097"
