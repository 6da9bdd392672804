"""Loading the code lists (idempotent, bulk) and resolving codes and names."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from openstx.taxonomy import services
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience, TechnologyReadinessLevel


@pytest.fixture
def loaded(db):
    return services.load_all()


def test_load_all_counts_and_idempotence(loaded):
    assert loaded["fields_of_science"].created == FieldOfScience.objects.count() == 157
    assert TechnologyReadinessLevel.objects.count() == 9
    units = AdministrativeUnit.objects
    assert units.filter(level=1, is_current=True).count() == 34
    assert units.filter(level=1, is_current=False).count() == 63
    assert units.filter(level=3, is_current=True).count() > 3000
    assert not units.filter(is_current=False, successor__isnull=True).exists()
    again = services.load_all()
    for stats in again.values():
        assert stats.created == 0 and stats.updated == 0
    assert FieldOfScience.objects.count() == 157


def test_load_updates_changed_rows(loaded):
    FieldOfScience.objects.filter(code="1").update(name_vi="sửa tay")
    stats = services.load_fields_of_science()
    assert stats.updated == 1
    assert FieldOfScience.objects.get(code="1").name_vi == "Khoa học tự nhiên"


def test_field_tree(loaded):
    biotech = FieldOfScience.objects.get(code="10616")
    assert biotech.parent.code == "106"
    assert biotech.parent.parent.code == "1"
    assert biotech.ancestor_codes() == ["1", "106", "10616"]
    ids = services.field_descendant_ids(biotech.parent.parent)
    assert biotech.pk in ids and FieldOfScience.objects.get(code="2").pk not in ids


def test_successors(loaded):
    hau_giang = AdministrativeUnit.objects.get(code="old-93")
    assert hau_giang.name == "Hậu Giang" and not hau_giang.is_current
    assert hau_giang.successor.code == "92"
    assert "2025" in str(hau_giang)
    ward = AdministrativeUnit.objects.filter(level=3, parent__code="92").first()
    assert ward.parent.name == "Thành phố Cần Thơ"
    assert ward.name_folded == ward.name_folded.lower()


@pytest.mark.parametrize(
    "value,expected",
    [
        ("92", "Thành phố Cần Thơ"),
        ("Cần Thơ", "Thành phố Cần Thơ"),
        ("TP. Cần Thơ", "Thành phố Cần Thơ"),
        ("tp can tho", "Thành phố Cần Thơ"),
        ("Thành phố Cần Thơ", "Thành phố Cần Thơ"),
        ("Tỉnh Hậu Giang", "Thành phố Cần Thơ"),
        ("hau giang", "Thành phố Cần Thơ"),
        ("old-93", "Thành phố Cần Thơ"),
        ("Yên Bái", "Lào Cai"),
        ("15", "Lào Cai"),
        ("TP.HCM", "Thành phố Hồ Chí Minh"),
        ("Bà Rịa - Vũng Tàu", "Thành phố Hồ Chí Minh"),
        ("Thừa Thiên Huế", "Thành phố Huế"),
        ("Phường Ninh Kiều, Cần Thơ", "Phường Ninh Kiều"),
    ],
)
def test_resolve_admin_unit(loaded, value, expected):
    assert services.resolve_admin_unit(value).name == expected


def test_resolve_admin_unit_unknown(loaded):
    with pytest.raises(ValueError):
        services.resolve_admin_unit("Atlantis")


@pytest.mark.parametrize(
    "value,code",
    [
        ("10616", "10616"),
        ("Công nghệ sinh học", "10616"),
        ("cong nghe sinh hoc", "10616"),
        ("CÔNG NGHỆ SINH HỌC", "10616"),
        ("10616 Công nghệ sinh học", "10616"),
        ("Natural sciences", "1"),
    ],
)
def test_resolve_field(loaded, value, code):
    assert services.resolve_field(value).code == code


def test_resolve_field_unknown_and_cache_invalidation(loaded):
    with translation.override("en"), pytest.raises(ValueError, match="unknown"):
        services.resolve_field("Giả kim thuật")
    with translation.override("vi"), pytest.raises(ValueError, match="không có lĩnh vực"):
        services.resolve_field("Giả kim thuật")
    FieldOfScience.objects.create(code="999", level=2, name_vi="Giả kim thuật")
    assert services.resolve_field("gia kim thuat").code == "999"


def test_command(db, capsys):
    call_command("load_taxonomies")
    assert "admin_units: 3418 created" in capsys.readouterr().out
    call_command("load_taxonomies")
    assert "0 created, 0 updated" in capsys.readouterr().out
