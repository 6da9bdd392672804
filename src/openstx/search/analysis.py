"""Vietnamese text analysis shared by the index and the query builder.

One Tantivy analyzer (simple tokenizer: runs of letters/digits; long tokens dropped; lower-cased)
is used on both sides, so a query token always has the same form as the indexed one. Folding is
``openstx.core.text.fold`` (NFD, combining marks dropped, đ→d), done in Python before Tantivy
sees the text, so Tantivy's own ASCII folding is never relied upon.
"""

from __future__ import annotations

import re

import tantivy

from openstx.core.text import fold, has_diacritics, nfc

__all__ = ["analyze", "bigrams", "fold", "fold_fast", "has_diacritics", "nfc", "ANALYZER"]

MAX_TOKEN_LEN = 40

ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(MAX_TOKEN_LEN))
    .filter(tantivy.Filter.lowercase())
    .build()
)
WHITESPACE = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()

BIGRAM_SEP = "_"


def analyze(text: str) -> list[str]:
    """Tokens of ``text`` as the index sees them (lower-cased, accents kept)."""
    if not text:
        return []
    return ANALYZER.analyze(text)


def bigrams(tokens: list[str]) -> list[str]:
    return [f"{a}{BIGRAM_SEP}{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


# --- fast folding with offsets preserved (highlighting) ------------------------------------
_char_fold: dict[int, str] = {}


def fold_fast(text: str) -> str | None:
    """``core.text.fold`` applied character by character and memoised (fast on long NFC text).

    Returns None when folding would change the length, so that offsets in the result always
    match ``text`` (callers then fall back to ``fold``). Pass lower-cased text: per-character
    lower-casing misses context rules (Greek final sigma)."""
    missing = {c for c in set(text) if ord(c) not in _char_fold}
    for c in missing:
        _char_fold[ord(c)] = fold(c) if not c.isspace() else c
    out = text.translate(_char_fold)
    return out if len(out) == len(text) else None


WORD_RE = re.compile(r"[^\W_]+")
