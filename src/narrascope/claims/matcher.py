"""Hybrid retrieval of library entries for a claim.

Lexical BM25 and dense cosine (multilingual sentence embeddings) over the
library's passages, fused as ``alpha * cosine + (1 - alpha) * bm25 / bm25_upper_bound(query)``
per query, where the BM25 score is divided by the query's own upper bound
(so scores mean the same in a library of ten entries or a million), then
aggregated per entry (best passage). The dense part makes a
Russian or Bulgarian claim find an English fact-check; the lexical part keeps
names and numbers exact. ``alpha`` and the match threshold were chosen on
CheckThat! 2022 train (benchmarks/claims.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embed import Embedder, get_embedder
from ..errors import Code, NarrascopeError
from .bm25 import BM25

ALPHA = 0.25
# On CheckThat! 2022 train+dev queries, a top-1 match scoring >= 0.2 is right
# 93% of the time and 71% of queries have one (benchmarks/claims.py).
THRESHOLD = 0.2


@dataclass
class Match:
    entry_id: str
    score: float
    dense: float
    lexical: float
    passage_idx: int
    passage: str


class Matcher:
    def __init__(self, rows: list[tuple[str, int, str]], vectors: np.ndarray, embedder: Embedder,
                 alpha: float = ALPHA) -> None:
        self.rows, self.alpha, self.embedder = rows, alpha, embedder
        self.vectors = vectors
        self.bm25 = BM25([r[2] for r in rows])
        self.entry_of = np.array([r[0] for r in rows], dtype=object)

    @classmethod
    def from_store(cls, store: object, alpha: float = ALPHA) -> "Matcher":
        rows, vecs, models = store.library_passages()  # type: ignore[attr-defined]
        if not rows:
            raise NarrascopeError(Code.EMPTY, "the claim library is empty", input=getattr(store, "path", None),
                                  hint="import fact-checks with `narrascope library import FILE`")
        name = next(iter(models))
        backend = {"use-multilingual-v3": "use", "multilingual-e5-small-q4": "e5", "hashing-256": "hashing"}.get(name, "use")
        if len(models) > 1:
            raise NarrascopeError(Code.BAD_LIBRARY, f"library passages were embedded by several models: {', '.join(sorted(models))}",
                                  hint="re-import the library with one --embedder")
        return cls(rows, vecs, get_embedder(backend), alpha)

    def search(self, texts: list[str], k: int = 5, threshold: float | None = None) -> list[list[Match]]:
        if not texts:
            return []
        Q = self.embedder.encode(texts)
        dense = Q @ self.vectors.T if len(self.rows) else np.zeros((len(texts), 0))
        out = []
        for qi, text in enumerate(texts):
            lex = self.bm25.scores(text)
            ub = self.bm25.upper_bound(text)
            lexn = lex / ub if ub > 0 else lex
            fused = self.alpha * dense[qi] + (1 - self.alpha) * lexn
            # Best passage per entry, then top-k entries.
            top = np.argsort(-fused)[: max(k * 8, 50)]
            seen: dict[str, Match] = {}
            for j in top:
                eid = self.rows[j][0]
                if eid in seen:
                    continue
                seen[eid] = Match(eid, float(fused[j]), float(dense[qi, j]), float(lexn[j]), self.rows[j][1], self.rows[j][2])
                if len(seen) >= k:
                    break
            ms = sorted(seen.values(), key=lambda m: -m.score)
            if threshold is not None:
                ms = [m for m in ms if m.score >= threshold]
            out.append(ms)
        return out
