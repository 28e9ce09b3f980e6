"""Does the framed head want to know what kind of article it reads? It picks,
among the entities an article names, those the annotators cast in a role,
from each entity's counts, place, type, name and first sentence, and how
often the name was framed in training; nothing about the article as a whole.
Yet English articles without a narrative ("Other", 48% of them) have 0.9
annotated entities each against 3.1 in the others: a neutral report casts
fewer heroes and villains. Candidate features of the whole article:

- ``doc``: the article's USE vector (mean of its first 60 sentences, as the
  role heads read it), times a scale;
- ``count``: the number of candidates in the article is already a feature;
  ``doc`` is what is new.

Same candidates, folds and head (``train.roles``: logistic, C 0.3) as
``narrascope train roles``; the threshold is the out-of-fold best, as the
training picks it. Reports AUC and precision / recall / F1 per language, and
how many entities English articles with and without a narrative get.

    python benchmarks/experiments/roles_framed_doc.py
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, need_data, write_result  # noqa: E402

from narrascope.embed import get_embedder  # noqa: E402
from narrascope.models.roles import DOC_SENTENCES  # noqa: E402
from narrascope.text import split_sentences  # noqa: E402
from narrascope.train.roles import (FRAMED_EMBEDDER, best_threshold, document_folds, entity_candidates,  # noqa: E402
                                    fit_framed, framed_matrix, framed_report, semeval_mentions)

SCALES = tuple(float(x) for x in os.environ.get("DOC_SCALES", "0.25,0.5,1").split(","))
CACHE = Path(os.environ.get("NARRASCOPE_CACHE", "/tmp/narrascope-framed"))


def doc_vectors(m, groups: list[str]) -> dict[str, np.ndarray]:
    embed = get_embedder(FRAMED_EMBEDDER)
    out = {}
    for g in sorted(set(groups)):
        text = m.docs[g]
        spans = split_sentences(text)
        v = embed.encode([text[s:e] for s, e in spans[:DOC_SENTENCES]] or [text[:2000]]).mean(axis=0)
        out[g] = (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)
    return out


def other_docs(root: Path) -> set[str]:
    out = set()
    for p in sorted(root.glob("*/subtask-2-annotations.txt")):
        for line in p.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) > 1 and parts[1].strip() == "Other":
                out.add(parts[0])
    return out


def main() -> None:
    root = DATA / "semeval2025-task10" / "train"
    need_data(root)
    m = semeval_mentions(root)
    languages = sorted(set(m.lang))
    fold_of = document_folds(m, 5, 0)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "framed_candidates.pkl"
    if path.exists():
        cand = pickle.loads(path.read_bytes())
    else:
        cand = entity_candidates(m, languages, fold_of, 5, print)
        path.write_bytes(pickle.dumps(cand))
    docs = doc_vectors(m, cand.group)
    D = np.vstack([docs[g] for g in cand.group])
    cfold = np.array([fold_of[g] for g in cand.group])
    others = other_docs(root)
    # group ids are "<LANG>/<file>"; the subtask-2 file names the file
    is_other = np.array([g.split("/", 1)[-1] in others for g in cand.group])
    en = np.array(cand.lang) == "en"

    def run(extra: np.ndarray | None) -> dict:
        oof = np.zeros(len(cand.group), np.float32)
        for f in range(5):
            tr, te = np.where(cfold != f)[0], np.where(cfold == f)[0]
            Xtr, Xte = framed_matrix(cand, tr, tr, True), framed_matrix(cand, tr, te, False)
            if extra is not None:
                Xtr, Xte = np.hstack([Xtr, extra[tr]]), np.hstack([Xte, extra[te]])
            head = fit_framed(Xtr, cand.framed[tr])
            oof[te] = 1.0 / (1.0 + np.exp(-(Xte @ head["framed/w"] + head["framed/b"])))
        t = best_threshold(oof, cand.framed)
        rep = framed_report(cand, oof, t)
        keep = oof >= t
        per = {}
        for name, rows in (("en_other", en & is_other), ("en_narrative", en & ~is_other)):
            n_docs = max(len({g for g, r in zip(cand.group, rows) if r}), 1)
            per[name] = {"articles": n_docs, "predicted_per_article": round(float((keep & rows).sum()) / n_docs, 2),
                         "gold_per_article": round(float((cand.framed & rows).sum()) / n_docs, 2),
                         "precision": round(float((keep & rows & cand.framed).sum()) / max(float((keep & rows).sum()), 1), 4)}
        rep["english_by_article_kind"] = per
        return rep

    results = {"none": run(None)}
    for s in SCALES:
        results[f"doc x{s}"] = run(D * s)
    for name, r in results.items():
        print(f"{name:10s} threshold {r['threshold']:.2f}  " + "  ".join(
            f"{c} AUC {r[c]['auc']:.3f} F1 {r[c]['narrascope']['f1']:.3f}" for c in ["all"] + languages))
        print("           " + "  ".join(f"{k}: {v}" for k, v in r["english_by_article_kind"].items()))
    write_result("roles_framed_doc", {"candidates": len(cand.group), "results": results,
                                      "note": "framed head with the article's USE vector appended; same folds and head as "
                                              "narrascope train roles"})


if __name__ == "__main__":
    main()
