"""Helpers shared by the benchmarks: locating shared data, writing results."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NARRASCOPE_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data"
RESULTS = REPO / "benchmarks" / "results"


# Peak memory of the measuring subprocess, for its SPEED snippet. VmHWM
# belongs to the process's own address space; ru_maxrss would also count the
# parent's memory at fork (Linux keeps it across exec), and the parent may
# just have trained a model.
PEAK_MB = """
def peak_mb():
    try:
        with open('/proc/self/status') as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith('VmHWM')) / 1024
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


NARRATIVES_SPEED = PEAK_MB + """
import json, sys, time, glob
import narrascope as ns
from narrascope.stages.narratives import NarrativesConfig, NarrativesStage
files = sorted(glob.glob(sys.argv[1]))[: int(sys.argv[2])]
arts = list(ns.read(files))
st = NarrativesStage(NarrativesConfig(**json.loads(sys.argv[3])))
st.predict(arts[0])  # load the model and embedder (and embed the descriptions)
t = time.perf_counter()
for a in arts:
    st.predict(a)
dt = time.perf_counter() - t
print(len(arts) / dt, peak_mb())
"""


def narratives_speed(files_glob: str, n_docs: int, config: dict[str, Any] | None = None) -> tuple[float, float]:
    """docs/s and peak MB of the narratives stage (settings ``config``) on
    the first ``n_docs`` files, in a fresh process."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", NARRATIVES_SPEED, files_glob, str(n_docs), json.dumps(config or {})],
                         capture_output=True, text=True, check=True)
    docs_s, peak = (float(x) for x in out.stdout.split())
    return docs_s, peak


def outer_folds(n: int, folds: int, seed: int) -> list[tuple[Any, Any]]:
    """(train, test) document indices of the outer split of the narrative
    benchmarks: benchmarks/explain.py explains each document with a model
    trained on the same folds benchmarks/narratives.py scores."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(n)  # not the training seed
    return [(np.setdiff1d(order, order[f::folds]), order[f::folds]) for f in range(folds)]


def need_data(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"benchmark data not found: {path} (set NARRASCOPE_SHARED to the shared/ folder)")
    return path


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    data = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": machine(), **data}
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return out


def speed_only() -> bool:
    """``--speed-only``: re-measure throughput and memory, keep the scores of
    the last full run (e.g. after a change that cannot move the scores)."""
    return "--speed-only" in sys.argv


def update_result(name: str, key: str, value: Any) -> Path:
    out = RESULTS / f"{name}.json"
    if not out.exists():
        sys.exit(f"{out} not found: run the full benchmark first")
    data = json.loads(out.read_text(encoding="utf-8"))
    data[key] = value
    data["when_" + key] = time.strftime("%Y-%m-%dT%H:%M:%S")
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"updated {key} in {out}")
    return out


def roles_out_of_fold(root: Path) -> tuple[Any, Any, Any, Any, Any, Any]:
    """What the roles experiments blend: the SemEval-2025 subtask-1 mentions,
    the linear heads' out-of-fold main- and fine-role probabilities
    (``train_roles``), the shipped role encoder's (its ``oof.npz``, same
    folds), and each mention's fold."""
    import numpy as np

    from narrascope.models.role_encoder import ENCODER_MODEL
    from narrascope.train.role_encoder import load_encoder_oof
    from narrascope.train.roles import document_folds, train_roles

    heads = train_roles(root, log=lambda m: None)
    m = heads["mentions"]
    enc = load_encoder_oof(ENCODER_MODEL, m)
    if enc is None:
        sys.exit("the role encoder has no out-of-fold probabilities of these mentions")
    folds = document_folds(m)
    return (m, heads["oof_main"].astype(np.float64), heads["oof_fine"].astype(np.float64),
            enc[0].astype(np.float64), enc[1].astype(np.float64), np.array([folds[g] for g in m.group]))
