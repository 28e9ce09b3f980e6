"""Narrative taxonomies: the bundled SemEval-2025 ones and the user's own."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import Code, NarrascopeError
from .model import OTHER, Narrative, Subnarrative, Taxonomy, is_other_sub, load_taxonomy_file, parent_of, parse_taxonomy

BUNDLED = {"URW": "urw.yaml", "CC": "cc.yaml"}


@lru_cache(maxsize=None)
def bundled(tax_id: str) -> Taxonomy:
    name = BUNDLED[tax_id]
    text = (resources.files("narrascope.taxonomy") / "data" / name).read_text(encoding="utf-8")
    import yaml

    return parse_taxonomy(yaml.safe_load(text), f"narrascope:{name}")


def load_taxonomy(ref: str | Path) -> Taxonomy:
    """A bundled taxonomy by id (URW, CC) or a YAML file."""
    s = str(ref)
    if s.upper() in BUNDLED and not Path(s).exists():
        return bundled(s.upper())
    if not Path(s).exists():
        raise NarrascopeError(Code.NOT_FOUND, f"no bundled taxonomy or file '{s}' (bundled: {', '.join(BUNDLED)})", input=s)
    return load_taxonomy_file(s)


def default_taxonomies() -> list[Taxonomy]:
    return [bundled(k) for k in BUNDLED]


__all__ = ["OTHER", "Narrative", "Subnarrative", "Taxonomy", "bundled", "default_taxonomies", "load_taxonomy",
           "is_other_sub", "load_taxonomy_file", "parent_of", "parse_taxonomy"]
