"""Span-level scoring of persuasion-technique spans, as the SemEval-2020
Task 11 scorer defines it: every predicted span earns the share of its
characters covered by each gold span of the same technique (precision), every
gold span the share of its characters covered by each predicted span
(recall); sums are divided by the number of predicted and gold spans.
Overlapping spans of one technique are merged first. ``by_technique=False``
is the technique-agnostic span-identification (SI) score."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Span = tuple[str, int, int]  # (technique, start, end), end exclusive


def merge_spans(spans: Iterable[Span], by_technique: bool = True) -> list[Span]:
    groups: dict[str, list[list[int]]] = {}
    for t, s, e in sorted(((t if by_technique else "*", s, e) for t, s, e in spans if e > s), key=lambda x: (x[0], x[1])):
        cur = groups.setdefault(t, [])
        if cur and s <= cur[-1][1]:
            cur[-1][1] = max(cur[-1][1], e)
        else:
            cur.append([s, e])
    return [(t, s, e) for t, ranges in groups.items() for s, e in ranges]


def span_prf(gold: Mapping[str, Iterable[Span]], pred: Mapping[str, Iterable[Span]], by_technique: bool = True) -> dict[str, float]:
    """Precision, recall and F1 over all articles (keys: article ids)."""
    p_num = r_num = 0.0
    n_pred = n_gold = 0
    for art in set(gold) | set(pred):
        g = merge_spans(gold.get(art, ()), by_technique)
        p = merge_spans(pred.get(art, ()), by_technique)
        n_gold += len(g)
        n_pred += len(p)
        by_t: dict[str, list[tuple[int, int]]] = {}
        for t, gs, ge in g:
            by_t.setdefault(t, []).append((gs, ge))
        for t, ps, pe in p:
            for gs, ge in by_t.get(t, ()):
                if gs < pe and ps < ge:
                    inter = min(pe, ge) - max(ps, gs)
                    p_num += inter / (pe - ps)
                    r_num += inter / (ge - gs)
    prec = p_num / n_pred if n_pred else 0.0
    rec = r_num / n_gold if n_gold else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec > 0 and rec > 0 else (1.0 if not n_pred and not n_gold else 0.0)
    return {"precision": prec, "recall": rec, "f1": f1, "predicted": n_pred, "gold": n_gold}
