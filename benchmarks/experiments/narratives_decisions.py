"""Experiment: the narratives decision layer (calibration, thresholds,
language shifts, gate thresholds), through nested cross-validation on
several outer splits.

The heads are the expensive part and every rule reads the same scores, so
the scores are computed once per outer split and cached: for each outer
fold, the inner out-of-fold raw scores of the outer-train documents (as
``narrascope train narratives`` computes them to tune its decisions) and
the raw scores of the held-out documents from heads fitted on the whole
outer-train part. Each rule then tunes its decisions on the former and
decides the latter; the report is benchmarks/narratives.py's (official
F1-samples per language, English at the pooled Other share), per outer
split and averaged.

    python benchmarks/experiments/narratives_decisions.py [--seeds 1234,7,99] [--rules thresholds,expected_f1,...]

With ``--rules``, the other rules' figures in the results file are kept.

The rules calibrated here (``calibrated``, ``exact_rule``) fit Platt with 0/1
targets, as the library did when they were measured (session 26). The
``tuned`` rules call the library's ``tune_decisions``, which since session
27 uses Platt's targets (``fit_platt(prior_targets=True)``), as the shipped
model does; the results file was rerun with them in session 28 (the
shipped rule: 0.4214 / 0.5632 / 0.3379 / 0.5300 / 0.3886 with 0/1 targets,
0.4216 / 0.5636 / 0.3379 / 0.5300 / 0.3901 now).

The cache lives in ``$NARRASCOPE_CACHE`` (default /tmp/narrascope-decisions);
it is keyed by the outer seed, the fold and the language views only, so
delete it after changing anything else about the heads (narratives_blend.py
keeps its per-head scores in its ``heads/`` subfolder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, RESULTS, need_data, outer_folds, write_result  # noqa: E402
from narratives import report  # noqa: E402

from narrascope.eval.semeval import official_classes  # noqa: E402
from narrascope.models.narrative import (GATE, LEVELS, decide_labels, decode_expected_f1, label_probabilities, parent_scores,  # noqa: E402
                                         shifted, sigmoid)
from narrascope.taxonomy import default_taxonomies, is_other_sub  # noqa: E402
from narrascope.train.data import LabelledDoc, semeval_docs  # noqa: E402
from narrascope.train.narratives import (Decisions, TrainSettings, _Fitted, doc_matrix, fit_platt, is_narrative,  # noqa: E402
                                         label_example_rows, label_space, oof_scores, share_weights, targets, tune_decisions, views_for)

CACHE = Path(os.environ.get("NARRASCOPE_CACHE", "/tmp/narrascope-decisions"))


def fold_scores(docs: list[LabelledDoc], E: np.ndarray, tr: np.ndarray, te: np.ndarray, s: TrainSettings,
                taxes: list) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    """What train_narratives computes before deciding (inner OOF raw scores
    of the outer-train documents), and the held-out documents' raw scores."""
    trd = [docs[i] for i in tr]
    labels = label_space(taxes, trd)
    Y = targets(trd, labels)
    views = views_for(trd, s)
    extra = label_example_rows(taxes, labels, s, views) if s.label_examples else None
    n = len(trd)
    k = min(s.folds, n // 4)
    nar = is_narrative(trd)
    gated = int((~nar).sum()) >= s.min_other_gate and int(nar.sum()) >= s.min_other_gate
    assert gated and k >= 2
    oof = oof_scores(trd, E[tr], Y, labels, s, gated, extra, np.random.default_rng(s.seed).permutation(n), k)
    test = _Fitted(trd, E[tr], Y, s, gated, extra).scores([docs[i] for i in te], E[te])
    return {**{f"oof_{key}": v for key, v in oof.items()}, **{f"test_{key}": v for key, v in test.items()}, "tr": tr, "te": te}


def training_docs() -> list[LabelledDoc]:
    """The SemEval-2025 training documents of every language."""
    root = need_data(DATA / "semeval2025-task10" / "train")
    return semeval_docs(sorted(p for p in root.iterdir() if p.is_dir()))


def lazy_matrix(docs: list[LabelledDoc], s: TrainSettings) -> Callable[[], np.ndarray]:
    """The documents' vectors (doc_matrix), computed on the first call only:
    a full cache needs none."""
    memo: dict[str, np.ndarray] = {}

    def E() -> np.ndarray:
        if "E" not in memo:
            print(f"{len(docs)} documents; embedding...", flush=True)
            memo["E"] = doc_matrix(docs, s)
        return memo["E"]

    return E


Compute = Callable[[np.ndarray, np.ndarray, np.ndarray], dict[str, np.ndarray]]


def cached_folds(path_of: Callable[[int], Path], n: int, seed: int, folds: int, E: Callable[[], np.ndarray],
                 compute: Compute, what: str = "") -> list[dict[str, np.ndarray]]:
    """For each outer fold (tr, te) of split ``seed``: ``compute(E(), tr, te)``,
    saved to ``path_of(fold)`` the first time and read from there after."""
    out = []
    for f, (tr, te) in enumerate(outer_folds(n, folds, seed)):
        path = path_of(f)
        if not path.exists():
            t0 = time.time()
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, **compute(E(), tr, te))
            print(f"{what}seed {seed} outer fold {f + 1}/{folds} scored ({time.time() - t0:.0f}s)", flush=True)
        out.append(dict(np.load(path)))
    return out


