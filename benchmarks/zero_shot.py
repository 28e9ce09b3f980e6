"""A taxonomy the model never saw: the similarity mode (label descriptions,
no training data) measured leave one taxonomy out.

A user who brings only a YAML taxonomy gets the similarity mode. Its gate and
matcher (models.similarity) are fitted on the bundled taxonomies, so scoring
them on URW or CC would flatter them. Here they are fitted on one taxonomy
(`narrascope.train.similarity.train_similarity`, as `narrascope train
similarity` does) and score the other, on the other half of the articles
(split in two, seeded: no article is both trained and scored on). Under the
held-out taxonomy an article of the other domain, or an Other one, carries
no label: gold "Other" (a user's corpus mixes topics). Official F1-samples,
coarse and fine, per language; on all articles and on the domain's own.
Then docs/s and peak memory of the narratives stage in that mode (CC's
descriptions as a user's taxonomy) on 2 cores.

  other-only     every article "Other"
  raw cosines    the best three sentences' mean cosine to a label's
                 prototypes, Platt-calibrated per level, two thresholds (the
                 similarity mode before session 35), fitted on the training taxonomy
  similarity     the shipped similarity mode (gate + matcher), fitted on the training taxonomy

    python benchmarks/zero_shot.py [--seed 1234] [--embedder use|e5] [--speed-docs 100] [--speed-only]

``--embedder e5`` reads articles and descriptions with multilingual-e5
(``narrascope[e5]``) instead of USE; results in ``zero_shot_e5.json``.
``NARRASCOPE_CACHE=DIR`` keeps the sentence embeddings between runs.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from _common import DATA, narratives_speed, need_data, update_result, write_result

from narrascope.eval.semeval import doc_f1
from narrascope.models.narrative import LEVELS, decode, sigmoid
from narrascope.models.similarity import SimilarityModel
from narrascope.taxonomy import OTHER, bundled
from narrascope.train.data import semeval_docs
from narrascope.train.narratives import fit_platt
from narrascope.train.similarity import GRID, article_embeddings, gold_in, train_similarity

LANGS = ["en", "bg", "hi", "pt", "ru"]


def report(docs: list, golds: list, preds: list) -> dict:  # type: ignore[type-arg]
    out = {}
    for lang in ["all"] + LANGS:
        idx = [i for i in range(len(docs)) if preds[i] is not None and (lang == "all" or docs[i].lang == lang)]
        on = [i for i in idx if golds[i][0] != [OTHER]]
        off = [i for i in idx if golds[i][0] == [OTHER]]

        def f1(rows: list[int], lv: int) -> float | None:
            return round(float(np.mean([doc_f1(golds[i][lv], preds[i][lv]) for i in rows])), 4) if rows else None

        out[lang] = {"n": len(idx), "n_domain": len(on), "f1_coarse": f1(idx, 0), "f1_fine": f1(idx, 1),
                     "domain_f1_coarse": f1(on, 0), "domain_f1_fine": f1(on, 1),
                     "domain_called_other": round(float(np.mean([preds[i][0] == [OTHER] for i in on])), 4) if on else None,
                     "off_domain_called_other": round(float(np.mean([preds[i][0] == [OTHER] for i in off])), 4) if off else None}
    return out


def raw_cosines(sm_tr: SimilarityModel, sm_te: SimilarityModel, E: list, G_tr: list, tr: np.ndarray, te: np.ndarray) -> list:  # type: ignore[type-arg]
    """The mode before: Platt per level on the top-3 cosine, two thresholds."""
    R_tr = [sm_tr.raw(E[i]) for i in tr]
    Y = {lv: np.stack([[lab in G_tr[i][k] for lab in sm_tr.labels[lv]] for i in tr]).astype(float) for k, lv in enumerate(LEVELS)}
    platt = {lv: fit_platt(np.stack([r[lv][0] for r in R_tr]), Y[lv]) for lv in LEVELS}

    def prob(r: dict) -> dict:  # type: ignore[type-arg]
        return {lv: sigmoid(platt[lv][0] * r[lv][0] + platt[lv][1]) for lv in LEVELS}

    def decided(sm: SimilarityModel, ps: list, th: tuple) -> list:  # type: ignore[type-arg]
        t = {"coarse": np.full(len(sm.labels["coarse"]), th[0]), "fine": np.full(len(sm.labels["fine"]), th[1])}
        return [decode(sm.labels, p, t) for p in ps]

    P_tr = [prob(r) for r in R_tr]
    th = max(((a, b) for a in GRID for b in GRID),
             key=lambda x: np.mean([doc_f1(G_tr[i][1], p[1]) for i, p in zip(tr, decided(sm_tr, P_tr, x))]))
    return decided(sm_te, [prob(sm_te.raw(E[i])) for i in te], th)


def measure_speed(n_docs: int) -> dict[str, float]:
    """docs/s and peak memory of the narratives stage in the similarity mode
    (CC's descriptions, as a user's taxonomy) on the task's English test documents."""
    glob = str(DATA / "semeval2025-task10" / "unlabeled-test-inputs" / "EN" / "subtask-2-documents" / "*.txt")
    docs_s, peak = narratives_speed(glob, n_docs, {"mode": "similarity", "taxonomies": ["CC"]})
    print(f"narratives stage, similarity mode: {docs_s:.1f} docs/s on EN test documents, peak RSS {peak:.0f} MB (2 cores)")
    return {"docs": n_docs, "docs_per_s": round(docs_s, 2), "peak_rss_mb": round(peak)}


