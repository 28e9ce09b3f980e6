"""Experiment: the annotators' explanations (SemEval-2025 subtask 3) as
extra training rows of the narrative label heads, through nested
cross-validation on three outer splits.

597 training documents carry an explanation of at most 80 words of why
they carry their dominant narrative: dense, label-specific text. Each
becomes one training row of the label heads, labelled with its document's
dominant narrative and subnarrative ("dominant") or with all the
document's labels ("all"), next to the taxonomies' sentences that the
shipped model already learns from. A row is used only by fits that train
on its document (``Extra.source``), so held-out documents leak nothing.
Scores are cached as narratives_decisions.py caches the shipped recipe's,
and decided by the shipped rule (expected F1, subnarratives reading their
narrative); the report is benchmarks/narratives.py's.

    python benchmarks/experiments/narratives_explanations.py [--labels dominant,all] [--seeds 1234,7,99]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, need_data, write_result  # noqa: E402
from narratives_decisions import (CACHE, COL_KEYS, KEYS, cached_folds, cached_scores, exact_rule, figures, keyed,  # noqa: E402
                                  lazy_matrix, nested_report, split_figures, splits_text, training_docs)

from narrascope.taxonomy import default_taxonomies  # noqa: E402
from narrascope.train.data import LabelledDoc  # noqa: E402
from narrascope.train.narratives import (Extra, TrainSettings, _Fitted, doc_matrix, label_example_rows,  # noqa: E402
                                         label_space, oof_scores, targets, views_for)


def explanations(root: Path) -> dict[str, tuple[str, str, str]]:
    """document id (as semeval_docs names it) -> (dominant narrative, dominant
    subnarrative, explanation)."""
    out = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        path = folder / "subtask-3-annotations.txt"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) >= 4 and cols[3].strip():
                out[f"{folder.name}/{cols[0]}"] = (cols[1].strip(), cols[2].strip(), cols[3].strip())
    return out


def explanation_rows(docs: list[LabelledDoc], expl: dict[str, tuple[str, str, str]], labelling: str,
                     s: TrainSettings) -> tuple[list[LabelledDoc], np.ndarray, list[str]]:
    rows, source = [], []
    for d in docs:
        if d.id in expl:
            nar, sub, text = expl[d.id]
            coarse, fine = ([nar], [sub]) if labelling == "dominant" else (d.coarse, d.fine)
            rows.append(LabelledDoc(id=f"explanation of {d.id}", lang=d.lang, text=text, sentences=[text], coarse=coarse, fine=fine))
            source.append(d.id)
    return rows, doc_matrix(rows, s), source


def fold_scores(docs: list[LabelledDoc], E: np.ndarray, tr: np.ndarray, te: np.ndarray, s: TrainSettings, taxes: list,  # type: ignore[type-arg]
                rows: list[LabelledDoc], E_rows: np.ndarray, source: list[str]) -> dict[str, np.ndarray]:
    """narratives_decisions.fold_scores with the explanation rows added to the
    taxonomies' rows."""
    trd = [docs[i] for i in tr]
    labels = label_space(taxes, trd)
    Y = targets(trd, labels)
    views = views_for(trd, s)
    extra = label_example_rows(taxes, labels, s, views) + Extra(rows, E_rows, targets(rows, labels), list(source))
    n = len(trd)
    k = min(s.folds, n // 4)
    oof = oof_scores(trd, E[tr], Y, labels, s, True, extra, np.random.default_rng(s.seed).permutation(n), k)
    test = _Fitted(trd, E[tr], Y, s, True, extra).scores([docs[i] for i in te], E[te])
    return {**{f"oof_{key}": v for key, v in oof.items()}, **{f"test_{key}": v for key, v in test.items()}, "tr": tr, "te": te}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1234,7,99")
    ap.add_argument("--labels", default="dominant,all")
    args = ap.parse_args()
    docs = training_docs()
    taxes, s = default_taxonomies(), TrainSettings()
    expl = explanations(need_data(DATA / "semeval2025-task10" / "train"))
    print(f"{sum(d.id in expl for d in docs)} of {len(docs)} documents have an explanation")
    seeds = [int(x) for x in args.seeds.split(",")]
    E = lazy_matrix(docs, s)

    rule = exact_rule(parent_power=1.0)  # the shipped calibration and decision
    out: dict[str, dict] = {}  # type: ignore[type-arg]
    print("F1-samples: all fine / all coarse / English fine at the pooled Other share / English fine / Hindi fine")
    for setting in ["shipped", *args.labels.split(",")]:
        rows_e = None if setting == "shipped" else explanation_rows(docs, expl, setting, s)
        reports = []
        for seed in seeds:
            if rows_e is None:
                folds = cached_scores(docs, seed, 5, s, taxes, E)
            else:
                folds = cached_folds(lambda f, seed=seed: CACHE / f"explanations-{setting}_seed{seed}_fold{f}of5.npz", len(docs),
                                     seed, 5, E, lambda emb, tr, te: fold_scores(docs, emb, tr, te, s, taxes, *rows_e), f"{setting}: ")
            reports.append(nested_report(docs, taxes, s, folds, rule, lambda fold, part: {key: fold[f"{part}_{key}"] for key in KEYS}))
        rows, mean = split_figures(reports)
        out[setting] = {"mean": keyed(mean), "splits": {str(seed): dict(zip(COL_KEYS, r)) for seed, r in zip(seeds, rows)}}
        print(f"{setting:10s} {figures(mean)}   splits: {splits_text(rows)}", flush=True)
    write_result("narratives_explanations", {"note": (__doc__ or "").split("\n\n")[0], "seeds": seeds,
                                             "documents_with_explanation": sum(d.id in expl for d in docs), "settings": out})


if __name__ == "__main__":
    main()
