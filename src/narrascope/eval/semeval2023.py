"""SemEval-2023 Task 3 formats (persuasion techniques per paragraph, framing
per article) and its official metrics, plus the one table that maps the
SemEval-2020 PTC technique names to the 2023 names."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import Code, NarrascopeError

TECHNIQUES = [
    "Appeal_to_Authority", "Appeal_to_Popularity", "Appeal_to_Values", "Appeal_to_Fear-Prejudice", "Flag_Waving",
    "Causal_Oversimplification", "False_Dilemma-No_Choice", "Consequential_Oversimplification", "Straw_Man", "Red_Herring",
    "Whataboutism", "Slogans", "Appeal_to_Time", "Conversation_Killer", "Loaded_Language", "Repetition",
    "Exaggeration-Minimisation", "Obfuscation-Vagueness-Confusion", "Name_Calling-Labeling", "Doubt",
    "Guilt_by_Association", "Appeal_to_Hypocrisy", "Questioning_the_Reputation",
]
FRAMES = [
    "Economic", "Capacity_and_resources", "Morality", "Fairness_and_equality", "Legality_Constitutionality_and_jurisprudence",
    "Policy_prescription_and_evaluation", "Crime_and_punishment", "Security_and_defense", "Health_and_safety",
    "Quality_of_life", "Cultural_identity", "Public_opinion", "Political", "External_regulation_and_reputation",
]

# SemEval-2020 Task 11 (PTC) names -> SemEval-2023 Task 3 names. Note the
# commas inside "Name_Calling,Labeling" and friends. Two 2020 classes merge
# techniques that 2023 keeps apart; they map to None (not used for training).
TECHNIQUES_2020_TO_2023: dict[str, str | None] = {
    "Appeal_to_Authority": "Appeal_to_Authority",
    "Appeal_to_fear-prejudice": "Appeal_to_Fear-Prejudice",
    "Bandwagon,Reductio_ad_hitlerum": None,  # Appeal_to_Popularity or Guilt_by_Association
    "Black-and-White_Fallacy": "False_Dilemma-No_Choice",
    "Causal_Oversimplification": "Causal_Oversimplification",
    "Doubt": "Doubt",
    "Exaggeration,Minimisation": "Exaggeration-Minimisation",
    "Flag-Waving": "Flag_Waving",
    "Loaded_Language": "Loaded_Language",
    "Name_Calling,Labeling": "Name_Calling-Labeling",
    "Repetition": "Repetition",
    "Slogans": "Slogans",
    "Thought-terminating_Cliches": "Conversation_Killer",
    "Whataboutism,Straw_Men,Red_Herring": None,  # Whataboutism, Straw_Man or Red_Herring
}

# Known misspellings in the official 2023 training files.
_FIXES = {"Appeal_to_Fear-Prejudi-čce": "Appeal_to_Fear-Prejudice"}


def normalize_technique(name: str) -> str | None:
    """2023 name for a 2023 or 2020 label (None: an ambiguous merged 2020 class)."""
    name = name.strip()
    name = _FIXES.get(name, name)
    return TECHNIQUES_2020_TO_2023[name] if name in TECHNIQUES_2020_TO_2023 else name


def split_2020_labels(field: str) -> list[str]:
    """A 2020 label field is one name even when it contains commas."""
    return [field.strip()] if field.strip() else []


def read_paragraph_labels(path: str | Path) -> dict[tuple[str, int], list[str]]:
    """``article_id<TAB>paragraph_no<TAB>t1,t2`` (third column may be empty)."""
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "file not found", input=str(p))
    out: dict[tuple[str, int], list[str]] = {}
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 2 or len(cols) > 3 or not cols[1].strip().isdigit():
            raise NarrascopeError(Code.BAD_SEMEVAL, "expected article_id<TAB>paragraph_no<TAB>techniques", input=str(p), locator=f"line {i}")
        labels = [normalize_technique(x) for x in cols[2].split(",") if x.strip()] if len(cols) == 3 else []
        out[(cols[0], int(cols[1]))] = list(dict.fromkeys(x for x in labels if x))
    return out


def read_template(path: str | Path) -> list[tuple[str, int, str]]:
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "template not found", input=str(p))
    rows = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split("\t", 2)
        if len(cols) < 2 or not cols[1].isdigit():
            raise NarrascopeError(Code.BAD_SEMEVAL, "expected article_id<TAB>paragraph_no<TAB>text", input=str(p), locator=f"line {i}")
        rows.append((cols[0], int(cols[1]), cols[2] if len(cols) > 2 else ""))
    return rows


def write_paragraph_labels(path: str | Path, rows: Iterable[tuple[str, int, list[str]]]) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for art, par, labels in rows:
            fh.write(f"{art}\t{par}\t{','.join(labels)}\n")


def read_frames(path: str | Path) -> dict[str, list[str]]:
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "file not found", input=str(p))
    out = {}
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 2:
            raise NarrascopeError(Code.BAD_SEMEVAL, "expected article_id<TAB>frames", input=str(p), locator=f"line {i}")
        out[cols[0]] = [x.strip() for x in cols[1].split(",") if x.strip()]
    return out


def micro_macro_f1(gold: list[list[str]], pred: list[list[str]], classes: list[str]) -> tuple[float, float]:
    """As the official scorer: labels outside ``classes`` are ignored; macro
    uses zero_division=1 (a class never gold and never predicted scores 1)."""
    idx = {c: i for i, c in enumerate(classes)}
    G = np.zeros((len(gold), len(classes)), bool)
    P = np.zeros((len(pred), len(classes)), bool)
    for r, labs in enumerate(gold):
        for lab in labs:
            if lab in idx:
                G[r, idx[lab]] = True
    for r, labs in enumerate(pred):
        for lab in labs:
            if lab in idx:
                P[r, idx[lab]] = True
    tp = (G & P).sum(axis=0).astype(float)
    fp = (~G & P).sum(axis=0).astype(float)
    fn = (G & ~P).sum(axis=0).astype(float)
    denom = 2 * tp + fp + fn
    per = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 1.0)
    micro_den = 2 * tp.sum() + fp.sum() + fn.sum()
    micro = 2 * tp.sum() / micro_den if micro_den > 0 else 1.0
    return float(micro), float(per.mean())


def score_paragraphs(gold_path: str | Path, pred_path: str | Path, classes: list[str] | None = None) -> dict[str, float]:
    gold, pred = read_paragraph_labels(gold_path), read_paragraph_labels(pred_path)
    if set(gold) != set(pred):
        raise NarrascopeError(Code.BAD_SEMEVAL, f"paragraph ids differ: {len(set(gold) - set(pred))} missing, {len(set(pred) - set(gold))} extra",
                              input=str(pred_path), hint="predict exactly the template's paragraphs")
    keys = sorted(gold)
    classes = classes or TECHNIQUES
    # As the official scorer, a prediction naming a technique outside the list is refused, not ignored.
    bad = [(k, lab) for k in keys for lab in pred[k] if lab not in classes]
    if bad:
        (art, par), lab = bad[0]
        raise NarrascopeError(Code.BAD_SEMEVAL, f"{len(bad)} predicted label(s) are not techniques of the task, first "
                              f"'{lab}' (article {art}, paragraph {par})", input=str(pred_path),
                              hint=f"use the names of the 23 techniques: {', '.join(classes)}")
    micro, macro = micro_macro_f1([gold[k] for k in keys], [pred[k] for k in keys], classes)
    return {"paragraphs": len(keys), "micro_f1": micro, "macro_f1": macro}
