"""Entity framing on SemEval-2025 Task 10 subtask 1 train (all languages):
5-fold CV grouped by document with the official metrics (exact match ratio of
fine roles, micro-F1, main-role accuracy) per language, next to a majority
baseline from the same run; then mentions/s and peak memory of the model.

    python benchmarks/roles.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

from _common import DATA, need_data, write_result

from narrascope.eval.roles import score_roles_dicts
from narrascope.models.roles import decide
from narrascope.train.roles import train_roles

SPEED = """
import resource, sys, time
from narrascope.stages.roles import RolesStage
from narrascope.train.roles import semeval_mentions
from pathlib import Path
ctx = semeval_mentions(Path(sys.argv[1]))[0][:500]
m = RolesStage().model
m.predict(ctx[:2])
t = time.perf_counter()
m.predict(ctx)
print(len(ctx) / (time.perf_counter() - t), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    root = need_data(DATA / "semeval2025-task10" / "train")
    t0 = time.time()
    r = train_roles(root, log=lambda m: None)
    ctx, main_, fine, groups, langs = r["data"]
    pred = decide(r["main"].oof, r["fine"].oof)
    maj_main = Counter(main_).most_common(1)[0][0]
    maj_fine = Counter(f[0] for f in fine if f).most_common(1)[0][0]
    res: dict = {}  # type: ignore[type-arg]
    print("entity framing: 5-fold CV grouped by document; EMR / micro-F1 / main-role accuracy (majority baseline)")
    for lang in ["all", "en", "bg", "hi", "pt", "ru"]:
        idx = [i for i, l in enumerate(langs) if lang == "all" or l == lang]
        gold = {(str(i), "", "", ""): (main_[i], fine[i]) for i in idx}
        ours = score_roles_dicts(gold, {(str(i), "", "", ""): (pred[i][0], [x for x, _ in pred[i][2]]) for i in idx})
        base = score_roles_dicts(gold, {(str(i), "", "", ""): (maj_main, [maj_fine]) for i in idx})
        res[lang] = {"n": len(idx), "narrascope": ours, "majority": base}
        print(f"  {lang:4s} n={len(idx):4d}  {ours['exact_match_ratio']:.3f} / {ours['micro_f1']:.3f} / {ours['main_role_accuracy']:.3f}"
              f"   ({base['exact_match_ratio']:.3f} / {base['micro_f1']:.3f} / {base['main_role_accuracy']:.3f})")
    out = subprocess.run([sys.executable, "-c", SPEED, str(root)], capture_output=True, text=True, check=True).stdout.split()
    res["speed"] = {"mentions_per_s": round(float(out[0]), 1), "peak_rss_mb": round(float(out[1]))}
    print(f"roles model: {res['speed']['mentions_per_s']} mentions/s, peak RSS {res['speed']['peak_rss_mb']} MB")
    res["seconds"] = round(time.time() - t0)
    write_result("roles", res)


if __name__ == "__main__":
    main()
