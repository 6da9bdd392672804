"""Snippets cut from the original accented text, with the matched words marked.

Tantivy's snippet generator only knows the field it runs on, and our folded field is not stored;
so matching happens here: the original text is folded character by character (offsets kept),
words are found with one regular expression, and the densest window is cut from the original.
"""

from __future__ import annotations

import functools
import re
from html import escape

from openstx.core.text import fold

SNIPPET_CHARS = 240
FIRST_REGION = 1600


_FOLD_CLASSES: dict[str, str] | None = None
_LATIN_RANGES = ((0x00C0, 0x0250), (0x0370, 0x0400), (0x1E00, 0x1F00), (0x0110, 0x0112))


def _classes() -> dict[str, str]:
    """For each folded character, every character that folds to it (from ``core.text.fold``)."""
    global _FOLD_CLASSES
    if _FOLD_CLASSES is None:
        groups: dict[str, set[str]] = {}
        for lo, hi in _LATIN_RANGES:
            for cp in range(lo, hi):
                ch = chr(cp)
                folded = fold(ch)
                if len(folded) == 1 and folded != ch.lower():
                    groups.setdefault(folded, {folded}).update({ch, ch.lower(), ch.upper()})
        _FOLD_CLASSES = {
            k: "[" + "".join(re.escape(c) for c in sorted(v) if len(c) == 1) + "]"
            for k, v in groups.items()
        }
    return _FOLD_CLASSES


def _word_pattern(words: set[str], folded: bool = False) -> re.Pattern[str] | None:
    return _compiled(frozenset(w for w in words if w), folded)


@functools.lru_cache(maxsize=512)
def _compiled(words: frozenset[str], folded: bool) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive pattern; with ``folded`` every letter also matches its
    accented forms, so folded query words are found in the original text directly."""
    if not words:
        return None
    classes = _classes() if folded else {}
    alternatives = []
    for w in sorted(words, key=len, reverse=True):
        alternatives.append("".join(classes.get(c, re.escape(c)) for c in w))
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})(?![^\W_])", re.IGNORECASE)


def find_matches(text: str, exact: set[str], folded: set[str]) -> list[tuple[int, int]]:
    """Character spans of words in ``text`` matching the query terms.

    A word typed with accents matches only that accented form; a word typed without accents
    matches every accented form. If that strict rule finds nothing, any folded match counts."""
    if not text or not (exact or folded):
        return []
    loose = folded - {fold(e) for e in exact}
    spans: list[tuple[int, int]] = []
    pat_exact = _word_pattern(exact)
    if pat_exact:
        spans += [m.span() for m in pat_exact.finditer(text)]
    pat_loose = _word_pattern(loose, folded=True)
    if pat_loose:
        spans += [m.span() for m in pat_loose.finditer(text)]
    if not spans:
        pat_all = _word_pattern(folded, folded=True)
        if pat_all:
            spans = [m.span() for m in pat_all.finditer(text)]
    return sorted(set(spans))


def _merge(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Join adjacent marked words separated only by spaces ("<mark>nuôi trồng</mark>")."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and text[out[-1][1] : s].strip() == "":
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    parts = []
    pos = 0
    for s, e in _merge(spans, text):
        parts.append(escape(text[pos:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:]))
    return "".join(parts)


def snippet(text: str, exact: set[str], folded: set[str], size: int = SNIPPET_CHARS) -> str:
    """HTML (escaped, ``<mark>`` around matches) of the best ``size``-character window.

    Looks in the first ``FIRST_REGION`` characters, then further only if nothing matched there
    (long documents), so a page of twenty hits costs a few milliseconds."""
    if not text:
        return ""
    region = text[:FIRST_REGION]
    spans = find_matches(region, exact, folded)
    if not spans and len(text) > FIRST_REGION:
        region = text
        spans = find_matches(region, exact, folded)
    if not spans:
        cut = _cut(text, 0, size)
        return _tidy(escape(cut)) + ("…" if len(cut) < len(text) else "")
    # densest window: most distinct matched words whose spans fit in `size` characters (O(n))
    spans = spans[:200]
    keys = [text[a:b].lower() for a, b in spans]
    counts: dict[str, int] = {}
    distinct = 0
    best = (0, 0)
    best_i = best_j = 0
    j = 0
    for i, (_a, b) in enumerate(spans):
        counts[keys[i]] = counts.get(keys[i], 0) + 1
        if counts[keys[i]] == 1:
            distinct += 1
        while b - spans[j][0] > size:
            counts[keys[j]] -= 1
            if counts[keys[j]] == 0:
                distinct -= 1
            j += 1
        score = (distinct, i - j + 1)
        if score > best:
            best = score
            best_j, best_i = j, i
    start_span, end_span = spans[best_j][0], spans[best_i][1]
    slack = max(0, size - (end_span - start_span))
    start = max(0, start_span - slack // 3)
    while start > 0 and not text[start - 1].isspace() and start_span - start < slack:
        start -= 1
    end = min(len(text), start + size)
    if end < end_span:
        end = end_span
    while end < len(text) and not text[end].isspace() and end - end_span < 30:
        end += 1
    window = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    html = mark(text[start:end], window)
    return ("…" if start > 0 else "") + _tidy(html) + ("…" if end < len(text) else "")


def _tidy(html: str) -> str:
    return " ".join(html.split())


def highlight_title(title: str, exact: set[str], folded: set[str]) -> str:
    return mark(title, find_matches(title, exact, folded))


def _cut(text: str, start: int, size: int) -> str:
    if len(text) - start <= size:
        return text[start:]
    end = start + size
    space = text.rfind(" ", start, end)
    return text[start : space if space > start + size // 2 else end]
