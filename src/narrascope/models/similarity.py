"""Narratives from label descriptions alone, for taxonomies without
training data.

Each label gets prototypes: its description and example sentences (for a
narrative, also its subnarratives'). A sentence's support for a label is its
best cosine similarity to a prototype; the article's score is the mean of
its three best sentences. Scores become probabilities through a logistic
calibration fitted on the SemEval-2025 training data with the bundled
taxonomies (the same procedure, so the calibration transfers), and the
decision threshold is the one that maximised F1-samples there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embed import Embedder, get_embedder
from ..taxonomy import Taxonomy
from .narrative import LEVELS, LabelScores, sigmoid

# Platt calibration and thresholds fitted on SemEval-2025 Task 10 train (859
# documents, all five languages, bundled URW and CC taxonomies, USE
# embeddings); benchmarks/narratives.py refits and prints them.
DEFAULT_CALIBRATION = {"coarse": (8.4275, -5.2185), "fine": (6.8706, -5.5332)}
DEFAULT_THRESHOLD = {"coarse": 0.425, "fine": 0.15}
TOP_K = 3


@dataclass
class SimilarityModel:
    taxonomies: list[Taxonomy]
    embedder_name: str = "use"
    calibration: dict[str, tuple[float, float]] | None = None
    threshold: dict[str, float] | None = None

    def __post_init__(self) -> None:
        self.calibration = self.calibration or dict(DEFAULT_CALIBRATION)
        self.threshold = self.threshold or dict(DEFAULT_THRESHOLD)
        self.labels: dict[str, list[str]] = {"coarse": [], "fine": []}
        texts: list[str] = []
        owners: dict[str, list[list[int]]] = {"coarse": [], "fine": []}
        for t in self.taxonomies:
            desc = t.describe()
            for n in t.narratives:
                c = f"{t.id}: {n.name}"
                self.labels["coarse"].append(c)
                c_rows: list[int] = []
                for s in n.subnarratives:
                    f = f"{c}: {s.name}"
                    rows = list(range(len(texts), len(texts) + 1 + len(s.examples)))
                    texts += [s.description or s.name] + s.examples
                    self.labels["fine"].append(f)
                    owners["fine"].append(rows)
                    c_rows += rows
                rows = list(range(len(texts), len(texts) + 1 + len(n.examples)))
                texts += [desc[c][0]] + n.examples
                owners["coarse"].append(c_rows + rows)
                self.labels["fine"].append(f"{c}: Other")
                owners["fine"].append(rows)  # the narrative's own description
        self._texts, self._owners = texts, owners
        self._protos: np.ndarray | None = None
        self._embedder: Embedder | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.embedder_name)
        return self._embedder

    @property
    def protos(self) -> np.ndarray:
        if self._protos is None:
            self._protos = self.embedder.encode(self._texts)
        return self._protos

    def raw(self, sent_emb: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        sims = sent_emb @ self.protos.T if len(sent_emb) else np.zeros((0, len(self._texts)), np.float32)
        out = {}
        for lv in LEVELS:
            S = np.stack([sims[:, rows].max(axis=1) if len(sims) else np.zeros(0) for rows in self._owners[lv]], axis=1) if len(sims) else np.zeros((0, len(self.labels[lv])))
            k = min(TOP_K, S.shape[0])
            doc = np.sort(S, axis=0)[-k:].mean(axis=0) if k else np.zeros(len(self.labels[lv]))
            out[lv] = (doc.astype(np.float32), S.astype(np.float32))
        return out

    def score(self, text: str, sentences: list[str], sent_emb: np.ndarray | None = None) -> dict[str, LabelScores]:
        if sent_emb is None:
            sent_emb = self.embedder.encode(sentences)
        raw = self.raw(sent_emb)
        assert self.calibration is not None
        return {lv: LabelScores(self.labels[lv], sigmoid(self.calibration[lv][0] * raw[lv][0] + self.calibration[lv][1]), raw[lv][1]) for lv in LEVELS}

    def thresholds(self) -> dict[str, np.ndarray]:
        assert self.threshold is not None
        return {lv: np.full(len(self.labels[lv]), self.threshold[lv], dtype=np.float32) for lv in LEVELS}
