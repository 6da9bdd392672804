"""What a person reads next to a match: shared concepts, the field by name, a plain score label.

``engine.explain`` calls these. A shared concept is a whole phrase of both texts: runs of words
never cross a sentence or punctuation boundary (in either text), stop-words and generic words
(``data/reason_generic_terms.txt``: "công ty", "sản phẩm", "công nghệ"…) are trimmed from its
ends, and a phrase left with fewer than two meaningful syllables is dropped — so "vị, định",
"công ty" or "sấy lạnh bao" are never shown. The candidate's own keywords count when the other
text contains them whole. Field names come from the taxonomy in the viewer's language; the
score label thresholds are :data:`SCORE_LABELS`, the one place that sets them."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sequence
from pathlib import Path

from django.db import DatabaseError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from openstx.core.text import fold, nfc
from openstx.matching.lexical import STOPWORDS

DATA = Path(__file__).with_name("data") / "reason_generic_terms.txt"
SINGLE_WORDS = Path(__file__).with_name("data") / "reason_single_words.txt"

#: (lowest score, label), best first: the label of a score is the first whose threshold it
#: reaches. The number itself stays on hover (``title``) and in the API's ``score``.
SCORE_LABELS = (
    (0.75, "very_good", _("very good match")),
    (0.5, "good", _("good match")),
    (0.0, "related", _("related")),
)

# A boundary: sentence and clause punctuation, brackets, line breaks, list bullets
_SEGMENT = re.compile(r"[.,;:!?()\[\]{}\"“”«»\n\r\t•·|/–—]+|\s-\s")
_WORD = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=1)
def _generic() -> tuple[frozenset[str], frozenset[str]]:
    """(generic single words, generic phrases), lower-cased with their accents."""
    singles: set[str] = set()
    phrases: set[str] = set()
    for line in DATA.read_text(encoding="utf-8").splitlines():
        line = nfc(line.strip().lower())
        if not line or line.startswith("#"):
            continue
        key = " ".join(_WORD.findall(line))
        (phrases if " " in key else singles).add(key)
    return frozenset(singles), frozenset(phrases)


@functools.lru_cache(maxsize=1)
def _single_words() -> frozenset[str]:
    """One-syllable words that are whole concepts ("xoài", "tôm"), lower-case with accents."""
    lines = SINGLE_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(nfc(x.strip().lower()) for x in lines if x.strip() and not x.startswith("#"))


def score_label(score: float) -> tuple[str, str]:
    """(code, translated label) for a match score."""
    for low, code, label in SCORE_LABELS:
        if score >= low:
            return code, str(label)
    code, label = SCORE_LABELS[-1][1], SCORE_LABELS[-1][2]
    return code, str(label)


def _segments(text: str) -> list[list[tuple[str, str]]]:
    """The text's clauses, each a list of (word as written, lower-cased; folded)."""
    out = []
    for part in _SEGMENT.split(text or ""):
        words = [(nfc(m.group(0).lower()), fold(m.group(0))) for m in _WORD.finditer(part)]
        if words:
            out.append(words)
    return out


@functools.lru_cache(maxsize=128)
def prepare(query: str) -> tuple[str, frozenset[str]]:
    """The query's clauses folded (``|``-separated) and its folded bigrams within a clause."""
    segs = _segments(query)
    folded = " | ".join(" ".join(f for _w, f in seg) for seg in segs)
    bigrams = frozenset(
        f"{a[1]} {b[1]}" for seg in segs for a, b in zip(seg, seg[1:], strict=False)
    )
    return f" {folded} ", bigrams


def _weak(word: str) -> bool:
    """A stop-word, a generic word, a number or a single letter (``word`` as written, lower)."""
    singles, _phrases = _generic()
    return word in STOPWORDS or word in singles or word.isdigit() or len(word) < 2


@functools.lru_cache(maxsize=1)
def _longest() -> int:
    return max((len(p.split()) for p in _generic()[1]), default=2)


