"""Train the narrative classifier with cross-validated thresholds.

Heads are kernel ridge regressions in dual form (one linear solve for all
labels, fast on a few thousand documents), turned into primal weights so
prediction is a matrix product. Out-of-fold scores from k-fold
cross-validation (each document its own group) fit the Platt calibration and
the per-label thresholds, and give the cross-validated scores recorded in
the model card.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..embed import get_embedder
from ..errors import missing_extra
from ..eval.semeval import f1_samples
from ..models.charngram import CharNgramTfidf
from ..models.narrative import LEVELS, Head, NarrativeModel, decode, sigmoid
from ..taxonomy import OTHER, Taxonomy
from .data import LabelledDoc


@dataclass
class TrainSettings:
    folds: int = 5
    seed: int = 0
    max_features: int = 30000
    ngram: tuple[int, int] = (2, 5)
    lam_tfidf: float = 0.3
    lam_emb: float = 0.3
    weight_emb: float = 0.3
    embedder: str = "use"
    min_pos_per_label_threshold: int = 20  # labels with fewer positives keep the level's global threshold
    min_docs_language_shift: int = 100  # languages with fewer documents use the shared thresholds


def _sk() -> Any:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    return TfidfVectorizer


def ridge_dual(X: Any, Y: np.ndarray, lam: float) -> Head:
    """min ||XW + b - Y||^2 + lam ||W||^2 with b = mean(Y), solved in the dual."""
    K = X @ X.T
    K = K.toarray() if hasattr(K, "toarray") else np.asarray(K)
    mean = Y.mean(axis=0)
    A = np.linalg.solve(K + lam * np.eye(K.shape[0]), Y - mean)
    W = X.T @ A
    return Head(np.asarray(W, dtype=np.float32), mean.astype(np.float32))


def label_space(taxonomies: list[Taxonomy], docs: list[LabelledDoc]) -> dict[str, list[str]]:
    coarse = [l for t in taxonomies for l in t.coarse_labels()]
    fine = [l for t in taxonomies for l in t.fine_labels()]
    return {"coarse": coarse, "fine": fine}


def targets(docs: list[LabelledDoc], labels: dict[str, list[str]]) -> dict[str, np.ndarray]:
    out = {}
    for lv in LEVELS:
        idx = {l: i for i, l in enumerate(labels[lv])}
        Y = np.zeros((len(docs), len(idx)), dtype=np.float32)
        for i, d in enumerate(docs):
            for l in (d.coarse if lv == "coarse" else d.fine):
                if l in idx:
                    Y[i, idx[l]] = 1.0
        out[lv] = Y
    return out


class _Fitted:
    """Vectoriser + heads fitted on a subset of documents."""

    def __init__(self, docs: list[LabelledDoc], E: np.ndarray, Y: dict[str, np.ndarray], s: TrainSettings) -> None:
        Vec = _sk()
        self.vec = Vec(analyzer="char_wb", ngram_range=s.ngram, sublinear_tf=True, min_df=2 if len(docs) >= 20 else 1,
                       max_features=s.max_features, dtype=np.float32)
        Xt = self.vec.fit_transform([d.text for d in docs])
        self.heads_t = {lv: ridge_dual(Xt, Y[lv], s.lam_tfidf) for lv in LEVELS}
        self.heads_e = {lv: ridge_dual(E, Y[lv], s.lam_emb) for lv in LEVELS}
        self.w = s.weight_emb

    def scores(self, docs: list[LabelledDoc], E: np.ndarray) -> dict[str, np.ndarray]:
        Xt = self.vec.transform([d.text for d in docs])
        return {lv: self.w * (E @ self.heads_e[lv].W + self.heads_e[lv].b)
                + (1 - self.w) * np.asarray(Xt @ self.heads_t[lv].W + self.heads_t[lv].b) for lv in LEVELS}


def doc_embeddings(docs: list[LabelledDoc], embedder: str, progress: Callable[[int], None] | None = None) -> np.ndarray:
    emb = get_embedder(embedder)
    out = np.zeros((len(docs), emb.dim), dtype=np.float32)
    for i, d in enumerate(docs):
        S = emb.encode(d.sentences[:300] or [d.text[:2000]])
        m = S.mean(axis=0)
        out[i] = m / max(float(np.linalg.norm(m)), 1e-12)
        if progress:
            progress(1)
    return out


def fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """1-D logistic calibration by Newton's method (no sklearn needed)."""
    a, b = 4.0, -2.0
    x, t = scores.ravel().astype(np.float64), y.ravel().astype(np.float64)
    for _ in range(50):
        p = sigmoid(a * x + b)
        g = np.array([np.sum((p - t) * x), np.sum(p - t)])
        w = p * (1 - p) + 1e-9
        H = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(H, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-6:
            break
    return float(a), float(b)


def tune_thresholds(labels: dict[str, list[str]], prob: dict[str, np.ndarray], docs: list[LabelledDoc],
                    min_pos: int, Y: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Global thresholds per level maximising fine F1-samples (coarse as tie
    breaker), then a per-label adjustment where a label has enough positives."""
    gold_c = [d.coarse for d in docs]
    gold_f = [d.fine for d in docs]
    grid = np.round(np.arange(0.05, 0.96, 0.025), 3)

    def evaluate(th: dict[str, np.ndarray]) -> tuple[float, float]:
        pc, pf = zip(*(decode(labels, {lv: prob[lv][i] for lv in LEVELS}, th) for i in range(len(docs))))
        return f1_samples(gold_f, pf), f1_samples(gold_c, pc)

    best: tuple[tuple[float, float], float, float] = ((-1.0, -1.0), 0.5, 0.5)
    for tc in grid[::2]:
        for tf in grid[::2]:
            th = {"coarse": np.full(len(labels["coarse"]), tc), "fine": np.full(len(labels["fine"]), tf)}
            s = evaluate(th)
            if s > best[0]:
                best = (s, tc, tf)
    th = {"coarse": np.full(len(labels["coarse"]), best[1], dtype=np.float32), "fine": np.full(len(labels["fine"]), best[2], dtype=np.float32)}
    score = best[0]
    for lv in LEVELS:
        for j in np.argsort(-Y[lv].sum(axis=0)):
            if Y[lv][:, j].sum() < min_pos:
                continue
            base = th[lv][j]
            for cand in (base - 0.1, base - 0.05, base + 0.05, base + 0.1):
                if not 0.02 < cand < 0.98:
                    continue
                th[lv][j] = cand
                s = evaluate(th)
                if s[0] > score[0] + 0.001:
                    score, base = s, cand
                th[lv][j] = base
    return th


def train_narratives(docs: list[LabelledDoc], taxonomies: list[Taxonomy], s: TrainSettings | None = None,
                     log: Callable[[str], None] = print, progress: Callable[[int], None] | None = None,
                     embeddings: np.ndarray | None = None) -> NarrativeModel:
    s = s or TrainSettings()
    t0 = time.time()
    labels = label_space(taxonomies, docs)
    Y = targets(docs, labels)
    log(f"{len(docs)} documents, {len(labels['coarse'])} narratives, {len(labels['fine'])} subnarratives")
    E = embeddings if embeddings is not None else doc_embeddings(docs, s.embedder, progress)
    n = len(docs)
    k = min(s.folds, n // 4)
    card: dict[str, Any] = {
        "trained": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "settings": {k_: (list(v) if isinstance(v, tuple) else v) for k_, v in s.__dict__.items()},
        "taxonomies": [t.id for t in taxonomies],
        "documents": n,
        "languages": {l: sum(1 for d in docs if d.lang == l) for l in sorted({d.lang for d in docs})},
        "label_positives": {lv: {l: int(c) for l, c in zip(labels[lv], Y[lv].sum(axis=0)) if c} for lv in LEVELS},
    }
    if k >= 2:
        rng = np.random.default_rng(s.seed)
        order = rng.permutation(n)
        oof = {lv: np.zeros((n, len(labels[lv])), dtype=np.float32) for lv in LEVELS}
        for f in range(k):
            te = order[f::k]
            tr = np.setdiff1d(order, te)
            fit = _Fitted([docs[i] for i in tr], E[tr], {lv: Y[lv][tr] for lv in LEVELS}, s)
            sc = fit.scores([docs[i] for i in te], E[te])
            for lv in LEVELS:
                oof[lv][te] = sc[lv]
            log(f"fold {f + 1}/{k} done ({time.time() - t0:.0f}s)")
        platt = {lv: fit_platt(oof[lv], Y[lv]) for lv in LEVELS}
        prob = {lv: sigmoid(platt[lv][0] * oof[lv] + platt[lv][1]) for lv in LEVELS}
        thresholds = tune_thresholds(labels, prob, docs, s.min_pos_per_label_threshold, Y)
        shifts = tune_language_shift(labels, prob, thresholds, docs, s.min_docs_language_shift)
        card["cross_validation"] = cv_report(labels, prob, thresholds, docs, k, shifts)
        card["calibration"] = calibration_report(prob, Y)
    else:
        shifts = {}
        # Too few documents to cross-validate: ridge scores regress toward
        # 0/1, so 0.5 is the natural decision point.
        platt = {lv: (8.0, -4.0) for lv in LEVELS}
        thresholds = {lv: np.full(len(labels[lv]), 0.5, dtype=np.float32) for lv in LEVELS}
        card["cross_validation"] = None
        card["note"] = f"only {n} documents: no cross-validation, default thresholds"
    fit = _Fitted(docs, E, Y, s)
    model = NarrativeModel(
        labels=labels,
        emb=fit.heads_e,
        tfidf_heads=fit.heads_t,
        tfidf=CharNgramTfidf.from_sklearn(fit.vec),
        embedder_name=s.embedder,
        weight_emb=s.weight_emb,
        platt=platt,
        thresholds=thresholds,
        card=card,
        language_shift=shifts,
    )
    card["train_seconds"] = round(time.time() - t0, 1)
    return model


def _shifted(th: dict[str, np.ndarray], shift: tuple[float, float]) -> dict[str, np.ndarray]:
    return {"coarse": th["coarse"] + shift[0], "fine": th["fine"] + shift[1]}


def tune_language_shift(labels: dict[str, list[str]], prob: dict[str, np.ndarray], th: dict[str, np.ndarray],
                        docs: list[LabelledDoc], min_docs: int) -> dict[str, tuple[float, float]]:
    """Per-language shifts of all thresholds, for languages with enough documents."""
    out: dict[str, tuple[float, float]] = {}
    steps = np.round(np.arange(-0.2, 0.201, 0.05), 3)
    for lang in sorted({d.lang for d in docs}):
        idx = [i for i, d in enumerate(docs) if d.lang == lang]
        if len(idx) < min_docs:
            continue
        best = (-1.0, (0.0, 0.0))
        for dc in steps:
            for df in steps:
                t = _shifted(th, (dc, df))
                pred = [decode(labels, {lv: prob[lv][i] for lv in LEVELS}, t) for i in idx]
                f = f1_samples([docs[i].fine for i in idx], [p[1] for p in pred])
                if f > best[0] + 1e-9 or (abs(f - best[0]) < 1e-9 and abs(dc) + abs(df) < sum(map(abs, best[1]))):
                    best = (f, (float(dc), float(df)))
        out[lang] = best[1]
    return out


def cv_report(labels: dict[str, list[str]], prob: dict[str, np.ndarray], th: dict[str, np.ndarray],
              docs: list[LabelledDoc], k: int, shifts: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    shifts = shifts or {}
    pred = [decode(labels, {lv: prob[lv][i] for lv in LEVELS}, _shifted(th, shifts.get(d.lang, (0.0, 0.0)))) for i, d in enumerate(docs)]
    rep: dict[str, Any] = {"folds": k, "note": "out-of-fold predictions; thresholds tuned on the same folds (slightly optimistic; benchmarks/narratives.py reports nested CV)"}
    for lang in ["all"] + sorted({d.lang for d in docs}):
        idx = [i for i, d in enumerate(docs) if lang == "all" or d.lang == lang]
        rep[lang] = {
            "n": len(idx),
            "f1_samples_coarse": round(f1_samples([docs[i].coarse for i in idx], [pred[i][0] for i in idx]), 4),
            "f1_samples_fine": round(f1_samples([docs[i].fine for i in idx], [pred[i][1] for i in idx]), 4),
            "other_only_baseline_fine": round(f1_samples([docs[i].fine for i in idx], [[OTHER]] * len(idx)), 4),
        }
        narr = [i for i in idx if docs[i].coarse != [OTHER]]
        if narr:
            rep[lang]["narrative_docs_only"] = {
                "n": len(narr),
                "f1_samples_coarse": round(f1_samples([docs[i].coarse for i in narr], [pred[i][0] for i in narr]), 4),
                "f1_samples_fine": round(f1_samples([docs[i].fine for i in narr], [pred[i][1] for i in narr]), 4),
            }
    return rep


def calibration_report(prob: dict[str, np.ndarray], Y: dict[str, np.ndarray], bins: int = 10) -> dict[str, float]:
    """Expected calibration error of the label probabilities (out of fold)."""
    out = {}
    for lv in LEVELS:
        p, y = prob[lv].ravel(), Y[lv].ravel()
        edges = np.linspace(0, 1, bins + 1)
        ece = 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            m = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
            if m.any():
                ece += m.mean() * abs(p[m].mean() - y[m].mean())
        out[f"ece_{lv}"] = round(float(ece), 4)
    return out
