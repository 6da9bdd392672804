"""The abbreviation and synonym dictionary (``search.Synonym``, edited by staff in the admin).

Entries are matched on folded token sequences, so ``ĐBSCL``, ``dbscl`` and ``Đbscl`` all hit
``ĐBSCL = đồng bằng sông Cửu Long``, and ``KH&CN`` (tokens ``kh cn``) hits its entry.
The dictionary is cached per process and reloaded when an entry changes (``updated_at``) or
after ``CACHE_SECONDS``.
"""

from __future__ import annotations

import functools
import threading
import time
import unicodedata

from django.db.models import Count, Max

from openstx.core.text import fold
from openstx.search.analysis import analyze

CACHE_SECONDS = 30.0

#: Seed entries are in migrations/0002_seed_synonyms.py (staff edit them in the admin).

Entry = list[tuple[str, ...]]  # the forms of one entry, each a tuple of lower-cased tokens

_lock = threading.Lock()
_cache: dict[str, object] = {"stamp": None, "checked": 0.0, "index": {}}


def forms_of(terms: list[str]) -> Entry:
    forms: Entry = []
    seen = set()
    for term in terms:
        tokens = tuple(analyze(term))
        key = tuple(fold(t) for t in tokens)
        if tokens and key not in seen:
            seen.add(key)
            forms.append(tokens)
    return forms


def _load() -> dict[str, list[Entry]]:
    from openstx.search.models import Synonym

    index: dict[str, list[Entry]] = {}
    for syn in Synonym.objects.filter(is_active=True):
        forms = forms_of(syn.term_list())
        if len(forms) < 2:
            continue
        for form in forms:
            index.setdefault(fold(form[0]), []).append(forms)
    return index


def dictionary() -> dict[str, list[Entry]]:
    """First folded token -> entries that may start there."""
    from openstx.search.models import Synonym

    now = time.monotonic()
    if now - float(_cache["checked"]) < 2.0 and _cache["stamp"] is not None:  # type: ignore[arg-type]
        return _cache["index"]  # type: ignore[return-value]
    try:
        agg = Synonym.objects.aggregate(m=Max("updated_at"), n=Count("id"))
    except Exception:  # table missing during migrations
        return {}
    stamp = (agg["m"], agg["n"])
    with _lock:
        if stamp != _cache["stamp"] or now - float(_cache["checked"]) > CACHE_SECONDS:  # type: ignore[arg-type]
            _cache["index"] = _load()
            _cache["stamp"] = stamp
        _cache["checked"] = now
    return _cache["index"]  # type: ignore[return-value]


def clear_cache() -> None:
    with _lock:
        _cache.update(stamp=None, checked=0.0, index={})


@functools.lru_cache(maxsize=50_000)
def marks(token: str) -> tuple[str, ...]:
    """The diacritics of ``token``, wherever they sit: "thuỷ" and "thủy", "hoà" and "hòa" (both
    tone-mark placements are in everyday use) have the same marks; "lớn" and "lợn" do not."""
    decomposed = unicodedata.normalize("NFD", token.lower())
    found = [ch for ch in decomposed if unicodedata.combining(ch)]
    found += ["đ"] * decomposed.count("đ")
    return tuple(sorted(found))


def expand(
    folded: list[str], typed: list[str] | None = None
) -> list[tuple[int, int, list[tuple[str, ...]]]]:
    """Find dictionary entries in a folded token run, longest match first, left to right.

    ``typed`` (the same tokens lower-cased with their accents, optional) makes the match
    accent-aware: a token written with accents must equal the form's token, one written without
    accents matches any accented form. So "hũ nhựa" (a jar) never expands an entry for "hư"
    (spoilt) although both fold to "hu", and "lớn" (big) never expands "lợn" (pig), while a
    query typed without accents still finds every entry it may mean. The marks are compared
    wherever they sit (:func:`marks`): "thuỷ sản" still expands an entry written "thủy sản".

    Returns ``(start, end, alternatives)`` spans; alternatives (accented, lower-case token
    tuples) exclude the span's own form."""
    index = dictionary()
    if not index:
        return []
    accented = (
        [t != f for t, f in zip(typed, folded, strict=True)]
        if typed is not None and len(typed) == len(folded)
        else None
    )
    spans = []
    i = 0
    while i < len(folded):
        best: tuple[int, Entry] | None = None
        for entry in index.get(folded[i], []):
            for form in entry:
                n = len(form)
                if tuple(folded[i : i + n]) != tuple(fold(t) for t in form):
                    continue
                if accented is not None and any(
                    accented[i + k] and marks(typed[i + k]) != marks(form[k])  # type: ignore[index]
                    for k in range(n)
                ):
                    continue
                if best is None or n > best[0]:
                    best = (n, entry)
        if best is None:
            i += 1
            continue
        n, entry = best
        own = tuple(folded[i : i + n])
        spans.append((i, i + n, [f for f in entry if tuple(fold(t) for t in f) != own]))
        i += n
    return spans
