"""Entity-framing training data (SemEval-2025 Task 10 subtask 1) and the
role heads, with grouped cross-validation."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import Code, NarrascopeError, missing_extra
from ..eval.roles import FINE_ROLES, MAIN_ROLES, align_mention, read_document, read_roles
from ..models.roles import PRIOR_SCALE, blend_proba, gazetteer_names, mention_features, name_prior, normalise_name, own_proba

FORMAT = "narrascope.roles.v3"
# Weight of the pooled heads against the article language's own heads: chosen
# among 0.3 / 0.5 / 0.7 on the out-of-fold predictions (0.3 was best on both
# main-role accuracy and exact match, overall and for English).
POOLED_WEIGHT = 0.3
MIN_LANGUAGE_MENTIONS = 100
# Languages whose own heads read another embedder's features, used alone
# (not blended with the pooled USE heads). USE does not cover Hindi; e5 does:
# Hindi main-role accuracy / EMR 0.551 / 0.241 (USE, blended) -> 0.632 / 0.322
# (e5, own heads), cross-validated. Bulgarian, also outside USE, did not gain
# (0.701 / 0.270 -> 0.699 / 0.257), so it stays with USE.
LANGUAGE_EMBEDDERS = {"hi": "e5"}


@dataclass
class Mentions:
    """Gold mentions; ``docs`` maps a group id to its raw text."""

    docs: dict[str, str]
    group: list[str]
    start: list[int]
    end: list[int]
    main: list[str]
    fine: list[list[str]]
    lang: list[str]

    @property
    def names(self) -> list[str]:
        return [self.docs[g][s:e] for g, s, e in zip(self.group, self.start, self.end)]


def semeval_mentions(root: Path) -> Mentions:
    """Mentions from ``<LANG>/subtask-1-annotations.txt`` and the raw documents
    (``root`` is the train folder or one language folder)."""
    m = Mentions({}, [], [], [], [], [], [])
    folders = [root] if (root / "raw-documents").is_dir() else sorted(p for p in root.iterdir() if (p / "raw-documents").is_dir())
    for folder in folders:
        ann = folder / "subtask-1-annotations.txt"
        if not ann.exists():
            continue
        for (doc, mention, s, e), (main, fine) in read_roles(ann).items():
            p = folder / "raw-documents" / doc
            if not p.exists():
                continue
            g = f"{folder.name}/{doc}"
            if g not in m.docs:
                m.docs[g] = read_document(p)
            start, end = align_mention(m.docs[g], mention, int(s), int(e) + 1)  # inclusive end in the file
            m.group.append(g)
            m.start.append(start)
            m.end.append(end)
            m.main.append(main)
            m.fine.append([x for x in fine if x in FINE_ROLES])
            m.lang.append(folder.name.lower())
    if not m.group:
        raise NarrascopeError(Code.BAD_SEMEVAL, "no subtask-1 annotations with their documents", input=str(root),
                              hint="point --semeval at the SemEval-2025 Task 10 train folder")
    return m


def features(m: Mentions, languages: list[str], log: Callable[[str], None], embedder: str = "use",
             only: str | None = None) -> np.ndarray:
    """Mention features (without the name prior) with ``embedder``; with
    ``only``, the rows of that language alone are filled."""
    from ..embed import get_embedder

    embed = get_embedder(embedder)
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(m.group):
        if only is None or m.lang[i] == only:
            by_doc[g].append(i)
    X: np.ndarray | None = None
    t0 = time.time()
    for k, (g, idx) in enumerate(by_doc.items()):
        F = mention_features(embed, m.docs[g], [(m.start[i], m.end[i]) for i in idx], m.lang[idx[0]], languages)
        if X is None:
            X = np.zeros((len(m.group), F.shape[1]), np.float32)
        X[idx] = F
        if (k + 1) % 200 == 0:
            log(f"features ({embedder}{', ' + only if only else ''}): {k + 1}/{len(by_doc)} documents ({time.time() - t0:.0f}s)")
    assert X is not None
    return X


def gazetteer(m: Mentions) -> dict[str, list[str]]:
    """Per language, the distinct names the annotators marked (see
    ``models.roles.gazetteer_mentions``)."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for name, lang in zip(m.names, m.lang):
        by_lang[lang].append(name)
    return {lang: gazetteer_names(names) for lang, names in sorted(by_lang.items())}


