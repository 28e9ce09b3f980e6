"""Train the narrative classifier with cross-validated calibration.

Heads are kernel ridge regressions in dual form (one linear solve for all
labels, fast on a few thousand documents), turned into primal weights so
prediction is a matrix product. Out-of-fold scores from k-fold
cross-validation (each document its own group) fit the Platt calibration
(which the default expected-F1 decision needs, and nothing else) and the
per-label thresholds (for ``decision = "thresholds"``), and give the
cross-validated scores recorded in the model card.

When the data has enough Other documents, "is there a narrative?" and
"which one?" are learnt apart: the label heads on narrative-bearing
documents (their thresholds tuned there, decoding behind an open gate), the
gate on all documents, calibrated and thresholded for an expected share of
Other documents (``TrainSettings.other_share``) rather than for whatever
share the training release happens to have.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..embed import BACKENDS, get_embedder
from ..errors import Code, NarrascopeError, missing_extra
from ..eval.semeval import doc_f1, f1_samples
from ..models.charngram import CharNgramTfidf
from ..models.narrative import (DECISIONS, GATE, LEVELS, MIN_THRESHOLD, NOVELTY_EMBEDDERS, Head, NarrativeModel, Novelty, View, decode,
                                label_probabilities, mean_vector, parent_scores, shifted, sigmoid)
from ..taxonomy import OTHER, Taxonomy, is_other_sub
from . import provenance
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
    # Expected share of documents that carry no narrative ("Other") in the
    # data the model will read; None = the pooled share of the training data.
    # Each language's Other documents are reweighted to this share when the
    # gate is fitted and its threshold tuned: the SemEval English release is
    # 48% Other (the other languages 0-21%), and a model tuned on that prior
    # calls most narrative-bearing English articles "Other".
    other_share: float | None = None
    min_other_gate: int = 10  # fewer Other documents: no gate, labels decide alone
    min_other_language_gate: int = 20  # languages with fewer Other documents use the shared gate threshold
    # The taxonomies' subnarrative descriptions and example sentences, each a
    # one-sentence training row for the label heads (not the gate). On the
    # SemEval data this is neutral to slightly positive (nested CV, three
    # outer splits, fine F1 all languages +0.006 / +0.008 / -0.003, English at
    # the pooled Other share +0.002 / +0.016 / +0.003; docs/benchmarks.md, Experiments);
    # it lets a label that no labelled document carries be predicted from
    # its examples.
    label_examples: bool = True
    # Languages read by a second embedder as well (``models.narrative.View``),
    # and that view's weight against the default embedder's block. USE does
    # not read Hindi; multilingual-e5 does. Out of fold, subnarrative micro
    # average precision on Hindi 0.318 -> 0.344 / 0.349 / 0.351 / 0.350 at
    # weight 1 / 1.5 / 2 / 3 (the other languages within 0.001); nested CV,
    # three outer splits, Hindi fine F1 +0.025 / +0.046 / +0.040, all
    # languages -0.004 / -0.009 / +0.016 (docs/benchmarks.md, Experiments).
    language_views: dict[str, str] = field(default_factory=lambda: {"hi": "e5"})
    view_weight: float = 2.0
    # How the model decides labels (NarrativeModel.decision): "expected_f1"
    # needs calibration only; the thresholds are tuned either way, so a user
    # can switch (stages.narratives.decision = "thresholds"). Nested CV,
    # three outer splits, fine F1 all languages 0.392 / 0.370 / 0.393 with
    # thresholds -> 0.408 / 0.403 / 0.420 (docs/benchmarks.md, Experiments).
    decision: str = "expected_f1"
    # A subnarrative's probability also reads its narrative's
    # (models.narrative.label_probabilities): one more Platt pair, fitted
    # out of fold. Nested CV with the expected-F1 decision, fine F1 all
    # languages 0.408 / 0.403 / 0.420 -> 0.423 / 0.418 / 0.423 on three
    # outer splits (docs/benchmarks.md, Experiments).
    fine_reads_narrative: bool = True


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


def is_narrative(docs: list[LabelledDoc]) -> np.ndarray:
    return np.array([d.coarse != [OTHER] for d in docs])


def share_weights(docs: list[LabelledDoc], share: float) -> np.ndarray:
    """Document weights giving every language the same share of Other
    documents (languages with only one kind keep weight 1)."""
    w = np.ones(len(docs))
    nar = is_narrative(docs)
    lang = np.array([d.lang for d in docs])
    for l in set(lang):
        other = (lang == l) & ~nar
        n_other, n_nar = int(other.sum()), int(((lang == l) & nar).sum())
        if n_other and n_nar:
            w[other] = share * n_nar / ((1 - share) * n_other)
    return w


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
    """Vectoriser + heads fitted on a subset of documents.

    With ``gated``, the label heads learn from the documents that carry a
    narrative only (which narrative, not whether), and a one-column gate
    head learns whether there is one from all documents. The gate regresses
    log(1 + number of subnarratives) rather than a 0/1 flag: the graded
    target separates Other documents better (cross-validated AUC EN 0.82
    vs 0.79, PT 0.84 vs 0.75)."""

    def __init__(self, docs: list[LabelledDoc], E: np.ndarray, Y: dict[str, np.ndarray], s: TrainSettings,
                 gated: bool = False, extra: "Extra | None" = None) -> None:
        Vec = _sk()
        self.vec = Vec(analyzer="char_wb", ngram_range=s.ngram, sublinear_tf=True, min_df=2 if len(docs) >= 20 else 1,
                       max_features=s.max_features, dtype=np.float32)
        Xt = self.vec.fit_transform([d.text for d in docs])
        rows = np.where(is_narrative(docs))[0] if gated else np.arange(len(docs))
        Xl, El, Yl = Xt[rows], E[rows], {lv: Y[lv][rows] for lv in LEVELS}
        if extra is not None:
            extra = extra.for_documents({d.id for d in docs})
        if extra is not None and extra.docs:
            from scipy import sparse

            Xl = sparse.vstack([Xl, self.vec.transform([d.text for d in extra.docs])]).tocsr()
            El = np.vstack([El, extra.E])
            Yl = {lv: np.vstack([Yl[lv], extra.Y[lv]]) for lv in LEVELS}
        self.heads_t = {lv: ridge_dual(Xl, Yl[lv], s.lam_tfidf) for lv in LEVELS}
        self.heads_e = {lv: ridge_dual(El, Yl[lv], s.lam_emb) for lv in LEVELS}
        if gated:
            g = np.log1p(Y["fine"].sum(axis=1, keepdims=True)).astype(np.float32)
            self.heads_t[GATE] = ridge_dual(Xt, g, s.lam_tfidf)
            self.heads_e[GATE] = ridge_dual(E, g, s.lam_emb)
        self.w = s.weight_emb

    def scores(self, docs: list[LabelledDoc], E: np.ndarray) -> dict[str, np.ndarray]:
        Xt = self.vec.transform([d.text for d in docs])
        return {key: self.w * (E @ self.heads_e[key].W + self.heads_e[key].b)
                + (1 - self.w) * np.asarray(Xt @ self.heads_t[key].W + self.heads_t[key].b) for key in self.heads_t}


@dataclass
class Extra:
    """Training rows for the label heads only: never scored, calibrated or
    tuned on, so they cannot leak into the cross-validated figures."""

    docs: list[LabelledDoc]
    E: np.ndarray
    Y: dict[str, np.ndarray]
    # The training document each row was written about (None: no document,
    # e.g. a taxonomy's sentence): a fit keeps such a row only when it trains
    # on that document, so held-out documents leak nothing through it.
    source: list[str | None] | None = None

    def for_documents(self, ids: set[str]) -> "Extra":
        if self.source is None:
            return self
        keep = [i for i, src in enumerate(self.source) if src is None or src in ids]
        return Extra([self.docs[i] for i in keep], self.E[keep], {lv: y[keep] for lv, y in self.Y.items()},
                     [self.source[i] for i in keep])

    def __add__(self, other: "Extra") -> "Extra":
        def src(e: Extra) -> list[str | None]:
            return e.source if e.source is not None else [None] * len(e.docs)

        return Extra(self.docs + other.docs, np.vstack([self.E, other.E]), {lv: np.vstack([self.Y[lv], other.Y[lv]]) for lv in self.Y},
                     src(self) + src(other))


def label_example_rows(taxonomies: list[Taxonomy], labels: dict[str, list[str]], s: TrainSettings,
                       views: tuple[View, ...] = ()) -> Extra:
    """One row per description or example sentence of a subnarrative, and of
    a narrative without subnarratives (as '<narrative>: Other', the way a
    labelled document naming only the narrative is read)."""
    rows: list[LabelledDoc] = []
    for tax in taxonomies:
        for n in tax.narratives:
            coarse = f"{tax.id}: {n.name}"
            own = [] if n.subnarratives else [(f"{coarse}: {OTHER}", n)]
            for fine, item in own + [(f"{coarse}: {sub.name}", sub) for sub in n.subnarratives]:
                texts = [t for t in [item.description, *item.examples] if t.strip()]
                rows += [LabelledDoc(id=f"{fine} #{j}", lang="en", text=t, sentences=[t], coarse=[coarse], fine=[fine])
                         for j, t in enumerate(texts)]
    E = doc_matrix(rows, s, views) if rows else np.zeros((0, 1), np.float32)
    return Extra(rows, E, targets(rows, labels))


def doc_embeddings(docs: list[LabelledDoc], embedder: str, progress: Callable[[int], None] | None = None) -> np.ndarray:
    emb = get_embedder(embedder)
    out = np.zeros((len(docs), emb.dim), dtype=np.float32)
    for i, d in enumerate(docs):
        out[i] = mean_vector(emb.encode(d.sentences[:300] or [d.text[:2000]]), emb.dim)
        if progress:
            progress(1)
    return out


def parse_language_views(specs: list[str]) -> dict[str, str]:
    """``["hi=e5", ...]`` as {language: embedder}; ``["none"]``: no view."""
    out: dict[str, str] = {}
    for spec in specs:
        if spec == "none":
            continue
        lang, _, name = spec.partition("=")
        if not (lang.strip() and name.strip()):
            raise NarrascopeError(Code.BAD_OPTION, f"--language-view {spec!r} is not LANG=EMBEDDER",
                                  hint="for example --language-view hi=e5, or --language-view none")
        out[lang.strip()] = name.strip()
    return out


def views_for(docs: list[LabelledDoc], s: TrainSettings, log: Callable[[str], None] | None = None) -> tuple[View, ...]:
    """The settings' language views whose language the documents have and
    whose embedder loads (one that does not is left out, with a warning)."""
    from ..embed import get_embedder  # looked up at call time: tests hide an extra by patching it

    present = {d.lang for d in docs}
    out = []
    for lang, name in sorted(s.language_views.items()):
        if lang not in present:
            continue
        try:
            get_embedder(name)
        except NarrascopeError as e:
            if e.code != Code.MISSING_EXTRA:
                raise  # an unknown embedder is the user's typo, not a missing install
            if log:
                log(f"warning: no {name} view of the '{lang}' documents ({e.message}): they are read by {s.embedder} "
                    f"alone -> {e.advice}")
            continue
        out.append(View(lang, name, s.view_weight))
    return tuple(out)


def doc_matrix(docs: list[LabelledDoc], s: TrainSettings, views: tuple[View, ...] | None = None,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Document vectors as the label heads read them (``NarrativeModel.vectors``):
    the default embedder's, then one block per view (``views_for(docs, s)``
    unless given), filled for the documents of its language."""
    views = views_for(docs, s) if views is None else views
    blocks = [doc_embeddings(docs, s.embedder, progress)]
    for v in views:
        B = np.zeros((len(docs), v.dim), np.float32)
        rows = [i for i, d in enumerate(docs) if d.lang == v.language]
        if rows:
            B[rows] = v.weight * doc_embeddings([docs[i] for i in rows], v.embedder)
        blocks.append(B)
    return np.hstack(blocks)


