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


IVF_MIN = 100_000  # below this many passages an exact scan is fast enough (<10 ms)
CANDIDATES = 200  # per retriever, before exact fusion


class Matcher:
    def __init__(self, rows: list[tuple[str, int, str]], vectors: np.ndarray, embedder: Embedder,
                 alpha: float = ALPHA, nprobe: int = 16, ivf: object | None = None) -> None:
        self.rows, self.alpha, self.embedder, self.nprobe = rows, alpha, embedder, nprobe
        self.vectors = vectors
        self.bm25 = BM25([r[2] for r in rows])
        self.ivf = ivf
        if self.ivf is None and len(rows) >= IVF_MIN:
            from .ivf import IVF

            self.ivf = IVF(vectors)

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
        ivf = None
        if len(rows) >= IVF_MIN:
            from .ivf import IVF

            stored = store.library_index_load(name, vecs.shape[1])  # type: ignore[attr-defined]
            ivf = IVF(vecs, centroids=stored[0], assign=stored[1]) if stored else None
        return cls(rows, vecs, get_embedder(backend), alpha, ivf=ivf)

    def search(self, texts: list[str], k: int = 5, threshold: float | None = None) -> list[list[Match]]:
        if not texts:
            return []
        Q = self.embedder.encode(texts)
        out = []
        for qi, text in enumerate(texts):
            q = Q[qi]
            lex = self.bm25.scores(text)
            ub = self.bm25.upper_bound(text)
            if self.ivf is None:
                cand = np.arange(len(self.rows))
            else:
                # Hybrid candidates: the nearest IVF lists and the best BM25 hits.
                dc = self.ivf.candidates(q, self.nprobe)
                lc = np.argpartition(-lex, min(CANDIDATES, len(lex) - 1))[:CANDIDATES]
                cand = np.union1d(dc, lc)
            dense = self.vectors[cand] @ q
            lexn = lex[cand] / ub if ub > 0 else lex[cand]
            fused = self.alpha * dense + (1 - self.alpha) * lexn
            n_top = min(len(cand), max(k * 8, 50))
            top = np.argpartition(-fused, n_top - 1)[:n_top]
            top = top[np.argsort(-fused[top])]
            seen: dict[str, Match] = {}
            for t in top:
                j = int(cand[t])
                eid = self.rows[j][0]
                if eid in seen:
                    continue
                seen[eid] = Match(eid, float(fused[t]), float(dense[t]), float(lexn[t]), self.rows[j][1], self.rows[j][2])
                if len(seen) >= k:
                    break
            ms = sorted(seen.values(), key=lambda m: -m.score)
            if threshold is not None:
                ms = [m for m in ms if m.score >= threshold]
            out.append(ms)
        return out
