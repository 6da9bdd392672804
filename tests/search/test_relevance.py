"""Vietnamese relevance: folding, exact accents first, đ, phrases, dictionary expansion."""

from __future__ import annotations

import pytest

from openstx.search.models import Synonym
from tests.factories import ExpertFactory, OrganizationFactory
from tests.search.conftest import titles

pytestmark = pytest.mark.django_db


def fold_word(q, i):
    return q.lower().split()[i]


def org(name, description="", **kw):
    return OrganizationFactory(name=name, description=description, **kw)


def test_query_without_diacritics_finds_accented_records(apply, search):
    org("Viện Nghiên cứu Nuôi trồng Thủy sản II")
    org("Công ty Phần mềm Sao Mai")
    apply()
    res = search("nuoi trong thuy san")
    assert titles(res) == ["Viện Nghiên cứu Nuôi trồng Thủy sản II"]
    assert search("NUOI TRONG").total == 1


def test_exact_diacritics_rank_first(apply, search):
    # many folded look-alikes, with the ambiguous syllable in the (heavier) title
    org("Ca dao Nam Bộ", "ca dao ca dao")
    org("Cà phê Đồng Nai", "cà phê cà phê")
    org("Cả nước chung tay", "cả nước")
    org("Trung tâm Giống", "nuôi cá ao")
    apply()
    res = search("cá")
    assert res.total == 4  # folded matches are still found …
    assert res.hits[0].title == "Trung tâm Giống"  # … but the exact accent is first
    # without accents the folded field decides: the title matches win
    assert search("ca").hits[-1].title == "Trung tâm Giống"


def test_d_stroke_folding(apply, search):
    org("Sở Khoa học Đồng Tháp")
    org("Trường Đại học Cần Thơ")
    apply()
    assert titles(search("dong thap")) == ["Sở Khoa học Đồng Tháp"]
    assert titles(search("Đồng Tháp")) == ["Sở Khoa học Đồng Tháp"]
    for q in ("dai hoc", "ĐẠI HỌC"):
        res = search(q)  # every word: one record; then the one that only has "học"
        assert res.complete == 1
        assert titles(res) == ["Trường Đại học Cần Thơ", "Sở Khoa học Đồng Tháp"]
        assert res.hits[0].missing == [] and res.hits[1].missing == [fold_word(q, 0)]


def test_adjacent_syllables_outrank_scattered(apply, search):
    org("Hợp tác xã A", "Sản xuất lúa, trồng rau, nuôi heo; thủy lợi nội đồng và thủy sản")
    org("Hợp tác xã B", "Mô hình nuôi trồng thủy sản kết hợp trồng lúa trên ruộng")
    apply()
    for q in ("nuôi trồng thủy sản", "nuoi trong thuy san"):
        res = search(q)
        assert titles(res) == ["Hợp tác xã B", "Hợp tác xã A"], q


def test_exact_phrase_and_exclusion(apply, search):
    org("Trại tôm A", "nuôi tôm sú thâm canh")
    org("Trại tôm B", "tôm thẻ, nuôi cá")
    apply()
    assert titles(search('"nuôi tôm"')) == ["Trại tôm A"]
    assert titles(search('"nuoi tom"')) == ["Trại tôm A"]
    assert titles(search("tôm -sú")) == ["Trại tôm B"]
    assert titles(search("tôm NOT su")) == ["Trại tôm B"]
    assert search("sú OR cá").total == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ĐBSCL", "Liên minh đồng bằng sông Cửu Long"),
        ("dbscl", "Liên minh đồng bằng sông Cửu Long"),
        ("CNTT", "Trung tâm Công nghệ thông tin"),
        ("công nghệ thông tin", "Hội Tin học CNTT"),
        ("KH&CN", "Sở Khoa học và Công nghệ"),
        ("thành phố Cần Thơ", "UBND TP. Cần Thơ"),
        ("SHTT", "Văn phòng sở hữu trí tuệ"),
        ("dứa", "Hợp tác xã khóm Cầu Đúc"),
        ("trai thom", "Hợp tác xã khóm Cầu Đúc"),
    ],
)
def test_abbreviations_and_synonyms_expand(apply, search, query, expected):
    for name in (
        "Liên minh đồng bằng sông Cửu Long",
        "Trung tâm Công nghệ thông tin",
        "Hội Tin học CNTT",
        "Sở Khoa học và Công nghệ",
        "UBND TP. Cần Thơ",
        "Văn phòng sở hữu trí tuệ",
        "Hợp tác xã khóm Cầu Đúc",
    ):
        org(name)
    apply()
    assert expected in titles(search(query))


