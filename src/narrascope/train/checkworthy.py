"""Train the check-worthiness head: character n-gram TF-IDF + logistic
regression on ClaimBuster (debate sentences) and CLEF 2020 CheckThat! task 1
(COVID-19 tweets), with stratified cross-validation reporting F1 of the
positive class next to a majority baseline and an always-positive baseline."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import Code, NarrascopeError, missing_extra
from ..models.charngram import CharNgramTfidf
from . import provenance


def load_checkworthy(root: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """Texts, labels and a source tag per example."""
    texts: list[str] = []
    labels: list[int] = []
    src: list[str] = []
    cb = root / "train.json"
    if not cb.exists():
        raise NarrascopeError(Code.NOT_FOUND, "ClaimBuster train.json not found", input=str(cb))
    for r in json.loads(cb.read_text(encoding="utf-8")):
        texts.append(r["text"])
        labels.append(int(r["label"]))
        src.append("claimbuster")
    for name in ("training_v2.tsv", "dev_v2.tsv"):
        p = root / "clef2020-checkworthiness-task1" / name
        if p.exists():
            with p.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh, delimiter="\t"):
                    texts.append(row["tweet_text"])
                    labels.append(int(row["check_worthiness"]))
                    src.append("clef2020")
    return texts, np.array(labels), src


def f1(y: np.ndarray, p: np.ndarray) -> float:
    tp = float(np.sum((y == 1) & (p == 1)))
    if tp == 0:
        return 0.0
    return 2 * tp / (np.sum(y == 1) + np.sum(p == 1))


def train_checkworthy(texts: list[str], y: np.ndarray, src: list[str], folds: int = 5, C: float = 4.0,
                      max_features: int = 50000, seed: int = 0, log: Callable[[str], None] = print) -> dict[str, Any]:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    t0 = time.time()

    def vec() -> Any:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=max_features, dtype=np.float32)

    oof = np.zeros(len(texts), dtype=np.float32)
    for f, (tr, te) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y)):
        v = vec()
        Xtr = v.fit_transform([texts[i] for i in tr])
        m = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(Xtr, y[tr])
        oof[te] = m.predict_proba(v.transform([texts[i] for i in te]))[:, 1]
        log(f"fold {f + 1}/{folds} ({time.time() - t0:.0f}s)")
    grid = np.round(np.arange(0.2, 0.9, 0.025), 3)
    best_t = float(max(grid, key=lambda t: f1(y, (oof >= t).astype(int))))
    srcs = np.array(src)
    cv: dict[str, Any] = {"folds": folds, "threshold": best_t}
    for name in ["all"] + sorted(set(src)):
        m_ = np.ones(len(y), bool) if name == "all" else srcs == name
        cv[name] = {
            "n": int(m_.sum()),
            "f1": round(f1(y[m_], (oof[m_] >= best_t).astype(int)), 4),
            "baseline_majority_f1": round(f1(y[m_], np.full(m_.sum(), int(np.mean(y[m_]) >= 0.5))), 4),
            "baseline_all_positive_f1": round(f1(y[m_], np.ones(m_.sum(), int)), 4),
        }
    v = vec()
    X = v.fit_transform(texts)
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(X, y)
    return {"tfidf": CharNgramTfidf.from_sklearn(v), "W": model.coef_[0].astype(np.float32), "b": float(model.intercept_[0]),
            "threshold": best_t, "cv": cv, "seconds": round(time.time() - t0, 1)}


def save_checkworthy(res: dict[str, Any], folder: Path, card: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    arrays = dict(res["tfidf"].arrays())
    arrays["W"] = res["W"].astype(np.float16)
    np.savez_compressed(folder / "weights.npz", **arrays)
    meta = {"format": "narrascope.checkworthy.v1", "bias": res["b"], "threshold": res["threshold"],
            "card": {**provenance(), **card, "cross_validation": res["cv"],
                     "train_seconds": res["seconds"]}}
    (folder / "model.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
