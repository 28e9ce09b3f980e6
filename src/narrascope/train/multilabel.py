"""Training of MultiLabelModel heads with grouped cross-validation."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

import numpy as np

from ..embed import get_embedder
from ..errors import missing_extra
from ..eval.semeval2023 import micro_macro_f1
from ..models.charngram import CharNgramTfidf
from ..models.multilabel import MultiLabelModel
from ..models.narrative import sigmoid
from . import provenance
from .narratives import fit_platt


def _fit(texts: list[str], E: np.ndarray, Y: np.ndarray, lam_t: float, lam_e: float, max_features: int) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import Ridge
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=max_features, dtype=np.float32)
    X = vec.fit_transform(texts)
    mean = Y.mean(axis=0)
    r = Ridge(alpha=lam_t, fit_intercept=False, solver="sparse_cg", max_iter=300, tol=1e-4).fit(X, Y - mean)
    W_t = np.asarray(r.coef_, dtype=np.float32).T
    # Embedding head in closed form (dim x dim system).
    W_e = np.linalg.solve(E.T @ E + lam_e * np.eye(E.shape[1]), E.T @ (Y - mean)).astype(np.float32)
    return vec, W_t, mean.astype(np.float32), W_e, mean.astype(np.float32)


def greedy_thresholds(score: Callable[[np.ndarray], float], n: int, grid: np.ndarray, order: Iterable[int],
                      steps: tuple[float, ...], lo: float = 0.02, hi: float = float("inf")) -> np.ndarray:
    """Thresholds for ``n`` labels maximising ``score``: the best single value
    on ``grid`` for all labels, then for each label in ``order`` the first
    step around it (strictly within ``lo``..``hi``) that improves the score."""
    g = max(grid, key=lambda t: score(np.full(n, t)))
    th = np.full(n, g, dtype=np.float32)
    best = score(th)
    for j in order:
        base = th[j]
        for cand in [base + step for step in steps]:  # steps around the starting value
            if lo < cand < hi:
                th[j] = cand
                s = score(th)
                if s > best + 1e-4:
                    best, base = s, cand
                th[j] = base
    return th


def tune_micro_thresholds(prob: np.ndarray, Y: np.ndarray, labels: list[str], min_pos: int = 30) -> np.ndarray:
    """Thresholds maximising micro-F1; per-label search for labels with at
    least ``min_pos`` positives."""
    gold = [[labels[j] for j in np.where(row > 0)[0]] for row in Y]

    def micro(th: np.ndarray) -> float:
        return micro_macro_f1(gold, [[labels[j] for j in np.where(r >= th)[0]] for r in prob], labels)[0]

    order = [int(j) for j in np.argsort(-Y.sum(axis=0)) if Y[:, j].sum() >= min_pos]
    return greedy_thresholds(micro, len(labels), np.round(np.arange(0.05, 0.8, 0.025), 3), order, (-0.1, -0.05, 0.05, 0.1), hi=0.95)


def group_folds(groups: list[str], folds: int, seed: int) -> np.ndarray:
    """Each row's fold, grouped (an article's paragraphs together): the
    sorted groups permuted with ``seed``, dealt out in turn."""
    fold_of = {g: i % folds for i, g in enumerate(np.random.default_rng(seed).permutation(sorted(set(groups))))}
    return np.array([fold_of[g] for g in groups])


def train_multilabel(texts: list[str], Y: np.ndarray, labels: list[str], groups: list[str], langs: list[str],
                     folds: int = 5, seed: int = 0, weight_emb: float = 0.3, lam_t: float = 1.0, lam_e: float = 1.0,
                     max_features: int = 40000, log: Callable[[str], None] = print) -> MultiLabelModel:
    t0 = time.time()
    E = get_embedder("use").encode(texts)
    log(f"embedded {len(texts)} texts ({time.time() - t0:.0f}s)")
    ug = sorted(set(groups))
    fidx = group_folds(groups, folds, seed)
    oof = np.zeros(Y.shape, np.float32)
    for f in range(folds):
        tr, te = np.where(fidx != f)[0], np.where(fidx == f)[0]
        vec, W_t, b_t, W_e, b_e = _fit([texts[i] for i in tr], E[tr], Y[tr], lam_t, lam_e, max_features)
        Xte = vec.transform([texts[i] for i in te])
        oof[te] = weight_emb * (E[te] @ W_e + b_e) + (1 - weight_emb) * np.asarray(Xte @ W_t + b_t)
        log(f"fold {f + 1}/{folds} ({time.time() - t0:.0f}s)")
    platt = fit_platt(oof, Y)
    prob = sigmoid(platt[0] * oof + platt[1])
    gold = [[labels[j] for j in np.where(row > 0)[0]] for row in Y]
    th = tune_micro_thresholds(prob, Y, labels)
    pred = [[labels[j] for j in np.where(r >= th)[0]] for r in prob]
    cv: dict[str, Any] = {"folds": folds, "grouped_by": "article",
                          "note": "out-of-fold; thresholds tuned on the same folds (slightly optimistic)"}
    majority = [labels[int(np.argmax(Y.sum(axis=0)))]]
    for lang in ["all"] + sorted(set(langs)):
        idx = [i for i, l in enumerate(langs) if lang == "all" or l == lang]
        mi, ma = micro_macro_f1([gold[i] for i in idx], [pred[i] for i in idx], labels)
        bmi, bma = micro_macro_f1([gold[i] for i in idx], [majority] * len(idx), labels)
        cv[lang] = {"n": len(idx), "micro_f1": round(mi, 4), "macro_f1": round(ma, 4),
                    "baseline_majority_micro_f1": round(bmi, 4), "baseline_majority_macro_f1": round(bma, 4)}
    vec, W_t, b_t, W_e, b_e = _fit(texts, E, Y, lam_t, lam_e, max_features)
    card = {**provenance(), "examples": len(texts), "groups": len(ug), "cross_validation": cv,
            "settings": {"weight_emb": weight_emb, "lam_tfidf": lam_t, "lam_emb": lam_e, "max_features": max_features, "folds": folds, "seed": seed},
            "train_seconds": round(time.time() - t0, 1)}
    model = MultiLabelModel(labels, CharNgramTfidf.from_sklearn(vec), W_t, b_t, W_e, b_e, weight_emb, platt, th, "use", card)
    model.oof = prob  # type: ignore[attr-defined]  # out-of-fold probabilities, for callers' own reports
    return model
