"""“Did you mean”, built from the index's own vocabulary (titles and summaries).

For each typed syllable the candidates are the accented forms the index holds with the same
folded spelling (``khom`` → ``khóm``, ``khơm``…) or, when none exists, the folded syllables one
edit away (a typo). Adjacent choices are scored by how often the pair occurs as a phrase, so
``ca loc nuoi`` becomes ``cá lóc nuôi`` rather than ``cả lọc nuôi``. Every count is taken over
the records the viewer may see (the scope filter), so a suggestion never reveals a word that
only a restricted record contains.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Any

import tantivy
from django.utils.html import escape

from openstx.core.text import fold, has_diacritics
from openstx.search.index import SCHEMA
from openstx.search.query import ParsedQuery, scope_query

VOCAB_TIERS = ("title", "summary")
MAX_TOKENS = 6
FORMS_PER_TOKEN = 4
PAIR_WEIGHT = 2.0
CACHE_SECONDS = 60.0

_VOWELS = set("aeiouy")
_cache: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple, compute: Any) -> Any:
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    value = compute()
    with _lock:
        _cache[key] = (now, value)
        while len(_cache) > 4096:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _lead(folded: str) -> str:
    """Leading consonants (they carry no accent, except d/đ)."""
    out = ""
    for ch in folded:
        if ch in _VOWELS:
            break
        out += ch
    return out


def _terms(searcher: Any, field: str, prefix: str, scopes: list[str] | None, stamp: Any) -> dict:
    def compute() -> dict[str, int]:
        filt = scope_query(scopes) if scopes is not None else None
        try:
            found = searcher.terms_with_prefix(field, prefix, filter_query=filt)
        except Exception:
            return {}
        return {t: int(c) for t, c in found if c}

    key = ("t", stamp, tuple(scopes or ("*",)), field, prefix)
    return _cached(key, compute)


def _accented_forms(
    searcher: Any, folded: str, scopes: list[str] | None, stamp: Any
) -> dict[str, int]:
    return _cached(
        ("a", stamp, tuple(scopes or ("*",)), folded),
        lambda: _accented_forms_uncached(searcher, folded, scopes, stamp),
    )


def _accented_forms_uncached(
    searcher: Any, folded: str, scopes: list[str] | None, stamp: Any
) -> dict[str, int]:
    lead = _lead(folded)
    prefixes = {lead}
    if lead.startswith("d"):
        prefixes.add("đ" + lead[1:])
    forms: dict[str, int] = {}
    for tier in VOCAB_TIERS:
        for prefix in prefixes:
            if not prefix:
                continue  # a syllable starting with a vowel: too many terms to walk
            for term, count in _terms(searcher, f"{tier}_x", prefix, scopes, stamp).items():
                if fold(term) == folded:
                    forms[term] = forms.get(term, 0) + count
    if not forms:  # vowel-initial syllable or no accented form: the folded vocabulary
        for tier in VOCAB_TIERS:
            try:
                filt = scope_query(scopes) if scopes is not None else None
                n = searcher.terms_with_prefix(f"{tier}_f", folded, filter_query=filt, limit=50)
            except Exception:
                n = []
            for term, count in n:
                if term == folded and count:
                    forms[folded] = forms.get(folded, 0) + int(count)
    return forms


def _edit1(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        )
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


def _near(searcher: Any, folded: str, scopes: list[str] | None, stamp: Any) -> dict[str, int]:
    """Folded syllables one edit away (typos), with their counts."""
    if len(folded) < 3:
        return {}
    return _cached(
        ("n", stamp, tuple(scopes or ("*",)), folded),
        lambda: _near_uncached(searcher, folded, scopes, stamp),
    )


def _near_uncached(
    searcher: Any, folded: str, scopes: list[str] | None, stamp: Any
) -> dict[str, int]:
    out: dict[str, int] = {}
    for tier in VOCAB_TIERS:
        for term, count in _terms(searcher, f"{tier}_f", folded[0], scopes, stamp).items():
            if _edit1(folded, term):
                out[term] = out.get(term, 0) + count
    return out


def _pair_count(searcher: Any, a: str, b: str, scopes: list[str] | None, stamp: Any) -> int:
    def compute() -> int:
        parts = [tantivy.Query.phrase_query(SCHEMA, f"{tier}_x", [a, b]) for tier in VOCAB_TIERS]
        q = tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])
        if scopes is not None:
            q = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, q), (tantivy.Occur.Must, scope_query(scopes))]
            )
        try:
            return int(searcher.search(q, 1, count=True).count or 0)
        except Exception:
            return 0

    return _cached(("p", stamp, tuple(scopes or ("*",)), a, b), compute)


def _options(
    searcher: Any, token: str, scopes: list[str] | None, stamp: Any
) -> list[tuple[str, float]]:
    folded = fold(token)
    if not folded or folded.isdigit():
        return [(token, 0.0)]
    forms = _accented_forms(searcher, folded, scopes, stamp)
    if has_diacritics(token) and token in forms:
        return [(token, math.log1p(forms[token]))]
    if has_diacritics(token) and forms and set(forms) <= {folded}:
        # only the folded vocabulary was read (a vowel-initial syllable such as "ương"): the
        # typed accents are the better spelling, never "correct" them away to "uong"
        return [(token, math.log1p(forms[folded]))]
    if not forms:
        for near, _count in sorted(
            _near(searcher, folded, scopes, stamp).items(), key=lambda kv: -kv[1]
        )[:3]:
            for form, count in _accented_forms(searcher, near, scopes, stamp).items():
                forms[form] = max(forms.get(form, 0), count)
    if not forms:
        return [(token, 0.0)]
    best = sorted(forms.items(), key=lambda kv: -kv[1])[:FORMS_PER_TOKEN]
    return [(form, math.log1p(count)) for form, count in best]


def stamp_of(searcher: Any) -> tuple:
    """Cache key when the caller has none: this searcher object only (no reuse)."""
    return ("searcher", id(searcher))


def best_forms(
    tokens: list[str], searcher: Any, scopes: list[str] | None, stamp: Any = None
) -> list[str]:
    """The likeliest spelling of ``tokens`` in the viewer's records: per token, its accented
    forms (or, failing that, forms one edit away), chosen together with their neighbours."""
    if not tokens:
        return []
    stamp = stamp if stamp is not None else stamp_of(searcher)
    key = ("b", stamp, tuple(scopes or ("*",)), tuple(tokens))
    return _cached(key, lambda: _best_forms(tokens, searcher, scopes, stamp))


def _best_forms(
    tokens: list[str], searcher: Any, scopes: list[str] | None, stamp: Any
) -> list[str]:
    options = [_options(searcher, t, scopes, stamp) for t in tokens]
    best: list[tuple[float, list[str]]] = [(score, [form]) for form, score in options[0]]
    for i in range(1, len(options)):
        step = []
        for form, score in options[i]:
            choice = max(
                (
                    prev_score
                    + score
                    + PAIR_WEIGHT
                    * math.log1p(_pair_count(searcher, path[-1], form, scopes, stamp)),
                    path,
                )
                for prev_score, path in best
            )
            step.append((choice[0], [*choice[1], form]))
        best = step
    return max(best)[1]


def did_you_mean(
    pq: ParsedQuery, searcher: Any, scopes: list[str] | None, stamp: Any = None
) -> dict[str, str] | None:
    """``{"query": corrected text, "html": with the changed words in <em>}`` or None."""
    tokens = [t for g in pq.groups for t in g.alternatives[0].tokens][:MAX_TOKENS]
    if not tokens:
        return None
    chosen = best_forms(tokens, searcher, scopes, stamp)
    if chosen == tokens:
        return None
    html = " ".join(
        f"<em>{escape(c)}</em>" if c != t else escape(c)
        for t, c in zip(tokens, chosen, strict=True)
    )
    return {"query": " ".join(chosen), "html": html}


def restore(
    tokens: list[str], searcher: Any, scopes: list[str] | None, stamp: Any = None
) -> list[str]:
    """Accents restored (and typos corrected) from the viewer's records, in context."""
    return best_forms(tokens, searcher, scopes, stamp)
