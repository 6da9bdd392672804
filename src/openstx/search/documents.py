"""Turn a registered record into one Tantivy document."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from typing import Any

import tantivy

from openstx.core.text import clean, fold, nfc
from openstx.search.analysis import analyze, bigrams, fold_fast
from openstx.search.index import SNIPPET_SOURCE_CHARS, TIERS
from openstx.search.registry import FACETS, SearchSpec

log = logging.getLogger(__name__)


def key_of(type_name: str, pk: Any) -> str:
    return f"{type_name}:{pk}"


def _scopes(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or [])
    out = [str(v).strip() for v in items if str(v).strip()]
    return out or ["restricted"]


def _epoch(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return int(value.timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp())
    return int(value)


def _values(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if v is not None and v != ""]
    return [value]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


#: After a record's URL fails to compute, that type's URLs are not tried again for this long.
URL_RETRY_SECONDS = 60.0
_url_failed: dict[str, float] = {}


def _url(spec: SearchSpec, obj: Any) -> str:
    """The record's URL, or "" when it cannot be computed: a broken URL conf must not stop
    indexing. The failure is logged, and the type's URLs are not tried again for
    ``URL_RETRY_SECONDS`` — a failing ``reverse()`` re-imports the whole URL conf (every app's
    API included) on each call, which took the writer from ~1,000 to ~30 documents/s in a
    process that had once failed to import it."""
    failed = _url_failed.get(spec.type)
    if failed is not None and time.monotonic() - failed < URL_RETRY_SECONDS:
        return ""
    try:
        url = str(spec.url(obj) or "")
    except Exception:
        _url_failed[spec.type] = time.monotonic()
        log.exception(
            "search: the URL of %s %s failed; %s documents are indexed without a URL for %.0f s",
            spec.type,
            getattr(obj, "pk", "?"),
            spec.type,
            URL_RETRY_SECONDS,
        )
        return ""
    _url_failed.pop(spec.type, None)
    return url


def extract(spec: SearchSpec, obj: Any) -> dict[str, Any]:
    """Everything the index keeps about ``obj``, as plain data (also fingerprinted)."""
    texts = spec.text(obj)
    tiers = {}
    for tier in TIERS:
        joined = "\n".join(nfc(v).strip() for v in texts.get(tier, []) if v)
        tiers[tier] = joined[: spec.max_chars.get(tier, 200_000)]
    facets_in = spec.facets(obj) or {}
    facets = {name: [str(v) for v in _values(facets_in.get(name))] for name in FACETS}
    return {
        "type": spec.type,
        "pk": str(obj.pk),
        "title": clean(spec.title(obj))[:500],
        "url": _url(spec, obj),
        "external_id": spec.external_id(obj) or "",
        "scope": sorted(set(_scopes(spec.scope(obj)))),
        "date": _epoch(spec.date(obj)),
        "tiers": tiers,
        "facets": facets,
    }


def fingerprint(data: dict[str, Any]) -> str:
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.blake2b(raw, digest_size=10).hexdigest()


def build(spec: SearchSpec, obj: Any) -> tantivy.Document:
    return from_data(extract(spec, obj))


def index_language() -> Any:
    """Labels (choices, type names) are indexed in the site language, whoever runs the writer."""
    from django.conf import settings
    from django.utils import translation

    return translation.override(settings.LANGUAGE_CODE)


def from_data(data: dict[str, Any]) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("key", key_of(data["type"], data["pk"]))
    doc.add_text("type", data["type"])
    for scope in data["scope"]:
        doc.add_text("scope", scope)
    if data["external_id"]:
        doc.add_text("ext", data["external_id"])
    for tier, text in data["tiers"].items():
        if not text:
            continue
        folded = fold_fast(text.lower()) or fold(text)
        doc.add_text(f"{tier}_x", text)
        doc.add_text(f"{tier}_f", folded)
        pairs = bigrams(analyze(folded))
        if pairs:
            doc.add_text(f"{tier}_b", " ".join(pairs))
    facets = data["facets"]
    for name in ("field", "org", "region", "kind"):
        for value in facets.get(name, []):
            doc.add_text(f"f_{name}", value)
    for name in ("trl", "year"):
        for value in facets.get(name, []):
            number = _int(value)
            if number is not None:
                doc.add_integer(name, number)
    doc.add_integer("date", data["date"])
    meta = {
        "pk": data["pk"],
        "title": data["title"],
        "url": data["url"],
        "external_id": data["external_id"],
        "fp": fingerprint(data),
        "date": data["date"],
    }
    doc.add_bytes("meta", json.dumps(meta, ensure_ascii=False).encode("utf-8"))
    tiers = data["tiers"]
    source = tiers.get("body") or tiers.get("summary") or ""
    if source:
        doc.add_bytes("snip", source[:SNIPPET_SOURCE_CHARS].encode("utf-8"))
    return doc


def read_meta(stored: dict[str, list[Any]]) -> dict[str, Any]:
    raw = (stored.get("meta") or [b"{}"])[0]
    return json.loads(bytes(raw).decode("utf-8"))