def embeddings(docs: list, name: str) -> list[np.ndarray]:  # type: ignore[type-arg]
    """Each article's sentence embeddings, as `narrascope train similarity`
    reads them (``NARRASCOPE_CACHE``: kept between runs)."""
    cache = Path(os.environ["NARRASCOPE_CACHE"]) / f"zero_shot_{name}.npz" if os.environ.get("NARRASCOPE_CACHE") else None
    if cache is not None and cache.exists():
        z = np.load(cache)
        if len(z.files) == len(docs):
            return [z[str(i)] for i in range(len(docs))]
    out = article_embeddings(docs, name)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **{str(i): x for i, x in enumerate(out)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--embedder", default="use", choices=["use", "e5"])
    ap.add_argument("--speed-docs", type=int, default=100, help="0: no speed measure.")
    ap.add_argument("--speed-only", action="store_true", help="Re-measure speed and memory, keep the last scores.")
    args = ap.parse_args()
    if args.speed_only:
        update_result("zero_shot", "speed", measure_speed(args.speed_docs))
        return
    t0 = time.time()
    root = need_data(DATA / "semeval2025-task10" / "train")
    docs = semeval_docs(sorted(p for p in root.iterdir() if p.is_dir()))
    print(f"{len(docs)} documents; embedding sentences ({args.embedder})...", flush=True)
    E = embeddings(docs, args.embedder)
    print(f"embedded ({time.time() - t0:.0f}s)", flush=True)
    half = np.random.default_rng(args.seed).permutation(len(docs)) % 2
    results: dict = {}  # type: ignore[type-arg]
    for train_id, test_id in (("URW", "CC"), ("CC", "URW")):
        sm_tr, sm_te = (SimilarityModel([bundled(t)], embedder_name=args.embedder) for t in (train_id, test_id))
        G_tr = [gold_in(d, train_id) for d in docs]
        G_te = [gold_in(d, test_id) for d in docs]
        preds: dict[str, list] = {"raw_cosines": [None] * len(docs), "similarity": [None] * len(docs)}  # type: ignore[type-arg]
        for h in (0, 1):
            tr, te = np.where(half != h)[0], np.where(half == h)[0]
            for i, p in zip(te, raw_cosines(sm_tr, sm_te, E, G_tr, tr, te)):
                preds["raw_cosines"][i] = p
            params = train_similarity([docs[i] for i in tr], [bundled(train_id)], [E[i] for i in tr], embedder=args.embedder,
                                      seed=args.seed, log=lambda m: print("  " + m, flush=True))
            sm = SimilarityModel([bundled(test_id)], embedder_name=args.embedder, params=params)
            for i in te:
                preds["similarity"][i] = sm.predict_labels(E[i])
            print(f"fitted on {train_id}, scored {test_id}, half {h} ({time.time() - t0:.0f}s)", flush=True)
        res = {"other_only": report(docs, G_te, [([OTHER], [OTHER])] * len(docs))}
        res.update({k: report(docs, G_te, v) for k, v in preds.items()})
        results[f"{train_id}->{test_id}"] = res
        print(f"\nfitted on {train_id}, scored on {test_id}: F1-samples coarse / fine, all articles | the {test_id} articles;"
              f" {test_id} articles called Other; other articles called Other")
        for lang in ["all"] + LANGS:
            cells = []
            for k, r in res.items():
                x = r[lang]
                dom = f"{x['domain_f1_coarse']:.3f} / {x['domain_f1_fine']:.3f}" if x["n_domain"] else "      -      "
                cells.append(f"{k:>11s} {x['f1_coarse']:.3f} / {x['f1_fine']:.3f} | {dom} {x['domain_called_other'] or 0:.2f} {x['off_domain_called_other'] or 0:.2f}")
            print(f"{lang:4s} {res['similarity'][lang]['n']:3d} ({res['similarity'][lang]['n_domain']:3d})  " + "  ".join(cells))
    speed = measure_speed(args.speed_docs) if args.speed_docs and args.embedder == "use" else None
    write_result("zero_shot" if args.embedder == "use" else f"zero_shot_{args.embedder}",
                 {"seed": args.seed, "documents": len(docs), "embedder": args.embedder, "results": results, "speed": speed,
                               "seconds": round(time.time() - t0)})


if __name__ == "__main__":
    main()
