"""Training the technique-span tagger on SemEval-2023 Task 3 span files (all
languages) and the SemEval-2020 PTC corpus, with cross-validation grouped by
article.

The 371 PTC training articles are all part of the SemEval-2023 English
training set, re-annotated with the 2023 technique names; such an article is
read once, from its 2023 annotation. PTC articles missing from the 2023 set
(none in the official releases, but a user may bring more) are read with
their 2020 labels mapped to 2023 names; the two merged 2020 classes map to
no 2023 technique and are skipped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import Code, NarrascopeError, missing_extra
from ..eval.semeval2023 import TECHNIQUES, normalize_technique
from ..eval.spans import Span, prf_from_sums, span_prf, span_sums
from ..models.spans import FORMAT, RunForms, decode_runs, decode_spans, expand_to_sentences, token_features
from ..text import split_sentences
from .multilabel import greedy_thresholds

NBITS = 18
GAP = 1
# SemEval-2023 folder names -> ISO 639-1, as the language detector reports them.
ISO = {"en": "en", "fr": "fr", "ge": "de", "it": "it", "po": "pl", "ru": "ru"}


@dataclass
class SpanArticle:
    id: str  # "<lang>/<article id>"
    lang: str
    text: str
    spans: list[Span]


def _read_span_rows(path: Path) -> list[tuple[str, str, int, int]]:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        c = line.split("\t")
        if len(c) != 4 or not (c[2].isdigit() and c[3].isdigit()):
            raise NarrascopeError(Code.BAD_SEMEVAL, "expected article_id<TAB>technique<TAB>start<TAB>end", input=str(path), locator=f"line {i}")
        rows.append((c[0], c[1], int(c[2]), int(c[3])))
    return rows


def _spans(rows: list[tuple[str, str, int, int]]) -> list[Span]:
    out = []
    for _art, name, s, e in rows:
        t = normalize_technique(name)
        if t in TECHNIQUES and e > s:
            out.append((t, s, e))
    return out


def read_span_file(path: Path) -> dict[str, list[Span]]:
    """Spans per article id from one span file or a folder of them; 2020
    names are mapped to 2023 names."""
    if not path.exists():
        raise NarrascopeError(Code.NOT_FOUND, "span file not found", input=str(path))
    files = sorted(path.glob("*.txt")) + sorted(path.glob("*.labels")) if path.is_dir() else [path]
    out: dict[str, list[Span]] = {}
    for f in files:
        rows = _read_span_rows(f)
        if path.is_dir() and f.name.startswith("article"):  # one file per article, maybe empty
            out.setdefault(f.name.split("-")[0].split(".")[0].removeprefix("article"), [])
        for r in rows:
            out.setdefault(r[0], [])
        for art, t, s, e in ((r[0], *x) for r in rows for x in _spans([r])):
            out[art].append((t, s, e))
    return out


def span_articles(semeval2023: Path, ptc: Path | None = None, langs: tuple[str, ...] | None = None) -> list[SpanArticle]:
    arts: list[SpanArticle] = []
    for d in sorted(p for p in semeval2023.iterdir() if (p / "train-labels-subtask-3-spans").is_dir()):
        if langs and d.name not in langs:
            continue
        for f in sorted((d / "train-labels-subtask-3-spans").glob("*.txt")):
            rows = _read_span_rows(f)
            art = f.name.split("-")[0].removeprefix("article")
            p = d / "train-articles-subtask-3" / f"article{art}.txt"
            if p.exists():
                arts.append(SpanArticle(f"{d.name}/{art}", d.name, p.read_text(encoding="utf-8"), _spans(rows)))
    seen = {a.id.split("/", 1)[1] for a in arts if a.lang == "en"}
    labels = ptc / "train-task2-TC.labels" if ptc else None
    if ptc and labels and labels.exists() and (not langs or "en" in langs):
        by_art: dict[str, list[tuple[str, str, int, int]]] = {}
        for r in _read_span_rows(labels):
            by_art.setdefault(r[0], []).append(r)
        for art, rows in sorted(by_art.items()):
            p = ptc / "train-articles" / f"article{art}.txt"
            if art not in seen and p.exists():
                arts.append(SpanArticle(f"ptc/{art}", "en", p.read_text(encoding="utf-8"), _spans(rows)))
    if not arts:
        raise NarrascopeError(Code.BAD_SEMEVAL, "no technique span files found", input=str(semeval2023),
                              hint="point --semeval2023 at the SemEval-2023 Task 3 folder (with <lang>/train-labels-subtask-3-spans/)")
    return arts


def _design(arts: list[SpanArticle]) -> tuple[Any, np.ndarray, list[list[tuple[int, int]]]]:
    import scipy.sparse as sp

    rows: list[list[int]] = []
    ys: list[np.ndarray] = []
    toks_all = []
    for a in arts:
        toks, feats = token_features(a.text, NBITS)
        Y = np.zeros((len(toks), len(TECHNIQUES)), np.float32)
        starts = np.array([s for s, _ in toks])
        ends = np.array([e for _, e in toks])
        for t, s, e in a.spans:
            Y[(starts < e) & (ends > s), TECHNIQUES.index(t)] = 1.0
        rows += feats
        ys.append(Y)
        toks_all.append(toks)
    ind = np.fromiter((i for r in rows for i in r), np.int64)
    ptr = np.cumsum([0] + [len(r) for r in rows])
    X = sp.csr_matrix((np.ones(len(ind), np.float32), ind, ptr), shape=(len(rows), 1 << NBITS))
    return X, np.vstack(ys), toks_all


def _fit(X: Any, Y: np.ndarray, seed: int, negatives: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.linear_model import Ridge
    except ImportError as e:
        raise missing_extra("train", "scikit-learn") from e
    # Tokens outside every span are most of the data and say little each:
    # a sample of them keeps the fit fast (thresholds absorb the shift).
    keep = (Y.sum(axis=1) > 0) | (np.random.default_rng(seed).random(len(Y)) < negatives)
    r = Ridge(alpha=alpha, solver="sparse_cg", max_iter=60, tol=1e-3).fit(X[keep], Y[keep])
    return np.asarray(r.coef_.T, np.float32), np.asarray(r.intercept_, np.float32)


def tune_thresholds(arts: list[SpanArticle], toks: list[list[tuple[int, int]]], scores: list[np.ndarray]) -> np.ndarray:
    """One threshold for all techniques that maximises span F1, then per
    technique (with at least 50 gold spans) a local search."""
    gold = {a.id: a.spans for a in arts}

    def f1(th: np.ndarray) -> float:
        pred = {a.id: [x[:3] for x in decode_runs(t, s, th, TECHNIQUES, GAP, a.text)] for a, t, s in zip(arts, toks, scores)}
        return span_prf(gold, pred)["f1"]

    counts = {t: sum(1 for a in arts for x in a.spans if x[0] == t) for t in TECHNIQUES}
    order = [j for j, t in sorted(enumerate(TECHNIQUES), key=lambda jt: -counts[jt[1]]) if counts[t] >= 50]
    return greedy_thresholds(f1, len(TECHNIQUES), np.round(np.arange(0.08, 0.5, 0.02), 3), order, (-0.06, -0.03, 0.03, 0.06, 0.1))


def _decode(toks: list[tuple[int, int]], scores: np.ndarray, th: np.ndarray, sentences: list[tuple[int, int]] | None,
            text: str, forms: RunForms | None = None, language: str | None = None) -> list[Span]:
    """As SpanModel.spans decodes: ``sentences`` given, every run widened to
    them; else runs decoded with ``forms`` (``language``: ISO 639-1)."""
    runs = decode_spans(text, toks, scores, th, TECHNIQUES, GAP, sentences is not None, forms or RunForms(), sentences, language)
    return [x[:3] for x in runs]


# The run forms' grid: a technique's threshold shift, the runs' extension
# (the shipped thresholds are near 0.2-0.4), and run or sentence spans.
RUN_SHIFTS = (-0.06, -0.03, 0.0, 0.03, 0.06, 0.1, 0.15)
RUN_EXTENDS = (0.0, 0.05, 0.1, 0.15)
MIN_RUN_SPANS = 50  # a technique with fewer gold spans in these languages keeps plain runs
# Words a run may not end on, where a language's annotators mark phrases
# (RunForms.tail_words): 2% of the English gold spans end on one of these or
# a full stop, and a run that does reads as a broken quote ("currently
# devastating the"); none is a run of them alone. The second line's words end
# runs at least twice as often as gold spans ("will" 38 runs against 4 gold
# spans, "who" 19 against 0).
TAIL_WORDS = {"en": frozenset({"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "her", "his", "in", "is", "it", "its",
                               "of", "on", "or", "that", "the", "their", "this", "to", "was", "were", "with",
                               "about", "been", "being", "but", "can", "had", "has", "have", "he", "if", "into", "most", "not", "our",
                               "she", "so", "than", "them", "there", "these", "they", "those", "through", "we", "what", "when", "which",
                               "who", "will", "would"})}


def run_form_sums(arts: list[SpanArticle], toks: list[list[tuple[int, int]]], scores: list[np.ndarray], th: np.ndarray,
                  shifts: dict[str, float], idx: list[int]) -> np.ndarray:
    """For each article of ``idx``, technique, form (run, sentence), threshold
    shift (RUN_SHIFTS) and extension (RUN_EXTENDS): the span scorer's sums
    (eval.spans.span_sums), so that any choice of forms is scored by adding."""
    out = np.zeros((len(idx), len(TECHNIQUES), 2, len(RUN_SHIFTS), len(RUN_EXTENDS), 4))
    for n, i in enumerate(idx):
        a = arts[i]
        sents = split_sentences(a.text)
        base = th + shifts.get(ISO.get(a.lang, a.lang), 0.0)
        for j, t in enumerate(TECHNIQUES):
            gold = [x for x in a.spans if x[0] == t]
            col = scores[i][:, j:j + 1]
            for k, sh in enumerate(RUN_SHIFTS):
                for d, ext in enumerate(RUN_EXTENDS):
                    runs = decode_runs(toks[i], col, np.array([base[j] + sh]), [t], GAP, a.text, ext)
                    if not runs and not gold:
                        continue
                    out[n, j, 0, k, d] = span_sums(gold, [r[:3] for r in runs])
                    out[n, j, 1, k, d] = span_sums(gold, [r[:3] for r in expand_to_sentences(runs, sents)])
    return out


def choose_run_forms(sums: np.ndarray, rounds: int = 3, min_spans: int = MIN_RUN_SPANS) -> tuple[RunForms, float]:
    """The extension, and per technique with at least ``min_spans`` gold spans
    the form and threshold shift, of best span F1 over the articles whose
    ``sums`` (run_form_sums) are given: for each extension, rounds of
    coordinate ascent over the techniques (ties: no shift, plain runs,
    smaller extension)."""
    tech = sums.sum(axis=0)  # technique, form, shift, extension, sums
    gold = tech[:, 0, RUN_SHIFTS.index(0.0), 0, 3]
    f1 = lambda c: prf_from_sums(*c)["f1"]  # noqa: E731
    best: tuple[float, RunForms] | None = None
    for d, ext in enumerate(RUN_EXTENDS):
        cur = {j: (0, RUN_SHIFTS.index(0.0)) for j in range(len(TECHNIQUES))}
        total = sum(tech[j, f, k, d] for j, (f, k) in cur.items())
        for _ in range(rounds):
            for j in np.argsort(-gold):
                if gold[j] < min_spans:
                    continue
                rest = total - tech[j, cur[j][0], cur[j][1], d]
                cand = max(((f1(rest + tech[j, f, k, d]), -abs(RUN_SHIFTS[k]), -f, f, k)
                            for f in (0, 1) for k in range(len(RUN_SHIFTS))))
                cur[j] = (cand[3], cand[4])
                total = rest + tech[j, cand[3], cand[4], d]
        forms = RunForms(ext, {TECHNIQUES[j]: RUN_SHIFTS[k] for j, (f, k) in cur.items() if RUN_SHIFTS[k] != 0.0},
                         frozenset(TECHNIQUES[j] for j, (f, k) in cur.items() if f == 1))
        if best is None or f1(total) > best[0] + 1e-4:
            best = (f1(total), forms)
    assert best is not None
    return best[1], best[0]


def choose_tail_words(arts: list[SpanArticle], toks: list[list[tuple[int, int]]], scores: list[np.ndarray], th: np.ndarray,
                      shifts: dict[str, float], idx: list[int], forms: RunForms) -> RunForms:
    """``forms`` with TAIL_WORDS for each language of ``idx`` that has them,
    unless trimming them lowers that language's span F1 on the articles'
    out-of-fold ``scores`` (equal F1 keeps them: the evidence reads better)."""
    tails = dict(forms.tail_words)
    for lang in sorted({ISO.get(arts[i].lang, arts[i].lang) for i in idx} & set(TAIL_WORDS)):
        ids = [i for i in idx if ISO.get(arts[i].lang, arts[i].lang) == lang]
        gold = {arts[i].id: arts[i].spans for i in ids}

        def f1(f: RunForms) -> float:
            return span_prf(gold, {arts[i].id: _decode(toks[i], scores[i], th + shifts.get(lang, 0.0), None, arts[i].text, f, lang)
                                   for i in ids})["f1"]

        trimmed = replace(forms, tail_words={**tails, lang: TAIL_WORDS[lang]})
        if f1(trimmed) >= f1(forms) - 1e-9:
            tails[lang] = TAIL_WORDS[lang]
    return replace(forms, tail_words=tails)


def forms_total(sums: np.ndarray, forms: RunForms) -> np.ndarray:
    """The span scorer's sums of ``forms`` over the articles of ``sums``."""
    d = RUN_EXTENDS.index(forms.extend)
    return sum(sums[:, j, int(t in forms.sentence), RUN_SHIFTS.index(forms.shift.get(t, 0.0)), d].sum(axis=0)
               for j, t in enumerate(TECHNIQUES))


