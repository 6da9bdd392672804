"""Any user string is a valid query: the service, suggest, page and API never fail."""

from __future__ import annotations

import random

import pytest

from openstx.search import service
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "\t\n",
    '"',
    '""',
    '"""',
    "'",
    "(",
    ")",
    "(((",
    ")))",
    "[",
    "]",
    "{",
    "}",
    "*",
    "**",
    "?",
    ":",
    "::",
    "a:",
    ":a",
    "type:",
    "type:*",
    "year:",
    "year:abc",
    "year:2020..",
    "year:..",
    "year:-5",
    "year:99999999999999999999",
    "trl:>",
    "trl:<=",
    "org:-1",
    "field:\x00",
    "-",
    "--",
    '-"',
    '-"a b',
    "NOT",
    "NOT NOT",
    "OR",
    "AND",
    "OR OR",
    "a OR",
    "OR a",
    "AND OR NOT",
    "a AND b OR c NOT d",
    "+",
    "+a",
    "a^2",
    "a~",
    "a~2",
    "title:a",
    "body_f:x",
    "_all:*",
    "\\",
    "\\\\",
    "/",
    "/.*/",
    "^$",
    "a&b",
    "KH&CN",
    "&&",
    "||",
    "!",
    "%",
    "%%",
    "\x00",
    "\x1f",
    "\u200b",
    "\ufeff",
    "\u202e",
    "😀",
    "🇻🇳🐟",
    "𝓬𝓪",
    "ＡＢＣ",
    "ǅ",
    "İ",
    "ß",
    "ﬁ",
    "cá" * 3000,
    "a " * 5000,
    "x" * 10240,
    "🐟" * 3000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "nuôi\u0301",
    "e\u0301\u0301\u0301",
    '"nuôi tôm',
    'nuôi tôm"',
    "“nuôi tôm”",
    '-""',
    "type:offer type:expert",
    "page:2",
    "year:2020-2025 trl:5..9 org:1 region:92 kind:x field:1",
    "ĐBSCL OR",
    "OR ĐBSCL",
    "đ",
    "Đ",
    "ㅤ",
    "\u0300",
    "́",
]


def _random_strings(n=200, seed=7):
    rng = random.Random(seed)
    alphabet = 'aăâđeêioôơuưy áàảãạ"()-:*ORNTAD &|\\/\x00\n😀' + "".join(
        map(chr, range(0x300, 0x310))
    )
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(n)]


@pytest.fixture
def indexed(apply):
    OrganizationFactory(name="Viện Nghiên cứu Nuôi trồng Thủy sản", description="cá tra (ĐBSCL)")
    OrganizationFactory(name="KH&CN Cần Thơ", description="a OR b AND c")
    apply()


def test_nasty_strings_never_raise(indexed):
    for q in NASTY + _random_strings():
        res = service.search(q)
        assert res.total >= 0
        service.search(q, sort="date", page=q[:5], per_page=q[:3], filters={"year": [q[:20]]})
        service.search(q, types=[q[:20]], filters={"org": [q], "trl": [q[:10]]})
        service.suggest(q)


def test_nasty_strings_through_http(indexed, client):
    for q in NASTY[::3]:
        assert client.get("/search/", {"q": q}).status_code == 200
        assert client.get("/search/suggest/", {"q": q}).status_code == 200
        r = client.get("/api/v1/search", {"q": q, "page": q[:4] or "1"})
        assert r.status_code == 200, (q, r.content[:200])


def test_search_without_index_is_empty_not_an_error(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "nothing-here"
    assert service.search("cá").total == 0
    assert service.suggest("ca") == []
