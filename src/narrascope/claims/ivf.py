"""An inverted-file (IVF) index over unit vectors, in numpy: k-means
centroids, one list of vectors per centroid, and a query probes the
``nprobe`` nearest lists. Used for libraries too large to scan per query."""

from __future__ import annotations

import numpy as np


class IVF:
    def __init__(self, V: np.ndarray, nlist: int | None = None, iters: int = 8, seed: int = 0,
                 centroids: np.ndarray | None = None, assign: np.ndarray | None = None) -> None:
        """Build the index, or restore it from stored centroids and assignments."""
        n = len(V)
        self.V = V
        if centroids is not None and assign is not None:
            self._lists(centroids, assign)
            return
        nlist = nlist or int(min(1024, max(16, np.sqrt(n))))
        rng = np.random.default_rng(seed)
        sample = V[rng.choice(n, min(n, 20 * nlist), replace=False)]
        C = sample[rng.choice(len(sample), nlist, replace=False)].copy()
        for _ in range(iters):
            a = self._assign(sample, C)
            sums = np.zeros_like(C)
            np.add.at(sums, a, sample)
            counts = np.bincount(a, minlength=nlist)
            nz = counts > 0
            C[nz] = sums[nz] / counts[nz, None]
            C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
        self._lists(C, self._assign(V, C))

    def _lists(self, C: np.ndarray, assign: np.ndarray) -> None:
        self.C = C.astype(np.float32)
        self.assign = assign.astype(np.int64)
        self.order = np.argsort(self.assign, kind="stable").astype(np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(np.bincount(self.assign, minlength=len(C)))])

    @staticmethod
    def _assign(X: np.ndarray, C: np.ndarray, chunk: int = 65536) -> np.ndarray:
        out = np.empty(len(X), dtype=np.int64)
        for i in range(0, len(X), chunk):
            out[i : i + chunk] = np.argmax(X[i : i + chunk] @ C.T, axis=1)
        return out

    def candidates(self, q: np.ndarray, nprobe: int = 16) -> np.ndarray:
        nprobe = min(nprobe, len(self.C))
        probe = np.argpartition(-(self.C @ q), nprobe - 1)[:nprobe]
        return np.concatenate([self.order[self.offsets[p] : self.offsets[p + 1]] for p in probe])
