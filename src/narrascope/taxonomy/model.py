"""Taxonomies as data: domain -> narrative -> subnarrative.

Label strings follow SemEval-2025 Task 10: ``"URW: Discrediting Ukraine"``
for a narrative and ``"URW: Discrediting Ukraine: Ukraine is a puppet of the
West"`` for a subnarrative; every narrative also has ``"<narrative>: Other"``
(it is present, but none of its subnarratives fits), and a document with no
narrative of any taxonomy is ``"Other"``.

YAML schema (nested; a flat top-level ``subnarratives:`` list with
``parent:`` is accepted too)::

    id: ELX
    name: Elections
    description: Narratives about elections.
    narratives:
      - name: Fraud claims
        description: The election is claimed to be rigged.
        examples: ["The count was rigged."]
        subnarratives:
          - name: Postal votes are fake
            description: ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import Code, NarrascopeError

OTHER = "Other"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Subnarrative(_Strict):
    name: str
    description: str = ""
    examples: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("name is empty")
        if v == OTHER:
            raise ValueError("'Other' is implied for every narrative; do not list it")
        # Labels join names with ": " and SemEval files separate labels with ";"
        # and columns with tabs: such a name could not be read back.
        for bad, why in ((": ", "': ' joins a label's parts (write 'A - B' or 'A:B')"),
                         (";", "';' separates labels in SemEval files"), ("\t", "a tab separates columns"),
                         ("\n", "a line break ends a row")):
            if bad in v:
                raise ValueError(f"name '{v}' contains {bad!r}: {why}")
        return v


class Narrative(Subnarrative):
    subnarratives: list[Subnarrative] = Field(default_factory=list)


class FlatSubnarrative(Subnarrative):
    parent: str


class Taxonomy(_Strict):
    id: str = Field(..., description="Short prefix used in labels, e.g. URW.")
    name: str
    description: str = ""
    narratives: list[Narrative]

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        v = v.strip()
        if not v or ":" in v:
            raise ValueError("id must be a short non-empty prefix without ':'")
        return v

    # -- labels ---------------------------------------------------------------

    def coarse_labels(self) -> list[str]:
        return [f"{self.id}: {n.name}" for n in self.narratives]

    def fine_labels(self) -> list[str]:
        out = []
        for n in self.narratives:
            out += [f"{self.id}: {n.name}: {s.name}" for s in n.subnarratives]
            out.append(f"{self.id}: {n.name}: {OTHER}")
        return out

    def describe(self) -> dict[str, tuple[str, list[str]]]:
        """label -> (description, examples) for every coarse and fine label."""
        out: dict[str, tuple[str, list[str]]] = {}
        for n in self.narratives:
            c = f"{self.id}: {n.name}"
            out[c] = (n.description or n.name, n.examples + [e for s in n.subnarratives for e in s.examples])
            for s in n.subnarratives:
                out[f"{c}: {s.name}"] = (s.description or s.name, s.examples)
        return out


def parent_of(fine_label: str) -> str:
    """'URW: A: b' -> 'URW: A'. 'Other' stays 'Other'."""
    return fine_label if fine_label == OTHER else fine_label.rsplit(": ", 1)[0]


def is_other_sub(label: str) -> bool:
    """'URW: A: Other', a narrative without one of its subnarratives (not
    the bare 'Other' of a document without any narrative)."""
    return label.endswith(": " + OTHER)


def parse_taxonomy(data: Any, source: str) -> Taxonomy:
    if data is None or (isinstance(data, (dict, list, str)) and not data):
        raise NarrascopeError(Code.TAXONOMY, "taxonomy file is empty", input=source)
    if not isinstance(data, dict):
        raise NarrascopeError(Code.TAXONOMY, "a taxonomy must be a mapping with id, name and narratives", input=source)
    data = dict(data)
    flat = data.pop("subnarratives", None) or []
    try:
        tax = Taxonomy.model_validate(data)
        flat_subs = [FlatSubnarrative.model_validate(x) for x in flat]
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise NarrascopeError(Code.TAXONOMY, f"invalid taxonomy at '{loc}': {first['msg']}", input=source) from e
    by_name: dict[str, Narrative] = {}
    for n in tax.narratives:
        if n.name in by_name:
            raise NarrascopeError(Code.TAXONOMY, f"duplicate narrative '{n.name}'", input=source)
        by_name[n.name] = n
    for s in flat_subs:
        if s.parent not in by_name:
            raise NarrascopeError(
                Code.TAXONOMY, f"subnarrative '{s.name}' names unknown parent '{s.parent}' (narratives: {', '.join(by_name)})", input=source
            )
        by_name[s.parent].subnarratives.append(Subnarrative(name=s.name, description=s.description, examples=s.examples))
    for n in tax.narratives:
        seen: set[str] = set()
        for s in n.subnarratives:
            if s.name in seen:
                raise NarrascopeError(Code.TAXONOMY, f"duplicate subnarrative '{s.name}' under '{n.name}'", input=source)
            seen.add(s.name)
    if not tax.narratives:
        raise NarrascopeError(Code.TAXONOMY, "taxonomy has no narratives", input=source)
    return tax


def load_taxonomy_file(path: str | Path) -> Taxonomy:
    p = Path(path)
    if not p.exists():
        raise NarrascopeError(Code.NOT_FOUND, "taxonomy file not found", input=str(p))
    text = p.read_text(encoding="utf-8")
    if not text.strip():
        raise NarrascopeError(Code.TAXONOMY, "taxonomy file is empty", input=str(p))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise NarrascopeError(Code.TAXONOMY, f"not valid YAML{where}: {getattr(e, 'problem', e)}", input=str(p)) from e
    return parse_taxonomy(data, str(p))
