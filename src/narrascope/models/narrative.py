"""The narrative classifier: two linear heads (char n-gram TF-IDF and
multilingual sentence embeddings) per label level, ensembled, calibrated
(a subnarrative also reading its narrative), decided by expected F1 or by
tuned per-label thresholds, hierarchically; and a gate of the same two heads
that decides whether the article carries any narrative at all.

Why linear heads on a mean of sentence embeddings: the document score is
then exactly the mean of per-sentence scores, so the sentences that carry a
label are read off the same weights that predicted it (the evidence is the
model's own reason, not a separate guess).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import BACKENDS, Embedder, get_embedder
from ..errors import Code, NarrascopeError
from ..taxonomy import OTHER, is_other_sub, parent_of
from .charngram import CharNgramTfidf, sparse_dot

LEVELS = ("coarse", "fine")
# No label is decided below this calibrated probability, whatever the tuned
# threshold and language shift add up to: tuning for F1-samples pushed some
# English subnarrative thresholds to 0, which put the same two labels (at
# probability 0.02) on every English article. Nested CV F1-samples, all
# languages coarse / fine: no floor or 0.05: 0.521 / 0.367; 0.10: 0.519 /
# 0.365; English at the pooled Other share 0.426 / 0.291 and 0.430 / 0.289.
MIN_THRESHOLD = 0.10
GATE = "gate"  # the "does this article carry any narrative?" head
NEAREST = "nearest"  # a gateless model's cosine to its nearest training article (Novelty)
NOVELTY_EMBEDDERS = ("use",)  # the embedders whose cosines Novelty was measured with
DECISIONS = ("expected_f1", "thresholds")  # NarrativeModel.decision


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


@dataclass
class Head:
    """Scores = X @ W + b for one featurisation and one label level."""

    W: np.ndarray  # features x labels
    b: np.ndarray  # labels


@dataclass(frozen=True)
class View:
    """A second embedder for the articles of one language, whose vectors
    (times ``weight``) are appended to the default embedder's: Hindi, which
    USE does not read, is also read by multilingual-e5. Other languages'
    rows have zeros there, so the heads learn from every language together
    and the view only adds to what they read in its own."""

    language: str
    embedder: str
    weight: float

    @property
    def dim(self) -> int:
        return int(BACKENDS[self.embedder].dim)


def mean_vector(vectors: np.ndarray, dim: int) -> np.ndarray:
    """The L2-normalised mean of sentence vectors (zeros for none)."""
    if not len(vectors):
        return np.zeros(dim, np.float32)
    m = vectors.mean(axis=0)
    return (m / max(float(np.linalg.norm(m)), 1e-12)).astype(np.float32)


@dataclass
class Novelty:
    """What a model without a gate (trained on too few Other articles to
    learn one) knows of "Other": its narrative-bearing training articles'
    document vectors. Its label heads only say which narrative an article
    carries if it carries one, so they name labels for any article, a
    football report included; an article less like its nearest training
    article than ``threshold`` (cosine) is called Other instead.

    The threshold (``from_training``) is the 5% quantile of the training
    articles' own nearest-neighbour cosines less 0.05, but no more than the
    median cosine of two training articles (a training set of near-copies
    would otherwise shut out any article worded otherwise). English
    SemEval-2025 models trained on 12 / 30 / 80 narrative-bearing articles
    (three draws each) call 1-7% / 0-3% / 0% of the held-out ones Other,
    and football, recipe, phone-launch and earnings reports Other in every
    draw (cosine 0.05-0.29 against thresholds of 0.28-0.39;
    benchmarks/experiments/narratives_novelty.py).

    It reads the default embedder's block of the document vector (not the
    language views), and only USE's: multilingual-e5 puts even unrelated
    English texts close (the off-topic reports' nearest training article at
    cosine 0.86-0.91 against thresholds of 0.90-0.91; ``--embedder e5``), so
    a model trained with e5 keeps no novelty check (``NOVELTY_EMBEDDERS``)."""

    # training articles (then example rows) x the default embedder's features,
    # unit length; float16 values (as saved) held as float32, read per article
    vectors: np.ndarray
    threshold: float
    QUANTILE = 0.05
    MARGIN = 0.05

    @classmethod
    def from_training(cls, E: np.ndarray, examples: np.ndarray | None = None, seed: int = 0) -> "Novelty | None":
        """From the training articles' document vectors (rows of ``E``, as
        the heads read them), and those of the taxonomy's descriptions and
        example sentences the label heads also learnt from (``examples``:
        an article like one of them is no stranger either); None for fewer
        than two articles. The threshold comes from the articles alone (the
        median from at most 1,000 of them)."""
        if len(E) < 2:
            return None
        unit = lambda X: X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)  # noqa: E731
        V = unit(np.asarray(E, np.float32))
        nearest = np.empty(len(V), np.float32)
        for a in range(0, len(V), 1024):  # blocks: a large training set's full matrix would not fit
            S = V[a:a + 1024] @ V.T
            S[np.arange(len(S)), np.arange(a, a + len(S))] = -np.inf
            nearest[a:a + 1024] = S.max(axis=1)
        some = V[np.random.default_rng(seed).permutation(len(V))[:1000]]
        median = float(np.median((some @ some.T)[np.triu_indices(len(some), 1)]))
        threshold = min(float(np.quantile(nearest, cls.QUANTILE)) - cls.MARGIN, median)
        if examples is not None and len(examples):
            V = np.vstack([V, unit(np.asarray(examples, np.float32))])
        return cls(V.astype(np.float16).astype(np.float32), round(threshold, 4))

    def nearest(self, doc: np.ndarray) -> float:
        """Cosine of a document vector (its default embedder's block: the
        first columns) to its nearest training article."""
        doc = doc[: self.vectors.shape[1]]
        n = float(np.linalg.norm(doc))
        return float((self.vectors @ (doc / n)).max()) if n > 0 else 0.0


@dataclass
class LabelScores:
    labels: list[str]
    prob: np.ndarray  # calibrated probability per label
    sentence: np.ndarray  # sentences x labels, raw ensemble scores


@dataclass
class NarrativeModel:
    labels: dict[str, list[str]]  # level -> labels
    emb: dict[str, Head]
    tfidf_heads: dict[str, Head]
    tfidf: CharNgramTfidf
    embedder_name: str
    weight_emb: float
    platt: dict[str, tuple[float, float]]
    thresholds: dict[str, np.ndarray]  # level -> probability threshold per label
    card: dict[str, Any] = field(default_factory=dict)
    # language -> (coarse shift, fine shift) added to the thresholds: label
    # priors differ by language.
    language_shift: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Optional gate (embedding head, TF-IDF head) deciding "any narrative?"
    # apart from which one: the label heads then learn from narrative-bearing
    # documents only, and the gate's threshold sets how often "Other" is said.
    gate: tuple[Head, Head] | None = None
    gate_platt: tuple[float, float] | None = None
    # A subnarrative's probability read with its narrative's (``label_probabilities``):
    # Platt (a, b) of log p(subnarrative) + log p(narrative); None: not.
    parent_platt: tuple[float, float] | None = None
    gate_thresholds: dict[str, float] = field(default_factory=dict)  # "*" and per language
    # Whether the "<narrative>: Other" heads learnt the annotators' "Other"
    # subnarratives and may decide them (see ``decode``); models trained
    # before this was recorded tuned no thresholds for them.
    other_subnarratives: bool = False
    views: tuple[View, ...] = ()  # in the order of their blocks after the default embedder's
    # How labels are decided from the probabilities: "expected_f1" (the
    # likeliest labels, as many as maximise expected F1; the gate threshold
    # follows; ``decode_expected_f1``) or "thresholds" (the tuned per-label,
    # per-language thresholds and gate thresholds; ``decode``). Models saved
    # before this was recorded decide by thresholds.
    decision: str = "thresholds"
    novelty: Novelty | None = None  # models without a gate only
    _embedder: Embedder | None = None
    # each view's embedder, or why it cannot load: tried once per model, not
    # per article (vectors and missing_view both ask)
    _view_embedders: dict[str, Embedder | NarrascopeError] = field(default_factory=dict)

    # -- persistence ---------------------------------------------------------

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = dict(self.tfidf.arrays())
        for lv in LEVELS:
            arrays[f"emb_W_{lv}"] = self.emb[lv].W.astype(np.float32)
            arrays[f"emb_b_{lv}"] = self.emb[lv].b.astype(np.float32)
            arrays[f"tfidf_W_{lv}"] = self.tfidf_heads[lv].W.astype(np.float16)
            arrays[f"tfidf_b_{lv}"] = self.tfidf_heads[lv].b.astype(np.float32)
        if self.gate is not None:
            arrays["gate_emb_W"], arrays["gate_emb_b"] = self.gate[0].W.astype(np.float32), self.gate[0].b.astype(np.float32)
            arrays["gate_tfidf_W"], arrays["gate_tfidf_b"] = self.gate[1].W.astype(np.float16), self.gate[1].b.astype(np.float32)
        if self.novelty is not None:
            arrays["novelty_vectors"] = self.novelty.vectors.astype(np.float16)
        np.savez_compressed(folder / "weights.npz", **arrays)
        meta = {
            "format": "narrascope.narratives.v2" if self.gate is not None else "narrascope.narratives.v1",
            "labels": self.labels,
            "embedder": self.embedder_name,
            "weight_emb": self.weight_emb,
            "platt": {k: list(v) for k, v in self.platt.items()},
            "thresholds": {lv: dict(zip(self.labels[lv], map(float, self.thresholds[lv]))) for lv in LEVELS},
            "language_shift": {k: list(v) for k, v in self.language_shift.items()},
            "decode": {"other_subnarratives": self.other_subnarratives, "rule": self.decision},
            **({"views": [v.__dict__ for v in self.views]} if self.views else {}),
            **({"gate_platt": list(self.gate_platt or (8.0, -4.0)), "gate_thresholds": self.gate_thresholds} if self.gate is not None else {}),
            **({"parent_platt": list(self.parent_platt)} if self.parent_platt is not None else {}),
            **({"novelty": {"threshold": self.novelty.threshold}} if self.novelty is not None else {}),
            "card": self.card,
        }
        (folder / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> "NarrativeModel":
        from . import read_artifact

        meta, a = read_artifact(folder, "narratives")
        if meta.get("format") not in ("narrascope.narratives.v1", "narrascope.narratives.v2"):
            raise NarrascopeError(Code.MODEL, f"unknown model format {meta.get('format')!r}", input=str(folder))
        labels = meta["labels"]
        gated = meta["format"].endswith("v2")
        decision = str(meta.get("decode", {}).get("rule", "thresholds"))
        if decision not in DECISIONS:
            raise NarrascopeError(Code.MODEL, f"unknown decision rule {decision!r}", input=str(folder),
                                  hint=f"known rules: {', '.join(DECISIONS)}; retrain with narrascope train narratives")
        unknown = [v["embedder"] for v in meta.get("views", []) if v.get("embedder") not in BACKENDS]
        if unknown:
            raise NarrascopeError(Code.MODEL, f"the model's language view names an unknown embedder {unknown[0]!r}", input=str(folder),
                                  hint=f"known embedders: {', '.join(BACKENDS)}; retrain with narrascope train narratives")
        return cls(
            labels=labels,
            emb={lv: Head(a[f"emb_W_{lv}"], a[f"emb_b_{lv}"]) for lv in LEVELS},
            tfidf_heads={lv: Head(a[f"tfidf_W_{lv}"], a[f"tfidf_b_{lv}"]) for lv in LEVELS},
            tfidf=CharNgramTfidf.from_arrays(a),
            embedder_name=meta["embedder"],
            weight_emb=float(meta["weight_emb"]),
            platt={k: (float(v[0]), float(v[1])) for k, v in meta["platt"].items()},
            thresholds={lv: np.array([meta["thresholds"][lv][l] for l in labels[lv]], dtype=np.float32) for lv in LEVELS},
            card=meta.get("card", {}),
            language_shift={k: (float(v[0]), float(v[1])) for k, v in meta.get("language_shift", {}).items()},
            gate=(Head(a["gate_emb_W"], a["gate_emb_b"]), Head(a["gate_tfidf_W"], a["gate_tfidf_b"])) if gated else None,
            gate_platt=(float(meta["gate_platt"][0]), float(meta["gate_platt"][1])) if gated else None,
            parent_platt=(float(meta["parent_platt"][0]), float(meta["parent_platt"][1])) if "parent_platt" in meta else None,
            gate_thresholds={k: float(v) for k, v in meta.get("gate_thresholds", {}).items()},
            other_subnarratives=bool(meta.get("decode", {}).get("other_subnarratives", False)),
            decision=decision,
            views=tuple(View(str(v["language"]), str(v["embedder"]), float(v["weight"])) for v in meta.get("views", [])),
            novelty=Novelty(a["novelty_vectors"].astype(np.float32), float(meta["novelty"]["threshold"])) if "novelty" in meta else None,
        )

    # -- prediction ----------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.embedder_name)
        return self._embedder

    def view_embedder(self, view: View) -> Embedder | NarrascopeError:
        """The view's embedder, or the coded error saying why it cannot load
        (its extra is not installed)."""
        from .. import embed  # looked up at call time: tests hide an extra by patching it

        if view.embedder not in self._view_embedders:
            try:
                self._view_embedders[view.embedder] = embed.get_embedder(view.embedder)
            except NarrascopeError as e:
                self._view_embedders[view.embedder] = e
        return self._view_embedders[view.embedder]

    def missing_view(self, language: str | None) -> NarrascopeError | None:
        """Why the article language's view cannot load (the view then reads
        zeros), else None."""
        for v in self.views:
            if v.language == language and isinstance(err := self.view_embedder(v), NarrascopeError):
                return err
        return None

    def vectors(self, sentences: list[str], language: str | None, sent_emb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(document vector, sentence x feature matrix) as the heads read
        them: the default embedder's block, then each view's block (its
        embedder's vectors x its weight for an article of its language,
        zeros otherwise); each block's document part is the normalised mean
        of its sentence vectors. ``sent_emb``: the default embedder's
        sentence vectors, if already computed."""
        if sent_emb is None:
            sent_emb = self.embedder.encode(sentences)
        dim = self.emb["coarse"].W.shape[0] - sum(v.dim for v in self.views)
        docs, sents = [mean_vector(sent_emb, dim)], [np.asarray(sent_emb, np.float32).reshape(len(sentences), dim)]
        for v in self.views:
            found = self.view_embedder(v) if v.language == language and sentences else None
            emb = None if isinstance(found, NarrascopeError) else found
            S = emb.encode(sentences) if emb is not None else np.zeros((len(sentences), v.dim), np.float32)
            docs.append(v.weight * mean_vector(S, v.dim) if emb is not None else np.zeros(v.dim, np.float32))
            sents.append((v.weight * S).astype(np.float32))
        return np.concatenate(docs), np.hstack(sents)

    def raw_scores(self, text: str, sentences: list[str], sent_emb: np.ndarray | None = None,
                   language: str | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """level (and GATE, when the model has one) -> (document score per
        label, sentence x label scores)."""
        doc_emb, sent_emb = self.vectors(sentences, language, sent_emb)
        ind, val = self.tfidf.transform_one(text)
        sent_tfidf = [self.tfidf.transform_one(s) for s in sentences]
        out = {}
        w = self.weight_emb
        heads = {lv: (self.emb[lv], self.tfidf_heads[lv]) for lv in LEVELS}
        if self.gate is not None:
            heads[GATE] = self.gate
        for lv, (e, t) in heads.items():
            doc = w * (doc_emb @ e.W + e.b) + (1 - w) * (sparse_dot(t.W.T, ind, val) + t.b)
            # Per-sentence scores, on the same scale as the document's.
            se = sent_emb @ e.W + e.b if len(sentences) else np.zeros((0, len(e.b)))
            st = np.stack([sparse_dot(t.W.T, i, v) + t.b for i, v in sent_tfidf]) if sentences else np.zeros((0, len(t.b)))
            out[lv] = (doc.astype(np.float32), (w * se + (1 - w) * st).astype(np.float32))
        if self.novelty is not None:
            out[NEAREST] = (np.array([self.novelty.nearest(doc_emb)], np.float32), np.zeros((len(sentences), 1), np.float32))
        return out

    def gate_threshold_for(self, language: str | None) -> float | None:
        if self.gate is None:
            return None
        return self.gate_thresholds.get(language or "", self.gate_thresholds.get("*", 0.5))

    def thresholds_for(self, language: str | None) -> dict[str, np.ndarray]:
        return shifted(self.thresholds, self.language_shift.get(language or "", (0.0, 0.0)))

    def calibrate(self, raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Raw scores (per level, and GATE) -> calibrated probabilities."""
        out = label_probabilities(self.labels, raw, self.platt, self.parent_platt)
        if GATE in raw:
            a, b = self.gate_platt or (8.0, -4.0)
            out[GATE] = sigmoid(a * raw[GATE] + b)
        return out

    def score(self, text: str, sentences: list[str], sent_emb: np.ndarray | None = None,
              language: str | None = None) -> dict[str, LabelScores]:
        """Per level the labels' probabilities; with a gate, also GATE: the
        probability that the article carries any narrative."""
        raw = self.raw_scores(text, sentences, sent_emb, language)
        prob = self.calibrate({key: doc for key, (doc, _) in raw.items()})
        out = {lv: LabelScores(self.labels[lv], prob[lv], raw[lv][1]) for lv in LEVELS}
        if GATE in raw:
            out[GATE] = LabelScores(["narrative"], prob[GATE], raw[GATE][1])
        if NEAREST in raw:  # a cosine, not a probability
            out[NEAREST] = LabelScores(["nearest training article"], raw[NEAREST][0], raw[NEAREST][1])
        return out

    def predict_labels(self, text: str, sentences: list[str], language: str | None) -> tuple[list[str], list[str]]:
        """(narratives, subnarratives) as the model decides them (``decision``;
        Other when a model without a gate finds the article unlike its training articles)."""
        sc = self.score(text, sentences, language=language)
        if self.novelty is not None and NEAREST in sc and float(sc[NEAREST].prob[0]) < self.novelty.threshold:
            return [OTHER], [OTHER]
        return self.decide({lv: sc[lv].prob for lv in LEVELS}, float(sc[GATE].prob[0]) if GATE in sc else None, language)

    def decide(self, prob: dict[str, np.ndarray], gate_p: float | None, language: str | None) -> tuple[list[str], list[str]]:
        """Labels from calibrated probabilities (and the gate's, if any) by the model's decision rule."""
        return decide_labels(self.labels, prob, gate_p, self.decision, self.thresholds_for(language), self.gate_threshold_for(language),
                             self.other_subnarratives)


def decide_labels(labels: dict[str, list[str]], prob: dict[str, np.ndarray], gate_p: float | None, decision: str,
                  thresholds: dict[str, np.ndarray], gate_threshold: float | None,
                  other_subnarratives: bool = True) -> tuple[list[str], list[str]]:
    """(narratives, subnarratives) by a decision rule (``DECISIONS``); the
    thresholds (already shifted for the language) serve the "thresholds"
    rule only."""
    if decision == "expected_f1":
        coarse, fine, _ = decode_expected_f1(labels, prob, gate_p)
        return coarse, fine
    gate = (gate_p, gate_threshold) if gate_p is not None and gate_threshold is not None else None
    return decode(labels, prob, thresholds, gate=gate, other_subnarratives=other_subnarratives)


LOG_FLOOR = 1e-6  # probabilities are clipped here before their log is taken


def parent_index(labels: dict[str, list[str]]) -> np.ndarray:
    """Per subnarrative, the column of its narrative (-1: none, e.g. "Other")."""
    col = {l: i for i, l in enumerate(labels["coarse"])}
    return np.array([col.get(parent_of(l), -1) if l != OTHER else -1 for l in labels["fine"]])


def parent_scores(labels: dict[str, list[str]], prob: dict[str, np.ndarray]) -> np.ndarray:
    """log p0(subnarrative) + log p(narrative), from each level's own
    probabilities (one document, or documents x labels): what a model's
    ``parent_platt`` calibrates."""
    lp = np.log(np.clip(prob["coarse"], LOG_FLOOR, 1.0))
    lp = np.concatenate([lp, np.zeros_like(lp[..., :1])], axis=-1)  # column -1: no narrative, log 1
    return np.log(np.clip(prob["fine"], LOG_FLOOR, 1.0)) + lp[..., parent_index(labels)]


def label_probabilities(labels: dict[str, list[str]], raw: dict[str, np.ndarray], platt: dict[str, tuple[float, float]],
                        parent_platt: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
    """Calibrated probabilities per level from raw scores (one document, or
    documents x labels). With ``parent_platt``, a subnarrative reads its
    narrative: p = sigmoid(a (log p0(subnarrative) + log p(narrative)) + b),
    p0 its own Platt probability. The two heads are fitted apart, so a
    subnarrative can score high under a narrative its own head finds
    unlikely; the product keeps both. Nested CV, F1-samples fine with the
    expected-F1 decision, all languages: 0.411 -> 0.421 averaged over three
    outer splits, higher in each (docs/benchmarks.md, Experiments)."""
    out = {lv: sigmoid(platt[lv][0] * raw[lv] + platt[lv][1]) for lv in LEVELS}
    if parent_platt is not None:
        out["fine"] = sigmoid(parent_platt[0] * parent_scores(labels, out) + parent_platt[1])
    return out


def shifted(th: dict[str, np.ndarray], shift: tuple[float, float]) -> dict[str, np.ndarray]:
    """Thresholds per level plus a language's (coarse, fine) shift, never below MIN_THRESHOLD."""
    return {"coarse": np.maximum(th["coarse"] + shift[0], MIN_THRESHOLD), "fine": np.maximum(th["fine"] + shift[1], MIN_THRESHOLD)}


def decode(labels: dict[str, list[str]], prob: dict[str, np.ndarray], thresholds: dict[str, np.ndarray],
           single_domain: bool = True, gate: tuple[float, float] | None = None,
           other_subnarratives: bool = False) -> tuple[list[str], list[str]]:
    """Hierarchical multi-label decision.

    A subnarrative implies its narrative; a narrative with no subnarrative
    above threshold gets "<narrative>: Other"; nothing at all is "Other".
    With ``other_subnarratives`` (a trained model):

    - a "<narrative>: Other" label above its threshold is also kept next to
      its siblings, under a narrative decided otherwise (it never adds its
      narrative by itself): the annotators give one to 41% of the
      narrative-bearing training documents, to 118 of them next to a named
      sibling;
    - a narrative with no subnarrative above threshold takes its
      subnarrative with the highest probability relative to its threshold
      (which may be "<narrative>: Other"), instead of "Other" always.

    Nested 5-fold CV (benchmarks/narratives.py), all languages, coarse /
    fine F1-samples: 0.516 / 0.358 before, 0.514 / 0.369 with the first
    rule, 0.538 / 0.390 with both; English unchanged (0.556 / 0.468 before,
    0.560 / 0.472).
    With ``single_domain``, labels from taxonomies other than the one with
    the strongest narrative are dropped (an article is about one domain).
    With a ``gate`` (probability of any narrative, threshold), the gate
    decides "Other"; an open gate keeps at least the most likely narrative.
    """
    pc, pf = prob["coarse"], prob["fine"]
    if gate is not None and gate[0] < gate[1]:
        return [OTHER], [OTHER]
    coarse = {labels["coarse"][j] for j in np.where(pc >= thresholds["coarse"])[0] if labels["coarse"][j] != OTHER}
    fine = {l for j, l in enumerate(labels["fine"]) if pf[j] >= thresholds["fine"][j] and l != OTHER and not is_other_sub(l)}
    coarse |= {parent_of(f) for f in fine}
    if gate is not None and not coarse:
        ranked = [j for j in np.argsort(-pc) if labels["coarse"][j] != OTHER]
        if ranked:
            coarse = {labels["coarse"][ranked[0]]}
    if other_subnarratives:
        fine |= {l for j, l in enumerate(labels["fine"])
                 if is_other_sub(l) and pf[j] >= thresholds["fine"][j] and parent_of(l) in coarse}
    if single_domain and coarse:
        best = max((pc[labels["coarse"].index(c)] if c in labels["coarse"] else 0.0, c) for c in coarse)[1]
        dom = best.split(": ", 1)[0]
        coarse = {c for c in coarse if c.split(": ", 1)[0] == dom}
        fine = {f for f in fine if f.split(": ", 1)[0] == dom}
    for c in coarse:
        if any(parent_of(f) == c for f in fine):
            continue
        kids = [j for j, l in enumerate(labels["fine"]) if parent_of(l) == c] if other_subnarratives else []
        # A trained model's narrative without a subnarrative above threshold
        # takes its likeliest one relative to its threshold (possibly
        # "<narrative>: Other"); the fixed "Other" fallback scored less.
        fine.add(labels["fine"][max(kids, key=lambda j: pf[j] / max(float(thresholds["fine"][j]), 1e-6))] if kids else f"{c}: {OTHER}")
    if not coarse:
        return [OTHER], [OTHER]
    ci = {l: i for i, l in enumerate(labels["coarse"])}
    fi = {l: i for i, l in enumerate(labels["fine"])}
    order_c = sorted(coarse, key=lambda l: -pc[ci[l]] if l in ci else 0)
    order_f = sorted(fine, key=lambda l: -(pf[fi[l]] if l in fi else 0))
    return order_c, order_f


def count_distribution(p: np.ndarray) -> np.ndarray:
    """P(exactly c of the events happen), c = 0..len(p), for independent
    events of probabilities ``p`` (the Poisson-binomial distribution)."""
    dist = np.ones(1)
    for q in np.asarray(p, np.float64):
        dist = np.convolve(dist, [1.0 - q, q])
    return dist


def expected_f1_curve(p_chosen: np.ndarray, p_rest: np.ndarray) -> np.ndarray:
    """Expected F1 of predicting the first k labels of ``p_chosen``, for
    k = 1..len(p_chosen), when every label (those and ``p_rest``) is present
    independently with its probability, given that at least one is.

    F1 = 2 TP / (k + |gold|) with TP ~ count of the first k, |gold| = TP +
    the count of the others: both Poisson-binomial, and independent."""
    p_chosen, p_rest = np.asarray(p_chosen, np.float64), np.asarray(p_rest, np.float64)
    n = len(p_chosen)
    # suffix[k]: count distribution of p_chosen[k:] followed by p_rest
    suffix = [count_distribution(p_rest)]
    for q in p_chosen[::-1]:
        suffix.append(np.convolve(suffix[-1], [1.0 - q, q]))
    suffix = suffix[::-1]
    head = np.ones(1)
    out = np.zeros(n)
    for k in range(1, n + 1):
        q = p_chosen[k - 1]
        head = np.convolve(head, [1.0 - q, q])  # TP = a, a = 0..k
        rest = suffix[k]  # others = b
        a = np.arange(k + 1)[:, None]
        b = np.arange(len(rest))[None, :]
        out[k - 1] = float(head @ (2 * a / (k + a + b)) @ rest)
    none = float(np.prod(1.0 - np.concatenate([p_chosen, p_rest])))
    return out / max(1.0 - none, 1e-12)  # F1 is 0 when nothing is present: condition on something


def decode_expected_f1(labels: dict[str, list[str]], prob: dict[str, np.ndarray], gate: float | None = None,
                       single_domain: bool = True, max_labels: int = 10, label_cost: float = 0.0,
                       forced: dict[str, float] | None = None) -> tuple[list[str], list[str], float]:
    """The subnarratives whose expected F1 is highest, no threshold needed:
    (narratives, subnarratives, the gate threshold this article had to reach).

    Every subnarrative is taken as present independently with its calibrated
    probability (given some narrative, as the label heads are trained);
    among sets of k labels the k likeliest have the highest expected F1
    (F1-samples is the task's metric), so only k is searched, from 1 to
    ``max_labels``. With ``single_domain``, labels stay within the taxonomy
    of the likeliest narrative (an article is about one domain). Narratives
    are the subnarratives' parents. With a ``gate`` probability g of any narrative, the article is
    "Other" unless g x E[F1] >= 1 - g (saying Other scores 1 on an Other
    article): the gate threshold is 1 / (1 + E[F1]), lower for articles
    whose labels are clear.

    ``label_cost`` is subtracted from the expected F1 per label (> 0: fewer
    labels). ``forced``: a label -> threshold override by the user decides
    that label (in at or above it, out below), the others are chosen as
    above; a forced narrative brings its likeliest subnarrative, a narrative
    forced out takes its subnarratives with it.

    Nested CV (benchmarks/experiments/narratives_decisions.py, three outer
    splits), against thresholds tuned per label and per language: see
    docs/benchmarks.md, Experiments."""
    forced = forced or {}
    pc, pf = prob["coarse"], prob["fine"]
    real = [j for j, l in enumerate(labels["coarse"]) if l != OTHER]
    if not real:
        return [OTHER], [OTHER], 1.0
    dom = labels["coarse"][max(real, key=lambda j: pc[j])].split(": ", 1)[0]
    out_c = {l for l, t in forced.items() if l in labels["coarse"] and pc[labels["coarse"].index(l)] < t}
    cols = [j for j, l in enumerate(labels["fine"])
            if l != OTHER and (not single_domain or l.split(": ", 1)[0] == dom) and parent_of(l) not in out_c]
    must = [j for j in cols if labels["fine"][j] in forced and pf[j] >= forced[labels["fine"][j]]]
    free = sorted((j for j in cols if labels["fine"][j] not in forced), key=lambda j: -pf[j])
    never = [j for j in cols if j not in must and j not in free]
    seq = must + free[:max_labels]
    curve = expected_f1_curve(pf[seq], pf[free[max_labels:] + never]) if seq else np.zeros(0)
    first = max(len(must), 1)
    gain = curve - label_cost * np.arange(1, len(curve) + 1)
    k = first + int(np.argmax(gain[first - 1:])) if len(curve) >= first else len(must)
    fine = [labels["fine"][j] for j in seq[:k]]
    ef1 = float(curve[k - 1]) if k else 0.0
    coarse = {parent_of(f) for f in fine}
    for l, t in forced.items():
        if l in labels["coarse"] and (not single_domain or l.split(": ", 1)[0] == dom) and pc[labels["coarse"].index(l)] >= t \
                and l not in coarse:
            coarse.add(l)
            kids = [j for j in cols if parent_of(labels["fine"][j]) == l]
            if kids:
                fine.append(labels["fine"][max(kids, key=lambda j: pf[j])])
    gate_threshold = 1.0 / (1.0 + ef1)
    if not coarse or (gate is not None and gate < gate_threshold):
        return [OTHER], [OTHER], gate_threshold
    ci, fi = ({l: i for i, l in enumerate(labels[lv])} for lv in LEVELS)
    return (sorted(coarse, key=lambda c: -pc[ci[c]] if c in ci else 0.0), sorted(fine, key=lambda f: -pf[fi[f]]),
            gate_threshold)
