"""Stacking the span tagger into the paragraph decision.

The paragraph classifier sees the paragraph as a bag of character n-grams and
one sentence embedding; the tagger sees each token in its neighbourhood. Per
technique, a two-feature logistic regression on [logit of the paragraph
probability, the tagger's highest token score in the paragraph] combines
them. Both inputs are out-of-fold; the stacker itself is cross-fitted by
article for the reported scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import missing_extra
from ..eval.semeval2023 import TECHNIQUES
from ..models.spans import logit, stacked_proba  # noqa: F401 - stacked_proba re-exported for reports


def paragraph_span_scores(span_res: dict[str, Any], groups: list[str], offsets: list[tuple[int, int]]) -> np.ndarray:
    """Highest out-of-fold token score per technique inside each paragraph
    (``groups`` are "<lang>/<article id>", offsets into the article file)."""
    where = {a.id: i for i, a in enumerate(span_res["articles"])}
    F = np.zeros((len(groups), len(TECHNIQUES)), np.float32)
    for k, (g, (s, e)) in enumerate(zip(groups, offsets)):
        i = where.get(g)
        if i is None:
            continue
        starts = np.array([a for a, _ in span_res["tokens"][i]])
        sel = (starts >= s) & (starts < e)
        if sel.any():
            F[k] = span_res["oof"][i][sel].max(axis=0)
    return F


def _fit_one(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    from sklearn.linear_model import LogisticRegression

    if not 0 < y.sum() < len(y):
        return 1.0, 0.0, 0.0  # nothing to learn: keep the paragraph probability
    m = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    return float(m.coef_[0, 0]), float(m.coef_[0, 1]), float(m.intercept_[0])


def fit_stack(prob: np.ndarray, F: np.ndarray, Y: np.ndarray, groups: list[str], folds: int = 5, seed: int = 7) -> dict[str, Any]:
    """Stacker coefficients fitted on everything, cross-fitted probabilities
    (folds by article) and micro-F1 thresholds tuned on them."""
    try:
        import sklearn  # noqa: F401
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    from .multilabel import group_folds, tune_micro_thresholds

    fidx = group_folds(groups, folds, seed)
    L = logit(prob)
    oof = np.zeros_like(prob)
    coef = np.zeros((3, len(TECHNIQUES)))
    for j in range(len(TECHNIQUES)):
        x = np.stack([L[:, j], F[:, j]], axis=1)
        for f in range(folds):
            tr, te = fidx != f, fidx == f
            a, c, b = _fit_one(x[tr], Y[tr, j])
            oof[te, j] = 1.0 / (1.0 + np.exp(-(a * x[te, 0] + c * x[te, 1] + b)))
        coef[:, j] = _fit_one(x, Y[:, j])
    th = tune_micro_thresholds(oof, Y, TECHNIQUES)
    return {"a": coef[0].round(5).tolist(), "c": coef[1].round(5).tolist(), "b": coef[2].round(5).tolist(),
            "thresholds": th.round(4).tolist(), "oof": oof}


def stack_report(prob: np.ndarray, thresholds: list[float] | np.ndarray, Y: np.ndarray, langs: list[str],
                 note: str = "stacker cross-fitted; thresholds tuned on the same folds (slightly optimistic)") -> dict[str, Any]:
    """Official micro/macro-F1 of the cross-fitted stacked decisions per
    language (``thresholds``: one per technique, or one row per paragraph)."""
    from ..eval.semeval2023 import micro_macro_f1

    th = np.asarray(thresholds)
    gold = [[TECHNIQUES[j] for j in np.where(r > 0)[0]] for r in Y]
    pred = [[TECHNIQUES[j] for j in np.where(r >= t)[0]] for r, t in zip(prob, np.broadcast_to(th, prob.shape))]
    out: dict[str, Any] = {"grouped_by": "article", "note": note}
    for lang in ["all"] + sorted(set(langs)):
        idx = [i for i, l in enumerate(langs) if lang == "all" or l == lang]
        mi, ma = micro_macro_f1([gold[i] for i in idx], [pred[i] for i in idx], TECHNIQUES)
        out[lang] = {"n": len(idx), "micro_f1": round(mi, 4), "macro_f1": round(ma, 4)}
    return out


def nested_threshold_report(prob: np.ndarray, Y: np.ndarray, groups: list[str], langs: list[str], folds: int = 5,
                            seed: int = 11) -> dict[str, Any]:
    """stack_report with each paragraph decided by thresholds tuned on the
    other folds' articles (the shipped thresholds are tuned on all of them)."""
    from .multilabel import group_folds, tune_micro_thresholds

    fidx = group_folds(groups, folds, seed)
    th = np.zeros(prob.shape, np.float32)
    for f in range(folds):
        th[fidx == f] = tune_micro_thresholds(prob[fidx != f], Y[fidx != f], TECHNIQUES)
    return stack_report(prob, th, Y, langs, note="stacker cross-fitted; each article decided by thresholds tuned on the other folds")