def cached_scores(docs: list[LabelledDoc], seed: int, folds: int, s: TrainSettings, taxes: list,  # type: ignore[type-arg]
                  E: Callable[[], np.ndarray]) -> list[dict[str, np.ndarray]]:
    views = "+".join(f"{k}-{v}" for k, v in sorted(s.language_views.items())) or "none"
    return cached_folds(lambda f: CACHE / f"seed{seed}_fold{f}of{folds}_views-{views}.npz", len(docs), seed, folds, E,
                        lambda emb, tr, te: fold_scores(docs, emb, tr, te, s, taxes))


Decide = Callable[[str, dict[str, np.ndarray]], tuple[list[str], list[str]]]


def from_decisions(dec: Decisions, labels: dict[str, list[str]], decision: str) -> Decide:
    """Decide a held-out document as NarrativeModel.decide does."""

    def decide(lang: str, raw: dict[str, np.ndarray]) -> tuple[list[str], list[str]]:
        prob = label_probabilities(labels, raw, dec.platt, dec.parent_platt)
        g = None if dec.gate_platt is None else float(sigmoid(dec.gate_platt[0] * raw[GATE][0] + dec.gate_platt[1]))
        return decide_labels(labels, prob, g, decision, shifted(dec.thresholds, dec.shifts.get(lang, (0.0, 0.0))),
                             dec.gate_thresholds.get(lang, dec.gate_thresholds.get("*", 0.5)))

    return decide


def tuned(**changes: Any) -> Callable[..., Decide]:
    """``narrascope train narratives``'s decisions with some settings changed
    (a huge minimum turns a per-label, per-language step off)."""

    def rule(docs: list[LabelledDoc], oof: dict[str, np.ndarray], Y: dict[str, np.ndarray], labels: dict[str, list[str]],
             s: TrainSettings, gw: np.ndarray) -> Decide:
        s = replace(s, **changes)
        return from_decisions(tune_decisions(docs, oof, Y, labels, s, gw), labels, s.decision)

    return rule


def calibrated(docs: list[LabelledDoc], oof: dict[str, np.ndarray], Y: dict[str, np.ndarray], gw: np.ndarray,
               by_language: int = 0) -> Callable[[str, dict[str, np.ndarray]], tuple[dict[str, np.ndarray], float]]:
    """The shipped calibration (label levels on narrative-bearing documents,
    the gate share-weighted); ``by_language``: languages with at least that
    many narrative-bearing documents get their own label calibration."""
    nar = is_narrative(docs)
    rows = np.where(nar)[0]
    platt = {"*": {lv: fit_platt(oof[lv][rows], Y[lv][rows]) for lv in LEVELS}}
    lang = np.array([d.lang for d in docs])
    if by_language:
        for lg in sorted(set(lang)):
            r = np.where(nar & (lang == lg))[0]
            if len(r) >= by_language:
                platt[lg] = {lv: fit_platt(oof[lv][r], Y[lv][r]) for lv in LEVELS}
    gp = fit_platt(oof[GATE][:, 0], nar.astype(float), gw)

    def cal(lg: str, raw: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], float]:
        pl = platt.get(lg, platt["*"])
        return ({lv: sigmoid(pl[lv][0] * raw[lv] + pl[lv][1]) for lv in LEVELS},
                float(sigmoid(gp[0] * np.asarray(raw[GATE]).reshape(-1)[0] + gp[1])))

    return cal


