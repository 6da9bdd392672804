from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openstx.ipr.classes import normalize_classes
from openstx.ipr.forms import IPRecordForm


@pytest.mark.parametrize(
    ("ip_type", "raw", "expected"),
    [
        ("trademark", "30", "30"),
        ("trademark", "29, 30; 31", "29; 30; 31"),
        ("trademark", "35 30 30", "30; 35"),
        ("trademark", "Nhóm 1; 45", "1; 45"),
        ("patent", "A23B 7/16", "A23B 7/16"),
        ("patent", "a23b7/16; C12N 1/20", "A23B 7/16; C12N 1/20"),
        ("utility_solution", "F26B 17/12", "F26B 17/12"),
        ("industrial_design", "09-01", "09-01"),
        ("industrial_design", "9-1; 19-08", "09-01; 19-08"),
        ("software_copyright", "", ""),
    ],
)
def test_valid_classes(ip_type, raw, expected):
    assert normalize_classes(ip_type, raw) == expected


@pytest.mark.parametrize(
    ("ip_type", "raw"),
    [
        ("trademark", "0"),
        ("trademark", "46"),
        ("trademark", "A23B 7/16"),
        ("patent", "30"),
        ("patent", "A23B"),
        ("patent", "Z23B 7/16"),
        ("utility_solution", "A23 7/16"),
        ("industrial_design", "33-01"),
        ("industrial_design", "09/01/02"),
        ("industrial_design", "A23B 7/16"),
        ("software_copyright", "30"),
    ],
)
def test_invalid_classes(ip_type, raw):
    with pytest.raises(ValidationError):
        normalize_classes(ip_type, raw)


@pytest.mark.django_db
def test_form_validates_classes_for_the_type():
    data = {
        "type": "patent",
        "title": "Quy trình",
        "applicant_name": "Viện Lúa",
        "status": "filed",
        "classes": "30",
        "is_public": "on",
    }
    form = IPRecordForm(data)
    assert not form.is_valid()
    assert "classes" in form.errors
    form = IPRecordForm({**data, "classes": "a01h 4/00"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["classes"] == "A01H 4/00"
