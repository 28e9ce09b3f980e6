"""Entity-framing training data (SemEval-2025 Task 10 subtask 1) and the
role heads, with grouped cross-validation."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import Code, NarrascopeError, missing_extra
from ..eval.roles import FINE_ROLES, MAIN_ROLES, align_mention, read_document, read_roles
from ..models.roles import (PRIOR_SCALE, blend_proba, entity_features, framed_prior, gazetteer_names, mention_features, name_prior,
                            normalise_name, openers_of, own_proba)
from ..text import SENTENCE_LEAD, sentence_starts, split_sentences

FORMAT = "narrascope.roles.v4"  # v4: the framed head (v3: per-language heads)
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
# The framed head reads the default embedder for every language: its
# embeddings add little to the counts and the name prior (AUC 0.783 -> 0.805).
FRAMED_EMBEDDER = "use"


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


def document_folds(m: Mentions, folds: int = 5, seed: int = 0) -> dict[str, int]:
    """Each document's fold: the grouped folds of train_roles, the role
    encoder's training and benchmarks/roles.py (documents permuted with ``seed``)."""
    return {g: i % folds for i, g in enumerate(np.random.default_rng(seed).permutation(sorted(m.docs)))}


def gazetteer(m: Mentions, groups: set[str] | None = None) -> dict[str, list[str]]:
    """Per language, the distinct names the annotators marked (see
    ``models.roles.gazetteer_mentions``), in the documents of ``groups`` if
    given (cross-validation: the other folds')."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for name, lang, g in zip(m.names, m.lang, m.group):
        if groups is None or g in groups:
            by_lang[lang].append(name)
    return {lang: gazetteer_names(names) for lang, names in sorted(by_lang.items())}


_LETTERS = re.compile(r"[^\W\d_]+")
_OPENING = SENTENCE_LEAD + "•"  # and a list's bullet


def sentence_openers(m: Mentions, groups: set[str] | None = None) -> dict[str, str]:
    """Per language, the words its articles (of ``groups`` if given) use to
    open a sentence, write in lower case at least twice and never capitalise
    inside a sentence ("Затова", "Защо", "Portanto"): not names, though the
    name chunker sees them capitalised (space-separated, for model.json).
    After a colon, quote mark or dash a capital letter may open a quotation,
    so it is not counted as inside a sentence."""
    lang_of = dict(zip(m.group, m.lang))
    counts: dict[str, list[Counter[str]]] = defaultdict(lambda: [Counter(), Counter(), Counter()])
    for g, text in m.docs.items():
        if groups is not None and g not in groups or g not in lang_of:
            continue
        low, opening, inside = counts[lang_of[g]]
        starts = sentence_starts(text, split_sentences(text), _OPENING)
        for w in _LETTERS.finditer(text):
            word = w.group()
            if word.islower():
                low[word] += 1
            elif word[0].isupper():
                if w.start() in starts:
                    opening[word.lower()] += 1
                elif text[max(0, w.start() - 2):w.start()].strip() not in (":", '"', "„", "“", "«", "-", "—", "–"):
                    inside[word.lower()] += 1
    words = {lang: sorted(w for w in opening if low[w] >= 2 and not inside[w]) for lang, (low, opening, inside) in counts.items()}
    return {lang: " ".join(ws) for lang, ws in sorted(words.items()) if ws}


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


@dataclass
class Candidates:
    """The stage's candidate entities in the annotated training articles,
    found as on a new article (Hindi: with a gazetteer of the other folds'
    names), and whether the annotators gave them a role. Articles without any
    annotation are left out: they were not annotated for roles at all."""

    group: list[str]
    lang: list[str]
    key: list[str]
    rank: list[int]  # 0: the article's most mentioned candidate
    X: np.ndarray  # entity_features, without the prior
    framed: np.ndarray
    spans: list[list[tuple[int, int]]] = field(default_factory=list)  # each candidate's mentions


def entity_candidates(m: Mentions, languages: list[str], fold_of: dict[str, int], folds: int,
                      log: Callable[[str], None]) -> Candidates:
    from ..article import Article, Span
    from ..embed import get_embedder
    from ..stages.roles import RolesStage, _natasha, _spacy, title_end

    stage, embed = RolesStage(), get_embedder(FRAMED_EMBEDDER)
    # The candidates must come from the finders the stage will use: without
    # the NER extra, English and Russian fall back to the name chunker.
    missing = [lang for lang in languages if lang in stage.cfg.spacy_models and _spacy(stage.cfg.spacy_models[lang]) is None]
    missing += ["ru"] if "ru" in languages and _natasha() is None else []
    if missing:
        log(f"warning: no NER model for {', '.join(missing)} (pip install 'narrascope[ner]'): the framed head learns "
            "from the name chunker's candidates there, unlike the shipped model")
    gold: dict[str, list[tuple[int, int]]] = defaultdict(list)
    lang_of: dict[str, str] = {}
    for g, s, e, lang in zip(m.group, m.start, m.end, m.lang):
        gold[g].append((s, e))
        lang_of[g] = lang
    c = Candidates([], [], [], [], np.zeros((0, 0), np.float32), np.zeros(0, bool))
    blocks, ys = [], []
    t0 = time.time()
    for f in range(folds):
        others = {g for g in m.docs if fold_of[g] != f}
        gaz, openers = gazetteer(m, others), openers_of(sentence_openers(m, others))
        for g in sorted(g for g in m.docs if fold_of[g] == f):
            text, lang = m.docs[g], lang_of[g]
            sents = split_sentences(text)
            art = Article(clean_text=text, title=text.split("\n", 1)[0].strip(), language=lang,
                          sentences=[Span(start=a, end=b) for a, b in sents])
            ranked, _ner, _names = stage.entity_groups(art, gaz, openers)
            if not ranked:
                continue
            blocks.append(entity_features(embed, text, ranked, lang, languages, title_end(art), sents))
            for rank, (key, ms) in enumerate(ranked):
                c.rank.append(rank)
                c.group.append(g)
                c.lang.append(lang)
                c.key.append(key)
                c.spans.append([(a, b) for a, b, _l in ms])
                ys.append(any(a < ge and gs < b for a, b, _l in ms for gs, ge in gold[g]))
        log(f"candidate entities: fold {f + 1}/{folds} ({time.time() - t0:.0f}s)")
    if not blocks:
        raise NarrascopeError(Code.BAD_SEMEVAL, "the entity finder found no candidate entity in the annotated articles",
                              input=", ".join(sorted({lang_of[g] for g in m.docs})),
                              hint="train roles on SemEval-2025 Task 10 articles with their raw documents")
    c.X, c.framed = np.vstack(blocks), np.array(ys, bool)
    return c


def framed_counts(c: Candidates, idx: np.ndarray) -> tuple[dict[str, dict[str, list[float]]], dict[tuple[str, str, str], list[float]]]:
    """Per language and group key: [framed, seen] over the articles of ``idx``
    (and per article, to leave an article's own counts out)."""
    total: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    per_doc: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for i in idx:
        for row in (total[c.lang[i]][c.key[i]], per_doc[(c.lang[i], c.key[i], c.group[i])]):
            row[0] += float(c.framed[i])
            row[1] += 1.0
    return total, per_doc


def framed_matrix(c: Candidates, fit_idx: np.ndarray, rows: np.ndarray, leave_doc_out: bool) -> np.ndarray:
    total, per_doc = framed_counts(c, fit_idx)
    prior = [framed_prior(total[c.lang[i]], c.key[i], per_doc.get((c.lang[i], c.key[i], c.group[i])) if leave_doc_out else None)
             for i in rows]
    return np.hstack([c.X[rows], np.asarray(prior, np.float32)])


def fit_framed(X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    # C = 0.3: best of 0.3 / 1 / 3 in a grouped-CV experiment on these candidates (AUC 0.805 / 0.801 / 0.794)
    lr = LogisticRegression(C=0.3, max_iter=5000).fit(X, y)
    return {"framed/w": lr.coef_[0].astype(np.float32), "framed/b": lr.intercept_.astype(np.float32)}


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold of best F1 on out-of-fold probabilities."""
    def f1(t: float) -> float:
        tp = float((p >= t)[y].sum())
        return 2 * tp / max(float((p >= t).sum() + y.sum()), 1.0)
    return max((round(float(t), 2) for t in np.arange(0.05, 0.8, 0.01)), key=f1)


def train_roles(root: Path, folds: int = 5, seed: int = 0, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Out-of-fold probabilities (folds grouped by document) and the heads
    fitted on everything."""
    m = semeval_mentions(root)
    languages = sorted(set(m.lang))
    log(f"{len(m.group)} mentions in {len(m.docs)} documents ({', '.join(languages)})")
    F = features(m, languages, log)
    y = np.array([MAIN_ROLES.index(r) for r in m.main])
    Yf = np.array([[r in f for r in FINE_ROLES] for f in m.fine], np.float32)
    fold_of = document_folds(m, folds, seed)
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
    # Which candidate entities the annotators framed: the same folds.
    cand = entity_candidates(m, languages, fold_of, folds, log)
    cfold = np.array([fold_of[g] for g in cand.group])
    oof_framed = np.zeros(len(cand.group), np.float32)
    for f in range(folds):
        tr, te = np.where(cfold != f)[0], np.where(cfold == f)[0]
        head = fit_framed(framed_matrix(cand, tr, tr, True), cand.framed[tr])
        oof_framed[te] = 1.0 / (1.0 + np.exp(-(framed_matrix(cand, tr, te, False) @ head["framed/w"] + head["framed/b"])))
    call = np.arange(len(cand.group))
    weights.update(fit_framed(framed_matrix(cand, call, call, True), cand.framed))
    threshold = best_threshold(oof_framed, cand.framed)
    counts, _ = framed_counts(cand, call)
    log(f"framed head: {len(call)} candidate entities, {int(cand.framed.sum())} framed; threshold {threshold}")
    meta = {"format": FORMAT, "embedder": "use", "languages": languages, "main_roles": MAIN_ROLES, "fine_roles": FINE_ROLES,
            "language_heads": own, "pooled_weight": POOLED_WEIGHT, "language_embedders": alt, "gazetteer": gazetteer(m),
            "openers": sentence_openers(m),
            "name_prior": {k: v for k, v in sorted(prior.items())},
            "framed": {"threshold": threshold, "embedder": FRAMED_EMBEDDER,
                       "prior": {lang: dict(sorted(v.items())) for lang, v in sorted(counts.items())}}}
    return {"mentions": m, "oof_main": oof_main, "oof_fine": oof_fine, "weights": weights, "meta": meta,
            "candidates": cand, "oof_framed": oof_framed}


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
    if "oof_framed" in res:
        out["framed"] = framed_report(res["candidates"], res["oof_framed"], res["meta"]["framed"]["threshold"], m)
    return out


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    from scipy.stats import rankdata

    pos = int(y.sum())
    if pos in (0, len(y)):
        return float("nan")
    return float((rankdata(p)[y].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos)))


def framed_report(c: Candidates, oof: np.ndarray, threshold: float, m: Mentions | None = None) -> dict[str, Any]:
    """Per language, how well the out-of-fold framed probabilities pick the
    candidate entities the annotators gave a role: AUC and precision / recall
    / F1 at the threshold, next to keeping every candidate (what the stage
    did before) and the three most mentioned ones. Recall there is among
    the candidates found, which another entity finder changes; with the
    gold mentions ``m``, "end_to_end" also counts every annotated mention,
    covered when a kept entity has a mention overlapping it: the figure
    that compares two finders."""
    y, lang, top3 = c.framed, np.array(c.lang), np.array(c.rank) < 3

    def prf(keep: np.ndarray, rows: np.ndarray) -> dict[str, float]:
        tp = float((keep & y & rows).sum())
        p, r = tp / max(float((keep & rows).sum()), 1.0), tp / max(float((y & rows).sum()), 1.0)
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(p + r, 1e-9), 4)}

    out: dict[str, Any] = {"threshold": threshold, "note": "candidate entities the stage finds in the annotated training "
                           "articles; framed = the annotators gave one of its mentions a role; recall among the found candidates"}
    for code in ["all"] + sorted(set(c.lang)):
        rows = np.ones(len(y), bool) if code == "all" else lang == code
        out[code] = {"candidates": int(rows.sum()), "framed": int(y[rows].sum()), "auc": round(auc(oof[rows], y[rows]), 4),
                     "narrascope": prf(oof >= threshold, rows), "every_candidate": prf(np.ones(len(y), bool), rows),
                     "three_most_mentioned": prf(top3, rows)}
        if m is not None and len(c.spans) == len(y):
            out[code]["end_to_end"] = _end_to_end(c, oof >= threshold, rows, m, code)
    return out


def _end_to_end(c: Candidates, keep: np.ndarray, rows: np.ndarray, m: Mentions, code: str) -> dict[str, float]:
    """Precision of the kept candidates, and the share of all annotated
    mentions (of language ``code``, or all) that a kept candidate overlaps."""
    covered: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i in np.where(keep & rows)[0]:
        covered[c.group[i]].extend(c.spans[i])
    gold = [(g, s, e) for g, s, e, lang in zip(m.group, m.start, m.end, m.lang) if code == "all" or lang == code]
    p = float(c.framed[keep & rows].mean()) if (keep & rows).any() else 0.0
    r = float(np.mean([any(a < e and s < b for a, b in covered.get(g, ())) for g, s, e in gold])) if gold else 0.0
    return {"precision": round(p, 4), "annotated_mentions_covered": round(r, 4), "f1": round(2 * p * r / max(p + r, 1e-9), 4)}
