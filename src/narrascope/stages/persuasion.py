"""Persuasion techniques (per paragraph) and framing dimensions (per
article), SemEval-2023 Task 3 label sets, multilingual.

Techniques are decided per paragraph of the clean text (the paragraph
classifier is the more accurate judge of *whether*); a token tagger trained
on the span files then says *where*: each predicted technique carries the
spans inside the paragraph that the tagger marks for it (whole sentences for
the languages whose annotators mark sentences, see the span model's card).
When the tagger marks nothing for a technique the paragraph classifier
chose, the evidence falls back to the sentence of the paragraph that scores
highest for it (``"kind": "sentence"``), and so does every technique in a
language the tagger was never trained on (its token features would be
another language's: Hindi spans were stray letters); the result's
``spans_note`` says so.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from ..article import Article
from ..config import Settings, StrictModel, stage_config
from ..models import artifact_digest
from ..models.multilabel import MultiLabelModel
from ..models.spans import SpanModel, stacked_proba
from ..text import weak_evidence
from .base import Stage

MODELS = Path(__file__).resolve().parents[1] / "data" / "models"


class TechniquesConfig(StrictModel):
    model: str | None = Field(None, description="Model folder [default: bundled].")
    threshold_shift: float = Field(0.0, ge=-0.5, le=0.5, description="Added to every threshold.")
    min_chars: int = Field(20, ge=1, description="Shorter paragraphs are not classified.")
    span_model: str | None = Field(None, description="Span tagger folder [default: bundled].")
    span_threshold_shift: float = Field(0.0, ge=-0.5, le=0.5, description="Added to every span threshold (higher: fewer, surer spans).")
    max_spans: int = Field(3, ge=1, description="Spans kept per technique and paragraph (highest scoring first).")


class FramesConfig(StrictModel):
    model: str | None = Field(None, description="Model folder [default: bundled].")
    threshold_shift: float = Field(0.0, ge=-0.5, le=0.5)
    evidence: int = Field(2, ge=0, le=10, description="Evidence sentences per frame: the article's sentences the frame model scores highest for it.")
    max_sentences: int = Field(400, ge=1, description="Sentences scored for evidence (the first ones).")


def paragraphs(article: Article) -> list[tuple[int, int]]:
    out, pos = [], 0
    for para in article.clean_text.split("\n\n"):
        if para.strip():
            out.append((pos, pos + len(para)))
        pos += len(para) + 2
    return out


class TechniquesStage(Stage):
    name = "techniques"
    version = "5"  # 3: punctuation-only spans dropped; 4: no token spans in languages the tagger never saw; 5: a technique's sentence spans do not overlap, an English run does not keep half a quotation's mark
    requires = ("clean_text", "sentences")
    assigns = ("results.techniques",)
    description = "Persuasion techniques per paragraph (23 SemEval-2023 techniques) with evidence spans."

    def __init__(self, cfg: TechniquesConfig | None = None) -> None:
        self.cfg = cfg or TechniquesConfig()

    @classmethod
    def from_settings(cls, s: Settings) -> "TechniquesStage":
        return cls(stage_config(s, "techniques", TechniquesConfig))

    @cached_property
    def model(self) -> MultiLabelModel:
        return MultiLabelModel.load(self.cfg.model or MODELS / "techniques")

    @cached_property
    def span_model(self) -> SpanModel:
        return SpanModel(self.cfg.span_model or MODELS / "technique-spans")

    @property
    def model_id(self) -> str | None:
        return f"techniques@{artifact_digest(self.cfg.model or MODELS / 'techniques')}+spans@{artifact_digest(self.cfg.span_model or MODELS / 'technique-spans')}"

    def predict_texts(self, texts: list[str]) -> tuple[np.ndarray, list[list[str]]]:
        """Technique probabilities and decisions per paragraph: the paragraph
        classifier, combined with the span tagger's strongest token when the
        two were trained together (``narrascope train techniques``)."""
        prob = self.model.predict_proba(texts)
        stack = self.span_model.stack
        if stack is None or not texts:
            return prob, self.model.decide(prob, self.cfg.threshold_shift)
        prob = stacked_proba(stack, prob, self.span_model.max_scores(texts)).astype(np.float32)
        th = np.asarray(stack["thresholds"], np.float32) + self.cfg.threshold_shift
        return prob, [[self.model.labels[j] for j in np.where(row >= th)[0]] for row in prob]

    def predict(self, article: Article) -> dict[str, Any]:
        text = article.clean_text
        paras = [(s, e) for s, e in paragraphs(article) if e - s >= self.cfg.min_chars]
        texts = [text[s:e] for s, e in paras]
        prob, labels = self.predict_texts(texts)
        out_paras = []
        counts: dict[str, int] = {}
        token_spans = self.span_model.knows(article.language)
        for (s, e), p, labs in zip(paras, prob, labels):
            if not labs:
                continue
            spans: dict[str, list[tuple[int, int, float]]] = {}
            if token_spans:
                for t, a, b, sc in self.span_model.spans(text, s, e, only=labs, shift=self.cfg.span_threshold_shift, language=article.language):
                    spans.setdefault(t, []).append((a, b, sc))
            sents = [x for x in article.sentences if x.start >= s and x.end <= e]
            sp = None  # sentence scores, once per paragraph and only if a fallback needs them
            items = []
            for lab in labs:
                j = self.model.labels.index(lab)
                if lab in spans:
                    best = sorted(spans[lab], key=lambda x: -x[2])[: self.cfg.max_spans]
                    ev = [{"start": a, "end": b, "text": text[a:b], "kind": "span", "score": round(sc, 4)} for a, b, sc in sorted(best)]
                else:
                    if sp is None and len(sents) > 1:
                        sp = self.model.predict_proba([text[x.start:x.end] for x in sents])
                    a, b = s, e
                    if sents:
                        x = sents[int(np.argmax(sp[:, j]))] if sp is not None else sents[0]
                        a, b = x.start, x.end
                    ev = [{"start": a, "end": b, "text": text[a:b], "kind": "sentence"}]
                items.append({"technique": lab, "confidence": round(float(p[j]), 4), "evidence": ev})
                counts[lab] = counts.get(lab, 0) + 1
            out_paras.append({"start": s, "end": e, "techniques": items})
        out: dict[str, Any] = {"paragraphs": out_paras, "counts": dict(sorted(counts.items(), key=lambda kv: -kv[1])), "classified": len(paras)}
        if not token_spans:
            known = ", ".join(sorted(self.span_model.languages))
            out["spans_note"] = (f"the span tagger was not trained on '{article.language}' (only {known}): "
                                 "evidence is the paragraph's best sentence for each technique")
        return out


class NullTechniques(TechniquesStage):
    null = True

    def predict(self, article: Article) -> dict[str, Any]:
        return {"paragraphs": [], "counts": {}, "classified": 0}

    @property
    def model_id(self) -> str | None:
        return None


class FramesStage(Stage):
    name = "frames"
    version = "4"  # 2: evidence sentences per frame; 3: a sentence of one or two words ("The accusations") comes after longer ones; 4: and a lead-in ending in a colon ("he responded:") or an aside in brackets
    requires = ("clean_text", "sentences")
    assigns = ("results.frames",)
    description = "Framing dimensions of the article (14 SemEval-2023 frames) with confidence and evidence sentences."

    def __init__(self, cfg: FramesConfig | None = None) -> None:
        self.cfg = cfg or FramesConfig()

    @classmethod
    def from_settings(cls, s: Settings) -> "FramesStage":
        return cls(stage_config(s, "frames", FramesConfig))

    @cached_property
    def model(self) -> MultiLabelModel:
        return MultiLabelModel.load(self.cfg.model or MODELS / "frames")

    @property
    def model_id(self) -> str | None:
        return f"frames@{artifact_digest(self.cfg.model or MODELS / 'frames')}"

    def predict(self, article: Article) -> dict[str, Any]:
        prob = self.model.predict_proba([article.clean_text[:20000]])[0]
        chosen = set(self.model.decide(prob[None, :], self.cfg.threshold_shift)[0])
        ranked = sorted(range(len(prob)), key=lambda j: -prob[j])
        picked = [j for j in ranked if self.model.labels[j] in chosen]
        # The frames are the article's; their evidence is the sentences the
        # same model, reading each sentence alone, finds most of that frame in.
        sents = article.sentences[: self.cfg.max_sentences] if picked and self.cfg.evidence else []
        sp = self.model.predict_proba([article.clean_text[x.start:x.end] for x in sents]) if sents else None
        weak = [weak_evidence(article.clean_text[x.start:x.end]) for x in sents]

        def evidence(j: int) -> list[dict[str, Any]]:
            if sp is None:
                return []
            # a subheading, a post's byline ("— Bill Gates") or a lead-in ("he responded:") read alone scores
            # anything: the other sentences first
            best = sorted(np.argsort(-sp[:, j], kind="stable"), key=weak.__getitem__)[: self.cfg.evidence]
            return [{"start": sents[i].start, "end": sents[i].end, "score": round(float(sp[i, j]), 4)} for i in best]

        return {"frames": [{"frame": self.model.labels[j], "confidence": round(float(prob[j]), 4), "evidence": evidence(j)} for j in picked],
                "scores": {self.model.labels[j]: round(float(prob[j]), 4) for j in ranked}}


class NullFrames(FramesStage):
    null = True

    def predict(self, article: Article) -> dict[str, Any]:
        return {"frames": [], "scores": {}}

    @property
    def model_id(self) -> str | None:
        return None
