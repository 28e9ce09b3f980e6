"""Experiment: how much the "Other" gate costs the narratives, and whether
signals the gate does not read would help it.

1. Ceilings, through the nested procedure of narratives_decisions.py (same
   cached scores, the shipped expected-F1 rule): the gate told the truth on
   narrative-bearing documents, on Other documents, or on all.
2. Gate signals, on the held-out gate scores of each outer split: a
   second-level logistic regression (5-fold, three shuffles) on the gate's
   raw score plus
   - the shipped persuasion-technique classifier's probabilities, pooled over
     the article's paragraphs (mean, max, share above its thresholds;
     trained on SemEval-2023, another corpus);
   - the shipped framing classifier's 14 frame probabilities;
   - the narrative share of the k nearest training documents (word TF-IDF
     cosine, computed within each outer fold);
   - the language;
   ROC AUC of narrative-bearing against Other, all languages and English.

    python benchmarks/experiments/narratives_gate.py [--seeds 1234,7,99]

Reads (or fills) narratives_decisions.py's score cache ($NARRASCOPE_CACHE).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402
from narratives_decisions import (CACHE, KEYS, ORACLE, cached_scores, exact_rule, figures, keyed, lazy_matrix,  # noqa: E402
                                  nested_report, split_figures, training_docs)

from narrascope.stages.persuasion import MODELS  # noqa: E402
from narrascope.models.multilabel import MultiLabelModel  # noqa: E402
from narrascope.taxonomy import default_taxonomies  # noqa: E402
from narrascope.train.data import LabelledDoc  # noqa: E402
from narrascope.train.narratives import TrainSettings, is_narrative  # noqa: E402

CEILINGS = {"shipped": "", "true_gate_on_narrative_docs": "narrative", "true_gate_on_other_docs": "other", "true_gate": "all"}


def transfer_features(docs: list[LabelledDoc]) -> dict[str, np.ndarray]:
    """Technique probabilities pooled over paragraphs (the SemEval lines after
    the title, 20+ characters), and frame probabilities; cached."""
    path = CACHE / "gate_transfer.npz"
    if path.exists():
        z = np.load(path)
        if list(z["ids"]) == [d.id for d in docs]:
            return {"techniques": z["techniques"], "frames": z["frames"]}
    tech, frames = MultiLabelModel.load(MODELS / "techniques"), MultiLabelModel.load(MODELS / "frames")
    T, F = [], []
    for d in docs:
        paras = [p for p in d.text.split("\n")[1:] if len(p.strip()) >= 20] or [d.text]
        p = tech.predict_proba(paras)
        T.append(np.concatenate([p.mean(0), p.max(0), (p >= tech.thresholds).mean(0)]))
        F.append(frames.predict_proba([d.text[:20000]])[0])
    out = {"techniques": np.array(T, np.float32), "frames": np.array(F, np.float32)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, ids=np.array([d.id for d in docs]), **out)
    return out


def knn_share(docs: list[LabelledDoc], folds: list[dict[str, np.ndarray]], k: int) -> np.ndarray:
    """Each held-out document's similarity-weighted share of narrative-bearing
    documents among its k nearest outer-train documents (word TF-IDF)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    nar = is_narrative(docs)
    out = np.zeros(len(docs))
    for fold in folds:
        tr, te = fold["tr"], fold["te"]
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit([docs[i].text for i in tr])
        S = (vec.transform([docs[i].text for i in te]) @ vec.transform([docs[i].text for i in tr]).T).toarray()
        idx = np.argsort(-S, axis=1)[:, :k]
        w = np.take_along_axis(S, idx, 1) + 1e-9
        out[te] = (w * nar[tr][idx]).sum(1) / w.sum(1)
    return out


def stacked_auc(X: np.ndarray, y: np.ndarray, en: np.ndarray, C: float) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    aucs = []
    for rs in range(3):
        p = cross_val_predict(make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000)), X, y,
                              cv=StratifiedKFold(5, shuffle=True, random_state=rs), method="predict_proba")[:, 1]
        aucs.append((roc_auc_score(y, p), roc_auc_score(y[en], p[en])))
    a = np.mean(aucs, axis=0)
    return round(float(a[0]), 4), round(float(a[1]), 4)