def label_offsets(z: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Per-label offsets d_j on calibrated logits z (documents x labels):
    argmin of the log loss of sigmoid(z + d_j) + lam d_j^2 (Newton steps)."""
    d = np.zeros(z.shape[1])
    for _ in range(20):
        p = sigmoid(z + d)
        g = (p - y).sum(axis=0) + 2 * lam * d
        h = (p * (1 - p)).sum(axis=0) + 2 * lam
        d -= g / h
    return d


def exact_rule(by_language: int = 0, max_labels: int = 10, parent_power: float = 0.0, gate_by_language: int = 0,
               other_apart: bool = False, offsets: float = 0.0, gate_reads_labels: bool = False,
               oracle: str = "") -> Callable[..., Decide]:
    """Variants of the expected-F1 rule (``decode_expected_f1``), calibrated
    here rather than by tune_decisions. ``parent_power`` g: log p0(sub) + g
    log p(narrative), recalibrated (g = 1 is what ships, as
    label_probabilities); ``by_language``: languages with at least that many
    narrative-bearing documents get their own label calibration;
    ``gate_by_language``: languages with at least that many Other documents
    get their own gate calibration; ``other_apart``: the "<narrative>:
    Other" columns calibrated apart; ``offsets``: per-subnarrative logit
    offsets with that L2 penalty; ``gate_reads_labels``: the gate
    recalibrated from logit(g) + log max p(narrative); ``oracle``: the gate
    told the truth on "narrative" documents, "other" ones or "all" (a
    ceiling: the held-out scores must carry ``ORACLE``, 1 for a
    narrative-bearing document)."""

    def rule(docs: list[LabelledDoc], oof: dict[str, np.ndarray], Y: dict[str, np.ndarray], labels: dict[str, list[str]],
             s: TrainSettings, gw: np.ndarray) -> Decide:
        nar = is_narrative(docs)
        rows = np.where(nar)[0]
        pc_platt = fit_platt(oof["coarse"][rows], Y["coarse"][rows])
        pf_platt = fit_platt(oof["fine"][rows], Y["fine"][rows])
        oth = np.array([is_other_sub(l) for l in labels["fine"]])

        def fine_raw(raw_c: np.ndarray, raw_f: np.ndarray) -> np.ndarray:
            if not parent_power:
                return raw_f
            p0 = label_probabilities(labels, {"coarse": raw_c, "fine": raw_f}, {"coarse": pc_platt, "fine": pf_platt})
            # log p(sub) + g log p(narrative) (log p^g = g log p), recalibrated below
            return parent_scores(labels, {"coarse": p0["coarse"] ** parent_power, "fine": p0["fine"]})

        oof = dict(oof, fine=fine_raw(oof["coarse"], oof["fine"]))
        cal = calibrated(docs, oof, Y, gw, by_language)
        gr = None
        if gate_reads_labels:
            g0 = fit_platt(oof[GATE][:, 0], nar.astype(float), gw)

            def gate_z(raw: dict[str, np.ndarray]) -> np.ndarray:
                """logit of the gate's own probability + log of the likeliest narrative's."""
                g = np.clip(sigmoid(g0[0] * np.asarray(raw[GATE])[..., 0] + g0[1]), 1e-6, 1 - 1e-6)
                pc = sigmoid(pc_platt[0] * raw["coarse"] + pc_platt[1])
                return np.log(g) - np.log1p(-g) + np.log(np.clip(pc.max(axis=-1), 1e-6, 1))

            gr = fit_platt(gate_z(oof), nar.astype(float), gw)
        off = None
        if offsets:
            pf0 = cal("*", {key: oof[key][rows] for key in (*LEVELS, GATE)})[0]["fine"]  # calibrated, before offsets
            off = label_offsets(np.log(np.clip(pf0, 1e-9, 1)) - np.log(np.clip(1 - pf0, 1e-9, 1)), Y["fine"][rows], offsets)
        o_platt = fit_platt(oof["fine"][rows][:, oth], Y["fine"][rows][:, oth]) if other_apart else None
        lang = np.array([d.lang for d in docs])
        g_platt = {}
        if gate_by_language:
            for lg in sorted(set(lang)):
                r = np.where(lang == lg)[0]
                if (~nar[r]).sum() >= gate_by_language:
                    g_platt[lg] = fit_platt(oof[GATE][r, 0], nar[r].astype(float), gw[r])

        def decide(lang: str, raw: dict[str, np.ndarray]) -> tuple[list[str], list[str]]:
            raw = dict(raw, fine=fine_raw(raw["coarse"], raw["fine"]))
            prob, g = cal(lang, raw)
            if o_platt is not None:
                prob["fine"] = np.where(oth, sigmoid(o_platt[0] * raw["fine"] + o_platt[1]), prob["fine"])
            if off is not None:
                pf = np.clip(prob["fine"], 1e-9, 1 - 1e-9)
                prob["fine"] = sigmoid(np.log(pf) - np.log(1 - pf) + off)
            if lang in g_platt:
                g = float(sigmoid(g_platt[lang][0] * np.asarray(raw[GATE]).reshape(-1)[0] + g_platt[lang][1]))
            if gr is not None:
                g = float(sigmoid(gr[0] * gate_z({k: np.asarray(v)[None] for k, v in raw.items()})[0] + gr[1]))
            if oracle:
                truth = float(np.asarray(raw[ORACLE]).reshape(-1)[0])
                if oracle == "all" or (oracle == "narrative") == (truth == 1.0):
                    g = truth
            c, f, _ = decode_expected_f1(labels, prob, g, max_labels=max_labels)
            return c, f

        return decide

    return rule


KEYS = (*LEVELS, GATE)
ORACLE = "gold_narrative"
COLS = (("all", "f1_fine"), ("all", "f1_coarse"), ("en", "at_pooled_share_f1_fine"), ("en", "f1_fine"), ("hi", "f1_fine"))
COL_KEYS = [f"{lg}_{key}" for lg, key in COLS]  # as the results files name them


def split_figures(reports: list[dict]) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """The COLS figures of each outer split's report (rows), and their mean."""
    rows = np.array([[r[lg][key] for lg, key in COLS] for r in reports])
    return rows, rows.mean(axis=0)


def keyed(values: np.ndarray) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in zip(COL_KEYS, values)}


