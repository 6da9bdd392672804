"""Snippets cut from the original accented text, with the matched words marked.

Tantivy's snippet generator only knows the field it runs on, and our folded field is not stored;
so matching happens here: the original text is folded character by character (offsets kept),
words are found with one regular expression, and the densest window is cut from the original.
"""

from __future__ import annotations

import re
from html import escape

from openstx.core.text import fold
from openstx.search.analysis import WORD_RE, fold_fast

SNIPPET_CHARS = 240
FIRST_REGION = 2500


def _word_pattern(words: set[str]) -> re.Pattern[str] | None:
    words = {w for w in words if w}
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W_])")


def find_matches(text: str, exact: set[str], folded: set[str]) -> list[tuple[int, int]]:
    """Character spans of words in ``text`` matching the query terms.

    A word typed with accents matches only that accented form; a word typed without accents
    matches every accented form. If that strict rule finds nothing, any folded match counts."""
    if not text or not (exact or folded):
        return []
    lowered = text.lower()
    folded_text = fold_fast(lowered) if len(lowered) == len(text) else None
    loose = folded - {fold(e) for e in exact}
    spans: list[tuple[int, int]] = []
    if folded_text is not None:
        pat_exact = _word_pattern(exact)
        if pat_exact:
            spans += [m.span() for m in pat_exact.finditer(lowered)]
        pat_loose = _word_pattern(loose)
        if pat_loose:
            spans += [m.span() for m in pat_loose.finditer(folded_text)]
        if not spans:
            pat_all = _word_pattern(folded)
            if pat_all:
                spans += [m.span() for m in pat_all.finditer(folded_text)]
    else:  # rare: folding changes lengths (e.g. "İ"); compare word by word
        words = [(m.span(), m.group(0).lower()) for m in WORD_RE.finditer(text)]
        spans = [s for s, w in words if w in exact or fold(w) in loose]
        if not spans:
            spans = [s for s, w in words if fold(w) in folded]
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
    text = region
    if not spans:
        cut = _cut(text, 0, size)
        return _tidy(escape(cut)) + ("…" if len(cut) < len(text) else "")
    # densest window: most distinct matched words whose spans fit in `size` characters
    best = (0, 0)
    best_i = best_j = 0
    j = 0
    for i in range(len(spans)):
        while spans[i][1] - spans[j][0] > size:
            j += 1
        if i - j + 1 <= best[1] and best[0] >= i - j + 1:
            continue
        words = {text[s:e].lower() for s, e in spans[j : i + 1]}
        score = (len(words), i - j + 1)
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
