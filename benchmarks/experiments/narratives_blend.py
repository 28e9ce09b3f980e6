"""Experiment: the weight of the embedding heads against the character
n-gram heads (``TrainSettings.weight_emb``, 0.3) under the expected-F1
decision, through nested cross-validation on three outer splits.

The two heads are fitted apart and blended after, so their raw scores are
cached separately (per outer fold: the inner out-of-fold scores of the
outer-train documents and the held-out documents' scores, as
narratives_decisions.py caches the blend); each weight then runs the
shipped calibration (labels, subnarratives reading their narrative, gate)
and decision on the blend.

    python benchmarks/experiments/narratives_blend.py 0.2 0.3 0.4 0.5 0.6
    python benchmarks/experiments/narratives_blend.py --gate 0 0.15 0.3 0.5 0.7 1

With ``--gate`` the weights are the gate's alone (the label heads keep the
shipped 0.3), and the gate's ROC AUC is reported too.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402
from narratives_decisions import (COL_KEYS, KEYS, RULES, cached_folds, figures, keyed, lazy_matrix, nested_report,  # noqa: E402
                                  split_figures, splits_text, training_docs)

from narrascope.models.narrative import GATE, LEVELS  # noqa: E402
from narrascope.taxonomy import default_taxonomies  # noqa: E402
from narrascope.train.narratives import (TrainSettings, _Fitted, is_narrative, label_example_rows, label_space,  # noqa: E402
                                         targets, views_for)

CACHE = Path(os.environ.get("NARRASCOPE_CACHE", "/tmp/narrascope-decisions")) / "heads"


def both_heads(fit: _Fitted, docs: list, E: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:  # type: ignore[type-arg]
    """(embedding heads' raw scores, n-gram heads' raw scores)."""
    fit.w = 1.0
    e = fit.scores(docs, E)
    fit.w = 0.0
    return e, fit.scores(docs, E)


def fold_heads(docs: list, E: np.ndarray, tr: np.ndarray, te: np.ndarray, s: TrainSettings, taxes: list) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    trd = [docs[i] for i in tr]
    labels = label_space(taxes, trd)
    Y = targets(trd, labels)
    extra = label_example_rows(taxes, labels, s, views_for(trd, s))
    n, k = len(trd), s.folds
    order = np.random.default_rng(s.seed).permutation(n)  # as train_narratives
    out = {f"oof_{h}_{key}": np.zeros((n, len(labels[key]) if key in LEVELS else 1), np.float32) for h in "et" for key in KEYS}
    for f in range(k):
        te_i = order[f::k]
        tr_i = np.setdiff1d(order, te_i)
        fit = _Fitted([trd[i] for i in tr_i], E[tr][tr_i], {lv: Y[lv][tr_i] for lv in LEVELS}, s, True, extra)
        for h, sc in zip("et", both_heads(fit, [trd[i] for i in te_i], E[tr][te_i])):
            for key, v in sc.items():
                out[f"oof_{h}_{key}"][te_i] = v
    fit = _Fitted(trd, E[tr], Y, s, True, extra)
    for h, sc in zip("et", both_heads(fit, [docs[i] for i in te], E[te])):
        out.update({f"test_{h}_{key}": v for key, v in sc.items()})
    return {**out, "tr": tr, "te": te}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("weights", nargs="+", type=float)
    ap.add_argument("--seeds", default="1234,7,99")
    ap.add_argument("--gate", action="store_true", help="weigh the gate's heads only")
    args = ap.parse_args()
    docs = training_docs()
    taxes = default_taxonomies()
    s = TrainSettings()
    seeds = [int(x) for x in args.seeds.split(",")]
    E = lazy_matrix(docs, s)
    folds = {seed: cached_folds(lambda f, seed=seed: CACHE / f"seed{seed}_fold{f}of5.npz", len(docs), seed, 5, E,
                                lambda emb, tr, te: fold_heads(docs, emb, tr, te, s, taxes)) for seed in seeds}
    res = {}
    print("F1-samples: all fine / all coarse / English fine at the pooled Other share / English fine / Hindi fine")
    shipped = RULES["expected_f1_parent_1"]  # the shipped calibration and decision (tune_decisions without its thresholds)
    nar = is_narrative(docs)
    en = np.array([d.lang == "en" for d in docs])
    for wt in args.weights:
        def weight(key: str, wt: float = wt) -> float:
            return wt if key == GATE or not args.gate else s.weight_emb

        def blend(d: dict[str, np.ndarray], part: str) -> dict[str, np.ndarray]:
            return {key: weight(key) * d[f"{part}_e_{key}"] + (1 - weight(key)) * d[f"{part}_t_{key}"] for key in KEYS}

        aucs = []
        for seed in seeds:
            g = np.zeros(len(docs))
            for d in folds[seed]:
                g[d["te"]] = blend(d, "test")[GATE][:, 0]
            aucs.append([roc_auc(nar, g), roc_auc(nar[en], g[en])])
        rows, mean = split_figures([nested_report(docs, taxes, s, folds[seed], shipped, blend) for seed in seeds])
        auc = np.mean(aucs, axis=0)
        res[f"{wt:g}"] = {"mean": keyed(mean), "gate_auc": {"all": round(float(auc[0]), 4), "en": round(float(auc[1]), 4)},
                          "splits": {str(seed): dict(zip(COL_KEYS, r)) for seed, r in zip(seeds, rows)}}
        print(f"{'gate ' if args.gate else ''}weight_emb {wt:g}: {figures(mean)}"
              f"  (gate AUC {auc[0]:.3f} / English {auc[1]:.3f})   splits: {splits_text(rows)}", flush=True)
    name = "narratives_blend_gate" if args.gate else "narratives_blend"
    write_result(name, {"note": (__doc__ or "").split("\n\n")[0], "seeds": seeds, "weights": res})


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC (ties count half), without scikit-learn."""
    pos, neg = score[y], score[~y]
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))


if __name__ == "__main__":
    main()