def prior_counts(m: Mentions, idx: np.ndarray) -> tuple[dict[str, list[float]], dict[tuple[str, str], list[float]]]:
    total: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    per_doc: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    names = m.names
    for i in idx:
        n, j = normalise_name(names[i]), MAIN_ROLES.index(m.main[i])
        total[n][j] += 1
        per_doc[(n, m.group[i])][j] += 1
    return dict(total), dict(per_doc)


def prior_features(m: Mentions, fit_idx: np.ndarray, rows: np.ndarray, leave_doc_out: bool) -> np.ndarray:
    """Name-prior columns; for training rows the row's own document is left
    out, as it will be for any new article."""
    total, per_doc = prior_counts(m, fit_idx)
    names = m.names
    return np.stack([PRIOR_SCALE * name_prior(total, names[i], per_doc.get((normalise_name(names[i]), m.group[i])) if leave_doc_out else None)
                     for i in rows])


def fit_heads(X: np.ndarray, main: np.ndarray, Yf: np.ndarray, C: float = 1.0) -> dict[str, np.ndarray]:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    W_main = np.zeros((X.shape[1], len(MAIN_ROLES)), np.float32)
    b_main = np.full(len(MAIN_ROLES), -30.0, np.float32)  # a role never seen in training stays impossible
    seen = np.unique(main)
    if len(seen) == 1:
        b_main[seen[0]] = 0.0
    else:
        lr = LogisticRegression(C=C, max_iter=3000).fit(X, main)
        if len(seen) == 2:  # binary: one weight vector, for the second class
            W_main[:, seen[1]], b_main[seen[1]], b_main[seen[0]] = lr.coef_[0], lr.intercept_[0], 0.0
        else:
            W_main[:, lr.classes_], b_main[lr.classes_] = lr.coef_.T, lr.intercept_
    W_fine = np.zeros((X.shape[1], Yf.shape[1]), np.float32)
    b_fine = np.full(Yf.shape[1], -30.0, np.float32)
    for j in range(Yf.shape[1]):
        if 2 <= Yf[:, j].sum() < len(Yf):
            f = LogisticRegression(C=C, max_iter=2000).fit(X, Yf[:, j])
            W_fine[:, j], b_fine[j] = f.coef_[0], f.intercept_[0]
    return {"W_main": W_main, "b_main": b_main, "W_fine": W_fine, "b_fine": b_fine}


def fit_language_heads(X: np.ndarray, main: np.ndarray, Yf: np.ndarray, lang: np.ndarray, own: list[str]) -> dict[str, np.ndarray]:
    """Pooled heads over every language, plus one set per language in ``own``
    (keys prefixed ``<lang>/``): cross-validated, an article language's own
    heads blended with the pooled ones beat either alone (English main-role
    accuracy 0.59 pooled, 0.65 own, 0.64 blended; all languages 0.646 /
    0.646 / 0.655)."""
    out = fit_heads(X, main, Yf)
    for l in own:
        rows = lang == l
        if rows.any():
            out.update({f"{l}/{k}": v for k, v in fit_heads(X[rows], main[rows], Yf[rows]).items()})
    return out


