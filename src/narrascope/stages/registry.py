"""Where stages are found: built-in ones and plugins.

A plugin package registers a factory under the ``narrascope.stages``
entry-point group; the factory takes the Settings and returns a Stage (or a
:class:`StageSpec` for full control, with a null version).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Callable

from ..config import Settings
from ..errors import Code, NarrascopeError
from .base import INPUT_FIELDS, Stage
from .prepare import CleanStage, LanguageStage, NullClean, NullLanguage, NullSegment, SegmentStage

Factory = Callable[[Settings], Stage]


@dataclass
class StageSpec:
    name: str
    kind: str  # prepare | analysis
    factory: Factory
    null_factory: Factory
    description: str = ""
    order: int = 100  # analysis stages run in this order (dependencies first)


_SPECS: dict[str, StageSpec] = {}


def register(spec: StageSpec) -> None:
    _SPECS[spec.name] = spec


register(StageSpec("clean", "prepare", lambda s: CleanStage(s.ingest.strip_boilerplate), lambda s: NullClean(), CleanStage.description, 0))
register(StageSpec("language", "prepare", lambda s: LanguageStage(), lambda s: NullLanguage(), LanguageStage.description, 1))
register(StageSpec("segment", "prepare", lambda s: SegmentStage(), lambda s: NullSegment(), SegmentStage.description, 2))

_plugins_loaded = False


def _load_builtin_analysis() -> None:
    """Analysis stages shipped with narrascope register themselves on import."""
    import importlib

    for mod in ("narrascope.stages.builtin",):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    _load_builtin_analysis()
    for ep in entry_points(group="narrascope.stages"):
        obj = ep.load()
        if isinstance(obj, StageSpec):
            register(obj)
        else:
            factory = obj

            def _null(s: Settings, f: Factory = factory) -> Stage:
                st = f(s)
                return getattr(st, "null_version", lambda: st)()

            stage_cls_name = ep.name
            register(StageSpec(stage_cls_name, "analysis", factory, _null))


def specs(kind: str | None = None) -> list[StageSpec]:
    _load_plugins()
    out = [s for s in _SPECS.values() if kind is None or s.kind == kind]
    return sorted(out, key=lambda s: (s.kind != "prepare", s.order, s.name))


def build(kind: str, settings: Settings, only: list[str] | None = None, null: set[str] | frozenset[str] = frozenset()) -> list[Stage]:
    """Instantiate the stages of a kind, in order; ``null`` names get their
    null version. Unknown names raise NS402."""
    available = {s.name: s for s in specs(kind)}
    names = only if only is not None else [s.name for s in specs(kind)]
    unknown = [n for n in list(names) + list(null) if n not in available]
    if unknown:
        raise NarrascopeError(Code.UNKNOWN_STAGE, f"unknown {kind} stage(s): {', '.join(unknown)} (installed: {', '.join(available) or 'none'})")
    ordered = sorted(names, key=lambda n: (available[n].order, n))
    return [(available[n].null_factory if n in null else available[n].factory)(settings) for n in ordered]


def check_chain(stages: list[Stage], provided: frozenset[str] = INPUT_FIELDS) -> None:
    """Every stage's requirements must be met by the input or an earlier stage."""
    have = set(provided)
    for st in stages:
        missing = [r for r in st.requires if r not in have]
        if missing:
            raise NarrascopeError(
                Code.STAGE_REQUIREMENT,
                f"stage '{st.name}' requires {', '.join(missing)}, which no earlier stage assigns",
            )
        have.update(st.assigns)
