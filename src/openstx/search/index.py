"""The Tantivy index on disk: schema, generations, the ``CURRENT`` pointer, locks, readers.

Layout of ``settings.SEARCH_INDEX_DIR``::

    CURRENT            name of the live generation (replaced atomically by ``os.replace``)
    writer.lock        flock held by the one writer of this node (apply / swap)
    build.lock         flock held by a running rebuild
    gen-<stamp>/       a Tantivy index + state.json (outbox position of this replica)

Readers compare ``CURRENT`` and ``state.json`` with what they opened and reload when either
changed, so a commit or a swap made by another process is visible on the next search.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings

from openstx.search.analysis import ANALYZER, WHITESPACE

try:  # POSIX advisory locks; on other systems the single-writer rule is the operator's
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

TIERS = ("title", "summary", "body")
SCHEMA_VERSION = 1
STATE_FILE = "state.json"
SNIPPET_SOURCE_CHARS = 20_000


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("key", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("type", stored=True, tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("scope", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("ext", tokenizer_name="raw", index_option="basic")
    for tier in TIERS:
        sb.add_text_field(f"{tier}_x", tokenizer_name="vi")  # lower-cased, accents kept
        sb.add_text_field(f"{tier}_f", tokenizer_name="vi")  # folded: no diacritics, đ→d
        sb.add_text_field(f"{tier}_b", tokenizer_name="ws", index_option="freq")  # bigrams
    for facet in ("field", "org", "region", "kind"):
        sb.add_text_field(f"f_{facet}", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_integer_field("trl", indexed=True, fast=True)
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("date", indexed=True, fast=True)
    sb.add_bytes_field("meta", stored=True)  # JSON: title, url, external_id, pk, fp
    sb.add_bytes_field("snip", stored=True)  # original accented text for snippets
    return sb.build()


SCHEMA = build_schema()


def _register(index: tantivy.Index) -> tantivy.Index:
    index.register_tokenizer("vi", ANALYZER)
    index.register_tokenizer("ws", WHITESPACE)
    return index


def node_name() -> str:
    configured = getattr(settings, "SEARCH_NODE_NAME", None) or os.environ.get("OPENSTX_NODE_NAME")
    if configured:
        return str(configured)
    return f"{socket.gethostname()}:{Path(settings.SEARCH_INDEX_DIR).resolve()}"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class _Opened:
    """An open generation: the Index object and the stamps it was loaded with."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index = _register(tantivy.Index(SCHEMA, str(path), reuse=True))
        self.state_mtime = _mtime(path / STATE_FILE)
        self.lock = threading.Lock()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


class IndexStore:
    """One node's index replica under ``root`` (default ``settings.SEARCH_INDEX_DIR``)."""

    _cache: dict[str, _Opened] = {}
    _live: dict[str, str] = {}
    _cache_lock = threading.Lock()

    def __init__(self, root: str | Path | None = None, name: str | None = None) -> None:
        self.root = Path(root or settings.SEARCH_INDEX_DIR).resolve()
        self.name = name or (node_name() if root is None else f"{socket.gethostname()}:{self.root}")

    def __repr__(self) -> str:
        return f"<IndexStore {self.name} {self.root}>"

    # --- generations ---------------------------------------------------------------------
    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_path(self) -> Path | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        path = self.root / name
        return path if name and (path / "meta.json").exists() else None

    def new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.root / f"gen-{stamp}"
        path.mkdir()
        _register(tantivy.Index(SCHEMA, str(path), reuse=False))
        return path

    def swap_to(self, path: Path) -> None:
        """Make ``path`` the live generation (atomic), then drop generations older than the
        previous one."""
        previous = self.current_path()
        _write_atomic(self.pointer, path.name)
        keep = {path.name} | ({previous.name} if previous else set())
        for old in self.root.glob("gen-*"):
            state = read_state(old)
            if old.name not in keep and not state.get("building"):
                shutil.rmtree(old, ignore_errors=True)
        with self._cache_lock:
            for key in [k for k in self._cache if not Path(k).exists()]:
                self._cache.pop(key, None)

    def unfinished_builds(self) -> list[Path]:
        return sorted(p for p in self.root.glob("gen-*") if read_state(p).get("building"))

    def clean_stale(self, resume: Path | None = None) -> list[str]:
        """Remove generations left by killed runs (call while holding the build lock).

        Kept: the live generation, the newest finished one before it (readers in other
        processes may still have it open) and ``resume`` (the build about to continue).
        Removed: older finished generations a killed swap did not delete, abandoned builds, and
        directories a run was killed while creating (no ``state.json``)."""
        live = self.current_path()
        keep = {p.name for p in (live, resume) if p is not None}
        finished = sorted(
            (p for p in self.root.glob("gen-*") if (p / STATE_FILE).exists()),
            key=lambda p: p.name,
        )
        finished = [p for p in finished if not read_state(p).get("building")]
        older = [p for p in finished if live is None or p.name < live.name]
        if older:
            keep.add(older[-1].name)
        removed = []
        for path in self.root.glob("gen-*"):
            if path.name not in keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        return sorted(removed)

    # --- opening -------------------------------------------------------------------------
    def open(self, path: Path) -> _Opened:
        key = str(path)
        with self._cache_lock:
            opened = self._cache.get(key)
            if opened is None:
                opened = _Opened(path)
                self._cache[key] = opened
            return opened

    def searcher(self) -> tuple[tantivy.Searcher, Path] | tuple[None, None]:
        """A searcher on the live generation, reloaded if another writer committed."""
        path = self.current_path()
        if path is None:
            return None, None
        opened = self.open(path)
        live = self._live.get(str(self.root))
        if live != str(path):  # a swap happened: forget older generations of this node
            self._live[str(self.root)] = str(path)
            with self._cache_lock:
                for key in [
                    k for k in self._cache if Path(k).parent == self.root and k != str(path)
                ]:
                    self._cache.pop(key, None)
        mtime = _mtime(path / STATE_FILE)
        if mtime != opened.state_mtime:
            with opened.lock:
                if mtime != opened.state_mtime:
                    opened.index.reload()
                    opened.state_mtime = mtime
        return opened.index.searcher(), path

    def committed(self, path: Path) -> None:
        """After a commit in this process: make this process's readers see it now."""
        opened = self.open(path)
        with opened.lock:
            opened.index.reload()
            opened.state_mtime = _mtime(path / STATE_FILE)

    def size_bytes(self) -> int:
        path = self.current_path()
        if path is None:
            return 0
        return sum(f.stat().st_size for f in path.iterdir() if f.is_file())

    # --- locks ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str = "writer", timeout: float | None = 600.0) -> Iterator[bool]:
        """Exclusive lock on this node's ``<name>.lock``; yields False if ``timeout`` passed
        (``timeout=0``: try once)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / f"{name}.lock", "a+")  # noqa: SIM115
        got = False
        try:
            if fcntl is None:
                got = True
            else:
                deadline = None if timeout is None else time.monotonic() + timeout
                while True:
                    try:
                        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                        got = True
                        break
                    except BlockingIOError:
                        if deadline is not None and time.monotonic() >= deadline:
                            break
                        time.sleep(0.05)
            yield got
        finally:
            if got and fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()


def read_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_state(path: Path, state: dict[str, Any]) -> None:
    _write_atomic(path / STATE_FILE, json.dumps(state, sort_keys=True))


def default_store() -> IndexStore:
    return IndexStore()