def figures(values: np.ndarray) -> str:
    return " / ".join(f"{v:.3f}" for v in values)


def splits_text(rows: np.ndarray) -> str:
    """Each split's first three figures, as the experiments print them."""
    return "   ".join(figures(r[:3]) for r in rows)


def nested_report(docs: list[LabelledDoc], taxes: list, s: TrainSettings, folds: list[dict[str, np.ndarray]],  # type: ignore[type-arg]
                  rule: Callable[..., Decide], scores_of: Callable[[dict[str, np.ndarray], str], dict[str, np.ndarray]]) -> dict:  # type: ignore[type-arg]
    """One outer split: in each outer fold the rule is tuned on the inner
    out-of-fold scores (``scores_of(fold, "oof")``) and decides the held-out
    documents (``scores_of(fold, "test")``); benchmarks/narratives.py's report."""
    preds: list = [None] * len(docs)  # type: ignore[type-arg]
    for fold in folds:
        tr, te = fold["tr"], fold["te"]
        trd = [docs[i] for i in tr]
        labels = label_space(taxes, trd)
        gw = share_weights(trd, float((~is_narrative(trd)).mean()))
        decide = rule(trd, scores_of(fold, "oof"), targets(trd, labels), labels, s, gw)
        test = scores_of(fold, "test")
        for j, i in enumerate(te):
            preds[i] = decide(docs[i].lang, {key: v[j] for key, v in test.items()})
    cc, cf = official_classes()
    return report(docs, preds, cc, cf, share_weights(docs, float((~is_narrative(docs)).mean())))


