"""Persuasion techniques (paragraph level) and framing (article level) on
SemEval-2023 Task 3 train: grouped 5-fold CV (paragraphs of one article stay
together) with the official micro/macro-F1, per language, next to a
majority baseline from the same run; the classifier stacked with the span
tagger (what the stage uses; stacker cross-fitted by article; its
thresholds also tuned nested, on the other folds' articles); the span
tagger with the official SemEval-2020 span P/R/F1 (technique-matched and
technique-agnostic SI), next to a sentence baseline, and the gain of its run
forms (English: which techniques widen to sentences) chosen nested; then
paragraphs/s and peak memory of the techniques stage (paragraph classifier
and span tagger).

    python benchmarks/techniques.py [--speed-only]
"""

from __future__ import annotations

import subprocess
import sys
import time

from _common import DATA, PEAK_MB, need_data, speed_only, update_result, write_result

from narrascope.eval.semeval2023 import FRAMES, TECHNIQUES
from narrascope.train.multilabel import train_multilabel
from narrascope.train.semeval2023 import frame_articles, technique_paragraphs
from narrascope.train.spans import spans_cv_report, train_spans
from narrascope.train.stack import fit_stack, nested_threshold_report, paragraph_span_scores, stack_report

SPEED = PEAK_MB + """
import glob, sys, time
import narrascope as ns
from narrascope.stages.persuasion import TechniquesStage
# The article files hold one paragraph per line; the stage reads blank-line paragraphs.
files = sorted(glob.glob(sys.argv[1] + '/*.txt'))[:40]
arts = [ns.analyze_text(open(f, encoding='utf-8').read().replace('\\n', '\\n\\n'), stages=[]) for f in files]
st = TechniquesStage()
st.predict(arts[0])
t = time.perf_counter()
n = sum(st.predict(a)['classified'] for a in arts)
print(n / (time.perf_counter() - t), peak_mb())
"""


def measure_speed(root) -> dict:  # type: ignore[no-untyped-def, type-arg]
    folder = root / "en" / "train-articles-subtask-3"
    out = subprocess.run([sys.executable, "-c", SPEED, str(folder)], capture_output=True, text=True, check=True).stdout.split()
    speed = {"paragraphs_per_s": round(float(out[0]), 1), "peak_rss_mb": round(float(out[1])),
             "includes": "the stage on 40 English articles: paragraph classifier, span tagger, stack, evidence"}
    print(f"techniques stage (classify + tag spans): {speed['paragraphs_per_s']} paragraphs/s, peak RSS {speed['peak_rss_mb']} MB")
    return speed


def main() -> None:
    root = need_data(DATA / "semeval2023-task3")
    if speed_only():
        update_result("techniques", "speed", measure_speed(root))
        return
    t0 = time.time()
    res = {}
    offsets: list[tuple[int, int]] = []
    kept = {}
    for kind, loader, labels in (("techniques", lambda r: technique_paragraphs(r, offsets=offsets), TECHNIQUES), ("frames", frame_articles, FRAMES)):
        texts, Y, groups, langs = loader(root)
        model = train_multilabel(texts, Y, labels, groups, langs, log=lambda m: None)
        if kind == "techniques":
            kept = {"prob": model.oof, "Y": Y, "groups": groups, "langs": langs}  # type: ignore[attr-defined]
        cv = model.card["cross_validation"]
        res[kind] = cv
        print(f"{kind}: grouped 5-fold CV, official micro-F1 / macro-F1 (majority baseline)")
        for lang in ["all", "en", "fr", "ge", "it", "po", "ru"]:
            r = cv.get(lang)
            if r:
                print(f"  {lang:4s} n={r['n']:5d}  {r['micro_f1']:.3f} / {r['macro_f1']:.3f}   ({r['baseline_majority_micro_f1']:.3f} / {r['baseline_majority_macro_f1']:.3f})")
    ptc = DATA / "semeval2020-task11-ptc"
    span_res = train_spans(root, ptc if ptc.exists() else None, log=lambda m: None)
    spans = spans_cv_report(span_res)
    res["spans"] = spans
    stack = fit_stack(kept["prob"], paragraph_span_scores(span_res, kept["groups"], offsets), kept["Y"], kept["groups"])
    stacked = stack_report(stack["oof"], stack["thresholds"], kept["Y"], kept["langs"])
    res["techniques_stacked_with_spans"] = stacked
    nested = nested_threshold_report(stack["oof"], kept["Y"], kept["groups"], kept["langs"])
    res["techniques_stacked_nested_thresholds"] = nested
    print("techniques, paragraph classifier stacked with the span tagger (what the stage uses): micro-F1 / macro-F1; "
          "thresholds tuned on the other folds; (paragraph classifier alone)")
    for lang in ["all", "en", "fr", "ge", "it", "po", "ru"]:
        r, n, alone = stacked.get(lang), nested.get(lang), res["techniques"].get(lang)
        if r and n and alone:
            print(f"  {lang:4s} n={r['n']:5d}  {r['micro_f1']:.3f} / {r['macro_f1']:.3f}; nested {n['micro_f1']:.3f} / {n['macro_f1']:.3f}"
                  f"   ({alone['micro_f1']:.3f} / {alone['macro_f1']:.3f})")
    print(f"technique spans: grouped 5-fold CV, official span P/R/F1 technique-matched | SI (baseline: {spans['baseline']})")
    for lang in ["all", "en", "fr", "ge", "it", "po", "ru"]:
        r = spans.get(lang)
        if r:
            n, si, b, bsi = r["narrascope"], r["narrascope_si"], r["baseline"], r["baseline_si"]
            print(f"  {lang:4s} n={r['articles']:4d}  {n['precision']:.3f} {n['recall']:.3f} {n['f1']:.3f} | {si['f1']:.3f}"
                  f"   ({b['f1']:.3f} | {bsi['f1']:.3f})")
    rf = spans.get("run_forms")
    if rf:
        print(f"  run forms ({', '.join(rf['languages'])}: extension {rf['chosen']['extend']}, sentences for "
              f"{', '.join(rf['chosen']['sentence']) or 'none'}): span F1 plain runs {rf['plain_runs']['f1']:.3f}, "
              f"chosen on the same articles {rf['chosen_on_the_same_articles']['f1']:.3f}, nested {rf['nested']['f1']:.3f}")
    res["speed"] = measure_speed(root)
    res["seconds"] = round(time.time() - t0)
    write_result("techniques", res)


if __name__ == "__main__":
    main()