def main() -> None:
    from sklearn.metrics import roc_auc_score

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1234,7,99")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    docs = training_docs()
    taxes, s = default_taxonomies(), TrainSettings()
    nar = is_narrative(docs)
    lang = np.array([d.lang for d in docs])
    en = lang == "en"
    seeds = [int(x) for x in args.seeds.split(",")]
    E = lazy_matrix(docs, s)
    scores = {seed: cached_scores(docs, seed, args.folds, s, taxes, E) for seed in seeds}

    print("1. ceilings, F1-samples (mean of the outer splits): all fine / all coarse / English fine at the pooled Other share"
          " / English fine / Hindi fine")
    ceilings: dict[str, dict[str, float]] = {}
    shut: dict[str, list[tuple[float, float]]] = {}
    for name, oracle in CEILINGS.items():
        def scores_of(fold: dict[str, np.ndarray], part: str) -> dict[str, np.ndarray]:
            out = {key: fold[f"{part}_{key}"] for key in KEYS}
            return {**out, ORACLE: nar[fold["te"]].astype(float)} if part == "test" else out

        reports = [nested_report(docs, taxes, s, scores[seed], exact_rule(parent_power=1.0, oracle=oracle), scores_of) for seed in seeds]
        if not oracle:
            for r in reports:
                for lg in ("all", "en", "bg", "hi", "pt", "ru"):
                    shut.setdefault(lg, []).append((r[lg]["narrative_docs_called_other"], r[lg]["other_docs_accuracy"] or np.nan))
        mean = split_figures(reports)[1]
        ceilings[name] = keyed(mean)
        print(f"  {name:30s} {figures(mean)}", flush=True)

    gate_errors = {lg: {"narrative_docs_called_other": round(float(np.mean([a for a, _ in v])), 4),
                        "other_docs_called_other": None if np.isnan([b for _, b in v]).all() else round(float(np.nanmean([b for _, b in v])), 4)}
                   for lg, v in shut.items()}
    print("   the shipped gate: narrative-bearing articles called Other / Other articles called Other, per language")
    def share(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    print("   " + "; ".join(f"{lg} {share(e['narrative_docs_called_other'])} / {share(e['other_docs_called_other'])}"
                          for lg, e in gate_errors.items()))
    print("2. the gate with other signals, ROC AUC narrative-bearing vs Other (all / English), mean of the outer splits")
    tf = transfer_features(docs)
    L = (lang[:, None] == np.array(sorted(set(lang)))[None]).astype(float)
    signals: dict[str, dict[str, float]] = {}
    per_seed: dict[str, list[tuple[float, float]]] = {}
    for seed in seeds:
        G = np.zeros(len(docs))
        for fold in scores[seed]:
            G[fold["te"]] = fold["test_gate"][:, 0]
        knn = {k: knn_share(docs, scores[seed], k) for k in (5, 10, 20)}
        sets = {"gate alone (raw score)": None, "gate + language": [L],
                "gate + techniques (mean)": [tf["techniques"][:, :23]], "gate + techniques + language": [tf["techniques"], L],
                "gate + frames + language": [tf["frames"], L], "gate + techniques + frames + language": [tf["techniques"], tf["frames"], L],
                **{f"gate + {k} nearest documents' share": [knn[k][:, None]] for k in knn},
                "techniques + language, without the gate": [tf["techniques"], L]}
        for name, extra in sets.items():
            if extra is None:
                auc = (round(float(roc_auc_score(nar, G)), 4), round(float(roc_auc_score(nar[en], G[en])), 4))
            else:
                X = np.hstack(extra) if "without the gate" in name else np.hstack([G[:, None], *extra])
                auc = stacked_auc(X, nar, en, C=0.1)
            per_seed.setdefault(name, []).append(auc)
    for name, aucs in per_seed.items():
        m = np.mean(aucs, axis=0)
        signals[name] = {"all": round(float(m[0]), 4), "en": round(float(m[1]), 4), "per_seed": [list(a) for a in aucs]}
        print(f"  {name:45s} {m[0]:.3f} / {m[1]:.3f}", flush=True)
    write_result("narratives_gate", {"note": (__doc__ or "").split("\n\n")[0], "seeds": seeds, "folds": args.folds,
                                     "ceilings": ceilings, "shipped_gate_errors": gate_errors, "gate_signals_auc": signals})


if __name__ == "__main__":
    main()
