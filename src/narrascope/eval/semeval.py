"""SemEval-2025 Task 10 file formats and official metrics.

Subtask 2 (narratives): ``id<TAB>narr;narr<TAB>sub;sub``; F1-samples over
the official class lists, computed exactly as the official scorer does
(per-document F1 of one-hot label vectors over the class list, labels
outside the list ignored, 0 when a document has no true or predicted class,
then mean and standard deviation). One deliberate difference: documents are
paired by id, where the official script pairs rows by file order.

Subtask 3 (explanations): ``id<TAB>explanation``. The official metric is
BERTScore F1, which needs a model download; offline we report what can be
computed without one (token F1, ROUGE-L F1, sentence-embedding cosine and
the 80-word limit) and say so.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from ..errors import Code, NarrascopeError
from ..text import WORD


def official_classes() -> tuple[list[str], list[str]]:
    base = resources.files("narrascope.eval") / "data"
    coarse = (base / "subtask2_narratives.txt").read_text(encoding="utf-8").split("\n")
    fine = (base / "subtask2_subnarratives.txt").read_text(encoding="utf-8").split("\n")
    return coarse, fine


def doc_f1(gold: Iterable[str], pred: Iterable[str], classes: list[str] | set[str] | None = None) -> float:
    g, p = set(gold), set(pred)
    if classes is not None:
        cl = set(classes)
        g, p = g & cl, p & cl
    tp = len(g & p)
    return 0.0 if tp == 0 else 2 * tp / (len(g) + len(p))


def f1_samples(gold: list[Any], pred: list[Any], classes: list[str] | None = None) -> float:
    return float(np.mean([doc_f1(g, p, classes) for g, p in zip(gold, pred)])) if gold else 0.0


def f1_samples_std(gold: list[Any], pred: list[Any], classes: list[str] | None = None) -> tuple[float, float]:
    v = np.array([doc_f1(g, p, classes) for g, p in zip(gold, pred)])
    return (float(v.mean()), float(v.std())) if len(v) else (0.0, 0.0)


def _tsv_rows(path: str | Path, min_cols: int, expected: str, max_cols: int | None = None) -> Iterator[list[str]]:
    """Rows of a TAB-separated file, blank lines skipped; a short (or long)
    row is a coded error naming the line."""
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "file not found", input=str(p))
    with p.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh, delimiter="\t"), 1):
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) < min_cols or (max_cols is not None and len(row) > max_cols):
                raise NarrascopeError(Code.BAD_SEMEVAL, f"expected {expected}", input=str(p), locator=f"line {i}")
            yield row


# -- subtask 2 --------------------------------------------------------------------


def read_subtask2(path: str | Path) -> dict[str, tuple[list[str], list[str]]]:
    """Rows by id, in file order; a repeated id is refused (the official
    script would keep the last row at the first one's place, silently)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for row in _tsv_rows(path, 3, "id, narratives, subnarratives"):
        if row[0] in out:
            raise NarrascopeError(Code.BAD_SEMEVAL, f"document '{row[0]}' has two rows", input=str(path),
                                  hint="keep one row per document")
        out[row[0]] = (row[1].split(";"), row[2].split(";"))
    return out


def write_subtask2(path: str | Path, rows: list[tuple[str, list[str], list[str]]]) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        for doc_id, coarse, fine in rows:
            fh.write(f"{doc_id}\t{';'.join(coarse) or 'Other'}\t{';'.join(fine) or 'Other'}\n")


def score_subtask2(gold_path: str | Path, pred_path: str | Path, classes_coarse: list[str] | None = None,
                   classes_fine: list[str] | None = None) -> dict[str, Any]:
    gold, pred = read_subtask2(gold_path), read_subtask2(pred_path)
    if set(gold) != set(pred):
        missing, extra = sorted(set(gold) - set(pred)), sorted(set(pred) - set(gold))
        raise NarrascopeError(
            Code.BAD_SEMEVAL,
            f"ids differ between gold and prediction (missing {len(missing)}: {', '.join(missing[:5])}; extra {len(extra)}: {', '.join(extra[:5])})",
            input=str(pred_path), hint="predict every gold document and nothing else",
        )
    cc, cf = official_classes()
    cc, cf = classes_coarse or cc, classes_fine or cf
    ids = list(gold)
    mc, sc = f1_samples_std([gold[i][0] for i in ids], [pred[i][0] for i in ids], cc)
    mf, sf = f1_samples_std([gold[i][1] for i in ids], [pred[i][1] for i in ids], cf)
    order = list(pred)
    # The official scorer ignores labels outside the class lists (a typo scores as a miss): count them so it can be said.
    known_c, known_f = set(cc), set(cf)
    unknown = [(i, lab) for i in ids for lab in pred[i][0] if lab not in known_c] + \
              [(i, lab) for i in ids for lab in pred[i][1] if lab not in known_f]
    out: dict[str, Any] = {"documents": len(ids), "f1_coarse": mc, "f1_coarse_std": sc, "f1_fine": mf, "f1_fine_std": sf,
                           "unknown_labels": len(unknown)}
    if unknown:
        out["first_unknown_label"] = {"id": unknown[0][0], "label": unknown[0][1]}
    out["same_order"] = order == ids
    if order != ids:
        # What subtask2_scorer.py reports for these files as they are: it
        # pairs the n-th prediction row with the n-th gold row.
        out["official_script_as_ordered"] = {
            "f1_coarse": f1_samples_std([gold[i][0] for i in ids], [pred[i][0] for i in order], cc)[0],
            "f1_fine": f1_samples_std([gold[i][1] for i in ids], [pred[i][1] for i in order], cf)[0]}
    return out


# -- subtask 3 --------------------------------------------------------------------


def read_dominant(path: str | Path) -> list[tuple[str, str, str]]:
    """(id, dominant narrative, dominant subnarrative) rows; a 4th column
    (a gold explanation) is ignored."""
    return [(row[0], row[1], row[2] if len(row) > 2 else "") for row in _tsv_rows(path, 2, "id, dominant narrative[, subnarrative]")]


def write_subtask3(path: str | Path, rows: list[tuple[str, str]]) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        for doc_id, expl in rows:
            fh.write(f"{doc_id}\t{' '.join(expl.split())}\n")


def read_explanations(path: str | Path) -> dict[str, str]:
    return {row[0]: row[-1] for row in _tsv_rows(path, 2, "id and explanation")}


def _tokens(s: str) -> list[str]:
    return WORD.findall(s.lower())


def token_f1(ref: str, hyp: str) -> float:
    r, h = _tokens(ref), _tokens(hyp)
    if not r or not h:
        return 0.0
    from collections import Counter

    common = sum((Counter(r) & Counter(h)).values())
    if not common:
        return 0.0
    p, rc = common / len(h), common / len(r)
    return 2 * p * rc / (p + rc)


def rouge_l(ref: str, hyp: str) -> float:
    r, h = _tokens(ref), _tokens(hyp)
    if not r or not h:
        return 0.0
    prev = [0] * (len(h) + 1)
    for a in r:
        cur = [0]
        for j, b in enumerate(h, 1):
            cur.append(prev[j - 1] + 1 if a == b else max(prev[j], cur[j - 1]))
        prev = cur
    lcs = prev[-1]
    if not lcs:
        return 0.0
    p, rc = lcs / len(h), lcs / len(r)
    return 2 * p * rc / (p + rc)


def score_subtask3(gold_path: str | Path, pred_path: str | Path, embed: bool = True) -> dict[str, Any]:
    gold = {i: e for i, _n, _s, e in _read_gold3(gold_path)}
    pred = read_explanations(pred_path)
    if set(gold) != set(pred):
        raise NarrascopeError(Code.BAD_SEMEVAL, f"ids differ between gold ({len(gold)}) and prediction ({len(pred)})",
                              input=str(pred_path), hint="predict every gold document and nothing else")
    ids = sorted(gold)
    res: dict[str, Any] = {
        "documents": len(ids),
        "official_metric": "BERTScore F1 (needs a model download; not computed offline)",
        "token_f1": float(np.mean([token_f1(gold[i], pred[i]) for i in ids])),
        "rouge_l_f1": float(np.mean([rouge_l(gold[i], pred[i]) for i in ids])),
        "within_80_words": float(np.mean([len(pred[i].split()) <= 80 for i in ids])),
    }
    if embed:
        from ..embed import get_embedder

        e = get_embedder("use")
        G, P = e.encode([gold[i] for i in ids]), e.encode([pred[i] for i in ids])
        res["embedding_cosine"] = float(np.mean(np.sum(G * P, axis=1)))
        res["embedding_model"] = e.name
    return res


def _read_gold3(path: str | Path) -> list[tuple[str, str, str, str]]:
    return [(r[0], r[1], r[2], r[3]) for r in _tsv_rows(path, 4, "id, narrative, subnarrative, explanation", max_cols=4)]