def train_roles(root: Path, folds: int = 5, seed: int = 0, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Out-of-fold probabilities (folds grouped by document) and the heads
    fitted on everything."""
    m = semeval_mentions(root)
    languages = sorted(set(m.lang))
    log(f"{len(m.group)} mentions in {len(m.docs)} documents ({', '.join(languages)})")
    F = features(m, languages, log)
    y = np.array([MAIN_ROLES.index(r) for r in m.main])
    Yf = np.array([[r in f for r in FINE_ROLES] for f in m.fine], np.float32)
    docs = sorted(m.docs)
    rng = np.random.default_rng(seed)
    fold_of = {g: i % folds for i, g in enumerate(rng.permutation(docs))}
    fidx = np.array([fold_of[g] for g in m.group])
    oof_main = np.zeros((len(y), len(MAIN_ROLES)), np.float32)
    oof_fine = np.zeros(Yf.shape, np.float32)
    lang = np.array(m.lang)
    alt = {l: e for l, e in LANGUAGE_EMBEDDERS.items() if (lang == l).sum() >= MIN_LANGUAGE_MENTIONS}
    own = [l for l in languages if (lang == l).sum() >= MIN_LANGUAGE_MENTIONS and l not in alt]
    F_alt = {l: features(m, languages, log, e, only=l) for l, e in alt.items()}
    t0 = time.time()

    def fit(tr: np.ndarray) -> dict[str, np.ndarray]:
        """Pooled + own heads on the default features, and the heads of each
        language with its own embedder (rows of that language only)."""
        w = fit_language_heads(np.hstack([F[tr], prior_features(m, tr, tr, True)]), y[tr], Yf[tr], lang[tr], own)
        for l, Fl in F_alt.items():
            rows = tr[lang[tr] == l]
            X = np.hstack([Fl[rows], prior_features(m, tr, rows, True)])
            w.update({f"{l}/{k}": v for k, v in fit_heads(X, y[rows], Yf[rows]).items()})
        return w

    for f in range(folds):
        tr, te = np.where(fidx != f)[0], np.where(fidx == f)[0]
        w = fit(tr)
        rest = te[~np.isin(lang[te], list(alt))]
        Xte = np.hstack([F[rest], prior_features(m, tr, rest, False)])
        oof_main[rest], oof_fine[rest] = blend_proba(w, Xte, lang[rest], POOLED_WEIGHT)
        for l, Fl in F_alt.items():
            rows = te[lang[te] == l]
            X = np.hstack([Fl[rows], prior_features(m, tr, rows, False)])
            oof_main[rows], oof_fine[rows] = own_proba(w, l, X)
        log(f"fold {f + 1}/{folds} ({time.time() - t0:.0f}s)")
    every = np.arange(len(y))
    weights = fit(every)
    prior, _ = prior_counts(m, every)
    meta = {"format": FORMAT, "embedder": "use", "languages": languages, "main_roles": MAIN_ROLES, "fine_roles": FINE_ROLES,
            "language_heads": own, "pooled_weight": POOLED_WEIGHT, "language_embedders": alt, "gazetteer": gazetteer(m),
            "name_prior": {k: v for k, v in sorted(prior.items())}}
    return {"mentions": m, "oof_main": oof_main, "oof_fine": oof_fine, "weights": weights, "meta": meta}


def save_roles(folder: Path, meta: dict[str, Any], weights: dict[str, np.ndarray]) -> None:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / "weights.npz", **weights)
    (folder / "model.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def roles_cv_report(res: dict[str, Any], folds: int = 5) -> dict[str, Any]:
    """Official subtask-1 metrics of the out-of-fold predictions per language,
    next to the majority baseline (most frequent main and fine role)."""
    from collections import Counter

    from ..eval.roles import score_roles_dicts
    from ..models.roles import decide

    m: Mentions = res["mentions"]
    pred = decide(res["oof_main"], res["oof_fine"])
    maj_main = Counter(m.main).most_common(1)[0][0]
    maj_fine = Counter(f[0] for f in m.fine if f).most_common(1)[0][0]
    out: dict[str, Any] = {"folds": folds, "grouped_by": "document",
                           "note": "out-of-fold predictions; official subtask-1 metrics"}
    for lang in ["all"] + sorted(set(m.lang)):
        idx = [i for i, l in enumerate(m.lang) if lang == "all" or l == lang]
        gold = {(str(i), "", "", ""): (m.main[i], m.fine[i]) for i in idx}
        ours = score_roles_dicts(gold, {(str(i), "", "", ""): (pred[i][0], [r for r, _ in pred[i][2]]) for i in idx})
        base = score_roles_dicts(gold, {(str(i), "", "", ""): (maj_main, [maj_fine]) for i in idx})
        out[lang] = {"n": len(idx), "narrascope": {k: round(v, 4) for k, v in ours.items() if k != "mentions"},
                     "majority": {k: round(v, 4) for k, v in base.items() if k != "mentions"}}
    return out
