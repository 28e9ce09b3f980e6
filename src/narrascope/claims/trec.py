"""TREC run/qrels files and the CheckThat! ranking metrics.

Metrics follow the CheckThat! 2022 task 2 scorer: for each query, the
average precision of the top-k ranking divided by the number of relevant
documents (MAP@k), the reciprocal rank of the first relevant document (MRR),
and whether any relevant document is in the top k (success@k); all averaged
over the queries in the qrels (a query with no run line scores 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import Code, NarrascopeError


def write_run(path: str | Path, results: dict[str, list[tuple[str, float]]], tag: str = "narrascope") -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for qid, docs in results.items():
            for rank, (doc, score) in enumerate(docs, 1):
                fh.write(f"{qid}\tQ0\t{doc}\t{rank}\t{score:.6f}\t{tag}\n")


def read_run(path: str | Path) -> dict[str, list[tuple[str, float]]]:
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "run file not found", input=str(p))
    out: dict[str, list[tuple[str, int, float]]] = {}
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split()
        if len(cols) < 5:
            raise NarrascopeError(Code.BAD_OPTION, "expected 'qid Q0 docid rank score [tag]'", input=str(p), locator=f"line {i}")
        try:
            out.setdefault(cols[0], []).append((cols[2], int(cols[3]), float(cols[4])))
        except ValueError as e:
            raise NarrascopeError(Code.BAD_OPTION, f"bad rank or score: {e}", input=str(p), locator=f"line {i}") from e
    # Rank by score (ties: by the given rank), as trec_eval does.
    return {q: [(d, s) for d, _r, s in sorted(v, key=lambda x: (-x[2], x[1]))] for q, v in out.items()}


def read_qrels(path: str | Path) -> dict[str, set[str]]:
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "qrels file not found", input=str(p))
    out: dict[str, set[str]] = {}
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split()
        if len(cols) != 4:
            raise NarrascopeError(Code.BAD_OPTION, "expected 'qid 0 docid relevance'", input=str(p), locator=f"line {i}")
        if int(cols[3]) > 0:
            out.setdefault(cols[0], set()).add(cols[2])
    return out


def average_precision(ranked: list[str], relevant: set[str], k: int) -> float:
    hits, total = 0, 0.0
    for i, d in enumerate(ranked[:k], 1):
        if d in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    for i, d in enumerate(ranked, 1):
        if d in relevant:
            return 1.0 / i
    return 0.0


def evaluate(qrels: dict[str, set[str]], run: dict[str, list[tuple[str, float]]], ks: tuple[int, ...] = (1, 3, 5, 10, 20)) -> dict[str, float]:
    out: dict[str, float] = {}
    qs = list(qrels)
    ranked = {q: [d for d, _ in run.get(q, [])] for q in qs}
    for k in ks:
        out[f"map@{k}"] = float(np.mean([average_precision(ranked[q], qrels[q], k) for q in qs])) if qs else 0.0
        out[f"success@{k}"] = float(np.mean([any(d in qrels[q] for d in ranked[q][:k]) for q in qs])) if qs else 0.0
    out["mrr"] = float(np.mean([reciprocal_rank(ranked[q], qrels[q]) for q in qs])) if qs else 0.0
    out["queries"] = len(qs)
    return out
