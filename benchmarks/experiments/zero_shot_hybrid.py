"""The similarity mode with multilingual-e5 next to USE (not adopted).

multilingual-e5 ranks a taxonomy's labels better than USE (the best
narrative gold for 48% / 59% of URW's / CC's articles, against 40% / 36%),
but a gate and matcher read by e5 alone do not carry from one taxonomy to
the other (benchmarks/zero_shot.py --embedder e5). Here the gate stays
USE's and the labels' probabilities are e5's matcher alone, or the mean of
both matchers (thresholds averaged), on the halves and taxonomies of
benchmarks/zero_shot.py.

    NARRASCOPE_CACHE=DIR python benchmarks/experiments/zero_shot_hybrid.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import zero_shot as z  # noqa: E402
from _common import DATA, need_data, write_result  # noqa: E402

from narrascope.models.narrative import GATE, LEVELS, decode  # noqa: E402
from narrascope.models.similarity import SimilarityModel  # noqa: E402
from narrascope.taxonomy import bundled  # noqa: E402
from narrascope.train.data import semeval_docs  # noqa: E402
from narrascope.train.similarity import gold_in, train_similarity  # noqa: E402


def main(seed: int = 1234) -> None:
    t0 = time.time()
    root = need_data(DATA / "semeval2025-task10" / "train")
    docs = semeval_docs(sorted(p for p in root.iterdir() if p.is_dir()))
    EU, EE = z.embeddings(docs, "use"), z.embeddings(docs, "e5")
    half = np.random.default_rng(seed).permutation(len(docs)) % 2
    results = {}
    for A, B in (("URW", "CC"), ("CC", "URW")):
        G_te = [gold_in(d, B) for d in docs]
        preds: dict[str, list] = {k: [None] * len(docs) for k in ("use", "e5_labels", "mean_labels")}  # type: ignore[type-arg]
        for h in (0, 1):
            tr, te = np.where(half != h)[0], np.where(half == h)[0]
            pu = train_similarity([docs[i] for i in tr], [bundled(A)], [EU[i] for i in tr], embedder="use", seed=seed, log=lambda m: None)
            pe = train_similarity([docs[i] for i in tr], [bundled(A)], [EE[i] for i in tr], embedder="e5", seed=seed, log=lambda m: None)
            su = SimilarityModel([bundled(B)], embedder_name="use", params=pu)
            se = SimilarityModel([bundled(B)], embedder_name="e5", params=pe)
            mean_th = {lv: (su.thresholds()[lv] + se.thresholds()[lv]) / 2 for lv in LEVELS}
            for i in te:
                a = su.score(docs[i].text, docs[i].sentences[:300], EU[i])
                b = se.score(docs[i].text, docs[i].sentences[:300], EE[i])
                gate = (float(a[GATE].prob[0]), su.gate_threshold)
                preds["use"][i] = decode(su.labels, {lv: a[lv].prob for lv in LEVELS}, su.thresholds(), gate=gate)
                preds["e5_labels"][i] = decode(se.labels, {lv: b[lv].prob for lv in LEVELS}, se.thresholds(), gate=gate)
                preds["mean_labels"][i] = decode(se.labels, {lv: (a[lv].prob + b[lv].prob) / 2 for lv in LEVELS}, mean_th, gate=gate)
        results[f"{A}->{B}"] = {k: z.report(docs, G_te, v) for k, v in preds.items()}
        for k, r in results[f"{A}->{B}"].items():
            print(f"{A} -> {B} {k:12s} domain coarse / fine (all articles, fine): " + "  ".join(
                f"{lang} {r[lang]['domain_f1_coarse'] or 0:.3f} / {r[lang]['domain_f1_fine'] or 0:.3f} ({r[lang]['f1_fine']:.3f})"
                for lang in ["all"] + z.LANGS))
    write_result("zero_shot_hybrid", {"seed": seed, "results": results, "seconds": round(time.time() - t0)})


if __name__ == "__main__":
    main()
