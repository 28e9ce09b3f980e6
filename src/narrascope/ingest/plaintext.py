"""Plain-text files: first line is the title, as in SemEval documents."""

from __future__ import annotations

from pathlib import Path

from .base import RawDocument, read_text_file
from .options import ReadOptions


def read_text(path: Path, opts: ReadOptions) -> RawDocument:
    text, enc = read_text_file(path, opts.ingest.max_file_mb, opts.ingest.encoding)
    return RawDocument(
        text=text,
        format="text",
        origin=str(path),
        title_in_text=True,
        source=path.parent.name or None,
        external_id=path.name,
        meta={"encoding": enc},
    )