def run_language_articles(arts: list[SpanArticle], sentence_langs: list[str]) -> list[int]:
    return [i for i, a in enumerate(arts) if ISO.get(a.lang, a.lang) not in sentence_langs]


def tune_languages(arts: list[SpanArticle], toks: list[list[tuple[int, int]]], scores: list[np.ndarray],
                   th: np.ndarray) -> tuple[dict[str, float], list[str]]:
    """Per language, one shift of all thresholds and whether spans are widened
    to whole sentences: annotators of some languages mark whole sentences
    where others mark a phrase."""
    shifts: dict[str, float] = {}
    sentence_langs: list[str] = []
    for lang in sorted({a.lang for a in arts}):
        idx = [i for i, a in enumerate(arts) if a.lang == lang]
        gold = {arts[i].id: arts[i].spans for i in idx}
        sents = {i: split_sentences(arts[i].text) for i in idx}

        def f1(shift: float, widen: bool) -> float:
            pred = {arts[i].id: _decode(toks[i], scores[i], th + shift, sents[i] if widen else None, arts[i].text) for i in idx}
            return span_prf(gold, pred)["f1"]

        grid = [float(x) for x in np.round(np.arange(-0.1, 0.16, 0.025), 3)]
        best = max(((f1(x, w), -abs(x) - 0.001 * w, x, w) for x in grid for w in (False, True)))
        shifts[ISO.get(lang, lang)] = best[2]
        if best[3]:
            sentence_langs.append(ISO.get(lang, lang))
    return shifts, sentence_langs