def _trim(run: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop stop-words and generic words or phrases from both ends of a run."""
    _singles, phrases = _generic()
    changed = True
    while run and changed:
        changed = False
        for n in range(_longest(), 1, -1):  # a generic phrase at either end ("công ty")
            if len(run) > n and " ".join(w for w, _f in run[:n]) in phrases:
                run, changed = run[n:], True
            if len(run) > n and " ".join(w for w, _f in run[-n:]) in phrases:
                run, changed = run[:-n], True
        if run and _weak(run[0][0]):
            run, changed = run[1:], True
        if run and _weak(run[-1][0]):
            run, changed = run[:-1], True
    return run


def meaningful(phrase: str) -> bool:
    """A phrase (lower-case, as written) worth showing: not a generic phrase, and at least two
    syllables that are neither stop-words nor generic (a lone syllable of a Vietnamese compound
    is a fragment), not only generic phrases glued together ("công ty sản phẩm")."""
    _singles, phrases = _generic()
    phrase = nfc(phrase.lower())
    if phrase in phrases:
        return False
    strong = [w for w in phrase.split() if not _weak(w)]
    if len(strong) < 2:
        return False
    rest = f" {phrase} "
    for p in sorted(phrases, key=len, reverse=True):
        rest = rest.replace(f" {p} ", " ")
    return any(not _weak(w) for w in rest.split())


def shared_concepts(
    query: str, text: str, keywords: Sequence[str] = (), limit: int = 4
) -> list[str]:
    """Concepts both texts contain, as the candidate writes them, longest first."""
    q_folded, q_bigrams = prepare(query)
    found: list[str] = []
    seen: list[str] = []

    def add(label: str, key: str) -> None:
        padded = f" {key} "
        if any(padded in f" {s} " for s in seen):
            return  # already said, as part of a longer phrase
        for i in reversed(range(len(seen))):  # a longer phrase replaces the words it contains
            if f" {seen[i]} " in padded:
                del seen[i], found[i]
        seen.append(key)
        found.append(label)

    for kw in keywords:
        words = [(nfc(w.lower()), fold(w)) for w in _WORD.findall(kw)]
        key = " ".join(f for _w, f in words)
        if not key or f" {key} " not in q_folded:
            continue
        written = " ".join(w for w, _f in words)
        # a keyword the owner chose may be one meaningful word ("xoài"), never a generic one
        if (len(words) == 1 and not _weak(written)) or (len(words) > 1 and meaningful(written)):
            add(kw.strip(), key)
    for seg in _segments(text):
        i = 0
        while i < len(seg) - 1:
            j = i
            while j < len(seg) - 1 and f"{seg[j][1]} {seg[j + 1][1]}" in q_bigrams:
                j += 1
            if j > i:
                run = _trim(seg[i : j + 1])
                key = " ".join(f for _w, f in run)
                if len(run) >= 2 and meaningful(" ".join(w for w, _f in run)):
                    add(" ".join(w for w, _f in run), key)
                i = j + 1
            else:
                i += 1
    if not found:
        # one-syllable words of the candidate's title that are whole concepts ("xoài"), never
        # a syllable that may be half of a compound ("vị", "định")
        title = _segments(text.split(". ", 1)[0])
        for seg in title:
            for w, f in seg:
                if w in _single_words() and f" {f} " in q_folded:
                    add(w, f)
    found.sort(key=lambda s: -len(s.split()))
    return found[:limit]


_FIELD_NAMES: dict[str, tuple[float, dict[str, str]]] = {}
FIELD_NAMES_TTL = 300.0


def field_name(code: str) -> str:
    """A field of science's name in the active language ("" when unknown: the caller falls
    back to the name the record carries)."""
    from openstx.taxonomy.models import FieldOfScience

    lang = "en" if (get_language() or "vi").startswith("en") else "vi"
    stamp, names = _FIELD_NAMES.get(lang, (0.0, {}))
    if time.monotonic() - stamp > FIELD_NAMES_TTL or code not in names:
        try:
            names = {f.code: f.name for f in FieldOfScience.objects.all()}
        except (DatabaseError, RuntimeError):  # plain records without a database (benchmarks)
            return ""
        _FIELD_NAMES[lang] = (time.monotonic(), names)
    return names.get(code, "")


def _forget_field_names(**_kwargs: object) -> None:
    _FIELD_NAMES.clear()


def _connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from openstx.taxonomy.models import FieldOfScience

    for signal in (post_save, post_delete):
        signal.connect(_forget_field_names, sender=FieldOfScience, dispatch_uid=f"reasons-{signal}")


_connect()
