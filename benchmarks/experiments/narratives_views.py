"""Experiment: second embedders ("language views") for the narrative heads,
out of fold. For each setting, the heads are fitted as ``narrascope train
narratives`` fits them (gated, with the taxonomies' example sentences) on
5 folds of the SemEval-2025 training documents, with the default USE
document vectors followed by one block per view: ``LANG=EMBEDDER:WEIGHT``
fills the block for the documents of LANG (``*``: every document) with the
embedder's normalised mean sentence vector x WEIGHT, zeros elsewhere.
Reported per language: micro average precision of the subnarratives and
narratives on narrative-bearing documents, and the gate's ROC AUC. No
thresholds are involved (benchmarks/narratives.py --views scores a view
through the whole procedure).

    python benchmarks/experiments/narratives_views.py hi=e5:1 hi=e5:2 '*=e5:1' [--missing hi=e5:2] [--minilm]

``--missing SETTING`` also scores that setting with the view zeroed at
prediction (its embedder not installed); ``--minilm`` registers the English
all-MiniLM-L6-v2 embedder as ``minilm`` (see _minilm.py for its installs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, need_data, write_result  # noqa: E402

from narrascope.taxonomy import default_taxonomies, is_other_sub  # noqa: E402
from narrascope.train.data import semeval_docs  # noqa: E402
from narrascope.train.narratives import (Extra, TrainSettings, doc_embeddings, is_narrative, label_example_rows,  # noqa: E402
                                         label_space, oof_scores, targets)

LANGS = ["en", "bg", "hi", "pt", "ru"]


def main() -> None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    ap = argparse.ArgumentParser()
    ap.add_argument("views", nargs="*", help="LANG=EMBEDDER:WEIGHT[,LANG=EMBEDDER:WEIGHT]")
    ap.add_argument("--missing", action="append", default=[])
    ap.add_argument("--minilm", action="store_true")
    args = ap.parse_args()
    if args.minilm:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _minilm import register

        register()
    root = need_data(DATA / "semeval2025-task10" / "train")
    docs = semeval_docs(sorted(p for p in root.iterdir() if p.is_dir()))
    taxes = default_taxonomies()
    labels = label_space(taxes, docs)
    Y = targets(docs, labels)
    lang = np.array([d.lang for d in docs])
    nar = is_narrative(docs)
    s = TrainSettings(language_views={})
    n, k = len(docs), 5
    order = np.random.default_rng(0).permutation(n)
    fine_cols = [i for i, lab in enumerate(labels["fine"]) if not is_other_sub(lab)]
    cache: dict[tuple[str, str], np.ndarray] = {}

    def block(rows_lang: str, name: str, some: list) -> np.ndarray:  # type: ignore[type-arg]
        """Normalised mean vectors of ``some`` documents' sentences (those of rows_lang, or all for '*')."""
        B = np.zeros((len(some), get_dim(name)), np.float32)
        idx = [i for i, d in enumerate(some) if rows_lang in ("*", d.lang)]
        if idx:
            B[idx] = doc_embeddings([some[i] for i in idx], name)
        return B

    def get_dim(name: str) -> int:
        from narrascope.embed import get_embedder

        return int(get_embedder(name).dim)

    base_extra = label_example_rows(taxes, labels, s)
    use = doc_embeddings(docs, "use")

    def matrices(spec: list[tuple[str, str, float]]) -> tuple[np.ndarray, np.ndarray]:
        parts, extra_parts = [use], [base_extra.E]
        for lg, name, w in spec:
            if (lg, name) not in cache:
                cache[(lg, name)] = block(lg, name, docs)
            parts.append(w * cache[(lg, name)])
            extra_parts.append(w * block(lg, name, base_extra.docs))
        return np.hstack(parts), np.hstack(extra_parts)

    def oof(E_fit: np.ndarray, E_pred: np.ndarray, E_extra: np.ndarray) -> dict[str, np.ndarray]:
        extra = Extra(base_extra.docs, E_extra, base_extra.Y)  # the same rows, these vectors
        return oof_scores(docs, E_fit, Y, labels, s, True, extra, order, k, E_pred=E_pred)

    def report(tag: str, o: dict[str, np.ndarray]) -> dict:  # type: ignore[type-arg]
        r = {}
        for lg in ["all", *LANGS]:
            rows = nar & ((lang == lg) | (lg == "all"))
            sel = (lang == lg) | (lg == "all")
            r[lg] = {"ap_fine": round(float(average_precision_score(Y["fine"][rows][:, fine_cols].ravel(), o["fine"][rows][:, fine_cols].ravel())), 4),
                     "ap_coarse": round(float(average_precision_score(Y["coarse"][rows].ravel(), o["coarse"][rows].ravel())), 4),
                     "gate_auc": round(float(roc_auc_score(nar[sel], o["gate"][sel, 0])), 3) if len(set(nar[sel])) > 1 else None}
        print(f"{tag:34s} " + "  ".join(f"{lg} {v['ap_fine']:.3f}/{v['ap_coarse']:.3f}" + (f" g{v['gate_auc']:.3f}" if v["gate_auc"] else "")
                                         for lg, v in r.items()), flush=True)
        return r

    print("micro AP subnarratives / narratives (narrative-bearing documents), g = gate ROC AUC")
    res = {"use": report("use", oof(use, use, base_extra.E))}
    for arg in args.views:
        spec = []
        for part in arg.split(","):
            lg, rest = part.split("=", 1)
            name, w = rest.split(":")
            spec.append((lg, name, float(w)))
        E, Ex = matrices(spec)
        res[arg] = report(arg, oof(E, E, Ex))
        if arg in args.missing:
            Z = E.copy()
            Z[:, use.shape[1]:] = 0
            res[arg + " (view missing at prediction)"] = report(arg + " missing", oof(E, Z, Ex))
    write_result("narratives_views", {"note": (__doc__ or "").split("\n\n")[0], "folds": k, "results": res})


if __name__ == "__main__":
    main()
