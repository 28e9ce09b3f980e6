"""SemEval-2025 Task 10 subtask 1 (entity framing): files and metrics.

Files: ``id<TAB>mention<TAB>start<TAB>end<TAB>main_role<TAB>fine_role[<TAB>fine_role]``
(end offset inclusive). Metrics as the official scorer: exact match ratio of
the fine-role sets (the ranking metric), micro precision/recall/F1 of fine
roles, main-role accuracy. Rows are paired by (id, mention without double
quotes, start, end); the official script pairs its two dictionaries by
insertion order, which agrees when both files list mentions in the same order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import Code, NarrascopeError

MAIN_ROLES = ["Protagonist", "Antagonist", "Innocent"]
FINE_BY_MAIN = {
    "Protagonist": ["Guardian", "Martyr", "Peacemaker", "Rebel", "Underdog", "Virtuous"],
    "Antagonist": ["Instigator", "Conspirator", "Tyrant", "Foreign Adversary", "Traitor", "Spy", "Saboteur", "Corrupt",
                   "Incompetent", "Terrorist", "Deceiver", "Bigot"],
    "Innocent": ["Forgotten", "Exploited", "Victim", "Scapegoat"],
}
FINE_ROLES = [r for rs in FINE_BY_MAIN.values() for r in rs]
Key = tuple[str, str, str, str]


def read_mention_lines(path: str | Path) -> list[tuple[int, tuple[str, str, int, int]]]:
    """``id<TAB>mention<TAB>start<TAB>end`` rows (extra columns ignored; end
    inclusive as in the files) with their line numbers, so a later check can
    name the line; a header line as in the annotation files is skipped."""
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "mentions file not found", input=str(p))
    out = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        c = line.split("\t")
        if not out and c[:4] == ["article_id", "entity_mention", "start_offset", "end_offset"]:
            continue
        if len(c) < 4 or not c[2].strip().isdigit() or not c[3].strip().isdigit():
            raise NarrascopeError(Code.BAD_SEMEVAL, "expected id<TAB>mention<TAB>start<TAB>end", input=str(p), locator=f"line {i}",
                                  hint="one mention a line: the document's file name, the mention, its start and inclusive end offsets")
        out.append((i, (c[0], c[1], int(c[2]), int(c[3]))))
    return out


def read_mentions(path: str | Path) -> list[tuple[str, str, int, int]]:
    """``id<TAB>mention<TAB>start<TAB>end`` (extra columns ignored); end inclusive as in the files."""
    return [row for _line, row in read_mention_lines(path)]


def read_roles(path: str | Path) -> dict[Key, tuple[str, list[str]]]:
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "file not found", input=str(p))
    out: dict[Key, tuple[str, list[str]]] = {}
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        c = line.strip().split("\t")
        if len(c) < 5:
            raise NarrascopeError(Code.BAD_SEMEVAL, "expected id, mention, start, end, main role, fine roles", input=str(p), locator=f"line {i}")
        if i == 1 and c[:4] == ["article_id", "entity_mention", "start_offset", "end_offset"]:
            continue
        key = (c[0], re.sub('"', "", c[1]), c[2], c[3])
        if key in out:
            raise NarrascopeError(Code.BAD_SEMEVAL, f"duplicate mention {key}", input=str(p), locator=f"line {i}")
        out[key] = (c[4], c[5:])
    return out


def read_document(path: str | Path) -> str:
    """A raw SemEval document as the offsets count it: line endings kept
    (several PT, BG, RU and HI files use CRLF, and offsets count the CR)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def align_mention(text: str, mention: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of ``mention`` in ``text``: the given ones when they hold it,
    else its nearest occurrence (about 10% of the official offsets are a few
    characters off even with line endings kept), else the given ones."""
    if text[start:end] == mention or not mention:
        return start, end
    best: tuple[int, int] | None = None
    for m in re.finditer(re.escape(mention), text):
        if best is None or abs(m.start() - start) < abs(best[0] - start):
            best = (m.start(), m.end())
    return best if best and abs(best[0] - start) <= 200 else (start, end)


def locate_mention(text: str, mention: str, start: int, end: int, doc: str, source: str, line: int) -> tuple[int, int]:
    """``align_mention``, refusing a mention that still lies outside the
    document or is empty: its offsets were made for another text (often the
    wrong documents folder), and a role predicted for it would mean nothing."""
    s, e = align_mention(text, mention, start, end)
    if not 0 <= s < e <= len(text):
        raise NarrascopeError(Code.BAD_SEMEVAL, f"mention '{mention}' at {start}-{end - 1} lies outside document '{doc}' "
                              f"({len(text)} characters) and does not occur in it", input=source, locator=f"line {line}",
                              hint="check that the documents folder holds the documents this mentions file was made for")
    return s, e


def write_roles(path: str | Path, rows: list[tuple[str, str, int, int, str, list[str]]]) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for doc, mention, start, end, main, fine in rows:
            fh.write("\t".join([doc, mention, str(start), str(end), main, *fine]) + "\n")


def score_roles_dicts(gold: dict[Key, tuple[str, list[str]]], pred: dict[Key, tuple[str, list[str]]],
                      source: str | None = None) -> dict[str, Any]:
    if set(gold) != set(pred):
        raise NarrascopeError(Code.BAD_SEMEVAL, f"mentions differ: {len(set(gold) - set(pred))} missing, {len(set(pred) - set(gold))} extra",
                              input=source, hint="predict exactly the given mentions")
    # As the official scorer, a prediction naming a role outside the task's is refused, not scored as a miss.
    bad = [(k, r) for k, (main, fine) in pred.items()
           for r in ([main] if main not in MAIN_ROLES else []) + [f for f in fine if f not in FINE_ROLES]]
    if bad:
        (doc, mention, *_), role = bad[0]
        raise NarrascopeError(Code.BAD_SEMEVAL, f"{len(bad)} predicted role(s) are not the task's, first '{role}' "
                              f"for '{mention}' in {doc}", input=source,
                              hint=f"main roles: {', '.join(MAIN_ROLES)}; fine roles: {', '.join(FINE_ROLES)}")
    keys = list(gold)
    emr = sum(set(gold[k][1]) == set(pred[k][1]) for k in keys) / len(keys) if keys else 0.0
    tp = sum(len(set(gold[k][1]) & set(pred[k][1])) for k in keys)
    npred = sum(len(set(pred[k][1])) for k in keys)
    ngold = sum(len(set(gold[k][1])) for k in keys)
    prec = tp / npred if npred else 1.0
    rec = tp / ngold if ngold else 1.0
    f1 = 2 * tp / (npred + ngold) if (npred + ngold) else 1.0
    acc = sum(gold[k][0] == pred[k][0] for k in keys) / len(keys) if keys else 0.0
    out: dict[str, Any] = {"mentions": len(keys), "exact_match_ratio": emr, "micro_precision": prec, "micro_recall": rec,
                           "micro_f1": f1, "main_role_accuracy": acc, "same_order": list(pred) == keys}
    if list(pred) != keys:
        # subtask1_scorer.py pairs mentions by key for the exact match ratio
        # but by row position for micro-F1 and main-role accuracy.
        rows = list(pred.values())
        tp_o = sum(len(set(g[1]) & set(p[1])) for g, p in zip(gold.values(), rows))
        out["official_script_as_ordered"] = {
            "micro_f1": 2 * tp_o / (npred + ngold) if (npred + ngold) else 1.0,
            "main_role_accuracy": sum(g[0] == p[0] for g, p in zip(gold.values(), rows)) / len(keys)}
    return out


def score_roles(gold_path: str | Path, pred_path: str | Path) -> dict[str, Any]:
    return score_roles_dicts(read_roles(gold_path), read_roles(pred_path), str(pred_path))
