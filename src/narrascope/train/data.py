"""Labelled documents for training: SemEval folders or the user's JSONL."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Code, NarrascopeError
from ..taxonomy import OTHER, Taxonomy, parent_of


@dataclass
class LabelledDoc:
    id: str
    lang: str
    text: str
    sentences: list[str]
    coarse: list[str]
    fine: list[str]
    meta: dict[str, object] = field(default_factory=dict)


def semeval_docs(folders: list[Path]) -> list[LabelledDoc]:
    """Documents with subtask-2 gold from SemEval-2025 language folders."""
    from ..api import read

    out: list[LabelledDoc] = []
    for folder in folders:
        for a in read([folder], errors="skip"):
            g = a.gold.get("semeval2025", {})
            if not g.get("narratives"):
                continue  # annotated for other subtasks only: not "Other"
            out.append(LabelledDoc(
                id=f"{folder.name}/{a.external_id}", lang=a.language or folder.name.lower(), text=a.clean_text,
                sentences=a.sentence_texts(), coarse=list(g["narratives"]), fine=list(g["subnarratives"]),
            ))
    if not out:
        raise NarrascopeError(Code.BAD_SEMEVAL, "no documents with subtask-2 annotations", input=", ".join(map(str, folders)))
    return out


def jsonl_docs(path: Path, taxonomies: list[Taxonomy], text_field: str = "text", labels_field: str = "labels") -> list[LabelledDoc]:
    """JSONL with ``{"text": ..., "title": ..., "labels": [...]}``; labels are
    coarse or fine label strings of the taxonomies (a fine label implies its
    narrative). Unknown labels are errors naming the line."""
    from ..api import analyze_text

    known_c = {l for t in taxonomies for l in t.coarse_labels()}
    known_f = {l for t in taxonomies for l in t.fine_labels()}
    out: list[LabelledDoc] = []
    if not path.exists():
        raise NarrascopeError(Code.NOT_FOUND, "training data not found", input=str(path))
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise NarrascopeError(Code.BAD_JSON, f"invalid JSON: {e.msg}", input=str(path), locator=f"line {i}") from e
        if not isinstance(rec, dict) or not isinstance(rec.get(text_field), str):
            raise NarrascopeError(Code.MISSING_FIELD, f"no '{text_field}' text", input=str(path), locator=f"line {i}")
        labels = rec.get(labels_field) or []
        if isinstance(labels, str):
            labels = [x.strip() for x in labels.split(";") if x.strip()]
        coarse: set[str] = set()
        fine: set[str] = set()
        for lab in labels:
            if lab == OTHER:
                continue
            if lab in known_f:
                fine.add(lab)
                coarse.add(parent_of(lab))
            elif lab in known_c:
                coarse.add(lab)
            else:
                close = difflib.get_close_matches(lab, sorted(known_c | known_f), n=1, cutoff=0.8)
                ids = ", ".join(t.id for t in taxonomies)
                raise NarrascopeError(Code.TAXONOMY, f"label '{lab}' is not in the taxonomy" + (f" (did you mean '{close[0]}'?)" if close else ""),
                                      input=str(path), locator=f"line {i}",
                                      hint=f"use a label of the taxonomy ({ids}; `narrascope taxonomy show FILE` lists "
                                           "them), or add the label to the taxonomy file")
        for c in coarse:
            if not any(parent_of(f) == c for f in fine):
                fine.add(f"{c}: {OTHER}")
        art = analyze_text(rec[text_field], rec.get("title"), stages=[])
        out.append(LabelledDoc(
            id=str(rec.get("id", i)), lang=art.language or "und", text=art.clean_text, sentences=art.sentence_texts(),
            coarse=sorted(coarse) or [OTHER], fine=sorted(fine) or [OTHER],
        ))
    if not out:
        raise NarrascopeError(Code.EMPTY, "no training documents", input=str(path))
    if all(d.coarse == [OTHER] for d in out):
        raise NarrascopeError(Code.TAXONOMY, f"none of the {len(out)} documents carries a label of the taxonomy (all are Other)",
                              input=str(path), hint="label documents with the taxonomy's narratives (`narrascope taxonomy show "
                                                    "FILE` lists them): a model trained on Other alone can only say Other")
    return out
