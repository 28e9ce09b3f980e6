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