def test_staff_edited_synonym_applies(apply, search):
    org("Vườn bưởi Năm Roi")
    apply()
    assert search("pomelo").total == 0
    Synonym.objects.create(terms="pomelo = bưởi")
    assert titles(search("pomelo")) == ["Vườn bưởi Năm Roi"]
    # the seeded entry: da xanh = bưởi
    assert titles(search("da xanh")) == ["Vườn bưởi Năm Roi"]


def test_snippet_is_cut_from_accented_original_with_marks(apply, search):
    org("Viện A", "Giới thiệu. " + "Chuyển giao quy trình nuôi tôm càng xanh cho nông dân. " * 3)
    apply()
    hit = search("nuoi tom").hits[0]
    assert "<mark>nuôi tôm</mark>" in hit.snippet
    assert "càng xanh" in hit.snippet
    assert "<mark>" in str(search("viện").hits[0].title_html)


def test_snippet_escapes_html(apply, search):
    org("Viện B", "<script>alert(1)</script> chế phẩm sinh học")
    apply()
    snippet = str(search("chế phẩm").hits[0].snippet)
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_filters_facets_and_type(apply, search):
    o = org("Viện Lúa", "giống lúa chịu mặn")
    ExpertFactory(full_name="Lê Văn Lúa", organization=o, keywords="giống lúa")
    apply()
    res = search("lúa")
    assert res.type_counts == {"organization": 1, "expert": 1}
    assert {f.value for f in res.facets["org"]} == {str(o.pk)}
    assert [h.type for h in search("lúa type:expert").hits] == ["expert"]
    assert [h.type for h in search("lúa", types=["organization"]).hits] == ["organization"]
    assert search("lúa", filters={"org": [str(o.pk)]}).total == 2
    assert search("lúa", filters={"org": ["999999"]}).total == 0
    # the type tab counts ignore the type filter
    assert search("lúa", types=["expert"]).type_counts == {"organization": 1, "expert": 1}


def test_relaxed_when_no_record_has_every_word(apply, search):
    org("Nhà máy chế biến thủy sản")
    apply()
    res = search("chế biến thủy sản xyzzy")
    assert res.relaxed and res.total == 1


def test_sort_by_date_and_pagination(apply, search):
    for i in range(25):
        org(f"Hợp tác xã nông nghiệp {i}")
    apply()
    first = search("hop tac xa", per_page=10)
    assert first.total == 25 and first.num_pages == 3 and len(first.hits) == 10
    third = search("hop tac xa", per_page=10, page=3)
    assert len(third.hits) == 5
    seen = {h.id for p in (1, 2, 3) for h in search("hop tac xa", per_page=10, page=p).hits}
    assert len(seen) == 25
    assert search("hop tac xa", sort="date").total == 25
    assert search("hop tac xa", page="abc").page == 1


def test_suggest_prefix_without_accents(apply):
    from openstx.search.service import suggest

    org("Viện Nghiên cứu Nuôi trồng Thủy sản")
    org("Nhà máy nước")
    apply()
    out = suggest("nuoi tr")
    assert [s["title"] for s in out if s["type"] != "query"] == [
        "Viện Nghiên cứu Nuôi trồng Thủy sản"
    ]
    assert "<mark>" in out[0]["title_html"]
    assert suggest("") == [] and suggest("   ") == []


def test_expert_contact_details_are_not_indexed(apply, search):
    ExpertFactory(full_name="Phạm Văn Bí Mật", email="bimat@example.vn", phone="0909123456")
    apply()
    assert search("bimat").total == 0
    assert search("0909123456").total == 0
    assert search("Bí Mật").total == 1
