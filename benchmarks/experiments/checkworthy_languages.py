"""Check-worthiness beyond English: which head reads other languages?

The shipped check-worthiness model reads character n-grams of English
sentences (ClaimBuster + CLEF 2020): on Russian or Bulgarian articles it
flags almost nothing. Multilingual sentence encoders place languages in one
space, so a head trained on English vectors can read other languages. No
labelled non-English check-worthiness data is here, so this measures:

1. English, stratified 5-fold CV F1 (the card's folds and threshold grid):
   the n-gram head, a logistic head over USE, one over e5, and averages.
2. Transfer: the SemEval-2025 Task 7 trial sample's fact-checked claims and
   posts (all claims someone checked) in their own language and in English:
   the share flagged in each, at the threshold tuned in English.
3. Calibration across languages: the share of sentences (six words or more)
   flagged in the SemEval-2025 training articles per language, against
   English's.

    python benchmarks/experiments/checkworthy_languages.py
"""

from __future__ import annotations

import ast
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, need_data, write_result  # noqa: E402

from narrascope.text import split_sentences  # noqa: E402
from narrascope.train.checkworthy import f1, load_checkworthy  # noqa: E402

GRID = np.round(np.arange(0.05, 0.95, 0.025), 3)


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    return float(max(GRID, key=lambda t: f1(y, (p >= t).astype(int))))


def task7() -> tuple[list[str], list[str], list[str]]:
    root = need_data(DATA / "semeval2025-task7-sample")
    orig, eng, lang = [], [], []
    for name, field in (("trial_fact_checks.csv", "claim"), ("trial_posts.csv", "text")):
        for r in csv.DictReader((root / name).open(encoding="utf-8")):
            if not r.get(field):
                continue
            t = ast.literal_eval(r[field])
            code = t[2][0][0] if t[2] else "?"
            if code == "eng":
                continue
            orig.append(" ".join(t[0].split()))
            eng.append(" ".join(t[1].split()))
            lang.append(code)
    return orig, eng, lang


def article_sentences(per_lang: int = 60) -> dict[str, list[str]]:
    root = need_data(DATA / "semeval2025-task10" / "train")
    out: dict[str, list[str]] = {}
    for lang in ("EN", "BG", "HI", "PT", "RU"):
        sents: list[str] = []
        for p in sorted((root / lang / "raw-documents").glob("*.txt"))[:per_lang]:
            text = p.read_text(encoding="utf-8")
            for a, b in split_sentences(text):
                s = " ".join(text[a:b].split())
                if len(s.split()) >= 6:
                    sents.append(s)
        out[lang.lower()] = sents
    return out


def main() -> None:
    import tempfile

    from narrascope.stages.claims import CheckworthyModel
    from narrascope.train.checkworthy import save_checkworthy, train_checkworthy

    texts, y, src = load_checkworthy(need_data(DATA / "claimbuster"))
    t7_orig, t7_eng, t7_lang = task7()
    arts = article_sentences()
    # the shipped training (`narrascope train claims`): its out-of-fold scores per head, and the heads
    # fitted on all sentences, read back through the stage's own model
    trained = train_checkworthy(texts, y, src, log=lambda m: print(m, flush=True))
    oof = dict(trained["oof"])
    oof["ngram+use"] = (oof["ngram"] + oof["use"]) / 2
    oof["ngram+e5"] = (oof["ngram"] + oof["e5"]) / 2
    oof["use+e5"] = (oof["use"] + oof["e5"]) / 2
    with tempfile.TemporaryDirectory() as tmp:
        save_checkworthy(trained, Path(tmp), {"languages": ["en"]})
        model = CheckworthyModel(Path(tmp))
    res: dict[str, dict] = {"english_cv": {}, "task7": {}, "articles_flagged": {}}  # type: ignore[type-arg]
    thr = {}
    for k, p in oof.items():
        thr[k] = best_threshold(y, p)
        res["english_cv"][k] = {"f1": round(f1(y, (p >= thr[k]).astype(int)), 4), "threshold": thr[k]}
    res["english_cv"]["all_positive"] = {"f1": round(f1(y, np.ones(len(y), int)), 4)}
    print("English CV F1:", {k: v["f1"] for k, v in res["english_cv"].items()}, flush=True)

    langs = sorted(set(t7_lang))
    for k in oof:
        o, e = model.score(t7_orig, k), model.score(t7_eng, k)
        row = {"own_language": round(float(np.mean(o >= thr[k])), 3), "english": round(float(np.mean(e >= thr[k])), 3),
               "spearman": round(float(np.corrcoef(np.argsort(np.argsort(o)), np.argsort(np.argsort(e)))[0, 1]), 3)}
        for lg in langs:
            mk = np.array(t7_lang) == lg
            row[lg] = [round(float(np.mean(o[mk] >= thr[k])), 3), round(float(np.mean(e[mk] >= thr[k])), 3)]
        res["task7"][k] = row
        res["articles_flagged"][k] = {l: round(float(np.mean(model.score(s, k) >= thr[k])), 3) for l, s in arts.items()}
        print(k, "task7", row, "articles flagged", res["articles_flagged"][k], flush=True)
    res["task7_n"] = {lg: t7_lang.count(lg) for lg in langs}
    res["article_sentences"] = {l: len(s) for l, s in arts.items()}
    write_result("checkworthy_languages", res)


if __name__ == "__main__":
    main()