def fit_platt(scores: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
              prior_targets: bool = False) -> tuple[float, float]:
    """1-D logistic calibration by damped Newton steps (no sklearn needed);
    optional per-row weights ``w`` (broadcast over the columns of ``scores``).

    ``prior_targets``: Platt's (1999) targets, (N+ + 1) / (N+ + 2) for the
    positives and 1 / (N- + 2) for the negatives (weighted counts), instead
    of 1 and 0. On a small, separable training set 0/1 targets send the slope
    to infinity and every probability to 0 or 1 (a model trained on 12
    articles gave an off-topic one 1.0 for two narratives; with these
    targets 0.58 and 0.57); on the SemEval data they move the nested figures
    by at most 0.001, Hindi's on one split by 0.005 (benchmarks/narratives.py)."""
    x, t = scores.ravel().astype(np.float64), y.ravel().astype(np.float64)
    v = np.ones_like(x) if w is None else np.broadcast_to(np.asarray(w, np.float64).reshape(-1, *[1] * (scores.ndim - 1)), scores.shape).ravel()
    if prior_targets:
        pos, neg = float(np.sum(v * t)), float(np.sum(v * (1 - t)))
        t = np.where(t > 0.5, (pos + 1) / (pos + 2), 1 / (neg + 2))

    def loss(a: float, b: float) -> float:
        z = a * x + b
        return float(np.sum(v * (np.logaddexp(0.0, z) - t * z)))

    a, b = 1.0, 0.0
    cur = loss(a, b)
    for _ in range(100):
        p = sigmoid(a * x + b)
        g = np.array([np.sum(v * (p - t) * x), np.sum(v * (p - t))])
        h = v * p * (1 - p) + 1e-9
        H = np.array([[np.sum(h * x * x), np.sum(h * x)], [np.sum(h * x), np.sum(h)]]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(H, g)
        # Halve the step until the loss does not increase (plain Newton can
        # overshoot and diverge on nearly separable or uninformative scores).
        lr = 1.0
        while lr > 1e-4 and loss(a - lr * step[0], b - lr * step[1]) > cur + 1e-12:
            lr /= 2
        a, b = a - lr * step[0], b - lr * step[1]
        new = loss(a, b)
        if abs(cur - new) < 1e-10 * max(1.0, abs(cur)) or np.abs(lr * step).max() < 1e-8:
            break
        cur = new
    return float(a), float(b)


OPEN = (1.0, 0.0)  # a gate that lets every document through


def tune_thresholds(labels: dict[str, list[str]], prob: dict[str, np.ndarray], docs: list[LabelledDoc],
                    min_pos: int, Y: dict[str, np.ndarray], idx: np.ndarray | None = None,
                    gated: bool = False) -> dict[str, np.ndarray]:
    """Global thresholds per level maximising fine F1-samples (coarse as tie
    breaker) on the documents ``idx``, then a per-label adjustment where a
    label has enough positives. ``gated``: decode as behind an open gate
    (the model's gate decides Other separately)."""
    idx = np.arange(len(docs)) if idx is None else idx
    gold_c = [docs[i].coarse for i in idx]
    gold_f = [docs[i].fine for i in idx]
    grid = np.round(np.arange(MIN_THRESHOLD, 0.96, 0.025), 3)
    gate = OPEN if gated else None

    def evaluate(th: dict[str, np.ndarray]) -> tuple[float, float]:
        pc, pf = zip(*(decode(labels, {lv: prob[lv][i] for lv in LEVELS}, th, gate=gate, other_subnarratives=True) for i in idx))
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
        for j in np.argsort(-Y[lv][idx].sum(axis=0)):
            if Y[lv][idx, j].sum() < min_pos:
                continue
            base = th[lv][j]
            for cand in (base - 0.1, base - 0.05, base + 0.05, base + 0.1):
                if not MIN_THRESHOLD <= cand < 0.98:
                    continue
                th[lv][j] = cand
                s = evaluate(th)
                if s[0] > score[0] + 0.001:
                    score, base = s, cand
                th[lv][j] = base
    return th


def tune_gate(gate_p: np.ndarray, open_f1: np.ndarray, docs: list[LabelledDoc], w: np.ndarray,
              min_other_language: int) -> dict[str, float]:
    """Gate thresholds maximising the share-weighted fine F1-samples: a
    closed gate scores 1 on an Other document and 0 on a narrative one; an
    open gate scores the label decoding (``open_f1``) on a narrative document
    and 0 on an Other one. One shared threshold ("*"), and one per language
    with enough Other documents to tune it."""
    nar = is_narrative(docs)
    grid = np.round(np.arange(0.02, 0.96, 0.02), 3)

    def best(idx: np.ndarray) -> float:
        vals = np.array([float(np.dot(w[idx], np.where(gate_p[idx] >= t, open_f1[idx] * nar[idx], ~nar[idx]))) for t in grid])
        tied = grid[vals >= vals.max() - 1e-9]
        return float(np.median(tied))  # the middle of the best plateau, not its edge

    out = {"*": best(np.arange(len(docs)))}
    lang = np.array([d.lang for d in docs])
    for l in sorted(set(lang)):
        idx = np.where(lang == l)[0]
        if (~nar[idx]).sum() >= min_other_language:
            out[str(l)] = best(idx)
    return out


def oof_scores(docs: list[LabelledDoc], E: np.ndarray, Y: dict[str, np.ndarray], labels: dict[str, list[str]], s: TrainSettings,
               gated: bool, extra: Extra | None, order: np.ndarray, k: int, E_pred: np.ndarray | None = None,
               on_fold: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """Out-of-fold raw scores per level (and GATE): fold f holds out
    ``order[f::k]``. ``E_pred``: other document vectors to score the held-out
    documents with (an experiment's "view missing at prediction")."""
    E_pred = E if E_pred is None else E_pred
    n = len(docs)
    oof = {key: np.zeros((n, len(labels[key]) if key in LEVELS else 1), dtype=np.float32) for key in (*LEVELS, GATE)}
    for f in range(k):
        te = order[f::k]
        tr = np.setdiff1d(order, te)
        fit = _Fitted([docs[i] for i in tr], E[tr], {lv: Y[lv][tr] for lv in LEVELS}, s, gated, extra)
        for key, v in fit.scores([docs[i] for i in te], E_pred[te]).items():
            oof[key][te] = v
        if on_fold:
            on_fold(f)
    return oof


@dataclass
class Decisions:
    """What turns raw head scores into labels, tuned on out-of-fold scores;
    ``prob`` and ``gate_p`` are those scores calibrated."""

    platt: dict[str, tuple[float, float]]
    parent_platt: tuple[float, float] | None
    thresholds: dict[str, np.ndarray]
    shifts: dict[str, tuple[float, float]]
    gate_platt: tuple[float, float] | None
    gate_thresholds: dict[str, float]
    prob: dict[str, np.ndarray]
    gate_p: np.ndarray | None


def tune_decisions(docs: list[LabelledDoc], oof: dict[str, np.ndarray], Y: dict[str, np.ndarray], labels: dict[str, list[str]],
                   s: TrainSettings, gate_weights: np.ndarray | None) -> Decisions:
    """Calibration, thresholds, language shifts and (given ``gate_weights``,
    the share weights of a gated model) the gate, from out-of-fold raw scores."""
    nar = is_narrative(docs)
    gated = gate_weights is not None
    rows = np.where(nar)[0] if gated else np.arange(len(docs))
    platt = {lv: fit_platt(oof[lv][rows], Y[lv][rows], prior_targets=True) for lv in LEVELS}
    parent_platt = None
    if s.fine_reads_narrative:
        parent_platt = fit_platt(parent_scores(labels, label_probabilities(labels, oof, platt))[rows], Y["fine"][rows],
                                 prior_targets=True)
    prob = label_probabilities(labels, oof, platt, parent_platt)
    thresholds = tune_thresholds(labels, prob, docs, s.min_pos_per_label_threshold, Y, rows, gated)
    shifts = tune_language_shift(labels, prob, thresholds, docs, s.min_docs_language_shift, rows, gated)
    if gate_weights is None:
        return Decisions(platt, parent_platt, thresholds, shifts, None, {}, prob, None)
    # Weighted calibration: the gate's probability is P(narrative) in
    # a corpus with `share` Other documents, whatever the language.
    gate_platt = fit_platt(oof[GATE][:, 0], nar.astype(float), gate_weights, prior_targets=True)
    gate_p = sigmoid(gate_platt[0] * oof[GATE][:, 0] + gate_platt[1])
    open_pred = [decode(labels, {lv: prob[lv][i] for lv in LEVELS}, shifted(thresholds, shifts.get(d.lang, (0.0, 0.0))), gate=OPEN,
                        other_subnarratives=True)
                 for i, d in enumerate(docs)]
    open_f1 = np.array([doc_f1(d.fine, p[1]) for d, p in zip(docs, open_pred)])
    gate_th = tune_gate(gate_p, open_f1, docs, gate_weights, s.min_other_language_gate)
    return Decisions(platt, parent_platt, thresholds, shifts, gate_platt, gate_th, prob, gate_p)


def train_narratives(docs: list[LabelledDoc], taxonomies: list[Taxonomy], s: TrainSettings | None = None,
                     log: Callable[[str], None] = print, progress: Callable[[int], None] | None = None,
                     embeddings: np.ndarray | None = None) -> NarrativeModel:
    s = s or TrainSettings()
    if s.decision not in DECISIONS:  # before the embedding, which can take hours
        raise NarrascopeError(Code.BAD_OPTION, f"unknown decision rule {s.decision!r}", hint=f"use one of: {', '.join(DECISIONS)}")
    t0 = time.time()
    labels = label_space(taxonomies, docs)
    Y = targets(docs, labels)
    log(f"{len(docs)} documents, {len(labels['coarse'])} narratives, {len(labels['fine'])} subnarratives")
    views = views_for(docs, s, log)
    for v in views:
        log(f"'{v.language}' documents are read by {v.embedder} too ({sum(d.lang == v.language for d in docs)} documents)")
    extra = label_example_rows(taxonomies, labels, s, views) if s.label_examples else None
    # A head with no positive row never fires: say so, not silently.
    # "<narrative>: Other" is implied, not a label users list: left out.
    seen = {lv: Y[lv].sum(axis=0) + (extra.Y[lv].sum(axis=0) if extra is not None else 0) for lv in LEVELS}
    listed = {lv: [(l, c) for l, c in zip(labels[lv], seen[lv]) if not is_other_sub(l)] for lv in LEVELS}
    unseen = {lv: [l for l, c in listed[lv] if not c] for lv in LEVELS}
    if unseen["coarse"] or unseen["fine"]:
        first = (unseen["coarse"] or unseen["fine"])[0]
        log(f"warning: {len(unseen['coarse'])} of {len(listed['coarse'])} narratives and {len(unseen['fine'])} of "
            f"{len(listed['fine'])} subnarratives have no training document"
            f"{' and no example sentence' if extra is not None else ''} (first: '{first}'); the model will not predict them. "
            "Add labelled documents or example sentences for them, or leave them out of the taxonomy.")
    # ``embeddings``: doc_matrix(docs, s), computed once by callers that train many models.
    E = embeddings if embeddings is not None else doc_matrix(docs, s, views, progress)
    base_dim = BACKENDS[s.embedder].dim  # the default embedder's block; the views' blocks follow
    want = (len(docs), base_dim + sum(v.dim for v in views))
    if E.shape != want:
        raise ValueError(f"embeddings of shape {E.shape}, not {want}: pass doc_matrix() of these documents and settings")
    n = len(docs)
    k = min(s.folds, n // 4)
    nar = is_narrative(docs)
    share = s.other_share if s.other_share is not None else float((~nar).mean())
    gated = int((~nar).sum()) >= s.min_other_gate and int(nar.sum()) >= s.min_other_gate
    gw = share_weights(docs, share) if gated else None
    card: dict[str, Any] = {
        **provenance(),
        "settings": {k_: (list(v) if isinstance(v, tuple) else v) for k_, v in s.__dict__.items()},
        "taxonomies": [t.id for t in taxonomies],
        "documents": n,
        "languages": {l: sum(1 for d in docs if d.lang == l) for l in sorted({d.lang for d in docs})},
        "label_positives": {lv: {l: int(c) for l, c in zip(labels[lv], Y[lv].sum(axis=0)) if c} for lv in LEVELS},
        "gate": {"other_share": round(share, 4), "other_documents": int((~nar).sum())} if gated else None,
        "label_example_rows": len(extra.docs) if extra is not None else 0,
        "views": [v.__dict__ for v in views],
    }
    gate_platt: tuple[float, float] | None = None
    parent_platt: tuple[float, float] | None = None
    gate_th: dict[str, float] = {}
    if k >= 2:
        rng = np.random.default_rng(s.seed)
        oof = oof_scores(docs, E, Y, labels, s, gated, extra, rng.permutation(n), k,
                         on_fold=lambda f: log(f"fold {f + 1}/{k} done ({time.time() - t0:.0f}s)"))
        dec = tune_decisions(docs, oof, Y, labels, s, gw)
        platt, thresholds, shifts, gate_platt, gate_th = dec.platt, dec.thresholds, dec.shifts, dec.gate_platt, dec.gate_thresholds
        parent_platt = dec.parent_platt
        prob, gate_p = dec.prob, dec.gate_p
        card["calibration"] = calibration_report(prob, Y, np.where(nar)[0] if gated else None)
        if gate_p is not None:
            # What users see: P(some narrative) x P(label | some narrative), on all documents.
            joint = {lv: prob[lv] * gate_p[:, None] for lv in LEVELS}
            card["calibration"].update({f"{k}_joint": v for k, v in calibration_report(joint, Y).items()})
    else:
        shifts = {}
        # Too few documents to cross-validate: ridge scores regress toward
        # 0/1, so 0.5 is the natural decision point.
        platt = {lv: (8.0, -4.0) for lv in LEVELS}
        thresholds = {lv: np.full(len(labels[lv]), 0.5, dtype=np.float32) for lv in LEVELS}
        if gated:
            gate_platt, gate_th = (8.0, -4.0), {"*": 0.5}
        card["cross_validation"] = None
        card["note"] = f"only {n} documents: no cross-validation, default thresholds"
        log(f"warning: {card['note']} (cross-validation needs at least 8); its confidences are not calibrated")
    fit = _Fitted(docs, E, Y, s, gated, extra)
    model = NarrativeModel(
        labels=labels,
        emb={lv: fit.heads_e[lv] for lv in LEVELS},
        tfidf_heads={lv: fit.heads_t[lv] for lv in LEVELS},
        tfidf=CharNgramTfidf.from_sklearn(fit.vec),
        embedder_name=s.embedder,
        weight_emb=s.weight_emb,
        platt=platt,
        thresholds=thresholds,
        card=card,
        language_shift=shifts,
        gate=(fit.heads_e[GATE], fit.heads_t[GATE]) if gated else None,
        gate_platt=gate_platt,
        parent_platt=parent_platt,
        gate_thresholds=gate_th,
        other_subnarratives=True,
        views=views,
        decision=s.decision,
        # Without a gate, "Other" is what is unlike every narrative-bearing training article.
        novelty=None if gated or s.embedder not in NOVELTY_EMBEDDERS else
        Novelty.from_training(E[nar][:, :base_dim], extra.E[:, :base_dim] if extra is not None else None),
    )
    if not gated and s.embedder not in NOVELTY_EMBEDDERS:
        log(f"note: no gate (fewer than {s.min_other_gate} Other documents) and no off-topic check with the "
            f"{s.embedder} embedder (measured with {', '.join(NOVELTY_EMBEDDERS)} only): the model names labels for any article")
    if model.novelty is not None:
        card["novelty"] = {"documents": int(nar.sum()), "example_rows": len(extra.docs) if extra is not None else 0,
                           "threshold": model.novelty.threshold,
                           "rule": f"Other below this cosine to the nearest training article: the {Novelty.QUANTILE} quantile of the "
                                   f"training articles' nearest-neighbour cosines less {Novelty.MARGIN}, at most the median cosine "
                                   "of two training articles"}
    if k >= 2:
        pred = [model.decide({lv: prob[lv][i] for lv in LEVELS}, float(gate_p[i]) if gate_p is not None else None, d.lang)
                for i, d in enumerate(docs)]
        card["cross_validation"] = cv_report(docs, pred, k, s.decision, gw)
    card["train_seconds"] = round(time.time() - t0, 1)
    return model


def tune_language_shift(labels: dict[str, list[str]], prob: dict[str, np.ndarray], th: dict[str, np.ndarray],
                        docs: list[LabelledDoc], min_docs: int, rows: np.ndarray | None = None,
                        gated: bool = False) -> dict[str, tuple[float, float]]:
    """Per-language shifts of all thresholds, for languages with enough
    documents (among ``rows``)."""
    out: dict[str, tuple[float, float]] = {}
    steps = np.round(np.arange(-0.2, 0.201, 0.05), 3)
    rows = np.arange(len(docs)) if rows is None else rows
    for lang in sorted({docs[i].lang for i in rows}):
        idx = [i for i in rows if docs[i].lang == lang]
        if len(idx) < min_docs:
            continue
        best = (-1.0, (0.0, 0.0))
        for dc in steps:
            for df in steps:
                t = shifted(th, (dc, df))
                pred = [decode(labels, {lv: prob[lv][i] for lv in LEVELS}, t, gate=OPEN if gated else None,
                               other_subnarratives=True) for i in idx]
                f = f1_samples([docs[i].fine for i in idx], [p[1] for p in pred])
                if f > best[0] + 1e-9 or (abs(f - best[0]) < 1e-9 and abs(dc) + abs(df) < sum(map(abs, best[1]))):
                    best = (f, (float(dc), float(df)))
        out[lang] = best[1]
    return out


def cv_report(docs: list[LabelledDoc], pred: list[tuple[list[str], list[str]]], k: int, decision: str,
              weights: np.ndarray | None = None) -> dict[str, Any]:
    """F1-samples of out-of-fold predictions ``pred``, per language."""
    tuned = "calibration" if decision == "expected_f1" else "calibration and thresholds"
    rep: dict[str, Any] = {"folds": k, "decision": decision,
                           "note": f"out-of-fold predictions; {tuned} fitted on the same folds (slightly optimistic; benchmarks/narratives.py reports nested CV)"}
    if weights is not None:
        rep["note"] += "; 'at_other_share': F1-samples with each language's Other documents reweighted to the gate's Other share"
    for lang in ["all"] + sorted({d.lang for d in docs}):
        idx = [i for i, d in enumerate(docs) if lang == "all" or d.lang == lang]
        fine = [doc_f1(docs[i].fine, pred[i][1]) for i in idx]
        rep[lang] = {
            "n": len(idx),
            "f1_samples_coarse": round(f1_samples([docs[i].coarse for i in idx], [pred[i][0] for i in idx]), 4),
            "f1_samples_fine": round(float(np.mean(fine)), 4),
            "other_only_baseline_fine": round(f1_samples([docs[i].fine for i in idx], [[OTHER]] * len(idx)), 4),
        }
        if weights is not None:
            rep[lang]["at_other_share_fine"] = round(float(np.dot(weights[idx], fine) / weights[idx].sum()), 4)
        narr = [i for i in idx if docs[i].coarse != [OTHER]]
        if narr:
            rep[lang]["narrative_docs_only"] = {
                "n": len(narr),
                "f1_samples_coarse": round(f1_samples([docs[i].coarse for i in narr], [pred[i][0] for i in narr]), 4),
                "f1_samples_fine": round(f1_samples([docs[i].fine for i in narr], [pred[i][1] for i in narr]), 4),
            }
        other = [i for i in idx if docs[i].coarse == [OTHER]]
        if other:
            rep[lang]["other_docs_accuracy"] = round(float(np.mean([pred[i][0] == [OTHER] for i in other])), 4)
    return rep


def calibration_report(prob: dict[str, np.ndarray], Y: dict[str, np.ndarray], rows: np.ndarray | None = None,
                       bins: int = 10) -> dict[str, float]:
    """Expected calibration error of the label probabilities (out of fold, on ``rows``)."""
    out = {}
    for lv in LEVELS:
        r = slice(None) if rows is None else rows
        p, y = prob[lv][r].ravel(), Y[lv][r].ravel()
        edges = np.linspace(0, 1, bins + 1)
        ece = 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            m = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
            if m.any():
                ece += m.mean() * abs(p[m].mean() - y[m].mean())
        out[f"ece_{lv}"] = round(float(ece), 4)
    return out
