"""The synonym dictionary: accent-aware expansion and the seeded entries."""

from __future__ import annotations

import importlib

import pytest

from openstx.core.text import fold
from openstx.search import synonyms
from openstx.search.analysis import analyze
from openstx.search.migrations._seed import seed_entries
from openstx.search.models import Synonym
from tests.factories import OrganizationFactory
from tests.search.conftest import titles

pytestmark = pytest.mark.django_db

MIGRATION_0003 = importlib.import_module("openstx.search.migrations.0003_seed_domain_synonyms")
SEED_0003 = MIGRATION_0003.SEED


def seed_0003() -> None:
    """What the migration writes (a transactional test elsewhere may have emptied the table)."""
    from django.apps import apps

    seed_entries(SEED_0003).code(apps, None)
    synonyms.clear_cache()


def spans(text: str) -> list[tuple[str, list[str]]]:
    typed = analyze(text)
    folded = [fold(t) for t in typed]
    return [
        (" ".join(typed[a:b]), sorted(" ".join(f) for f in alts))
        for a, b, alts in synonyms.expand(folded, typed)
    ]


def test_a_word_typed_with_accents_matches_only_its_own_accented_form():
    # "lớn" (big) and "lợn" (pig) fold alike; "hũ" (jar) and "hư" (spoilt) too
    Synonym.objects.update(is_active=False)  # only these two entries
    Synonym.objects.create(terms="heo = lợn")
    Synonym.objects.create(terms="bị hư = bị hỏng")
    synonyms.clear_cache()
    assert spans("thịt lợn sạch") == [("lợn", ["heo"])]
    assert spans("cá lớn nhanh") == []
    assert spans("hũ nhựa bị hũ") == []
    assert spans("trái cây bị hư") == [("bị hư", ["bị hỏng"])]
    # either tone-mark placement ("thuỷ" / "thủy", "hoà" / "hòa") is the same word
    Synonym.objects.create(terms="NTTS = nuôi trồng thủy sản")
    Synonym.objects.create(terms="hòa tan = tan trong nước")
    synonyms.clear_cache()
    assert spans("nuôi trồng thuỷ sản") == [("nuôi trồng thuỷ sản", ["ntts"])]
    assert spans("bột hoà tan") == [("hoà tan", ["tan trong nước"])]
    # typed without accents: every form it may stand for
    assert spans("thit lon") == [("lon", ["heo"])]
    assert spans("ca bi hu") == [("bi hu", ["bị hỏng"])]
    # without the typed words (older callers) the match stays folded
    assert synonyms.expand([fold(t) for t in analyze("cá lớn")]) != []


def test_accent_aware_expansion_in_search(apply, search):
    OrganizationFactory(name="Trại heo Phú An", description="")
    OrganizationFactory(name="Xưởng tôm lớn", description="")
    Synonym.objects.update(is_active=False)
    Synonym.objects.create(terms="heo = lợn")
    synonyms.clear_cache()
    apply()
    # the search itself ignores accents ("lớn" is found by "lợn"), the dictionary does not
    assert "Trại heo Phú An" in titles(search("lợn"))
    assert titles(search("lớn")) == ["Xưởng tôm lớn"]


def test_fragrant_is_not_pineapple():
    from django.apps import apps

    Synonym.objects.update(is_active=False)
    Synonym.objects.create(terms="khóm = dứa = thơm")
    importlib.import_module("openstx.search.migrations.0004_pineapple_not_fragrant").forward(
        apps, None
    )
    synonyms.clear_cache()
    assert spans("giống lúa thơm, gạo thơm giữ mùi thơm") == []
    assert spans("nước ép trái thơm") == [("trái thơm", ["dứa", "khóm", "quả thơm"])]


def test_the_seeded_dictionary_is_loaded_and_consistent():
    seed_0003()
    seed_0003()  # idempotent
    assert Synonym.objects.filter(terms__in=[t for t, _k in SEED_0003]).count() == len(SEED_0003)
    loaded = set(Synonym.objects.values_list("terms", flat=True))
    assert {terms for terms, _kind in SEED_0003} <= loaded
    owner: dict[tuple[str, ...], str] = {}
    for terms, kind in SEED_0003:
        assert kind in {"synonym", "abbreviation"}
        forms = synonyms.forms_of(Synonym(terms=terms).term_list())
        assert len(forms) >= 2, terms  # an entry with one form expands nothing
        for form in forms:
            # a form in two entries would silently expand to only one of them
            assert form not in owner, (terms, owner.get(form))
            owner[form] = terms


def test_a_demand_in_everyday_words_finds_the_offer_in_standard_words():
    """Matching's lexical side reads the dictionary: "bắp" is "ngô", "xài" is "sử dụng"."""
    from openstx.matching.lexical import BM25Index

    seed_0003()
    bm = BM25Index(
        [
            "Máy tách hạt ngô năng suất cao cho hợp tác xã",
            "Máy sấy lúa tầng sôi",
            "Lò hơi đốt trấu",
        ]
    )
    scores = bm.score("Cần máy lột bắp cho HTX")
    assert scores.argmax() == 0 and scores[0] > 0
