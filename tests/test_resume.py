"""Kill the process mid-ingest; running the same command again loses
nothing and duplicates nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

N = 3000


def _rows(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_kill_and_resume(tmp_path: Path) -> None:
    src = tmp_path / "big.jsonl"
    with src.open("w", encoding="utf-8") as f:
        for i in range(N):
            text = (f"Report {i}: the council of city number {i} voted on budget item {i * 7} "
                    f"after a debate about {i % 13} bridges and {i % 17} schools. " * 3)
            f.write(json.dumps({"id": f"doc{i}", "text": text}) + "\n")
    db = tmp_path / "c.db"
    cmd = [sys.executable, "-m", "narrascope", "ingest", str(src), "--db", str(db), "-q", "--dedup", "off"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while _rows(db) < 200 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed; make the input larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _rows(db)
    assert 0 < partial < N
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    con = sqlite3.connect(db)
    ids = [row[0] for row in con.execute("SELECT external_id FROM articles")]
    assert len(ids) == N and len(set(ids)) == N
    assert set(ids) == {f"doc{i}" for i in range(N)}
    # The second run skipped what the first had stored.
    assert f"{N - partial} added" in r.stderr and f"{partial} already stored" in r.stderr
