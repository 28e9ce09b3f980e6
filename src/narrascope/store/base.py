"""The storage interface. SQLite implements it; a PostgreSQL backend can
follow behind the same methods."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

import numpy as np

from ..article import Article, StageResult
from ..errors import NarrascopeError


@dataclass
class ArticleFilter:
    language: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None  # substring of title or text
    duplicates: str = "include"  # include | exclude | only
    stage: str | None = None  # only articles that have this stage's result
    ids: list[str] | None = None
    limit: int | None = None
    offset: int = 0
    narrative: str | None = None  # a predicted narrative or subnarrative label, or its beginning
    entity: str | None = None  # an entity name (case-insensitive substring) ...
    role: str | None = None  # ... or any entity, cast in this main role
    homoglyphs: bool = False  # only articles with words mixing Latin and Cyrillic look-alikes (meta.homoglyphs)


@dataclass
class WriteBatch:
    """Everything one ingest batch writes, in one transaction."""

    articles: list[Article] = field(default_factory=list)
    signatures: dict[str, np.ndarray] = field(default_factory=dict)
    seen: list[tuple[str, str | None, str]] = field(default_factory=list)  # raw_hash, id, status
    settings: dict[str, str] = field(default_factory=dict)  # corpus settings recorded with the batch (kept if already set)

    def __len__(self) -> int:
        return len(self.articles) + len(self.seen)


class Store(ABC):
    path: str

    @abstractmethod
    def close(self) -> None: ...

    # ingest
    @abstractmethod
    def seen(self, raw_hash: str) -> tuple[str | None, str] | None: ...

    @abstractmethod
    def exists(self, article_id: str) -> bool: ...

    @abstractmethod
    def near_duplicate(self, sig: np.ndarray, threshold: float) -> tuple[str, float] | None: ...

    @abstractmethod
    def write_batch(self, batch: WriteBatch) -> None: ...

    @abstractmethod
    def setting(self, key: str) -> str | None:
        """A setting the corpus is bound to (``dedup.shingle``), None if unset."""

    # results
    @abstractmethod
    def save_results(self, items: list[tuple[str, StageResult]]) -> None: ...

    @abstractmethod
    def missing_results(self, stage: str, version: str, ids: list[str] | None = None, model: str | None = None) -> list[str]:
        """Ids of articles without a result of this stage version and model."""

    # reading
    @abstractmethod
    def get(self, article_id: str) -> Article: ...

    @abstractmethod
    def resolve_id(self, prefix: str) -> str: ...

    @abstractmethod
    def articles(self, flt: ArticleFilter | None = None, full: bool = True) -> Iterator[Article]: ...

    @abstractmethod
    def count(self, flt: ArticleFilter | None = None) -> int: ...

    @abstractmethod
    def stats(self) -> dict[str, Any]: ...

    # runs and failures
    @abstractmethod
    def start_run(self, command: str) -> int: ...

    @abstractmethod
    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None: ...

    @abstractmethod
    def record_failure(self, run_id: int | None, error: NarrascopeError, stage: str | None = None, article_id: str | None = None) -> None: ...

    @abstractmethod
    def failures(self, limit: int = 100) -> list[dict[str, Any]]: ...

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
