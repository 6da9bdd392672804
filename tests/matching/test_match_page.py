"""The matching page as a person reads it: concepts without fragments, field names (never codes)
in the viewer's language, the score as a label (number on hover), and an action — or a sentence
saying what to do first — on every suggestion."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from openstx.exchange.models import ListingStatus
from openstx.matching import services
from openstx.matching.lexical import STOPWORDS
from openstx.matching.reasons import SCORE_LABELS, meaningful, score_label, shared_concepts

# --- concepts (no database) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text", "never"),
    [
        # "vị, định": single syllables of compounds, across a comma
        (
            "Giữ hương vị, ổn định màu sắc của nước ép",
            "Đơn vị chúng tôi xác định hương liệu. Quy định về nước ép",
            {"vị", "định", "vị, định"},
        ),
        # "công ty": a generic phrase
        (
            "Công ty cần máy đóng gói",
            "Công ty TNHH cung cấp dây chuyền đóng gói",
            {"công ty", "công ty tnhh"},
        ),
        # "sấy lạnh bao": a run crossing a sentence/clause boundary
        (
            "Máy sấy lạnh bao gồm buồng sấy và bơm nhiệt",
            "Sấy lạnh. Bao gói chân không cho trái cây sấy",
            {"sấy lạnh bao", "lạnh bao"},
        ),
    ],
)
def test_no_fragments(query, text, never):
    found = {c.lower() for c in shared_concepts(query, text)}
    assert not found & never, found


def test_concepts_are_whole_phrases_of_both_texts():
    q = "Cần công nghệ sấy lạnh giữ hương vị xoài sấy dẻo; bảo quản lâu"
    t = "Máy sấy lạnh cho xoài sấy dẻo, giữ nguyên hương vị. Công ty hỗ trợ lắp đặt"
    found = shared_concepts(q, t, keywords=["công nghệ", "xoài"])
    assert "xoài sấy dẻo" in found and "hương vị" in found
    assert "công nghệ" not in found  # a generic keyword is not a concept
    for concept in found:
        words = concept.split()
        assert any(w not in STOPWORDS for w in words)
        assert meaningful(concept) or (len(words) == 1 and concept == "xoài")


def test_a_one_word_concept_only_when_it_is_a_whole_word():
    assert shared_concepts("Xoài chín nhanh, để vài ngày là hỏng", "Bao màng bảo quản xoài") == [
        "xoài"
    ]
    assert shared_concepts("Ổn định nhiệt độ", "Quy định an toàn") == []  # "định"


def test_stop_and_generic_words_only_never_make_a_concept():
    assert not meaningful("công ty")
    assert not meaningful("của các")
    assert not meaningful("công ty sản phẩm")
    assert meaningful("cao su")  # "cao" alone is not generic: half of a compound
    assert meaningful("môi trường nước")


def test_labels_by_thresholds():
    (very, _c1, _l1), (good, _c2, _l2), (_low, _c3, _l3) = SCORE_LABELS
    assert score_label(very)[0] == "very_good" and score_label(1.2)[0] == "very_good"
    assert score_label(very - 0.001)[0] == "good" and score_label(good)[0] == "good"
    assert score_label(good - 0.001)[0] == "related" and score_label(0)[0] == "related"
    with translation.override("vi"):
        assert [score_label(x)[1] for x in (0.9, 0.6, 0.1)] == [
            "rất phù hợp",
            "phù hợp",
            "có liên quan",
        ]


# --- pages and API (database, real vectors) -----------------------------------------------------


def _reasons(html: str) -> str:
    return " ".join(re.findall(r'data-testid="reasons">(.*?)</ul>', html, flags=re.S))


@pytest.mark.django_db
def test_page_field_names_labels_and_no_codes(world):
    world.f40107.name_en = "Post-harvest storage and processing"
    world.f40107.save()
    c = Client()
    c.force_login(world.owner)
    html = c.get(f"/matching/demands/{world.need.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    reasons = _reasons(html)
    assert "Cùng lĩnh vực: Bảo quản và chế biến nông sản" in reasons
    assert not re.search(r"\b\d{3,}\b", reasons), reasons  # no field code
    assert 'data-testid="match-score"' in html
    assert re.search(r'title="[^"]*: \d[.,]\d\d"', html)  # the number on hover
    assert any(lbl in html for lbl in ("rất phù hợp", "phù hợp", "có liên quan"))
    world.owner.language = "en"
    world.owner.save(update_fields=["language"])
    c.cookies["openstx_language"] = "en"
    html = c.get(f"/matching/demands/{world.need.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Post-harvest storage and processing" in _reasons(html)


@pytest.mark.django_db
def test_api_has_the_label(world):
    rows = Client().get(f"/api/v1/demands/{world.need.pk}/matches?limit=3").json()
    assert rows and {"score", "score_level", "score_label"} <= set(rows[0])
    assert rows[0]["score_level"] == score_label(rows[0]["score"])[0]


@pytest.mark.django_db
def test_actions_by_listing_state_and_viewer(world):
    world.expert.organization = world.institute  # an expert who can be asked
    world.expert.save()
    url = f"/matching/demands/{world.need.pk}/"
    owner = Client()
    owner.force_login(world.owner)
    html = owner.get(url).content.decode()
    assert "Request a connection" in html or "Gửi yêu cầu kết nối" in html
    assert html.count('data-testid="expert-action"') == html.count('data-testid="match-expert"')
    assert 'data-testid="connect-hint"' not in html
    # asking the expert goes through the exchange's request mechanism
    conn = services.connect(world.owner, demand=world.need, expert=world.expert)
    assert conn.expert_id == world.expert.pk
    # a draft demand: no request button, a sentence saying to publish it first
    world.need.status = ListingStatus.DRAFT
    world.need.save()
    services.invalidate()
    html = owner.get(url).content.decode()
    assert 'data-testid="connect-hint"' in html
    assert "Publish the demand" in html or "Công bố nhu cầu" in html
    assert 'name="offer"' not in html  # no "request a connection" form
    assert 'data-testid="expert-action"' not in html
    # someone else on a published demand: a sentence, and the expert's profile
    world.need.status = ListingStatus.PUBLISHED
    world.need.save()
    services.invalidate()
    other = Client()
    other.force_login(world.outsider)
    html = other.get(url).content.decode()
    assert 'data-testid="connect-hint"' in html and 'name="offer"' not in html
    assert html.count('data-testid="expert-hint"') == html.count('data-testid="match-expert"')
    # a broker connects
    broker = Client()
    broker.force_login(world.broker)
    html = broker.get(url).content.decode()
    assert 'data-testid="connect-hint"' not in html and 'data-testid="expert-action"' in html


@pytest.mark.django_db
def test_connect_hint_by_state(world):
    S = ListingStatus
    need = world.need
    assert services.connect_hint(world.owner, need) == ""
    for status, words in (
        (S.DRAFT, "Publish"),
        (S.SUBMITTED, "waiting for approval"),
        (S.PAUSED, "Resume"),
        (S.EXPIRED, "expired"),
        (S.WITHDRAWN, "closed"),
    ):
        need.status = status
        with translation.override("en"):
            assert words in services.connect_hint(world.owner, need), status
    with translation.override("vi"):
        need.status = S.DRAFT
        assert "Công bố nhu cầu" in services.connect_hint(world.owner, need)
