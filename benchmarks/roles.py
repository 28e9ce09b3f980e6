"""Entity framing on SemEval-2025 Task 10 subtask 1 train (all languages):
5-fold CV grouped by document with the official metrics (exact match ratio of
fine roles, micro-F1, main-role accuracy) per language, next to a majority
baseline from the same run; then mentions/s and peak memory of the model.

    python benchmarks/roles.py [--speed-only]
"""

from __future__ import annotations

import subprocess
import sys
import time

from _common import DATA, PEAK_MB, need_data, speed_only, update_result, write_result

from narrascope.train.roles import roles_cv_report, train_roles

SPEED = PEAK_MB + """
import sys, time
from collections import defaultdict
from pathlib import Path
from narrascope.stages.roles import RolesStage
from narrascope.train.roles import semeval_mentions
m = semeval_mentions(Path(sys.argv[1]))
by = defaultdict(list)
for g, s, e, l in zip(m.group, m.start, m.end, m.lang):
    by[g].append((s, e, l))
docs = list(by.items())[:120]
model = RolesStage().model
model.predict(m.docs[docs[0][0]], [x[:2] for x in docs[0][1]], docs[0][1][0][2])
t = time.perf_counter()
n = sum(len(model.predict(m.docs[g], [x[:2] for x in ms], ms[0][2])) for g, ms in docs)
print(n / (time.perf_counter() - t), peak_mb())
"""


def measure_speed(root) -> dict:  # type: ignore[no-untyped-def, type-arg]
    out = subprocess.run([sys.executable, "-c", SPEED, str(root)], capture_output=True, text=True, check=True).stdout.split()
    speed = {"mentions_per_s": round(float(out[0]), 1), "peak_rss_mb": round(float(out[1])),
             "note": "whole documents: article embedding + three embeddings per mention"}
    print(f"roles model: {speed['mentions_per_s']} mentions/s, peak RSS {speed['peak_rss_mb']} MB")
    return speed


def main() -> None:
    root = need_data(DATA / "semeval2025-task10" / "train")
    if speed_only():
        update_result("roles", "speed", measure_speed(root))
        return
    t0 = time.time()
    cv = roles_cv_report(train_roles(root, log=lambda m: None))
    res: dict = {"cv": cv}  # type: ignore[type-arg]
    print("entity framing: 5-fold CV grouped by document; EMR / micro-F1 / main-role accuracy (majority baseline)")
    for lang in ["all", "en", "bg", "hi", "pt", "ru"]:
        ours, base = cv[lang]["narrascope"], cv[lang]["majority"]
        print(f"  {lang:4s} n={cv[lang]['n']:4d}  {ours['exact_match_ratio']:.3f} / {ours['micro_f1']:.3f} / {ours['main_role_accuracy']:.3f}"
              f"   ({base['exact_match_ratio']:.3f} / {base['micro_f1']:.3f} / {base['main_role_accuracy']:.3f})")
    res["speed"] = measure_speed(root)
    res["seconds"] = round(time.time() - t0)
    write_result("roles", res)


if __name__ == "__main__":
    main()
