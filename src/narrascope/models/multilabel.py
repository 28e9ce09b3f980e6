"""A generic multi-label text classifier with numpy-only inference: a char
n-gram TF-IDF head and a sentence-embedding head, ensembled, Platt
calibrated, with per-label thresholds. Used for persuasion techniques
(paragraphs) and framing dimensions (articles)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import get_embedder
from .charngram import CharNgramTfidf, sparse_dot
from .narrative import sigmoid


@dataclass
class MultiLabelModel:
    labels: list[str]
    tfidf: CharNgramTfidf
    W_t: np.ndarray  # features x labels
    b_t: np.ndarray
    W_e: np.ndarray  # dim x labels
    b_e: np.ndarray
    weight_emb: float
    platt: tuple[float, float]
    thresholds: np.ndarray
    embedder_name: str = "use"
    card: dict[str, Any] = field(default_factory=dict)

    def save(self, folder: str | Path, kind: str) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / "weights.npz", **self.tfidf.arrays(), W_t=self.W_t.astype(np.float16), b_t=self.b_t,
                            W_e=self.W_e.astype(np.float32), b_e=self.b_e)
        meta = {"format": f"narrascope.{kind}.v1", "labels": self.labels, "weight_emb": self.weight_emb, "platt": list(self.platt),
                "thresholds": dict(zip(self.labels, map(float, self.thresholds))), "embedder": self.embedder_name, "card": self.card}
        (folder / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> "MultiLabelModel":
        from . import read_artifact

        meta, a = read_artifact(folder, Path(folder).name)
        labels = meta["labels"]
        return cls(labels, CharNgramTfidf.from_arrays(a), a["W_t"], a["b_t"], a["W_e"], a["b_e"], float(meta["weight_emb"]),
                   tuple(meta["platt"]), np.array([meta["thresholds"][l] for l in labels], np.float32), meta.get("embedder", "use"),
                   meta.get("card", {}))

    def predict_proba(self, texts: list[str], emb: np.ndarray | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)), np.float32)
        if emb is None:
            emb = get_embedder(self.embedder_name).encode(texts)
        WT = self.W_t.T
        st = np.stack([sparse_dot(WT, *self.tfidf.transform_one(t)) for t in texts]) + self.b_t
        se = emb @ self.W_e + self.b_e
        s = self.weight_emb * se + (1 - self.weight_emb) * st
        return sigmoid(self.platt[0] * s + self.platt[1])

    def decide(self, prob: np.ndarray, shift: float = 0.0) -> list[list[str]]:
        return [[self.labels[j] for j in np.where(row >= self.thresholds + shift)[0]] for row in prob]
