"""Stages: named, versioned steps an Article flows through.

A stage declares what it ``requires`` (Article fields or other stages'
results, as ``results.<name>``) and what it ``assigns``; the pipeline checks
the chain before it runs. ``predict`` computes without writing anything: the
pipeline hands the results to the store. Every stage has a null version with
the same name and output shape, for tests and for users who switch it off.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from ..article import Article, StageResult

# Fields every Article has once read from a source.
INPUT_FIELDS = frozenset({"raw_text", "title", "url", "source", "published", "external_id", "meta", "gold"})


class Stage(ABC):
    name: ClassVar[str]
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()
    # "prepare" stages fill Article fields at ingest; "analysis" stages add
    # results and are what `narrascope analyze` runs.
    kind: ClassVar[str] = "analysis"
    description: ClassVar[str] = ""
    null: ClassVar[bool] = False

    @property
    def model_id(self) -> str | None:
        """Id of the trained artifact behind the stage, stored with results."""
        return None

    def attach(self, store: Any) -> None:
        """Called with the corpus store before a run, for stages that read
        from it (the claims stage reads the library). Never for writing."""

    @abstractmethod
    def predict(self, article: Article) -> dict[str, Any] | None:
        """Compute this stage's output for one article.

        Analysis stages return their result data; prepare stages set fields
        on the article and return None.
        """

    def predict_batch(self, articles: list[Article]) -> list[dict[str, Any] | None]:
        """Batched prediction; override when batching is faster (models)."""
        return [self.predict(a) for a in articles]

    def result(self, data: dict[str, Any]) -> StageResult:
        return StageResult(stage=self.name, version=self.version, model=self.model_id, data=data)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}@{self.version}>"
