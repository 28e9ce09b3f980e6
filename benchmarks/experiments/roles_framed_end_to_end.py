"""The framed head end to end: how many of the annotated mentions does the
roles stage cover with an entity it casts in a role? ``benchmarks/roles.py``
scores the framed head among the candidates the finder found (its recall
is over the found candidates), which cannot compare two finders: one that
splits "ФСБ России" from "России" and one that joins them have different
candidates. Here every annotated mention counts: covered when an entity
kept by the out-of-fold framed head (threshold: the out-of-fold best, as
``narrascope train roles`` picks it) has a mention overlapping it;
precision is the share of kept entities the annotators framed.

Same candidates, folds and head as ``narrascope train roles``. To compare
with another version of the finder, run it with that version first on the
path (``PYTHONPATH=/path/to/old/src``) and ``--name before``.

    python benchmarks/experiments/roles_framed_end_to_end.py [--name NAME]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, need_data, write_result  # noqa: E402

from narrascope.stages.roles import RolesStage  # noqa: E402
from narrascope.train.roles import (best_threshold, document_folds, entity_candidates, fit_framed,  # noqa: E402
                                    framed_matrix, semeval_mentions)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="current")
    args = ap.parse_args()
    root = need_data(DATA / "semeval2025-task10" / "train")
    m = semeval_mentions(root)
    languages = sorted(set(m.lang))
    fold_of = document_folds(m, 5, 0)
    # the candidates' mentions: entity_candidates keeps only their keys, so record what entity_groups returns
    spans_of: list[list[tuple[int, int]]] = []
    groups = RolesStage.entity_groups

    def recording(self, article, gazetteer=None, openers=None):  # type: ignore[no-untyped-def]
        out = groups(self, article, gazetteer, openers)
        spans_of.extend([(s, e) for s, e, _l in ms] for _k, ms in out[0])
        return out

    RolesStage.entity_groups = recording  # type: ignore[method-assign]
    cand = entity_candidates(m, languages, fold_of, 5, lambda _s: None)
    RolesStage.entity_groups = groups  # type: ignore[method-assign]
    cfold = np.array([fold_of[g] for g in cand.group])
    oof = np.zeros(len(cand.group), np.float32)
    for f in range(5):
        tr, te = np.where(cfold != f)[0], np.where(cfold == f)[0]
        head = fit_framed(framed_matrix(cand, tr, tr, True), cand.framed[tr])
        oof[te] = 1.0 / (1.0 + np.exp(-(framed_matrix(cand, tr, te, False) @ head["framed/w"] + head["framed/b"])))
    t = best_threshold(oof, cand.framed)
    keep = oof >= t
    gold: dict[str, list[tuple[int, int]]] = {}
    for g, s, e in zip(m.group, m.start, m.end):
        gold.setdefault(g, []).append((s, e))
    out = {}
    for lang in ["all"] + languages:
        rows = [i for i in range(len(cand.group)) if lang == "all" or cand.lang[i] == lang]
        kept = [i for i in rows if keep[i]]
        covered: dict[str, list[tuple[int, int]]] = {}
        for i in kept:
            covered.setdefault(cand.group[i], []).extend(spans_of[i])
        golds = [(g, s, e) for g, ms in gold.items() for s, e in ms if lang == "all" or g.split("/")[0].lower() == lang]
        p = float(np.mean([cand.framed[i] for i in kept])) if kept else 0.0
        r = float(np.mean([any(a < e and s < b for a, b in covered.get(g, [])) for g, s, e in golds]))
        out[lang] = {"candidates": len(rows), "kept": len(kept), "precision": round(p, 4), "recall_of_annotated": round(r, 4),
                     "f1": round(2 * p * r / max(p + r, 1e-9), 4)}
        print(f"{lang:4s} kept {len(kept):5d} of {len(rows):5d}  precision {p:.3f}  annotated mentions covered {r:.3f}  "
              f"F1 {out[lang]['f1']:.3f}")
    write_result(f"roles_framed_end_to_end_{args.name}", {"threshold": t, "scores": out, "note": __doc__.split("\n\n")[0]})


if __name__ == "__main__":
    main()
