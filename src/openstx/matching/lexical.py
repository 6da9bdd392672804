"""Lexical ranking for matching: BM25 over folded syllables and syllable bigrams.

The tokens are the search service's (``openstx.search.analysis.analyze`` + ``core.text.fold``) and
the query side is expanded with the staff-edited synonym dictionary of the search app, so a
demand saying "khóm" finds offers saying "dứa". The search service itself answers *user* queries
(every word required, relaxed to two thirds); a demand is a paragraph of 50–200 words, which needs
"any word, ranked" scoring over a candidate set the matcher has already filtered — hence this
small in-memory ranker that is built next to the vector matrix and shares its invalidation.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from openstx.core.text import fold as _fold_uncached

#: Folding is per syllable and syllables repeat endlessly: memoise.
fold = functools.lru_cache(maxsize=200_000)(_fold_uncached)

_WORD = re.compile(r"[^\W_]+")

#: Vietnamese function words, accented (folding would merge "cá" fish with "cả" all). They are
#: kept inside bigrams ("ao nuôi") but never count alone and never become a "shared concept".
STOPWORDS = frozenset(
    [
        "và",
        "với",
        "của",
        "cho",
        "các",
        "những",
        "một",
        "là",
        "có",
        "được",
        "trong",
        "để",
        "không",
        "thì",
        "mà",
        "bị",
        "đã",
        "sẽ",
        "này",
        "đó",
        "từ",
        "đến",
        "trên",
        "theo",
        "như",
        "khi",
        "ra",
        "vào",
        "vô",
        "lên",
        "xuống",
        "còn",
        "cũng",
        "rất",
        "quá",
        "hơn",
        "nhiều",
        "ít",
        "mỗi",
        "hay",
        "hoặc",
        "nên",
        "vì",
        "nếu",
        "cái",
        "chiếc",
        "người",
        "ta",
        "tôi",
        "chúng",
        "mình",
        "bạn",
        "anh",
        "chị",
        "em",
        "họ",
        "nó",
        "gì",
        "nào",
        "đâu",
        "sao",
        "thế",
        "vậy",
        "rồi",
        "luôn",
        "đang",
        "vẫn",
        "lại",
        "phải",
        "cần",
        "muốn",
        "biết",
        "làm",
        "bằng",
        "tại",
        "sau",
        "trước",
        "giữa",
        "ngoài",
        "bên",
        "cách",
        "nhất",
        "từng",
        "gần",
        "hiện",
        "năm",
        "tháng",
        "ngày",
        "giờ",
        "lần",
        "cứ",
        "chưa",
        "cả",
        "tất",
        "đều",
        "chỉ",
        "đối",
        "đây",
        "kia",
        "ấy",
        "ơi",
        "à",
        "ừ",
        "nhé",
        "nhau",
        "ai",
        "hai",
        "ba",
        "bốn",
        "sáu",
        "bảy",
        "tám",
        "chín",
        "mười",
        "trăm",
        "nghìn",
        "ngàn",
        "triệu",
        "tỷ",
        "về",
        "bởi",
        "tuy",
        "nhiên",
        "tức",
        "số",
        "phần",
        "kg",
        "ha",
        "tấn",
        "hoài",
        "mấy",
        "chừng",
        "nhà",
        "bữa",
        "nay",
        "đi",
        "tới",
        "được",
        "thấy",
        "gì",
    ]
)


def tokens(text: str) -> list[str]:
    """Lower-cased syllables of ``text``, accents kept (the search index's tokenizer)."""
    try:
        from openstx.search.analysis import analyze

        raw = analyze(text)
    except Exception:  # search app unavailable: same rule (runs of letters/digits, lower-cased)
        raw = _WORD.findall(text.lower())
    return [t for t in raw if len(t) <= 40]


def terms(toks: Sequence[str]) -> list[str]:
    """Index terms, folded: content syllables and every adjacent bigram (``nuoi_tom``)."""
    folded = [fold(t) for t in toks]
    out = [f for t, f in zip(toks, folded, strict=True) if t not in STOPWORDS and not t.isdigit()]
    out += [
        f"{fa}_{fb}"
        for a, b, fa, fb in zip(toks, toks[1:], folded, folded[1:], strict=False)
        if not (a in STOPWORDS and b in STOPWORDS)
    ]
    return out


def expand_query(toks: list[str]) -> list[str]:
    """Query terms plus the synonym dictionary's alternatives (search app), weighted as usual."""
    out = terms(toks)
    try:
        from openstx.search.synonyms import expand

        for _start, _end, alternatives in expand([fold(t) for t in toks], toks):
            for alt in alternatives:
                out += terms(list(alt))
    except Exception:  # noqa: BLE001 - no dictionary (search app absent, table missing)
        return out
    return out


class BM25Index:
    """Okapi BM25 that can be updated one document at a time.

    Documents live in *slots*: :meth:`add` appends one (its postings keep the raw term
    frequency), :meth:`remove` frees its slot (postings of a removed slot are ignored and its
    length leaves the average). The BM25 weights are computed at query time from the raw term
    frequencies, the live document count and average length, so an update costs one document's
    tokenisation, not a rebuild. :meth:`score` gives one float per slot (0 for free slots)."""

    def __init__(self, docs: Iterable[str] = (), k1: float = 1.2, b: float = 0.6) -> None:
        self.k1, self.b = k1, b
        self._ids: dict[str, list[int]] = {}
        self._tfs: dict[str, list[int]] = {}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        #: per-term BM25 weights for the current average length (recomputed after an update)
        self._weights: dict[str, np.ndarray] = {}
        self._weights_avg = -1.0
        self.df: Counter[str] = Counter()
        self.lengths: list[int] = []
        self.alive: list[bool] = []
        self._doc_terms: list[tuple[str, ...]] = []
        self.live = 0
        self._total_len = 0
        self._dl: np.ndarray | None = None
        self._alive_arr: np.ndarray | None = None
        for text in docs:
            self.add(text)

    @property
    def n(self) -> int:
        """Number of slots (live and free)."""
        return len(self.lengths)

    def add(self, text: str) -> int:
        """Index ``text`` in a new slot; returns the slot."""
        slot = len(self.lengths)
        counts = Counter(terms(tokens(text)))
        for term, tf in counts.items():
            self._ids.setdefault(term, []).append(slot)
            self._tfs.setdefault(term, []).append(tf)
            self._arrays.pop(term, None)
            self._weights.pop(term, None)
            self.df[term] += 1
        length = sum(counts.values())
        self.lengths.append(length)
        self.alive.append(True)
        self._doc_terms.append(tuple(counts))
        self.live += 1
        self._total_len += length
        self._dl = self._alive_arr = None
        return slot

    def remove(self, slot: int) -> None:
        """Forget the document in ``slot`` (its postings stay but never score)."""
        if slot >= len(self.alive) or not self.alive[slot]:
            return
        self.alive[slot] = False
        for term in self._doc_terms[slot]:
            self.df[term] -= 1
        self._doc_terms[slot] = ()
        self.live -= 1
        self._total_len -= self.lengths[slot]
        self._dl = self._alive_arr = None

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        hit = self._arrays.get(term)
        if hit is None:
            ids = self._ids.get(term)
            if not ids:
                return None
            hit = (np.asarray(ids, dtype=np.int32), np.asarray(self._tfs[term], dtype=np.float32))
            self._arrays[term] = hit
        return hit

    def score(self, query: str, coverage: bool = False) -> Any:
        """BM25 per slot; with ``coverage``, also the share (0–1, IDF-weighted) of the query's
        content syllables each document contains (a synonym counts for the word it expands)."""
        n = self.n
        scores = np.zeros(n, dtype=np.float32)
        cover = np.zeros(n, dtype=np.float32) if coverage else None
        if not self.live:
            return (scores, cover) if coverage else scores
        if self._dl is None:
            self._dl = np.asarray(self.lengths, dtype=np.float32)
            self._alive_arr = np.asarray(self.alive, dtype=bool)
        alive = self._alive_arr
        assert alive is not None  # built together with ``_dl`` just above
        avg = self._total_len / max(self.live, 1)
        if avg != self._weights_avg:
            self._weights, self._weights_avg = {}, avg
        norm_base = None
        toks = tokens(query)
        counted = Counter(expand_query(toks))
        own = {t for t in terms(toks) if "_" not in t}
        total_idf = 0.0
        for term, qtf in counted.items():
            df = self.df.get(term, 0)
            idf = math.log(1 + (self.live - df + 0.5) / (df + 0.5))
            if coverage and term in own:
                total_idf += idf
            if df <= 0:
                continue
            hit = self._postings(term)
            if hit is None:
                continue
            idx, tf = hit
            w = self._weights.get(term)
            if w is None:
                if norm_base is None:
                    norm_base = self.k1 * (1 - self.b + self.b * self._dl / max(avg, 1e-6))
                w = self._weights[term] = tf * (self.k1 + 1) / (tf + norm_base[idx])
            # a repeated query term counts a little more, not linearly
            scores[idx] += w * (idf * (1 + 0.3 * math.log(qtf)))
            if cover is not None and "_" not in term:
                cover[idx] += idf
        scores[~alive] = 0
        if cover is None:
            return scores
        cover[~alive] = 0
        if total_idf > 0:
            np.clip(cover / total_idf, 0, 1, out=cover)
        return scores, cover


# --- shared concepts (reasons) ------------------------------------------------------------------


def _content(tok: str) -> bool:
    """``tok`` lower-cased with its accents."""
    return tok not in STOPWORDS and not tok.isdigit() and len(tok) > 1


def prepare(query: str) -> tuple[str, set[str]]:
    """The query's folded text and folded syllable bigrams (computed once per query)."""
    q_toks = [fold(t) for t in tokens(query)]
    return " " + " ".join(q_toks) + " ", {
        f"{a} {b}" for a, b in zip(q_toks, q_toks[1:], strict=False)
    }


def shared_phrases(
    query: str | tuple[str, set[str]], text: str, keywords: Sequence[str] = (), limit: int = 4
) -> list[str]:
    """Concepts found in both texts, as the candidate writes them.

    First the candidate's own keywords that occur (folded) in the query, then the longest runs of
    at least two content-bearing syllables that both texts contain (e.g. "đáy ao", "nuôi tôm").
    ``query`` is the text or :func:`prepare`'s result.
    """
    q_folded, q_bigrams = prepare(query) if isinstance(query, str) else query
    found: list[str] = []
    seen: set[str] = set()

    def add(label: str, key: str) -> None:
        if key in seen or any(key in s for s in seen):
            return
        seen.add(key)
        found.append(label)

    for kw in keywords:
        kw_toks = tokens(kw)
        key = " ".join(fold(t) for t in kw_toks)
        if key and any(_content(t) for t in kw_toks) and f" {key} " in q_folded:
            add(kw.strip(), key)
    # runs over the candidate's words, keeping the original (accented) spelling
    words = [(m.group(0).lower(), fold(m.group(0))) for m in _WORD.finditer(text)]
    i = 0
    while i < len(words) - 1:
        j = i
        while j < len(words) - 1 and f"{words[j][1]} {words[j + 1][1]}" in q_bigrams:
            j += 1
        if j > i:
            run = words[i : j + 1]
            if (
                sum(_content(w[0]) for w in run) >= 2
                and _content(run[0][0])
                and _content(run[-1][0])
            ):
                add(" ".join(w[0] for w in run), " ".join(w[1] for w in run))
            i = j + 1
        else:
            i += 1
    if not found:
        # single content words of the candidate's title that the query also uses ("xoài")
        title_end = text.find(". ")
        title = text if title_end < 0 else text[:title_end]
        for m in _WORD.finditer(title):
            word = m.group(0).lower()
            if _content(word) and f" {fold(word)} " in q_folded:
                add(word, fold(word))
            if len(found) >= 3:
                break
    found.sort(key=lambda s: -len(s.split()))
    return found[:limit]
