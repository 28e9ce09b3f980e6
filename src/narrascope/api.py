"""The typed Python API. The CLI and the REST API are thin layers over it.

    >>> import narrascope as ns
    >>> with ns.Corpus("corpus.db") as corpus:          # doctest: +SKIP
    ...     report = corpus.analyze(["article.txt"])
    ...     art = corpus.get(report.article_ids[0])
"""

from __future__ import annotations

import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from .article import Article, content_id
from .config import Settings, default_db_path, load_settings
from .export import export as _export
from .ingest.base import ReadFailure
from .ingest.options import FieldMap, ReadOptions
from .ingest.readers import read_sources
from .pipeline import Pipeline, RunReport, run_stage, to_article
from .progress import progress as _progress
from .stages.registry import build
from .store import ArticleFilter, Store, open_store


class Corpus:
    """A stored corpus: ingest, analyse, query, export."""

    def __init__(self, db: str | Path | None = None, settings: Settings | None = None,
                 config: str | Path | None = None, readonly: bool = False) -> None:
        self.settings = settings or load_settings(config)
        self.db = Path(db) if db else (self.settings.db or default_db_path())
        self.store: Store = open_store(self.db, readonly=readonly)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Corpus":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------

    def ingest(self, sources: str | Path | Iterable[str | Path], *, fields: FieldMap | None = None, glob: str | None = None,
               recursive: bool = True, show_progress: bool = False, command: str | None = None) -> RunReport:
        """Read, clean and store articles. Idempotent and resumable."""
        return self._run(sources, fields, glob, recursive, show_progress, command, analysis=[], null=set(), redo=False)

    def analyze(self, sources: str | Path | Iterable[str | Path] | None = None, *, stages: list[str] | None = None,
                null: set[str] | None = None, redo: bool = False, fields: FieldMap | None = None,
                glob: str | None = None, recursive: bool = True, show_progress: bool = False,
                command: str | None = None) -> RunReport:
        """Ingest ``sources`` (if any) and run the analysis stages on them, or
        on every stored article lacking current results when no source is given."""
        return self._run(sources, fields, glob, recursive, show_progress, command, analysis=stages, null=null or set(), redo=redo, analyse=True)

    def _run(self, sources: str | Path | Iterable[str | Path] | None, fields: FieldMap | None, glob: str | None, recursive: bool,
             show: bool, command: str | None, analysis: list[str] | None, null: set[str], redo: bool,
             analyse: bool = False) -> RunReport:
        if isinstance(sources, (str, Path)):  # one source, not the characters of its name ("/" among them)
            sources = [sources]
        srcs = [str(s) for s in sources] if sources is not None else []
        run_id = self.store.start_run(command or ("analyze " if analyse else "ingest ") + " ".join(map(shlex.quote, srcs)))
        report = RunReport()
        status = "failed"
        try:
            pipe = Pipeline(self.settings, self.store, analysis=analysis, null=null, run_id=run_id)
            if srcs:
                opts = ReadOptions(ingest=self.settings.ingest, fields=fields or FieldMap(), glob=glob, recursive=recursive)
                with _progress("ingest", enabled=show) as bar:
                    pipe.ingest(read_sources(srcs, opts), report, bar)
            if analyse and pipe.analysis:
                ids = list(dict.fromkeys(report.article_ids)) if srcs else None
                with _progress("analyze", enabled=show) as bar:
                    pipe.analyse(ids, report, bar, redo=redo)
            status = "done"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            try:
                self.store.finish_run(run_id, status, report.as_dict())
            except Exception:  # noqa: BLE001 - never hide the original error
                pass
        return report

    # -- reading ----------------------------------------------------------------

    def get(self, article_id: str) -> Article:
        """An article by id, unique id prefix, or external id."""
        return self.store.get(article_id)

    def articles(self, *, language: str | None = None, source: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, search: str | None = None, duplicates: str = "include",
                 stage: str | None = None, narrative: str | None = None, entity: str | None = None, role: str | None = None,
                 homoglyphs: bool = False, limit: int | None = None, offset: int = 0, full: bool = True) -> Iterator[Article]:
        """Stored articles, filtered; ``narrative`` matches predicted
        narrative or subnarrative labels by their beginning ("URW: Discrediting
        Ukraine"), ``entity``/``role`` the entities and their main roles
        (``entity`` alone also matches entities the article names without
        casting them in a role); ``homoglyphs`` keeps the articles whose
        text mixed Latin and Cyrillic look-alikes (see ``text.fold_homoglyphs``)."""
        flt = ArticleFilter(language=language, source=source, since=since, until=until, search=search, duplicates=duplicates,
                            stage=stage, narrative=narrative, entity=entity, role=role, homoglyphs=homoglyphs, limit=limit,
                            offset=offset)
        return self.store.articles(flt, full=full)

    def count(self, **filters: Any) -> int:
        return self.store.count(ArticleFilter(**filters))

    def stats(self) -> dict[str, Any]:
        return self.store.stats()

    def failures(self, limit: int = 100) -> list[dict[str, Any]]:
        return self.store.failures(limit)

    def export(self, out: str | Path | None, format: str = "jsonl", **filters: Any) -> int:
        return _export(self.articles(**filters), format, out)


def read(sources: str | Path | Iterable[str | Path], *, settings: Settings | None = None, fields: FieldMap | None = None,
         glob: str | None = None, errors: str = "raise") -> Iterator[Article]:
    """Read and prepare articles without storing them: ``sources`` is one
    path or URL, or several.

    ``errors='raise'`` raises the first coded error; ``'skip'`` drops bad
    inputs (and reports them on stderr).
    """
    if isinstance(sources, (str, Path)):  # one source, not the characters of its name
        sources = [sources]
    settings = settings or load_settings()
    opts = ReadOptions(ingest=settings.ingest, fields=fields or FieldMap(), glob=glob)
    prepare = build("prepare", settings)
    for item in read_sources([str(s) for s in sources], opts):
        if isinstance(item, ReadFailure):
            if errors == "raise":
                raise item.error
            print(str(item.error), file=sys.stderr)
            continue
        ok = [to_article(item)]
        for st in prepare:
            ok, failed = run_stage(st, ok)
            if failed and errors == "raise":
                raise failed[0][1]
        for a in ok:
            a.id = content_id(a.clean_text)
            yield a


def analyze_text(text: str, title: str | None = None, *, stages: list[str] | None = None,
                 settings: Settings | None = None) -> Article:
    """Analyse one text in memory (nothing stored): the quickest way in."""
    from .ingest.base import RawDocument

    settings = settings or load_settings()
    doc = RawDocument(text=text if title is None else f"{title}\n\n{text}", title_in_text=True, origin="<text>")
    ok = [to_article(doc)]
    for st in build("prepare", settings):
        ok, failed = run_stage(st, ok)
        if failed:
            raise failed[0][1]
    a = ok[0]
    a.id = content_id(a.clean_text)
    names = stages
    if names is None:
        from .stages.registry import specs

        names = [s.name for s in specs("analysis") if s.name not in settings.pipeline.disable]
    for st in build("analysis", settings, only=names) if names else []:
        _, failed = run_stage(st, [a])
        if failed:
            raise failed[0][1]
    return a
