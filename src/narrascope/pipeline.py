"""Running stages over articles: batching, progress, failure policy.

Stages predict; the pipeline collects results and hands them to the store
in batches. One article that makes a stage fail is recorded with its error
and skipped; the rest of its batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable

from .article import Article, content_id
from .config import Settings
from .errors import Code, NarrascopeError
from .ingest import dedup
from .ingest.base import RawDocument, ReadFailure, ReadItem
from .progress import Progress
from .stages.base import Stage
from .stages.registry import build, check_chain
from .store.base import Store, WriteBatch

log = logging.getLogger("narrascope")


@dataclass
class RunReport:
    read: int = 0
    added: int = 0
    existing: int = 0  # already stored (same content), nothing written
    near_duplicates: int = 0  # stored and linked to an original
    skipped_duplicates: int = 0  # not stored (dedup mode 'skip')
    failed: int = 0
    analysed: int = 0
    errors: list[NarrascopeError] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)  # every article the inputs map to

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("read", "added", "existing", "near_duplicates", "skipped_duplicates", "failed", "analysed")}


def raw_hash(doc: RawDocument) -> str:
    h = hashlib.sha256()
    for part in (doc.title or "", "\x00", doc.text):
        h.update(part.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def to_article(doc: RawDocument) -> Article:
    meta = dict(doc.meta)
    if doc.title_in_text:
        meta["_title_in_text"] = True  # consumed by the clean stage
    return Article(
        external_id=doc.external_id,
        url=doc.url,
        source=doc.source,
        title=doc.title,
        published=doc.published,
        language=doc.language,
        raw_text=doc.text,
        raw_format=doc.format,
        origin=doc.origin,
        meta=meta,
        gold=doc.gold,
    )


def run_stage(stage: Stage, articles: list[Article]) -> tuple[list[Article], list[tuple[Article, NarrascopeError]]]:
    """Run one stage on a batch. If the batch fails, retry article by
    article so only the culprit is dropped."""
    def failure(a: Article, e: Exception) -> tuple[Article, NarrascopeError]:
        log.debug("stage %s failed on %s", stage.name, a.origin or a.id, exc_info=e)
        if isinstance(e, NarrascopeError):
            return a, e
        return a, NarrascopeError(
            Code.STAGE_FAILED, f"stage '{stage.name}' failed: {type(e).__name__}: {e}",
            input=a.origin or a.id, locator=a.id or None,
        )

    pairs: list[tuple[Article, Any]] = []
    failed: list[tuple[Article, NarrascopeError]] = []
    try:
        outs = stage.predict_batch(articles)
        pairs = list(zip(articles, outs))
    except Exception as batch_error:  # noqa: BLE001 - isolate the failing article below
        if len(articles) == 1:
            failed.append(failure(articles[0], batch_error))
        else:
            for a in articles:
                try:
                    pairs.append((a, stage.predict(a)))
                except Exception as e:  # noqa: BLE001 - per-article failure policy
                    failed.append(failure(a, e))
    ok = []
    for a, out in pairs:
        if out is not None:
            a.results[stage.name] = stage.result(out)
        ok.append(a)
    return ok, failed


class Pipeline:
    """Prepare stages (ingest) and analysis stages, built from Settings."""

    def __init__(self, settings: Settings, store: Store, analysis: list[str] | None = None,
                 null: set[str] | None = None, run_id: int | None = None) -> None:
        self.settings = settings
        self.store = store
        self.run_id = run_id
        null = null or set()
        self.prepare = build("prepare", settings, null=null & {"clean", "language", "segment"})
        wanted = analysis if analysis is not None else settings.pipeline.stages
        analysis_null = null - {"clean", "language", "segment"}
        if wanted is None:
            from .stages.registry import specs

            wanted = [s.name for s in specs("analysis")]
        wanted = [w for w in wanted if w not in settings.pipeline.disable]
        self.analysis = build("analysis", settings, only=wanted, null=analysis_null) if wanted else []
        check_chain(self.prepare)
        prepared = frozenset(a for st in self.prepare for a in st.assigns)
        from .stages.base import INPUT_FIELDS

        check_chain(self.analysis, INPUT_FIELDS | prepared | {"id", "language"})
        for st in self.analysis:
            st.attach(store)

    # -- ingest ---------------------------------------------------------------

    def ingest(self, items: Iterable[ReadItem], report: RunReport, bar: Progress) -> None:
        batch = WriteBatch()
        pending_lsh: dict[tuple[int, int], list[str]] = {}
        pending_ids: set[str] = set()
        dd = self.settings.dedup
        if dd.mode != "off":
            bound = self.store.setting("dedup.shingle")
            if bound is not None and int(bound) != dd.shingle:
                # Refused before anything is read: signatures of another
                # shingle size never match, so every near-copy would go unseen.
                raise NarrascopeError(Code.CONFIG, f"this corpus finds near-duplicates with {bound}-word shingles; "
                                      f"the settings ask for {dd.shingle}, whose signatures would not compare with the stored ones",
                                      input=self.store.path,
                                      hint=f"set dedup.shingle = {bound} (or leave it out of the config), or ingest into a new corpus (--db)")
            batch.settings["dedup.shingle"] = str(dd.shingle)
        for item in items:
            bar.advance()
            if isinstance(item, ReadFailure):
                self._fail(item.error, report)
                continue
            report.read += 1
            rh = raw_hash(item)
            seen = self.store.seen(rh)
            if seen is not None:
                report.existing += 1
                if seen[0]:
                    report.article_ids.append(seen[0])
                continue
            article = to_article(item)
            ok, failed = [article], []
            for st in self.prepare:
                ok, f = run_stage(st, ok)
                failed += f
            for _a, err in failed:
                self._fail(err, report)
            if not ok:
                continue
            article.id = content_id(article.clean_text)
            if article.id in pending_ids or self.store.exists(article.id):
                report.existing += 1
                report.article_ids.append(article.id)
                batch.seen.append((rh, article.id, "duplicate"))
            else:
                sig = None
                if dd.mode != "off":
                    sig = dedup.signature(article.clean_text, dd.shingle)
                    near = self._near(sig, pending_lsh, batch)
                    if near is not None:
                        if dd.mode == "skip":
                            report.skipped_duplicates += 1
                            batch.seen.append((rh, None, "skipped_duplicate"))
                            report.article_ids.append(near[0])
                            sig = None
                            article = None  # type: ignore[assignment]
                        else:
                            article.duplicate_of, article.duplicate_score = near[0], round(near[1], 4)
                            report.near_duplicates += 1
                if article is not None:
                    if sig is not None:
                        batch.signatures[article.id] = sig
                        if article.duplicate_of is None:
                            for b, k in enumerate(dedup.band_keys(sig)):
                                pending_lsh.setdefault((b, k), []).append(article.id)
                    batch.articles.append(article)
                    batch.seen.append((rh, article.id, "stored"))
                    pending_ids.add(article.id)
                    report.added += 1
                    report.article_ids.append(article.id)
            if len(batch.articles) >= self.settings.ingest.batch_size or len(batch.seen) >= 4 * self.settings.ingest.batch_size:
                self.store.write_batch(batch)
                batch, pending_lsh, pending_ids = WriteBatch(settings=batch.settings), {}, set()
        self.store.write_batch(batch)

    def _near(self, sig: object, pending: dict[tuple[int, int], list[str]], batch: WriteBatch) -> tuple[str, float] | None:
        import numpy as np

        assert isinstance(sig, np.ndarray)
        thr = self.settings.dedup.threshold
        best = self.store.near_duplicate(sig, thr)
        for b, k in enumerate(dedup.band_keys(sig)):
            for aid in pending.get((b, k), []):
                s = dedup.similarity(sig, batch.signatures[aid])
                if s >= thr and (best is None or s > best[1]):
                    best = (aid, s)
        return best

    # -- analysis -------------------------------------------------------------

    def analyse(self, ids: list[str] | None, report: RunReport, bar: Progress, redo: bool = False) -> None:
        """Run analysis stages on stored articles that lack their current
        results (all of them with ``redo``). Resumable: results are written
        per batch, and a re-run skips what is done."""
        if not self.analysis:
            return
        todo: list[str] = []
        if redo:
            todo = list(dict.fromkeys(ids)) if ids is not None else [a.id for a in self.store.articles(full=False)]
        else:
            seen: set[str] = set()
            for st in self.analysis:
                for aid in self.store.missing_results(st.name, st.version, list(dict.fromkeys(ids)) if ids is not None else None, st.model_id):
                    if aid not in seen:
                        seen.add(aid)
                        todo.append(aid)
        bar.set_total(len(todo))
        size = self.settings.pipeline.batch_size
        from .store.base import ArticleFilter

        for i in range(0, len(todo), size):
            chunk = todo[i : i + size]
            # Stored results that are still current are inputs to later
            # stages (explain reads narratives) and are not recomputed.
            arts = list(self.store.articles(ArticleFilter(ids=chunk)))
            fresh: dict[str, set[str]] = {}
            # A failed stage only stops the stages that need its results, so
            # one broken model never hides the others' findings.
            broken: dict[str, set[str]] = {}
            for st in self.analysis:
                needs = {r.split(".", 1)[1] for r in st.requires if r.startswith("results.")}
                # Recompute what is missing, from an older stage version or model,
                # or built on inputs recomputed just now (explain after narratives).
                model = st.model_id
                current = [a for a in arts if (redo or not _current(a, st, model) or needs & fresh.get(a.id, set()))
                           and not (needs & broken.get(a.id, set()))]
                done, failed = run_stage(st, current) if current else ([], [])
                for a in done:
                    fresh.setdefault(a.id, set()).add(st.name)
                for a, err in failed:
                    broken.setdefault(a.id, set()).add(st.name)
                    self._fail(err, report, stage=st.name, article_id=a.id)
            self.store.save_results([(a.id, a.results[n]) for a in arts for n in fresh.get(a.id, ())])
            report.analysed += sum(1 for a in arts if a.id not in broken)
            bar.advance(len(chunk))

    def _fail(self, err: NarrascopeError, report: RunReport, stage: str | None = None, article_id: str | None = None) -> None:
        report.failed += 1
        report.errors.append(err)
        self.store.record_failure(self.run_id, err, stage=stage, article_id=article_id)


def _current(a: Article, st: Stage, model: str | None) -> bool:
    r = a.results.get(st.name)
    return r is not None and r.version == st.version and r.model == model

