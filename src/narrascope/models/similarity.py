"""Narratives from label descriptions alone, for taxonomies without
training data.

Each label gets prototypes: its description and example sentences (for a
narrative, also its subnarratives'). A sentence's support for a label is its
best cosine similarity to a prototype; the article's raw score is the mean
of its three best sentences.

Raw cosines do not say much on their own: a taxonomy's labels all resemble
an article of its domain, and none is near an article of another. So two
small logistic models read features that never name a label, fitted on the
SemEval-2025 training articles with the bundled taxonomies
(``narrascope train similarity``) and so carried to any taxonomy:

- a *gate*, per taxonomy: is the article about this taxonomy's domain at
  all (its best label's score, its best sentence, its closest description,
  each also less the same against a few background topics of no narrative:
  sports, recipes, gadgets ...)?
- a *matcher*, per label: given the domain, does the article carry the label
  (the score, its rank and z-score among the taxonomy's labels, the share of
  sentences it wins, the cosine of the article to the label's prototypes;
  for a subnarrative, its narrative's too)?

An open gate keeps at least the likeliest narrative (``decode``). Measured
on a taxonomy the models never saw (``benchmarks/zero_shot.py``: fitted on
URW, scored on CC, and back), F1 on the domain's articles rises from 0.003
and 0.043 (calibrated raw cosines, fine) to 0.072 and 0.101: a first pass
over a corpus; label descriptions are no training data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import Embedder, get_embedder
from ..taxonomy import Taxonomy
from .narrative import GATE, LEVELS, LabelScores, sigmoid

TOP_K = 3
BUNDLED = Path(__file__).resolve().parents[1] / "data" / "models" / "similarity"
# The features of one (article, label) pair; a subnarrative adds its narrative's PARENT_FEATURES.
FEATURES = ["top1", "top3", "top3_centered", "top3_z", "top3_below_best", "sentence_wins", "doc_cosine",
            "doc_cosine_centered", "inverse_rank", "best_top3", "best_sentence"]
PARENT_FEATURES = [1, 3, 5]
GATE_FEATURES = ["best_top3", "best_sentence", "best_doc_cosine",
                 "best_top3_over_background", "best_sentence_over_background", "best_doc_cosine_over_background"]
# News far from any narrative taxonomy: how much closer an article is to a
# taxonomy than to these says more than the cosine itself, whose level
# depends on the article's language. Leave one taxonomy out
# (benchmarks/zero_shot.py), F1 on the held-out domain's articles, fine:
# 0.041 -> 0.072 (CC), 0.082 -> 0.101 (URW).
BACKGROUND = [
    "Match report: the team won the football game with a late goal.",
    "The tennis champion advanced to the final of the tournament.",
    "A recipe for a cake with flour, eggs, butter and sugar.",
    "The restaurant review praises the dishes and the wine list.",
    "The celebrity couple attended the film premiere on the red carpet.",
    "The new smartphone has a larger screen and a faster processor.",
    "Travel guide: the best beaches and hotels for a summer holiday.",
    "The fashion show presented the designer's spring collection.",
    "House prices and mortgage rates in the property market.",
    "The company reported quarterly earnings above analysts' expectations.",
    "The album and the concert tour of the band were reviewed.",
    "The video game sold millions of copies in its first week.",
    "How to care for your dog and your cat at home.",
    "The new car model has a more efficient engine.",
    "The school announced new classes and exam dates for students.",
    "A traffic accident on the highway injured two drivers.",
    "The museum opened an exhibition of paintings.",
    "Tips for a healthy diet and regular exercise.",
]


def _logistic(params: dict[str, Any], X: np.ndarray) -> np.ndarray:
    return sigmoid(((X - np.asarray(params["mean"])) / np.asarray(params["scale"])) @ np.asarray(params["coef"]) + float(params["intercept"]))


def load_params(folder: str | Path = BUNDLED) -> dict[str, Any]:
    """The gate and matcher of ``narrascope train similarity`` (model.json)."""
    import json

    from ..errors import Code, NarrascopeError

    try:
        return dict(json.loads((Path(folder) / "model.json").read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:
        raise NarrascopeError(Code.MODEL, f"cannot load the similarity model: {e}", input=str(folder)) from e


@dataclass
class SimilarityModel:
    taxonomies: list[Taxonomy]
    embedder_name: str = "use"
    params: dict[str, Any] | None = None  # gate and matcher; default: the bundled ones
    blocks: dict[str, list[list[int]]] = field(default_factory=dict, init=False)  # per level, each taxonomy's label columns

    def __post_init__(self) -> None:
        self.labels: dict[str, list[str]] = {"coarse": [], "fine": []}
        self.blocks = {"coarse": [], "fine": []}
        texts: list[str] = []
        owners: dict[str, list[list[int]]] = {"coarse": [], "fine": []}
        for t in self.taxonomies:
            first = {lv: len(self.labels[lv]) for lv in LEVELS}
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
            for lv in LEVELS:
                self.blocks[lv].append(list(range(first[lv], len(self.labels[lv]))))
        self._texts, self._owners = texts, owners
        self._protos: np.ndarray | None = None
        self._background: np.ndarray | None = None
        self._background_unit: np.ndarray | None = None
        self._centroids: dict[str, np.ndarray] | None = None
        self._embedder: Embedder | None = None
        self._parents = [self.labels["coarse"].index(f.rsplit(": ", 1)[0]) for f in self.labels["fine"]]

    @property
    def model(self) -> dict[str, Any]:
        if self.params is None:
            self.params = load_params()
        return self.params

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

    @property
    def background(self) -> np.ndarray:
        if self._background is None:
            self._background = self.embedder.encode(BACKGROUND)
        return self._background

    @property
    def background_unit(self) -> np.ndarray:
        """The background topics at unit length, for the whole article's cosine (once, not per article)."""
        if self._background_unit is None:
            b = self.background
            self._background_unit = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-9)
        return self._background_unit

    @property
    def centroids(self) -> dict[str, np.ndarray]:
        """Per level, each label's prototypes averaged (unit length)."""
        if self._centroids is None:
            out = {}
            for lv in LEVELS:
                c = np.stack([self.protos[rows].mean(axis=0) for rows in self._owners[lv]])
                out[lv] = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-9)
            self._centroids = out
        return self._centroids

    def raw(self, sent_emb: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        sims = sent_emb @ self.protos.T if len(sent_emb) else np.zeros((0, len(self._texts)), np.float32)
        out = {}
        for lv in LEVELS:
            S = np.stack([sims[:, rows].max(axis=1) if len(sims) else np.zeros(0) for rows in self._owners[lv]], axis=1) if len(sims) else np.zeros((0, len(self.labels[lv])))
            k = min(TOP_K, S.shape[0])
            doc = np.sort(S, axis=0)[-k:].mean(axis=0) if k else np.zeros(len(self.labels[lv]))
            out[lv] = (doc.astype(np.float32), S.astype(np.float32))
        return out

    def features(self, sent_emb: np.ndarray, raw: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                 ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Per level, the matcher's features of every label (labels x
        features, each taxonomy's labels read among themselves); and the
        gate's features of every taxonomy (taxonomies x 6). ``raw``: this
        model's ``raw(sent_emb)`` if already computed."""
        raw = raw if raw is not None else self.raw(sent_emb)
        n = len(sent_emb)
        doc = sent_emb.mean(axis=0) if n else np.zeros(self.protos.shape[1], np.float32)
        doc = doc / max(float(np.linalg.norm(doc)), 1e-9)
        out = {lv: np.zeros((len(self.labels[lv]), len(FEATURES)), np.float32) for lv in LEVELS}
        gate = np.zeros((len(self.taxonomies), 3), np.float32)
        for lv in LEVELS:
            cos = self.centroids[lv] @ doc
            for b, cols in enumerate(self.blocks[lv]):
                if not cols:
                    continue
                top3, S, c = raw[lv][0][cols], raw[lv][1][:, cols], cos[cols]
                top1 = S.max(axis=0) if n else np.zeros(len(cols))
                wins = np.bincount(S.argmax(axis=1), minlength=len(cols)) / n if n else np.zeros(len(cols))
                rank = np.argsort(np.argsort(-top3, kind="stable"), kind="stable")
                best_sentence = float(S.max()) if n else 0.0  # S already holds each sentence's best prototype per label
                out[lv][cols] = np.stack([top1, top3, top3 - top3.mean(), (top3 - top3.mean()) / (top3.std() + 1e-6), top3 - top3.max(), wins,
                                          c, c - c.mean(), 1.0 / (1.0 + rank), np.full(len(cols), top3.max()),
                                          np.full(len(cols), best_sentence)], axis=1)
                if lv == "coarse":
                    gate[b] = [top3.max(), best_sentence, c.max()]
        # the same three against the background topics: how much closer to the taxonomy than to news of no narrative
        bs = sent_emb @ self.background.T if n else np.zeros((0, len(BACKGROUND)), np.float32)
        k = min(TOP_K, n)
        b_top3 = float(np.sort(bs, axis=0)[-k:].mean(axis=0).max()) if k else 0.0
        b_sent = float(bs.max()) if n else 0.0
        b_doc = float((self.background_unit @ doc).max())
        gate = np.hstack([gate, gate - np.array([b_top3, b_sent, b_doc], np.float32)])
        fine = np.hstack([out["fine"], out["coarse"][self._parents][:, PARENT_FEATURES]])
        return {"coarse": out["coarse"], "fine": fine}, gate

    def probabilities(self, sent_emb: np.ndarray, raw: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                      ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """P(label | the article is about some taxonomy's domain) per level,
        and P(about the domain) per taxonomy. With one taxonomy the labels'
        are the matcher's, P(label | its domain) (a taxonomy of a single
        narrative: 1, the gate decides); with several, each
        taxonomy's are scaled by its gate over the best one, so the labels of
        the article's likelier domain lead."""
        F, G = self.features(sent_emb, raw)
        m = self.model
        prob = {lv: _logistic(m[lv], F[lv]) for lv in LEVELS}
        gate = _logistic(m["gate"], G)
        for cols in self.blocks["coarse"]:
            if len(cols) == 1:
                # an article of the domain carries one of its narratives: of the only one, surely
                prob["coarse"][cols] = 1.0
        if len(gate) > 1 and gate.max() > 0:
            for lv in LEVELS:
                for b, cols in enumerate(self.blocks[lv]):
                    prob[lv][cols] *= gate[b] / gate.max()
        return prob, gate

    def score(self, text: str, sentences: list[str], sent_emb: np.ndarray | None = None) -> dict[str, LabelScores]:
        """Per level the labels' probabilities given the domain, and GATE:
        the probability that the article is about any taxonomy's domain."""
        if sent_emb is None:
            sent_emb = self.embedder.encode(sentences) if sentences else np.zeros((0, self.protos.shape[1]), np.float32)
        raw = self.raw(sent_emb)
        prob, gate = self.probabilities(sent_emb, raw)
        out = {lv: LabelScores(self.labels[lv], prob[lv].astype(np.float32), raw[lv][1]) for lv in LEVELS}
        out[GATE] = LabelScores(["narrative"], np.array([float(gate.max()) if len(gate) else 0.0], np.float32),
                                np.zeros((len(sent_emb), 1), np.float32))
        return out

    def predict_labels(self, sent_emb: np.ndarray) -> tuple[list[str], list[str]]:
        """(narratives, subnarratives) as the stage decides them by default
        (the gate, then the labels' thresholds) for an article's sentence embeddings."""
        from .narrative import decode

        sc = self.score("", [], sent_emb)
        return decode(self.labels, {lv: sc[lv].prob for lv in LEVELS}, self.thresholds(), gate=(float(sc[GATE].prob[0]), self.gate_threshold))

    @property
    def gate_threshold(self) -> float:
        return float(self.model["gate"]["threshold"])

    def thresholds(self) -> dict[str, np.ndarray]:
        return {lv: np.full(len(self.labels[lv]), float(self.model[lv]["threshold"]), dtype=np.float32) for lv in LEVELS}
