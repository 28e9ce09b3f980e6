"""Language identification with a packaged model (py3langid: a numpy port
of langid.py whose model ships inside the wheel, no download)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, max_chars: int = 1500) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability); (None, 0.0) when there is no text.

    The first few thousand characters are enough and keep it fast on long
    documents.
    """
    sample = text[:max_chars]
    if not any(ch.isalpha() for ch in sample):
        return None, 0.0
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)
