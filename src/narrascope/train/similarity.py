"""Fit the similarity mode's gate and matcher (models.similarity) on labelled
articles and the taxonomies they were labelled with.

Every (article, taxonomy) pair is a gate example (is the article of that
taxonomy's domain?) and, for the articles of the domain, every label of the
taxonomy a matcher example. The features never name a label, so what is
learnt on URW and CC carries to a taxonomy of the user's
(benchmarks/zero_shot.py measures that, leave one taxonomy out). Thresholds:
the labels' from out-of-fold probabilities on the domain's articles, the
gate's then on all pairs; both maximise mean F1-samples of the subnarratives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import NarrascopeError, missing_extra
from ..eval.semeval import doc_f1
from ..models.narrative import LEVELS, decode
from ..models.similarity import FEATURES, GATE_FEATURES, PARENT_FEATURES, SimilarityModel
from ..taxonomy import OTHER, Taxonomy
from .data import LabelledDoc

GRID = np.round(np.arange(0.05, 0.9, 0.025), 3)


def gold_in(doc: LabelledDoc, tax_id: str) -> tuple[list[str], list[str]]:
    """The article's labels of one taxonomy; Other when it has none there."""
    c = [x for x in doc.coarse if x.startswith(tax_id + ":")]
    f = [x for x in doc.fine if x.startswith(tax_id + ":")]
    return (c, f) if c else ([OTHER], [OTHER])


def article_embeddings(docs: Sequence[LabelledDoc], embedder: str = "use",
                       advance: Callable[[], None] | None = None) -> list[np.ndarray]:
    """Each article's sentence embeddings, as the mode is fitted on them
    (the first 300 sentences; the text's start when it has none)."""
    from ..embed import get_embedder

    emb = get_embedder(embedder)
    out = []
    for d in docs:
        out.append(emb.encode(d.sentences[:300] or [d.text[:2000]]))
        if advance is not None:
            advance()
    return out


