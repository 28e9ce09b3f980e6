"""A small BM25 (Okapi) index: inverted lists in numpy arrays, built in
memory from the library's passages. Unicode word tokens, lower-cased, so it
works for any language with spaces between words."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

from ..text import WORD

STOP = frozenset(
    "a an and are as at be by for from has have he her his i in is it its of on or our she that the their them they this to was "
    "we were what which who will with you your not no but if so do does did".split()
)


def tokenize(text: str) -> list[str]:
    return [t for t in WORD.findall(text.lower()) if t not in STOP and len(t) > 1]


class BM25:
    def __init__(self, docs: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(self.n, dtype=np.float32)
        for i, d in enumerate(docs):
            toks = tokenize(d)
            lengths[i] = len(toks)
            for t, c in Counter(toks).items():
                postings[t].append((i, c))
        self.avgdl = float(lengths.mean()) if self.n else 0.0
        self.lengths = lengths
        self.index: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        for t, plist in postings.items():
            ids = np.fromiter((p[0] for p in plist), dtype=np.int32, count=len(plist))
            tf = np.fromiter((p[1] for p in plist), dtype=np.float32, count=len(plist))
            idf = math.log(1 + (self.n - len(plist) + 0.5) / (len(plist) + 0.5))
            norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * lengths[ids] / max(self.avgdl, 1e-9)))
            self.index[t] = (ids, (norm * idf).astype(np.float32), idf)

    def upper_bound(self, query: str) -> float:
        """Largest score any passage could get for this query (every term
        present, saturated): a fixed scale, whatever the library's size."""
        return float(sum(self.index[t][2] * (self.k1 + 1) for t in set(tokenize(query)) if t in self.index))

    def scores(self, query: str) -> np.ndarray:
        s = np.zeros(self.n, dtype=np.float32)
        for t in set(tokenize(query)):
            hit = self.index.get(t)
            if hit is not None:
                s[hit[0]] += hit[1]
        return s
