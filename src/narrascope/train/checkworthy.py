"""Train the check-worthiness heads on ClaimBuster (debate sentences) and
CLEF 2020 CheckThat! task 1 (COVID-19 tweets), both English:

- ``ngram``: character n-gram TF-IDF + logistic regression (reads English);
- ``use`` / ``e5``: logistic regression over multilingual sentence vectors
  (USE, multilingual-e5 where ``narrascope[e5]`` is installed). Trained on
  English vectors, they read the other languages their encoder places in the
  same space: the only way to check-worthiness in Russian or Hindi here, with
  no labelled sentences in those languages.

A *route* is the heads a language is scored with (their probabilities
averaged): English ``ngram+use``, a language USE reads ``use``, any other
``e5`` (see ``stages.claims.CheckworthyModel.route``). Each route's threshold
is tuned on out-of-fold English scores; stratified cross-validation reports
F1 of the positive class per route next to majority and always-positive
baselines. How the routes transfer is measured in
``benchmarks/experiments/checkworthy_languages.py``.
"""

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

EMBEDDING_HEADS = ("use", "e5")


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
                      max_features: int = 50000, seed: int = 0, log: Callable[[str], None] = print,
                      heads: tuple[str, ...] = EMBEDDING_HEADS) -> dict[str, Any]:
    """The n-gram head and each embedding head of ``heads`` whose encoder
    loads (a missing extra leaves its head out, and the card says so); the
    result keeps each head's out-of-fold probabilities (``oof``) for
    experiments that blend heads another way."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    from ..embed import optional_embedder

    t0 = time.time()

    def vec() -> Any:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=max_features, dtype=np.float32)

    def logistic() -> Any:
        return LogisticRegression(C=C, max_iter=3000, class_weight="balanced")

    X_emb: dict[str, np.ndarray] = {}
    for name in heads:
        emb = optional_embedder(name)
        if emb is None:
            log(f"{name}: encoder not installed, no {name} head")
            continue
        X_emb[name] = emb.encode(texts)
        log(f"{name}: {len(texts)} sentences embedded ({time.time() - t0:.0f}s)")
    oof = {k: np.zeros(len(texts), dtype=np.float32) for k in ("ngram", *X_emb)}
    for f, (tr, te) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y)):
        v = vec()
        m = logistic().fit(v.fit_transform([texts[i] for i in tr]), y[tr])
        oof["ngram"][te] = m.predict_proba(v.transform([texts[i] for i in te]))[:, 1]
        for name, X in X_emb.items():
            oof[name][te] = logistic().fit(X[tr], y[tr]).predict_proba(X[te])[:, 1]
        log(f"fold {f + 1}/{folds} ({time.time() - t0:.0f}s)")
    routes = ["ngram", *X_emb] + (["ngram+use"] if "use" in X_emb else [])
    grid = np.round(np.arange(0.1, 0.9, 0.025), 3)
    srcs = np.array(src)
    cv: dict[str, Any] = {"folds": folds, "routes": {}}
    thresholds: dict[str, float] = {}
    for route in routes:
        p = np.mean([oof[h] for h in route.split("+")], axis=0)
        t = thresholds[route] = float(max(grid, key=lambda t: f1(y, (p >= t).astype(int))))
        r: dict[str, Any] = {"threshold": t}
        for name in ["all"] + sorted(set(src)):
            m_ = np.ones(len(y), bool) if name == "all" else srcs == name
            r[name] = {
                "n": int(m_.sum()),
                "f1": round(f1(y[m_], (p[m_] >= t).astype(int)), 4),
                "baseline_majority_f1": round(f1(y[m_], np.full(m_.sum(), int(np.mean(y[m_]) >= 0.5))), 4),
                "baseline_all_positive_f1": round(f1(y[m_], np.ones(m_.sum(), int)), 4),
            }
        cv["routes"][route] = r
    english = "ngram+use" if "use" in X_emb else "ngram"
    cv.update({"english_route": english, "threshold": thresholds[english], **{k: cv["routes"][english][k] for k in ["all", *sorted(set(src))]}})
    v = vec()
    model = logistic().fit(v.fit_transform(texts), y)
    emb_heads = {}
    for name, X in X_emb.items():
        m = logistic().fit(X, y)
        emb_heads[name] = {"W": m.coef_[0].astype(np.float32), "b": float(m.intercept_[0])}
    return {"tfidf": CharNgramTfidf.from_sklearn(v), "W": model.coef_[0].astype(np.float32), "b": float(model.intercept_[0]),
            "heads": emb_heads, "thresholds": thresholds, "threshold": thresholds[english], "cv": cv,
            "oof": oof, "seconds": round(time.time() - t0, 1)}


def save_checkworthy(res: dict[str, Any], folder: Path, card: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    arrays = dict(res["tfidf"].arrays())
    arrays["W"] = res["W"].astype(np.float16)
    for name, h in res.get("heads", {}).items():
        arrays[f"W_{name}"] = h["W"].astype(np.float16)
    np.savez_compressed(folder / "weights.npz", **arrays)
    meta = {"format": "narrascope.checkworthy.v2", "bias": res["b"], "threshold": res["threshold"],
            "heads": {name: {"bias": h["b"]} for name, h in res.get("heads", {}).items()},
            "thresholds": res.get("thresholds", {"ngram": res["threshold"]}),
            "card": {**provenance(), **card, "cross_validation": res["cv"],
                     "train_seconds": res["seconds"]}}
    (folder / "model.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
