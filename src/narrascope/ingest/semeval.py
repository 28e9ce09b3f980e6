"""SemEval-2025 Task 10 language folders: documents plus gold annotations.

A folder such as ``train/EN`` holds ``raw-documents/*.txt`` and the
``subtask-{1,2,3}-annotations.txt`` files; the unlabeled test release holds
``subtask-2-documents/`` (or ``subtask-1-documents/``). Gold labels are
attached to each document so evaluation and training can read them back.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import Code, NarrascopeError
from ..eval.roles import align_mention
from .base import ReadFailure, ReadStream
from .options import ReadOptions
from .plaintext import read_text

DOC_DIRS = ("raw-documents", "subtask-2-documents", "subtask-1-documents")
LANGS = {"EN": "en", "BG": "bg", "HI": "hi", "PT": "pt", "RU": "ru"}


def is_semeval_folder(path: Path) -> bool:
    return path.is_dir() and any((path / d).is_dir() for d in DOC_DIRS)


def split_labels(field: str) -> list[str]:
    """Labels in one annotation field, ';'-separated; de-duplicated, in order."""
    out: list[str] = []
    for x in field.split(";"):
        x = x.strip()
        if x and x not in out:
            out.append(x)
    return out


def read_annotations(folder: Path) -> tuple[dict[str, dict[str, Any]], list[NarrascopeError]]:
    gold: dict[str, dict[str, Any]] = defaultdict(dict)
    errors: list[NarrascopeError] = []

    def lines(name: str) -> list[tuple[int, list[str]]]:
        p = folder / name
        if not p.exists():
            return []
        return [(i, ln.rstrip("\n").split("\t")) for i, ln in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if ln.strip()]

    for i, cols in lines("subtask-2-annotations.txt"):
        if len(cols) < 3:
            errors.append(NarrascopeError(Code.BAD_SEMEVAL, "expected id, narratives, subnarratives", input=str(folder / "subtask-2-annotations.txt"), locator=f"line {i}"))
            continue
        gold[cols[0]]["narratives"] = split_labels(cols[1])
        gold[cols[0]]["subnarratives"] = split_labels(cols[2])
    for i, cols in lines("subtask-1-annotations.txt"):
        if len(cols) < 6 or not cols[2].isdigit() or not cols[3].isdigit():
            errors.append(NarrascopeError(Code.BAD_SEMEVAL, "expected id, mention, start, end, main role, fine roles", input=str(folder / "subtask-1-annotations.txt"), locator=f"line {i}"))
            continue
        gold[cols[0]].setdefault("entities", []).append(
            # The official end offset is inclusive; narrascope spans are
            # half-open [start, end) like Python slices.
            {"mention": cols[1], "start": int(cols[2]), "end": int(cols[3]) + 1, "main_role": cols[4], "fine_roles": [c for c in cols[5:] if c]}
        )
    for i, cols in lines("subtask-3-annotations.txt"):
        if len(cols) < 4:
            errors.append(NarrascopeError(Code.BAD_SEMEVAL, "expected id, dominant narrative, subnarrative, explanation", input=str(folder / "subtask-3-annotations.txt"), locator=f"line {i}"))
            continue
        gold[cols[0]]["dominant"] = {"narrative": cols[1], "subnarrative": cols[2], "explanation": cols[3]}
    return dict(gold), errors


def _aligned(gold: dict[str, Any], text: str) -> dict[str, Any]:
    """Gold entity offsets onto the text as read: the official offsets count
    the CR of CRLF files, which reading drops, and some are a few characters
    off (the same realignment as training, eval.roles.align_mention)."""
    if not gold.get("entities"):
        return gold
    ents = []
    for e in gold["entities"]:
        s, t = align_mention(text, e["mention"], e["start"], e["end"])
        ents.append({**e, "start": s, "end": t})
    return {**gold, "entities": ents}


def read_semeval(folder: Path, opts: ReadOptions) -> ReadStream:
    docs_dir = next((folder / d for d in DOC_DIRS if (folder / d).is_dir()), None)
    if docs_dir is None:
        raise NarrascopeError(Code.BAD_SEMEVAL, "no raw-documents/ folder", input=str(folder))
    gold, errors = read_annotations(folder)
    for e in errors:
        yield ReadFailure(e)
    lang = LANGS.get(folder.name.upper())
    files = sorted(p for p in docs_dir.glob("*.txt") if p.is_file())
    if not files:
        raise NarrascopeError(Code.BAD_SEMEVAL, f"no .txt documents in {docs_dir.name}/", input=str(folder))
    for p in files:
        try:
            doc = read_text(p, opts)
        except NarrascopeError as e:
            yield ReadFailure(e)
            continue
        doc.source = f"semeval2025:{folder.name}"
        doc.language = lang
        if p.name in gold:
            doc.gold = {"semeval2025": _aligned(gold[p.name], doc.text)}
        doc.meta["domain"] = "URW" if "_UA_" in p.name or "_URW_" in p.name else ("CC" if "_CC_" in p.name else None)
        yield doc
