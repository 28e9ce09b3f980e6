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
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, need_data, outer_folds, write_result  # noqa: E402
from narratives_decisions import COLS, KEYS, RULES, nested_report  # noqa: E402

from narrascope.models.narrative import GATE, LEVELS  # noqa: E402
from narrascope.taxonomy import default_taxonomies  # noqa: E402
from narrascope.train.data import semeval_docs  # noqa: E402
from narrascope.train.narratives import (TrainSettings, _Fitted, doc_matrix, is_narrative, label_example_rows, label_space,  # noqa: E402
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
    root = need_data(DATA / "semeval2025-task10" / "train")
    docs = semeval_docs(sorted(p for p in root.iterdir() if p.is_dir()))
    taxes = default_taxonomies()
    s = TrainSettings()
    seeds = [int(x) for x in args.seeds.split(",")]
    E = None
    folds: dict[int, list[dict[str, np.ndarray]]] = {}
    for seed in seeds:
        folds[seed] = []
        for f, (tr, te) in enumerate(outer_folds(len(docs), 5, seed)):
            path = CACHE / f"seed{seed}_fold{f}of5.npz"
            if not path.exists():
                E = doc_matrix(docs, s) if E is None else E
                t0 = time.time()
                path.parent.mkdir(parents=True, exist_ok=True)
                np.savez(path, **fold_heads(docs, E, tr, te, s, taxes))
                print(f"seed {seed} outer fold {f + 1}/5 scored ({time.time() - t0:.0f}s)", flush=True)
            folds[seed].append(dict(np.load(path)))
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

        rows, aucs = [], []
        for seed in seeds:
            rep = nested_report(docs, taxes, s, folds[seed], shipped, blend)
            rows.append([rep[lg][key] for lg, key in COLS])
            g = np.zeros(len(docs))
            for d in folds[seed]:
                g[d["te"]] = blend(d, "test")[GATE][:, 0]
            aucs.append([roc_auc(nar, g), roc_auc(nar[en], g[en])])
        mean = np.mean(rows, axis=0)
        auc = np.mean(aucs, axis=0)
        res[f"{wt:g}"] = {"mean": {f"{lg}_{key}": round(float(m), 4) for (lg, key), m in zip(COLS, mean)},
                          "gate_auc": {"all": round(float(auc[0]), 4), "en": round(float(auc[1]), 4)},
                          "splits": {str(seed): dict(zip([f"{lg}_{key}" for lg, key in COLS], r)) for seed, r in zip(seeds, rows)}}
        print(f"{'gate ' if args.gate else ''}weight_emb {wt:g}: " + " / ".join(f"{m:.3f}" for m in mean)
              + f"  (gate AUC {auc[0]:.3f} / English {auc[1]:.3f})   splits: "
              + "   ".join(" / ".join(f"{v:.3f}" for v in r[:3]) for r in rows), flush=True)
    name = "narratives_blend_gate" if args.gate else "narratives_blend"
    write_result(name, {"note": (__doc__ or "").split("\n\n")[0], "seeds": seeds, "weights": res})


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC (ties count half), without scikit-learn."""
    pos, neg = score[y], score[~y]
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))


if __name__ == "__main__":
    main()
