"""Library import and claim matching over a store: what the CLI, the API
and the claims stage call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..embed import get_embedder
from ..errors import NarrascopeError
from ..ingest.base import ReadFailure
from .library import LibraryEntry, RecordFields, read_library


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[NarrascopeError] = field(default_factory=list)


def import_library(store: object, paths: list[Path], fmt: str = "auto", fields: RecordFields | None = None,
                   narratives: list[str] | None = None, embedder: str = "use", batch: int = 256,
                   progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import entries; re-importing the same content changes nothing."""
    emb = get_embedder(embedder)
    rep = ImportReport()
    pending: list[LibraryEntry] = []

    def flush() -> None:
        if not pending:
            return
        texts = [p.text for e in pending for p in e.passages]
        V = emb.encode(texts)
        vecs, i = [], 0
        for e in pending:
            vecs.append(V[i : i + len(e.passages)])
            i += len(e.passages)
        store.library_upsert(pending, vecs, emb.name)  # type: ignore[attr-defined]
        if progress:
            progress(len(pending))
        pending.clear()

    for path in paths:
        try:
            items = list(read_library(Path(path), fmt, fields, narratives))
        except NarrascopeError as e:
            items = [ReadFailure(e)]
        for item in items:
            if isinstance(item, ReadFailure):
                rep.failed += 1
                rep.errors.append(item.error)
                continue
            old = store.library_hash(item.id)  # type: ignore[attr-defined]
            if old == item.content_hash():
                rep.unchanged += 1
                continue
            if old is None:
                rep.added += 1
            else:
                rep.updated += 1
            if any(e.id == item.id for e in pending):  # same id twice in one import: last wins
                pending[:] = [e for e in pending if e.id != item.id]
            pending.append(item)
            if len(pending) >= batch:
                flush()
    flush()
    if rep.added or rep.updated:
        build_index(store)
    return rep


def build_index(store: object) -> bool:
    """(Re)build the stored IVF index when the library is large enough to need one."""
    from .ivf import IVF
    from .matcher import IVF_MIN

    rows, vecs, models = store.library_passages()  # type: ignore[attr-defined]
    if len(rows) < IVF_MIN or len(models) != 1:
        return False
    ivf = IVF(vecs)
    store.library_index_save(next(iter(models)), ivf.C, ivf.assign)  # type: ignore[attr-defined]
    return True

