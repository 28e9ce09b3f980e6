"""Experiment: "Other" for a narrative model without a gate
(``models.narrative.Novelty``). A model trained on a few narrative-bearing
articles and no Other ones names labels for any article; it calls an
article Other when its cosine to the nearest training article is below the
threshold ``Novelty.from_training`` learns from the training articles.

For 12, 30 and 80 English SemEval-2025 narrative-bearing training articles
(three random draws each): the threshold, and the share called Other of
- the held-out narrative-bearing English articles (should be none);
- the English Other articles (the same topics without a narrative: a gate's
  job, which this is not);
- the first 200 SemEval-2023 English articles (propaganda on other topics);
- four off-topic reports written here (football, a recipe, a phone launch,
  quarterly earnings), with their nearest cosines.

Document vectors are those the heads read (``train.narratives.doc_matrix``;
USE by default, as ``narrascope train narratives``; ``--embedder e5`` for a
model trained with that embedder). About 2 minutes on 2 cores (e5: 10).

    python benchmarks/experiments/narratives_novelty.py [--embedder e5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, need_data, write_result  # noqa: E402

from narrascope.models.narrative import Novelty  # noqa: E402
from narrascope.taxonomy import OTHER  # noqa: E402
from narrascope.text import split_sentences  # noqa: E402
from narrascope.train.data import LabelledDoc, semeval_docs  # noqa: E402
from narrascope.train.narratives import TrainSettings, doc_matrix  # noqa: E402

OFF_TOPIC = {
    "football": "The home team won the cup final 3-1 after extra time, with two late goals from the substitute striker. "
                "The coach praised the defence and said the squad would celebrate before the league resumes next week.",
    "recipe": "The recipe needs two eggs, flour, milk and a pinch of salt. Whisk the batter until smooth, rest it for ten "
              "minutes, then fry thin pancakes in a hot buttered pan for a minute on each side.",
    "phone": "The company unveiled its new phone on Tuesday with a faster chip, a brighter screen and a better camera. "
             "It goes on sale next month at $999, the same price as last year's model.",
    "earnings": "Shares rose 2% after the retailer's quarterly earnings beat analysts' forecasts. Revenue grew 8% to $4.1 "
                "billion, helped by online sales, and the company raised its guidance for the full year.",
}


def doc(i: str, text: str) -> LabelledDoc:
    return LabelledDoc(i, "en", text, [text[a:b] for a, b in split_sentences(text)] or [text], [OTHER], [OTHER])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default=TrainSettings().embedder)
    args = ap.parse_args()
    root = need_data(DATA / "semeval2025-task10" / "train" / "EN")
    sem23 = need_data(DATA / "semeval2023-task3" / "en" / "train-articles-subtask-3")
    docs = semeval_docs([root])
    others = [doc(p.stem, p.read_text(encoding="utf-8")) for p in sorted(sem23.glob("*.txt"))[:200]]
    off = [doc(k, v) for k, v in OFF_TOPIC.items()]
    s = TrainSettings(embedder=args.embedder)
    E = doc_matrix(docs, s, ())
    O, F = doc_matrix(others, s, ()), doc_matrix(off, s, ())
    nar = np.array([d.coarse != [OTHER] for d in docs])
    rows = []
    for n in (12, 30, 80):
        for seed in (0, 1, 2):
            idx = np.random.default_rng(seed).permutation(np.where(nar)[0])
            nov = Novelty.from_training(E[idx[:n]])
            assert nov is not None
            called = lambda X: float(np.mean([nov.nearest(x) < nov.threshold for x in X]))  # noqa: E731
            rows.append({"training_articles": n, "draw": seed, "threshold": nov.threshold,
                         "held_out_narrative_called_other": round(called(E[idx[n:]]), 3),
                         "english_other_called_other": round(called(E[~nar]), 3),
                         "semeval2023_called_other": round(called(O), 3),
                         "off_topic_nearest": {d.id: round(nov.nearest(x), 3) for d, x in zip(off, F)}})
            r = rows[-1]
            print(f"{n:3d} articles, draw {seed}: threshold {r['threshold']:.3f}; called Other: held-out narrative "
                  f"{r['held_out_narrative_called_other']:.2f}, English Other {r['english_other_called_other']:.2f}, "
                  f"SemEval-2023 {r['semeval2023_called_other']:.2f}; off-topic nearest "
                  + " ".join(f"{k} {v:.2f}" for k, v in r["off_topic_nearest"].items()), flush=True)
    name = "narratives_novelty" + ("" if s.embedder == TrainSettings().embedder else f"_{s.embedder}")
    write_result(name, {"rule": f"Other below min({Novelty.QUANTILE} quantile of the training articles' "
                                        f"nearest-neighbour cosines - {Novelty.MARGIN}, median pairwise cosine)",
                                        "embedder": s.embedder, "runs": rows})


if __name__ == "__main__":
    main()
