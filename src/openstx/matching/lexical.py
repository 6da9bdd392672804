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

        for _start, _end, alternatives in expand([fold(t) for t in toks]):
            for alt in alternatives:
                out += terms(list(alt))
    except Exception:  # noqa: BLE001 - no dictionary (search app absent, table missing)
        return out
    return out


class BM25Index:
    """Okapi BM25 over a fixed list of documents; ``score(query)`` gives one float per document."""

    def __init__(self, docs: Iterable[str], k1: float = 1.2, b: float = 0.6) -> None:
        self.k1, self.b = k1, b
        postings: dict[str, tuple[list[int], list[int]]] = {}
        lengths = []
        for i, text in enumerate(docs):
            counts = Counter(terms(tokens(text)))
            lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self.n = len(lengths)
        dl = np.asarray(lengths, dtype=np.float32)
        avg = float(dl.mean()) if self.n else 1.0
        norm = k1 * (1 - b + b * dl / max(avg, 1e-6))
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.idf: dict[str, float] = {}
        for term, (ids, tfs) in postings.items():
            idx = np.asarray(ids, dtype=np.int32)
            tf = np.asarray(tfs, dtype=np.float32)
            self.postings[term] = (idx, tf * (k1 + 1) / (tf + norm[idx]))
            df = len(ids)
            self.idf[term] = math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def score(self, query: str) -> np.ndarray:
        scores = np.zeros(self.n, dtype=np.float32)
        for term, qtf in Counter(expand_query(tokens(query))).items():
            hit = self.postings.get(term)
            if hit is None:
                continue
            idx, w = hit
            # a repeated query term counts a little more, not linearly
            scores[idx] += w * (self.idf[term] * (1 + 0.3 * math.log(qtf)))
        return scores


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