def _fit_logistic(X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    X = X.astype(np.float64)
    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-6
    lr = LogisticRegression(C=1.0, max_iter=2000).fit((X - mu) / sd, y)
    return {"mean": mu.round(6).tolist(), "scale": sd.round(6).tolist(), "coef": lr.coef_[0].round(6).tolist(),
            "intercept": round(float(lr.intercept_[0]), 6)}


def _predict(model: SimilarityModel, emb: np.ndarray, params: dict[str, Any]) -> tuple[dict[str, np.ndarray], float]:
    model.params = params
    prob, gate = model.probabilities(emb)
    return prob, float(gate.max())


def _mean_f1(models: Sequence[SimilarityModel], rows: Sequence[tuple[int, int]], probs: Sequence[dict[str, np.ndarray]],
             golds: Sequence[tuple[list[str], list[str]]], th: tuple[float, float],
             gates: Sequence[float] | None = None, gate_th: float = 0.5) -> float:
    out = []
    for k, ((t, _), p, g) in enumerate(zip(rows, probs, golds)):
        m = models[t]
        thr = {"coarse": np.full(len(m.labels["coarse"]), th[0]), "fine": np.full(len(m.labels["fine"]), th[1])}
        out.append(doc_f1(g[1], decode(m.labels, p, thr, gate=None if gates is None else (gates[k], gate_th))[1]))
    return float(np.mean(out)) if out else 0.0


def train_similarity(docs: Sequence[LabelledDoc], taxonomies: Sequence[Taxonomy], embeddings: Sequence[np.ndarray],
                     embedder: str = "use", folds: int = 5, seed: int = 0, log: Callable[[str], None] = print) -> dict[str, Any]:
    """The gate and matcher parameters (models.similarity's model.json)
    from ``docs`` with their sentence ``embeddings`` (one matrix per
    article, by ``embedder``, which the model will read with)."""
    t0 = time.time()
    models = [SimilarityModel([t], embedder_name=embedder) for t in taxonomies]
    rows: list[tuple[int, int]] = []  # (taxonomy, article)
    feats: list[dict[str, np.ndarray]] = []
    gates: list[np.ndarray] = []
    golds: list[tuple[list[str], list[str]]] = []
    for t, m in enumerate(models):
        for i, e in enumerate(embeddings):
            F, G = m.features(e)
            rows.append((t, i))
            feats.append(F)
            gates.append(G[0])
            golds.append(gold_in(docs[i], taxonomies[t].id))
    on = np.array([g[0] != [OTHER] for g in golds])
    if on.sum() < 2 or on.all():
        from ..errors import Code

        raise NarrascopeError(Code.BAD_OPTION, "the similarity mode learns from articles that carry the taxonomies' labels and "
                              "articles that carry none of a taxonomy's: give both (at least two of the first)",
                              input=", ".join(t.id for t in taxonomies))

    def targets(k: int, lv: str) -> np.ndarray:
        return np.array([lab in golds[k][LEVELS.index(lv)] for lab in models[rows[k][0]].labels[lv]], float)

    def fit_matcher(ks: Sequence[int]) -> dict[str, Any]:
        return {lv: _fit_logistic(np.vstack([feats[k][lv] for k in ks]), np.concatenate([targets(k, lv) for k in ks])) for lv in LEVELS}

    dom = np.where(on)[0]
    # folds by article: an article's pairs with every taxonomy stay together
    fold_of = np.random.default_rng(seed).permutation(len(docs)) % folds
    gate_params = _fit_logistic(np.stack(gates), on.astype(float))
    oof: list[dict[str, np.ndarray]] = [{} for _ in dom]
    for f in range(folds):
        test = [j for j, k in enumerate(dom) if fold_of[rows[k][1]] == f]
        train = [k for k in dom if fold_of[rows[k][1]] != f]
        if not test or not train:
            continue
        params = {"gate": {**gate_params, "threshold": 0.5}, **fit_matcher(train)}
        for j in test:
            k = dom[j]
            oof[j] = _predict(models[rows[k][0]], embeddings[rows[k][1]], params)[0]
    keep = [j for j in range(len(dom)) if oof[j]]
    th = max(((tc, tf) for tc in GRID for tf in GRID),
             key=lambda x: _mean_f1(models, [rows[dom[j]] for j in keep], [oof[j] for j in keep], [golds[dom[j]] for j in keep], x,
                                    [1.0] * len(keep)))
    matcher = fit_matcher(list(dom))
    params = {"gate": {**gate_params, "threshold": 0.5}, **matcher}
    pred = [_predict(models[t], embeddings[i], params) for t, i in rows]
    gate_th = max(GRID, key=lambda g: _mean_f1(models, rows, [p for p, _ in pred], golds, th, [q for _, q in pred], float(g)))
    params["gate"]["threshold"] = float(gate_th)
    for lv, x in zip(LEVELS, th):
        params[lv]["threshold"] = float(x)
    params["card"] = {
        "features": {"gate": GATE_FEATURES, "label": FEATURES, "subnarrative_adds_parent": [FEATURES[j] for j in PARENT_FEATURES]},
        "embedder": embedder, "taxonomies": [t.id for t in taxonomies], "articles": len(docs), "domain_pairs": int(on.sum()), "folds": folds, "seed": seed,
        "seconds": round(time.time() - t0),
    }
    log(f"gate threshold {gate_th}, label thresholds coarse {th[0]} / fine {th[1]} ({time.time() - t0:.0f}s)")
    return params


def held_out_scores(docs: Sequence[LabelledDoc], taxonomies: Sequence[Taxonomy], embeddings: Sequence[np.ndarray],
                    embedder: str = "use", seed: int = 0) -> dict[str, dict[str, Any]]:
    """How the mode does on a taxonomy it never saw, for the model card:
    each taxonomy in turn held out, the gate and matcher fitted on the
    others with one half of the articles and scored with it on the other
    half (and back). F1-samples on the held-out taxonomy's articles and
    over all articles (others gold Other), and how often others are called Other."""
    half = np.random.default_rng(seed).permutation(len(docs)) % 2
    out: dict[str, dict[str, Any]] = {}
    for held in taxonomies:
        rest = [t for t in taxonomies if t.id != held.id]
        preds: list[tuple[list[str], list[str]] | None] = [None] * len(docs)
        try:
            for h in (0, 1):
                tr, te = np.where(half != h)[0], np.where(half == h)[0]
                params = train_similarity([docs[i] for i in tr], rest, [embeddings[i] for i in tr], embedder, seed=seed, log=lambda m: None)
                model = SimilarityModel([held], embedder_name=embedder, params=params)
                for i in te:
                    preds[i] = model.predict_labels(embeddings[i])
        except NarrascopeError as e:  # too few articles of the other taxonomies in a half: no score, the model still trains
            out[held.id] = {"fitted_on": [t.id for t in rest], "skipped": e.message}
            continue
        golds = [gold_in(d, held.id) for d in docs]
        on = [i for i, g in enumerate(golds) if g[0] != [OTHER]]
        off = [i for i, g in enumerate(golds) if g[0] == [OTHER]]

        def f1(rows: list[int], lv: int) -> float:
            return round(float(np.mean([doc_f1(golds[i][lv], preds[i][lv]) for i in rows])), 4) if rows else 0.0  # type: ignore[index]

        out[held.id] = {"fitted_on": [t.id for t in rest], "domain_articles": len(on), "domain_f1_coarse": f1(on, 0), "domain_f1_fine": f1(on, 1),
                        "all_f1_fine": f1(list(range(len(docs))), 1),
                        "others_called_other": round(float(np.mean([preds[i][0] == [OTHER] for i in off])), 4) if off else None}  # type: ignore[index]
    return out
