"""Storage backends."""

from __future__ import annotations

from pathlib import Path

from .base import ArticleFilter, Store, WriteBatch
from .sqlite import SQLiteStore


def open_store(path: str | Path, readonly: bool = False) -> Store:
    """Open the store at ``path`` (a SQLite file; postgresql:// URLs later)."""
    return SQLiteStore(path, readonly=readonly)


__all__ = ["ArticleFilter", "Store", "WriteBatch", "SQLiteStore", "open_store"]
