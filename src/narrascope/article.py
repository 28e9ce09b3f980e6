"""The data that flows: an Article, its spans, and stage results."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Span(BaseModel):
    """A character span [start, end) in an article's clean text."""

    model_config = ConfigDict(frozen=True)
    start: int
    end: int

    def text(self, article: "Article") -> str:
        return article.clean_text[self.start : self.end]


class StageResult(BaseModel):
    """What one stage assigned to one article, with provenance."""

    stage: str
    version: str
    model: str | None = None  # id of the trained artifact, if any
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class Article(BaseModel):
    """One news article.

    ``clean_text`` begins with the title paragraph (when there is a title),
    as SemEval documents do, so every stage reads one string and every span
    indexes it. ``offset_map`` maps clean offsets back to ``raw_text`` for
    the parts of the clean text that were copied from it.
    """

    id: str = ""
    external_id: str | None = None  # the id the source gave (file name, JSON id)
    url: str | None = None
    source: str | None = None  # outlet / feed / file the article came from
    title: str | None = None
    published: datetime | None = None
    language: str | None = None
    language_score: float | None = None
    raw_text: str = ""
    raw_format: str = "text"  # text | html
    clean_text: str = ""
    sentences: list[Span] = Field(default_factory=list)
    offset_map: list[tuple[int, int, int]] = Field(default_factory=list)
    removed: list[dict[str, Any]] = Field(default_factory=list)  # boilerplate cut out
    duplicate_of: str | None = None
    duplicate_score: float | None = None
    origin: str | None = None  # input path/URL and locator
    meta: dict[str, Any] = Field(default_factory=dict)
    gold: dict[str, Any] = Field(default_factory=dict)  # reference labels (e.g. SemEval)
    results: dict[str, StageResult] = Field(default_factory=dict)

    def sentence_texts(self) -> list[str]:
        return [s.text(self) for s in self.sentences]

    def span_text(self, start: int, end: int) -> str:
        return self.clean_text[start:end]

    def to_raw(self, offset: int) -> int | None:
        """Map a clean-text offset to a raw-text offset (None if not copied)."""
        from .text import map_offset

        return map_offset(self.offset_map, offset)

    def to_clean(self, raw_offset: int) -> int | None:
        """Map a raw-text offset to a clean-text offset (None if cut out)."""
        from .text import map_offset_back

        return map_offset_back(self.offset_map, raw_offset)


def content_id(clean_text: str) -> str:
    """Stable id from content: the same article read twice gets the same id.

    Case and whitespace do not change it, so a re-scraped copy that differs
    only in spacing is the same row.
    """
    norm = " ".join(clean_text.lower().split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:20]