def train_spans(semeval2023: Path, ptc: Path | None = None, folds: int = 5, seed: int = 0, negatives: float = 0.3,
                alpha: float = 10.0, langs: tuple[str, ...] | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    t0 = time.time()
    arts = span_articles(semeval2023, ptc, langs)
    X, Y, toks = _design(arts)
    log(f"{len(arts)} articles, {X.shape[0]} tokens, {sum(len(a.spans) for a in arts)} spans ({time.time() - t0:.0f}s)")
    bounds = np.cumsum([0] + [len(t) for t in toks])
    rng = np.random.default_rng(seed)
    fold_of = {str(g): i % max(folds, 1) for i, g in enumerate(rng.permutation(np.array([a.id for a in arts], dtype=object)))}
    oof: list[np.ndarray] = [np.zeros((0, 0))] * len(arts)
    for f in range(folds):
        te_arts = [i for i, a in enumerate(arts) if fold_of[a.id] == f]
        tr_rows = np.concatenate([np.arange(bounds[i], bounds[i + 1]) for i, a in enumerate(arts) if fold_of[a.id] != f])
        W, b = _fit(X[tr_rows], Y[tr_rows], seed + f, negatives, alpha)
        for i in te_arts:
            oof[i] = np.asarray(X[bounds[i]:bounds[i + 1]] @ W) + b
        log(f"fold {f + 1}/{folds} ({time.time() - t0:.0f}s)")
    W, b = _fit(X, Y, seed, negatives, alpha)
    log(f"final fit ({time.time() - t0:.0f}s)")
    th = tune_thresholds(arts, toks, oof) if folds > 1 else np.full(len(TECHNIQUES), 0.2, np.float32)
    shift, sentence_langs = tune_languages(arts, toks, oof, th) if folds > 1 else ({}, [])
    log(f"thresholds tuned ({time.time() - t0:.0f}s); sentence spans for: {', '.join(sentence_langs) or 'none'}")
    forms, sums = RunForms(), None
    run_arts = run_language_articles(arts, sentence_langs)
    if folds > 1 and run_arts:
        sums = run_form_sums(arts, toks, oof, th, shift, run_arts)
        forms = choose_tail_words(arts, toks, oof, th, shift, run_arts, choose_run_forms(sums)[0])
        log(f"run forms tuned ({time.time() - t0:.0f}s): extension {forms.extend}; sentences for {', '.join(sorted(forms.sentence)) or 'none'}; "
            f"tail words trimmed in {', '.join(sorted(forms.tail_words)) or 'none'}")
    return {"articles": arts, "tokens": toks, "oof": oof if folds > 1 else None, "W": W, "b": b, "thresholds": th,
            "language_shift": shift, "sentence_languages": sentence_langs, "run_forms": forms, "run_form_sums": sums,
            "run_articles": run_arts, "fold_of": fold_of}


def save_span_model(folder: Path, res: dict[str, Any], card: dict[str, Any], stack: dict[str, Any] | None = None) -> None:
    """Only buckets seen in training, int8 per technique with a scale."""
    W = res["W"]
    buckets = np.where(np.abs(W).max(axis=1) > 1e-6)[0].astype(np.int32)
    Wk = W[buckets]
    scale = np.maximum(np.abs(Wk).max(axis=0), 1e-9) / 127.0
    q = np.round(Wk / scale[None, :]).astype(np.int8)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / "weights.npz", buckets=buckets, weights=q, scale=scale.astype(np.float32), bias=res["b"].astype(np.float32))
    meta = {"format": FORMAT, "labels": TECHNIQUES, "nbits": NBITS, "gap": GAP,
            "thresholds": {t: round(float(x), 4) for t, x in zip(TECHNIQUES, res["thresholds"])},
            "language_shift": res.get("language_shift", {}), "sentence_languages": res.get("sentence_languages", []),
            "run_forms": res.get("run_forms", RunForms()).to_meta(), "card": card}
    if stack:
        meta["paragraph_stack"] = {k: stack[k] for k in ("a", "c", "b", "thresholds")}
    (folder / "model.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def spans_cv_report(res: dict[str, Any]) -> dict[str, Any]:
    """Official span P/R/F1 (technique-matched and technique-agnostic SI) of
    the out-of-fold spans per language, next to a trivial baseline from the
    same data: every sentence-long run of tokens tagged with the most
    frequent technique."""
    from collections import Counter

    arts, toks, oof, th = res["articles"], res["tokens"], res["oof"], res["thresholds"]
    shift = res.get("language_shift", {})
    widen = set(res.get("sentence_languages", []))
    top = Counter(x[0] for a in arts for x in a.spans).most_common(1)[0][0]
    out: dict[str, Any] = {"grouped_by": "article", "metric": "SemEval-2020 Task 11 span P/R/F1 with partial overlap",
                           "note": "out-of-fold scores; thresholds, language shifts and run forms tuned on the same folds (slightly optimistic; "
                                   "run_forms.nested: the run forms chosen on the other folds)",
                           "baseline": f"every sentence as one {top} span"}
    forms = res.get("run_forms") or RunForms()
    sents = [split_sentences(a.text) for a in arts]
    for lang in ["all"] + sorted({a.lang for a in arts}):
        idx = [i for i, a in enumerate(arts) if lang == "all" or a.lang == lang]
        gold = {arts[i].id: arts[i].spans for i in idx}
        pred = {arts[i].id: _decode(toks[i], oof[i], th + shift.get(ISO.get(arts[i].lang, ""), 0.0),
                                    sents[i] if ISO.get(arts[i].lang) in widen else None, arts[i].text, forms, ISO.get(arts[i].lang)) for i in idx}
        base = {arts[i].id: [(top, s, e) for s, e in sents[i]] for i in idx}
        out[lang] = {"articles": len(idx),
                     "narrascope": {k: round(v, 4) for k, v in span_prf(gold, pred).items()},
                     "narrascope_si": {k: round(v, 4) for k, v in span_prf(gold, pred, by_technique=False).items()},
                     "baseline": {k: round(v, 4) for k, v in span_prf(gold, base).items()},
                     "baseline_si": {k: round(v, 4) for k, v in span_prf(gold, base, by_technique=False).items()}}
    if res.get("run_form_sums") is not None:
        out["run_forms"] = run_forms_report(res)
    return out


def run_forms_report(res: dict[str, Any]) -> dict[str, Any]:
    """The run forms' gain where they apply, with the forms chosen on the
    same articles (as the shipped ones) and nested: chosen on the other
    folds' articles for each fold's."""
    sums, run_arts, arts = res["run_form_sums"], res["run_articles"], res["articles"]
    fold = np.array([res["fold_of"][arts[i].id] for i in run_arts])
    nested = sum(forms_total(sums[fold == f], choose_run_forms(sums[fold != f])[0]) for f in sorted(set(fold)))
    r = lambda c: {k: round(v, 4) for k, v in prf_from_sums(c[0], c[1], int(c[2]), int(c[3])).items()}  # noqa: E731
    return {"languages": sorted({ISO.get(arts[i].lang, arts[i].lang) for i in run_arts}), "articles": len(run_arts),
            "note": "these sums are of the runs before their tail words are trimmed",
            "chosen": res["run_forms"].to_meta(), "plain_runs": r(forms_total(sums, RunForms())),
            "chosen_on_the_same_articles": r(forms_total(sums, res["run_forms"])), "nested": r(nested)}
