"""Training data from SemEval-2023 Task 3 folders (one per language)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import Code, NarrascopeError
from ..eval.semeval2023 import FRAMES, TECHNIQUES, read_frames, read_paragraph_labels

LANGS = ("en", "fr", "ge", "it", "po", "ru")


def _article_lines(folder: Path, art: str) -> list[str]:
    p = folder / f"article{art}.txt"
    return p.read_text(encoding="utf-8").split("\n") if p.exists() else []


def technique_paragraphs(root: Path, langs: tuple[str, ...] = LANGS, offsets: list[tuple[int, int]] | None = None
                         ) -> tuple[list[str], np.ndarray, list[str], list[str]]:
    """(paragraph texts, label matrix, article groups, languages); ``offsets``,
    if given, receives each paragraph's (start, end) in its article file."""
    texts: list[str] = []
    rows: list[list[str]] = []
    groups: list[str] = []
    lng: list[str] = []
    for lang in langs:
        lab = root / lang / "train-labels-subtask-3.txt"
        if not lab.exists():
            continue
        cache: dict[str, list[str]] = {}
        for (art, par), labels in read_paragraph_labels(lab).items():
            lines = cache.setdefault(art, _article_lines(root / lang / "train-articles-subtask-3", art))
            if par - 1 >= len(lines) or not lines[par - 1].strip():
                continue
            texts.append(lines[par - 1].strip())
            rows.append(labels)
            groups.append(f"{lang}/{art}")
            lng.append(lang)
            if offsets is not None:
                start = sum(len(x) + 1 for x in lines[: par - 1])
                offsets.append((start, start + len(lines[par - 1])))
    if not texts:
        raise NarrascopeError(Code.BAD_SEMEVAL, "no SemEval-2023 subtask-3 training paragraphs", input=str(root))
    Y = np.array([[t in r for t in TECHNIQUES] for r in rows], np.float32)
    return texts, Y, groups, lng


def frame_articles(root: Path, langs: tuple[str, ...] = LANGS) -> tuple[list[str], np.ndarray, list[str], list[str]]:
    texts: list[str] = []
    rows: list[list[str]] = []
    groups: list[str] = []
    lng: list[str] = []
    for lang in langs:
        lab = root / lang / "train-labels-subtask-2.txt"
        if not lab.exists():
            continue
        for art, labels in read_frames(lab).items():
            p = root / lang / "train-articles-subtask-2" / f"article{art}.txt"
            if not p.exists():
                continue
            texts.append(p.read_text(encoding="utf-8")[:20000])
            rows.append(labels)
            groups.append(f"{lang}/{art}")
            lng.append(lang)
    if not texts:
        raise NarrascopeError(Code.BAD_SEMEVAL, "no SemEval-2023 subtask-2 training articles", input=str(root))
    Y = np.array([[f in r for f in FRAMES] for r in rows], np.float32)
    return texts, Y, groups, lng