OFF = 10**9
BEFORE = {"decision": "thresholds", "fine_reads_narrative": False}  # the decisions up to session 25
RULES: dict[str, Callable[..., Decide]] = {
    "thresholds": tuned(**BEFORE),
    "thresholds_no_label_adjust": tuned(**BEFORE, min_pos_per_label_threshold=OFF),
    "thresholds_no_language_shift": tuned(**BEFORE, min_docs_language_shift=OFF),
    "thresholds_shared_gate": tuned(**BEFORE, min_other_language_gate=OFF),
    "thresholds_global": tuned(**BEFORE, min_pos_per_label_threshold=OFF, min_docs_language_shift=OFF, min_other_language_gate=OFF),
    "thresholds_fine_reads_narrative": tuned(decision="thresholds"),
    "expected_f1": tuned(fine_reads_narrative=False),
    "expected_f1_fine_reads_narrative": tuned(),  # what ships
    # variants, calibrated here (exact_rule)
    "expected_f1_max6": exact_rule(max_labels=6),
    "expected_f1_language_calibration": exact_rule(by_language=60),
    "expected_f1_language_gate": exact_rule(gate_by_language=20),
    "expected_f1_other_apart": exact_rule(other_apart=True),
    "expected_f1_parent_0.5": exact_rule(parent_power=0.5),
    "expected_f1_parent_1": exact_rule(parent_power=1.0),
    "expected_f1_parent_2": exact_rule(parent_power=2.0),
    "expected_f1_parent_1_other_apart": exact_rule(parent_power=1.0, other_apart=True),
    "expected_f1_parent_1_offsets_1": exact_rule(parent_power=1.0, offsets=1.0),
    "expected_f1_parent_1_offsets_5": exact_rule(parent_power=1.0, offsets=5.0),
    "expected_f1_parent_1_offsets_20": exact_rule(parent_power=1.0, offsets=20.0),
    "expected_f1_parent_1_gate_reads_labels": exact_rule(parent_power=1.0, gate_reads_labels=True),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1234,7,99")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--rules", default=None, help="comma-separated rule names (default: all)")
    ap.add_argument("--scores-only", action="store_true", help="fill the cache and stop")
    args = ap.parse_args()
    docs = training_docs()
    taxes = default_taxonomies()
    s = TrainSettings()
    E = lazy_matrix(docs, s)
    seeds = [int(x) for x in args.seeds.split(",")]
    scores = {seed: cached_scores(docs, seed, args.folds, s, taxes, E) for seed in seeds}
    if args.scores_only:
        return
    names = args.rules.split(",") if args.rules else list(RULES)
    share = float((~is_narrative(docs)).mean())
    out: dict[str, dict] = {}  # type: ignore[type-arg]
    print("F1-samples: all fine / all coarse / English fine at the pooled Other share / English fine / Hindi fine;"
          " the mean over the outer splits, then each split's first three")
    for name in names:
        t0 = time.time()
        reports = [nested_report(docs, taxes, s, scores[seed], RULES[name], lambda fold, part: {key: fold[f"{part}_{key}"] for key in KEYS})
                   for seed in seeds]
        rows, mean = split_figures(reports)
        out[name] = {**{str(seed): r for seed, r in zip(seeds, reports)}, "mean": keyed(mean)}
        print(f"{name:22s} {figures(mean)}   splits: {splits_text(rows)}  ({time.time() - t0:.0f}s)", flush=True)
    if args.rules and (RESULTS / "narratives_decisions.json").exists():
        # some rules only: the others keep their last figures (same seeds and folds)
        last = json.loads((RESULTS / "narratives_decisions.json").read_text(encoding="utf-8"))
        if last.get("seeds") == seeds and last.get("folds") == args.folds:
            out = {**last["rules"], **out}
    write_result("narratives_decisions", {"note": (__doc__ or "").split("\n\n")[0], "seeds": seeds, "folds": args.folds,
                                          "pooled_other_share": round(share, 4), "rules": out})


if __name__ == "__main__":
    main()
