"""Character n-gram TF-IDF, compatible with scikit-learn's
``TfidfVectorizer(analyzer='char_wb', ngram_range=(lo, hi), sublinear_tf=True)``
but applied with a plain vocabulary dict and numpy at prediction time.

Character n-grams work across scripts and morphology (Bulgarian, Hindi,
Russian) where a small multilingual sentence encoder is weak.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

_WS = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """Exactly scikit-learn's ``_char_wb_ngrams`` on lower-cased text."""
    text = _WS.sub(" ", text.lower())
    grams: list[str] = []
    for w in text.split():
        w = " " + w + " "
        wl = len(w)
        for n in range(lo, hi + 1):
            offset = 0
            grams.append(w[offset : offset + n])
            while offset + n < wl:
                offset += 1
                grams.append(w[offset : offset + n])
            if offset == 0:
                break
    return grams


class CharNgramTfidf:
    def __init__(self, vocab: dict[str, int], idf: np.ndarray, lo: int = 2, hi: int = 5) -> None:
        self.vocab, self.idf, self.lo, self.hi = vocab, idf.astype(np.float32), lo, hi

    @classmethod
    def from_sklearn(cls, vec: object) -> "CharNgramTfidf":
        v = vec  # a fitted TfidfVectorizer
        return cls({k: int(i) for k, i in v.vocabulary_.items()}, v.idf_, *v.ngram_range)  # type: ignore[attr-defined]

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse (indices, values) of one document, L2-normalised."""
        counts = Counter(g for g in char_wb_ngrams(text, self.lo, self.hi))
        idx = [self.vocab[g] for g in counts if g in self.vocab]
        if not idx:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        tf = np.array([counts[g] for g in counts if g in self.vocab], dtype=np.float32)
        ind = np.array(idx, dtype=np.int64)
        val = (1.0 + np.log(tf)) * self.idf[ind]
        val /= max(float(np.linalg.norm(val)), 1e-12)
        return ind, val

    def arrays(self) -> dict[str, np.ndarray]:
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        return {"tfidf_terms": np.array(terms, dtype=object).astype(str), "tfidf_idf": self.idf,
                "tfidf_range": np.array([self.lo, self.hi])}

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> "CharNgramTfidf":
        terms = [str(t) for t in a["tfidf_terms"]]
        lo, hi = (int(x) for x in a["tfidf_range"])
        return cls({t: i for i, t in enumerate(terms)}, a["tfidf_idf"], lo, hi)


def sparse_dot(W: np.ndarray, ind: np.ndarray, val: np.ndarray) -> np.ndarray:
    """W[:, ind] @ val for a (labels x features) weight matrix."""
    if ind.size == 0:
        return np.zeros(W.shape[0], dtype=np.float32)
    return (W[:, ind].astype(np.float32) @ val).astype(np.float32)
