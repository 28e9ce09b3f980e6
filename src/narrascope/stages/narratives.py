"""The `narratives` stage: which narratives and subnarratives an article
carries, with calibrated confidences and evidence sentences."""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ..article import Article
from ..config import Settings, StrictModel, stage_config
from ..models import artifact_digest
from ..models.narrative import GATE, LEVELS, NEAREST, LabelScores, NarrativeModel, decode, decode_expected_f1
from ..models.similarity import SimilarityModel
from ..taxonomy import OTHER, is_other_sub, load_taxonomy, parent_of
from ..text import weak_evidence, word_key
from .base import Stage

BUNDLED_MODEL = Path(__file__).resolve().parents[1] / "data" / "models" / "narratives"


class NarrativesConfig(StrictModel):
    model: str | None = Field(None, description="Folder of a trained model [default: the bundled SemEval model].")
    taxonomies: list[str] | None = Field(None, description="Taxonomy ids or YAML files; a taxonomy the model was not trained on uses description similarity.")
    mode: Literal["auto", "trained", "similarity"] = "auto"
    decision: Literal["model", "expected_f1", "thresholds"] = Field(
        "model", description="How labels are decided: expected_f1 (the likeliest labels, as many as maximise expected F1; the gate threshold follows), "
        "thresholds (tuned per label and language), or the model's own rule (a trained model's default: expected_f1; similarity: thresholds).")
    thresholds: dict[str, float] = Field(default_factory=dict, description="Per-label probability thresholds overriding the tuned ones (with expected_f1: they decide those labels, the rest are chosen as usual).")
    threshold_shift: float = Field(0.0, ge=-0.5, le=0.5, description="Added to every threshold (the gate's too): >0 fewer labels, <0 more. With expected_f1: added to the gate threshold and subtracted from the expected F1 per label.")
    gate_threshold: float | None = Field(None, ge=0.0, le=1.0, description="Probability of carrying any narrative below which an article is 'Other' [default: the tuned one, or with expected_f1 the article's own 1 / (1 + expected F1); lower says 'Other' less often].")
    evidence: int = Field(3, ge=0, le=20, description="Evidence sentences per label.")
    max_sentences: int = Field(400, ge=1)
    single_domain: bool = Field(True, description="Keep labels of one taxonomy per article.")
    candidates: int = Field(5, ge=0, description="Also report this many best-scoring labels not chosen.")
    novelty_threshold: float | None = Field(
        None, ge=-1.0, le=1.0, description="For a trained model without a gate (too few Other training articles to learn one): an article "
        "whose cosine to the nearest training article is below this is 'Other' [default: the model's; -1: never].")


