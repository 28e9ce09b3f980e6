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


def span_sums(gold: Iterable[Span], pred: Iterable[Span], by_technique: bool = True) -> tuple[float, float, int, int]:
    """One article's share of the score: the precision and recall numerators
    and the numbers of predicted and gold spans (sums over articles, or over
    techniques, give span_prf's)."""
    g, p = merge_spans(gold, by_technique), merge_spans(pred, by_technique)
    by_t: dict[str, list[tuple[int, int]]] = {}
    for t, gs, ge in g:
        by_t.setdefault(t, []).append((gs, ge))
    p_num = r_num = 0.0
    for t, ps, pe in p:
        for gs, ge in by_t.get(t, ()):
            if gs < pe and ps < ge:
                inter = min(pe, ge) - max(ps, gs)
                p_num += inter / (pe - ps)
                r_num += inter / (ge - gs)
    return p_num, r_num, len(p), len(g)


def prf_from_sums(p_num: float, r_num: float, n_pred: int, n_gold: int) -> dict[str, float]:
    prec = p_num / n_pred if n_pred else 0.0
    rec = r_num / n_gold if n_gold else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec > 0 and rec > 0 else (1.0 if not n_pred and not n_gold else 0.0)
    return {"precision": prec, "recall": rec, "f1": f1, "predicted": n_pred, "gold": n_gold}


def span_prf(gold: Mapping[str, Iterable[Span]], pred: Mapping[str, Iterable[Span]], by_technique: bool = True) -> dict[str, float]:
    """Precision, recall and F1 over all articles (keys: article ids)."""
    sums = [span_sums(gold.get(art, ()), pred.get(art, ()), by_technique) for art in set(gold) | set(pred)]
    return prf_from_sums(sum(x[0] for x in sums), sum(x[1] for x in sums), sum(x[2] for x in sums), sum(x[3] for x in sums))
