import unicodedata

import pytest

from openstx.core.text import clean, fold, has_diacritics, nfc, slugify_vi


def test_nfc_composes_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Thủy sản")
    assert decomposed != "Thủy sản"
    assert nfc(decomposed) == "Thủy sản"


def test_nfc_removes_control_characters_and_handles_none():
    assert nfc("a\x00b\x07c") == "abc"
    assert nfc(None) == ""


def test_clean_collapses_whitespace():
    assert clean("  Cần   Thơ\n\tmiền Tây ") == "Cần Thơ miền Tây"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đồng Tháp", "dong thap"),
        ("đường", "duong"),
        ("Nuôi trồng THỦY SẢN", "nuoi trong thuy san"),
        ("cá, cà, cả, ca", "ca, ca, ca, ca"),
        ("KH&CN", "kh&cn"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_is_insensitive_to_normal_form():
    assert fold(unicodedata.normalize("NFD", "Đặng Thị Ngọc")) == "dang thi ngoc"


def test_has_diacritics():
    assert has_diacritics("cá")
    assert has_diacritics("Đà")
    assert not has_diacritics("ca tra")
    assert not has_diacritics("CA TRA")


def test_slugify_vi():
    assert slugify_vi("Chế phẩm sinh học cho ao nuôi tôm") == "che-pham-sinh-hoc-cho-ao-nuoi-tom"
    assert slugify_vi("Đường 30/4") == "duong-30-4"
    assert slugify_vi("!!!") == "item"
    assert len(slugify_vi("a" * 500, max_length=20)) == 20
