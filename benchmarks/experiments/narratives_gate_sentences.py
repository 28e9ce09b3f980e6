"""Experiment: does the "Other" gate gain from reading sentences? The gate
heads (fitted as ``narrascope train narratives`` fits them, on 4 of 5
folds grouped by document) score the held-out article, as shipped, and each
of its sentences, as the narrative heads score sentences for evidence. ROC
AUC of narrative-bearing against Other articles, all languages and per
language: the article's score; its best sentence's; the mean of its best
three and of all its sentences; and the article's score with the best
sentence's or the best three's added (z-scores over all articles).

    python benchmarks/experiments/narratives_gate_sentences.py

About 5 minutes on 2 cores (embedding every sentence).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402
from narratives_decisions import training_docs  # noqa: E402

from narrascope.embed import get_embedder  # noqa: E402
from narrascope.models.narrative import GATE  # noqa: E402
from narrascope.taxonomy import default_taxonomies  # noqa: E402
from narrascope.train.narratives import TrainSettings, _Fitted, doc_matrix, is_narrative, label_space, targets, views_for  # noqa: E402
from narrascope.train.roles import auc  # noqa: E402


def main() -> None:
    docs, s, taxes = training_docs(), TrainSettings(), default_taxonomies()
    views = views_for(docs, s)
    E = doc_matrix(docs, s, views)
    use = get_embedder(s.embedder)
    SE = []  # per article, its sentences' vectors as the heads read them (the view's block for its language)
    for d in docs:
        sents = d.sentences[:400]
        blocks = [use.encode(sents)] + [v.weight * get_embedder(v.embedder).encode(sents) if d.lang == v.language
                                        else np.zeros((len(sents), v.dim), np.float32) for v in views]
        SE.append(np.hstack(blocks).astype(np.float32))
    nar, lang = is_narrative(docs), np.array([d.lang for d in docs])
    fold = np.zeros(len(docs), int)
    fold[np.random.default_rng(0).permutation(len(docs))] = np.arange(len(docs)) % 5
    score = {k: np.zeros(len(docs)) for k in ("article", "best sentence", "best three sentences", "all sentences")}
    for f in range(5):
        tr, te = np.where(fold != f)[0], np.where(fold == f)[0]
        trd = [docs[i] for i in tr]
        fit = _Fitted(trd, E[tr], targets(trd, label_space(taxes, trd)), s, True, None)
        he, ht = fit.heads_e[GATE], fit.heads_t[GATE]
        for i in te:
            d = docs[i]
            score["article"][i] = fit.scores([d], E[i:i + 1])[GATE][0, 0]
            ss = s.weight_emb * (SE[i] @ he.W + he.b)[:, 0] + (1 - s.weight_emb) * np.asarray(fit.vec.transform(d.sentences[:400]) @ ht.W + ht.b)[:, 0]
            top = np.sort(ss)[::-1]
            score["best sentence"][i], score["best three sentences"][i], score["all sentences"][i] = top[0], top[:3].mean(), ss.mean()
        print(f"fold {f + 1}/5", flush=True)
    z = {k: (v - v.mean()) / v.std() for k, v in score.items()}
    score["article + best sentence"] = z["article"] + z["best sentence"]
    score["article + best three"] = z["article"] + z["best three sentences"]
    out = {}
    langs = [l for l in sorted(set(lang)) if 0 < nar[lang == l].mean() < 1]
    for k, g in score.items():
        out[k] = {"all": round(auc(g, nar), 4), **{l: round(auc(g[lang == l], nar[lang == l]), 4) for l in langs}}
        print(f"{k:28s} AUC all {out[k]['all']:.3f} " + " ".join(f"{l} {out[k][l]:.3f}" for l in langs), flush=True)
    write_result("narratives_gate_sentences", {"folds": 5, "grouped_by": "document", "metric": "ROC AUC, narrative-bearing vs Other",
                                               "auc": out})


if __name__ == "__main__":
    main()
