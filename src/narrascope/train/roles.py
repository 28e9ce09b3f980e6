"""Entity-framing training data (SemEval-2025 Task 10 subtask 1) and the
mention context the role classifier reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..eval.roles import FINE_ROLES, MAIN_ROLES, read_roles
from ..text import split_sentences


def mention_context(text: str, start: int, end: int, window: int = 1) -> str:
    """The mention, then its sentence (and ``window`` sentences around) with
    the mention marked: character n-grams then see who is said to do what."""
    spans = split_sentences(text)
    idx = next((i for i, (s, e) in enumerate(spans) if s <= start < e), None)
    if idx is None:
        s0, e0 = max(0, start - 300), min(len(text), end + 300)
    else:
        s0, e0 = spans[max(0, idx - window)][0], spans[min(len(spans) - 1, idx + window)][1]
    ctx = text[s0:start] + " [[" + text[start:end] + "]] " + text[end:e0]
    return f"{text[start:end]} :: {' '.join(ctx.split())}"


def semeval_mentions(root: Path) -> tuple[list[str], list[str], list[list[str]], list[str], list[str]]:
    """(contexts, main roles, fine roles, article groups, languages) from
    ``train/<LANG>/subtask-1-annotations.txt`` and the raw documents."""
    ctx: list[str] = []
    main: list[str] = []
    fine: list[list[str]] = []
    groups: list[str] = []
    langs: list[str] = []
    folders = [root] if (root / "raw-documents").is_dir() else sorted(p for p in root.iterdir() if (p / "raw-documents").is_dir())
    for folder in folders:
        ann = folder / "subtask-1-annotations.txt"
        if not ann.exists():
            continue
        cache: dict[str, str] = {}
        for (doc, mention, s, e), (m, f) in read_roles(ann).items():
            p = folder / "raw-documents" / doc
            if not p.exists():
                continue
            text = cache.setdefault(doc, p.read_text(encoding="utf-8"))
            start, end = int(s), int(e) + 1  # inclusive end in the file
            ctx.append(mention_context(text, start, end))
            main.append(m)
            fine.append([x for x in f if x in FINE_ROLES])
            groups.append(f"{folder.name}/{doc}")
            langs.append(folder.name.lower())
    return ctx, main, fine, groups, langs


def train_roles(root: Path, folds: int = 5, log: Callable[[str], None] = print) -> dict[str, Any]:
    from .multilabel import train_multilabel

    ctx, main, fine, groups, langs = semeval_mentions(root)
    log(f"{len(ctx)} mentions in {len(set(groups))} documents")
    Ym = np.array([[m == r for r in MAIN_ROLES] for m in main], np.float32)
    Yf = np.array([[r in f for r in FINE_ROLES] for f in fine], np.float32)
    mm = train_multilabel(ctx, Ym, MAIN_ROLES, groups, langs, folds=folds, log=log)
    mf = train_multilabel(ctx, Yf, FINE_ROLES, groups, langs, folds=folds, log=log)
    return {"main": mm, "fine": mf, "data": (ctx, main, fine, groups, langs)}