class NarrativesStage(Stage):
    name = "narratives"
    version = "9"  # 2: gate, narrative_probability, joint label confidences; 3: "<narrative>: Other" decided next to siblings, a narrative takes its likeliest subnarrative; a trained "Other" subnarrative has its own confidence; 4: the decision rule (expected_f1) and "decision" in the result; 5: a repeated sentence is evidence once; 6: sentences of one or two words ("Why?", a section's "Ukraine.") come after all longer ones; 7: the similarity mode (no training data) has a gate and a label matcher (models.similarity); 8: punctuation is no word of a short sentence ("— Bill Gates"); 9: nor is a lead-in ending in a colon evidence before other sentences ("he responded:"), nor an aside in brackets
    requires = ("clean_text", "sentences")
    assigns = ("results.narratives",)
    description = "Narratives and subnarratives (two-level taxonomy) with confidence and evidence sentences."

    def __init__(self, cfg: NarrativesConfig | None = None) -> None:
        self.cfg = cfg or NarrativesConfig()

    @classmethod
    def from_settings(cls, s: Settings) -> "NarrativesStage":
        return _shared(stage_config(s, "narratives", NarrativesConfig).model_dump_json())

    @cached_property
    def wanted(self) -> set[str]:
        """Ids of the taxonomies asked for in the configuration (empty: all the model knows)."""
        return {load_taxonomy(t).id for t in self.cfg.taxonomies or []}

    @cached_property
    def scorer(self) -> NarrativeModel | SimilarityModel:
        folder = Path(self.cfg.model) if self.cfg.model else BUNDLED_MODEL
        if self.cfg.mode != "similarity":
            model = NarrativeModel.load(folder) if (folder / "model.json").exists() or self.cfg.mode == "trained" else None
            if model is not None:
                if self.wanted <= set(model.card.get("taxonomies", [])):
                    return model
        taxes = [load_taxonomy(t) for t in (self.cfg.taxonomies or ["URW", "CC"])]
        return SimilarityModel(taxes)

    @property
    def mode(self) -> str:
        return "trained" if isinstance(self.scorer, NarrativeModel) else "similarity"

    @cached_property
    def model_id(self) -> str | None:  # type: ignore[override]
        sc = self.scorer
        if isinstance(sc, NarrativeModel):
            folder = Path(self.cfg.model) if self.cfg.model else BUNDLED_MODEL
            return f"narratives-trained@{artifact_digest(folder)}"
        return f"narratives-similarity@{'+'.join(t.id for t in sc.taxonomies)}"

    @property
    def decision(self) -> str:
        """The decision rule in effect (``decision`` = "model" resolved)."""
        if self.cfg.decision != "model":
            return self.cfg.decision
        return self.scorer.decision if isinstance(self.scorer, NarrativeModel) else "thresholds"

    def thresholds(self, language: str | None = None) -> dict[str, np.ndarray]:
        sc = self.scorer
        th = sc.thresholds_for(language) if isinstance(sc, NarrativeModel) else sc.thresholds()
        th = {lv: v.copy() for lv, v in th.items()}
        for lv in LEVELS:
            th[lv] = th[lv] + self.cfg.threshold_shift
            for j, lab in enumerate(sc.labels[lv]):
                if lab in self.cfg.thresholds:
                    th[lv][j] = self.cfg.thresholds[lab]
        return th

    def gate(self, scores: dict[str, LabelScores], language: str | None) -> tuple[float, float] | None:
        """(probability of any narrative, threshold) when the model has a gate."""
        sc = self.scorer
        if GATE not in scores:
            return None
        if self.cfg.gate_threshold is not None:
            th: float | None = self.cfg.gate_threshold
        else:
            # similarity mode: is the article about a taxonomy's domain at all
            th = sc.gate_threshold_for(language) if isinstance(sc, NarrativeModel) else sc.gate_threshold
        return float(scores[GATE].prob[0]), float(th or 0.0) + self.cfg.threshold_shift

    def novelty(self, scores: dict[str, LabelScores]) -> tuple[float, float] | None:
        """(cosine to the nearest training article, threshold) for a model
        without a gate (models.narrative.Novelty)."""
        sc = self.scorer
        if NEAREST not in scores or not isinstance(sc, NarrativeModel) or sc.novelty is None:
            return None
        th = self.cfg.novelty_threshold if self.cfg.novelty_threshold is not None else sc.novelty.threshold
        return float(scores[NEAREST].prob[0]), float(th)

    def label_scores(self, article: Article) -> dict[str, LabelScores]:
        # explain asks for the same article's scores right after predict: keep the last.
        key = (article.id, len(article.clean_text), hash(article.clean_text))
        if getattr(self, "_last", (None,))[0] == key:
            return self._last[1]
        sents = article.sentence_texts()[: self.cfg.max_sentences]
        sc = self.scorer
        scores = sc.score(article.clean_text, sents, language=article.language) if isinstance(sc, NarrativeModel) \
            else sc.score(article.clean_text, sents)
        self._last = (key, scores)
        return scores

    def predict(self, article: Article) -> dict[str, Any]:
        scores = self.label_scores(article)
        return self.build(article, scores)

    def build(self, article: Article, scores: dict[str, LabelScores]) -> dict[str, Any]:
        labels = {lv: scores[lv].labels for lv in LEVELS}
        prob = {lv: scores[lv].prob for lv in LEVELS}
        gate = self.gate(scores, article.language)
        wanted = self.wanted
        closed = False
        if wanted and isinstance(self.scorer, NarrativeModel):
            # A model trained on more taxonomies than asked for: an article whose
            # strongest narrative is in another taxonomy is Other here, and
            # labels of other taxonomies are never reported.
            keep = {lv: np.array([l.split(": ", 1)[0] in wanted for l in labels[lv]]) for lv in LEVELS}
            real = np.array([l != OTHER for l in labels["coarse"]])
            top = labels["coarse"][int(np.argmax(np.where(real, prob["coarse"], -1.0)))] if real.any() else OTHER
            prob = {lv: np.where(keep[lv], prob[lv], 0.0) for lv in LEVELS}
            closed = top.split(": ", 1)[0] not in wanted and gate is not None
        # a trained model's "<narrative>: Other" heads learnt the annotators' Other subnarratives
        own_other = bool(getattr(self.scorer, "other_subnarratives", False))
        if self.decision == "expected_f1":
            coarse, fine, auto = decode_expected_f1(labels, prob, None, single_domain=self.cfg.single_domain,
                                                    label_cost=self.cfg.threshold_shift, forced=self.cfg.thresholds)
            if gate is not None:
                # the article's own threshold, 1 / (1 + E[F1]), unless the user set one
                th = 1.01 if closed else auto + self.cfg.threshold_shift if self.cfg.gate_threshold is None else gate[1]
                gate = (gate[0], th)
                if gate[0] < th:
                    coarse, fine = [OTHER], [OTHER]
        else:
            if gate is not None and closed:
                gate = (gate[0], 1.01)
            coarse, fine = decode(labels, prob, self.thresholds(article.language), self.cfg.single_domain, gate,
                                  other_subnarratives=own_other)
        novel = self.novelty(scores)
        if novel is not None and novel[0] < novel[1]:
            coarse, fine = [OTHER], [OTHER]
        idx = {lv: {l: i for i, l in enumerate(labels[lv])} for lv in LEVELS}
        # With a gate, label heads give P(label | some narrative): a label's
        # confidence is P(some narrative) x that, the chance the article carries it.
        scale = gate[0] if gate else 1.0

        def entry(label: str, lv: str) -> dict[str, Any]:
            if label == OTHER:
                top = gate[0] if gate else float(prob["coarse"].max()) if len(prob["coarse"]) else 0.0
                return {"label": OTHER, "confidence": round(1.0 - top, 4), "evidence": []}
            key, level = (label, lv) if label in idx[lv] else (parent_of(label), "coarse")
            j = idx[level].get(key)
            if is_other_sub(label) and lv == "fine" and not (own_other and j is not None):
                # "<narrative>: Other" without a head of its own (similarity mode):
                # as sure as the narrative, evidence of the narrative
                key, level, j = parent_of(label), "coarse", idx["coarse"].get(parent_of(label))
            conf = float(prob[level][j]) * scale if j is not None else 0.0
            return {"label": label, "confidence": round(conf, 4), "evidence": self.evidence(article, scores[level], j)}

        out: dict[str, Any] = {
            "mode": self.mode,
            "decision": self.decision,
            # P(the article carries any narrative), from the gate, and the
            # threshold it had to reach (both None for models without a gate).
            "narrative_probability": round(gate[0], 4) if gate else None,
            "gate_threshold": round(gate[1], 4) if gate else None,
            "narratives": [entry(c, "coarse") for c in coarse],
            "subnarratives": [entry(f, "fine") for f in fine],
        }
        if novel is not None:
            # a model without a gate: how like its nearest training article the article is
            out["novelty"] = {"nearest": round(novel[0], 4), "threshold": round(novel[1], 4)}
        # A subnarrative implies its narrative, so the narrative is at least as
        # likely as its likeliest subnarrative (the two come from separate heads).
        for n in out["narratives"]:
            kids = [f["confidence"] for f in out["subnarratives"] if parent_of(f["label"]) == n["label"]]
            n["confidence"] = max([n["confidence"], *kids])
        out["narratives"].sort(key=lambda n: -n["confidence"])
        dom_c = out["narratives"][0]
        dom_f = next((f for f in out["subnarratives"] if parent_of(f["label"]) == dom_c["label"]), out["subnarratives"][0])
        out["dominant"] = {"narrative": dom_c["label"], "subnarrative": dom_f["label"], "confidence": dom_c["confidence"]}
        if isinstance(self.scorer, SimilarityModel) and not self.scorer.embedder.covers(article.language):
            out["warning"] = (f"description similarity with {self.scorer.embedder.name} does not cover language "
                              f"'{article.language}': these confidences are unreliable; train a model on labelled "
                              "articles of this language (narrascope train narratives)")
        missing = self.scorer.missing_view(article.language) if isinstance(self.scorer, NarrativeModel) else None
        if missing is not None:
            out["warning"] = (f"the model also reads '{article.language}' articles with an embedder that cannot load here "
                              f"({missing.message}), so these confidences are below its cross-validated ones: {missing.advice}")
        chosen = set(coarse) | set(fine)
        cands = sorted(((float(prob[lv][i]), l) for lv in LEVELS for i, l in enumerate(labels[lv]) if l not in chosen and not is_other_sub(l)), reverse=True)
        out["candidates"] = [{"label": l, "confidence": round(p * scale, 4)} for p, l in cands[: self.cfg.candidates]]
        return out

    def evidence(self, article: Article, sc: LabelScores, j: int | None, k: int | None = None) -> list[dict[str, Any]]:
        k = self.cfg.evidence if k is None else k
        if j is None or not k or sc.sentence.shape[0] == 0:
            return []
        col = sc.sentence[:, j]
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        # A sentence that cannot show why alone (too short, a lead-in ending in a colon, an aside: text.weak_evidence)
        # comes after every other, whatever its score.
        order = sorted(np.argsort(-col, kind="stable"), key=lambda i: _weak(article, article.sentences[i]))
        for i in order:
            sp = article.sentences[i]
            # a sentence the article repeats (a title that opens the body again) is one piece of evidence
            key = word_key(article.clean_text[sp.start:sp.end])
            if key in seen:
                continue
            seen.add(key)
            out.append({"start": sp.start, "end": sp.end, "score": round(float(col[i]), 4)})
            if len(out) == k:
                break
        return out

    def taxonomies(self) -> list[Any]:
        """The taxonomies whose labels this stage predicts."""
        sc = self.scorer
        if isinstance(sc, SimilarityModel):
            return list(sc.taxonomies)
        return [load_taxonomy(t) for t in (self.cfg.taxonomies or sc.card.get("taxonomies") or ["URW", "CC"])]

    def evidence_for(self, article: Article, label: str, k: int = 5) -> list[dict[str, Any]]:
        """Evidence sentences for any label (e.g. a given dominant narrative)."""
        scores = self.label_scores(article)
        for lv in ("fine", "coarse"):
            key = parent_of(label) if is_other_sub(label) and lv == "fine" else label
            if key in scores[lv].labels:
                return self.evidence(article, scores[lv], scores[lv].labels.index(key), k)
        return []


def _weak(article: Article, sp: Any) -> bool:
    return weak_evidence(article.clean_text[sp.start:sp.end])


class NullNarratives(NarrativesStage):
    """Every article is 'Other': same name, same output shape."""

    null = True

    def predict(self, article: Article) -> dict[str, Any]:
        other = {"label": OTHER, "confidence": 1.0, "evidence": []}
        return {"mode": "null", "decision": None, "narrative_probability": None, "gate_threshold": None, "narratives": [other], "subnarratives": [dict(other)],
                "dominant": {"narrative": OTHER, "subnarrative": OTHER, "confidence": 1.0}, "candidates": []}

    @property
    def model_id(self) -> str | None:
        return None


@lru_cache(maxsize=8)
def _shared(cfg_json: str) -> NarrativesStage:
    """One instance (one loaded model) per configuration, shared with explain."""
    return NarrativesStage(NarrativesConfig.model_validate_json(cfg_json))
