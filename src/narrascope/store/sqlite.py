"""SQLite store: one file, WAL, migrations, one writer, parameterised SQL."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..article import Article, Span, StageResult
from ..errors import Code, NarrascopeError
from ..ingest import dedup
from .base import ArticleFilter, Store, WriteBatch

APPLICATION_ID = 0x4E53_4331  # "NSC1": marks a file as a narrascope corpus


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _like(text: str) -> str:
    """``text`` escaped for a LIKE pattern with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat()


def _resign_marked_words(c: sqlite3.Connection) -> None:
    """Data step of migration 4: recompute the near-duplicate signature (and
    LSH bands) of every stored text that the first tokeniser, ``\\w+``, split
    differently from ``text.WORD`` (words with combining marks). Other texts'
    signatures are unchanged by the new tokeniser and are left alone. The
    shingle size is the default (``dedup.shingle``): corpora this old never
    recorded theirs (from schema v5 on, the ``settings`` table does)."""
    from ..config import DedupConfig
    from ..text import WORD

    old_word = re.compile(r"\w+")
    k = DedupConfig().shingle
    ids = [r[0] for r in c.execute("SELECT id FROM articles WHERE minhash IS NOT NULL")]
    for aid in ids:  # one text in memory at a time
        text, duplicate_of = c.execute("SELECT clean_text, duplicate_of FROM articles WHERE id = ?", (aid,)).fetchone()
        low = (text or "").lower()
        if old_word.findall(low) == WORD.findall(low):
            continue
        sig = dedup.signature(text, k)
        c.execute("UPDATE articles SET minhash = ? WHERE id = ?", (dedup.to_blob(sig), aid))
        c.execute("DELETE FROM lsh WHERE article_id = ?", (aid,))
        if duplicate_of is None:  # only originals are indexed (see write_batch)
            c.executemany("INSERT OR IGNORE INTO lsh (band, key, article_id) VALUES (?,?,?)",
                          [(b, key, aid) for b, key in enumerate(dedup.band_keys(sig))])


# Python steps run after a migration's SQL, in the same transaction.
DATA_MIGRATIONS = {4: _resign_marked_words}


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("narrascope.store") / "migrations"
    out = []
    for f in folder.iterdir():
        if f.name.endswith(".sql"):
            out.append((int(f.name.split("_")[0]), f.read_text(encoding="utf-8")))
    return sorted(out)


class SQLiteStore(Store):
    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = str(path)
        self.readonly = readonly
        self._lock = threading.Lock()  # the single writer
        p = Path(path)
        if p.is_dir():
            raise NarrascopeError(Code.DB_UNWRITABLE, "database path is a folder", input=self.path)
        if not readonly:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise NarrascopeError(Code.DB_UNWRITABLE, f"cannot create the folder: {e.strerror}", input=self.path) from e
        elif not p.exists():
            raise NarrascopeError(Code.NOT_FOUND, "database not found", input=self.path, hint="ingest something first, or check --db")
        try:
            uri = f"file:{p}?mode=ro" if readonly else str(p)
            self.conn = sqlite3.connect(uri, uri=readonly, check_same_thread=False, timeout=30, isolation_level=None)
        except sqlite3.Error as e:
            raise NarrascopeError(Code.DB_UNWRITABLE, f"cannot open the database: {e}", input=self.path) from e
        self.conn.row_factory = sqlite3.Row
        # SQLite's lower() and LIKE fold ASCII only: entity names are Cyrillic,
        # Greek, accented Latin... Python folds them all.
        self.conn.create_function("fold", 1, lambda x: x.casefold() if isinstance(x, str) else x, deterministic=True)
        with self._errors():
            self._setup()

    # -- connection ----------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn SQLite's exceptions into coded errors naming the file."""
        try:
            yield
        except NarrascopeError:
            raise
        except sqlite3.DatabaseError as e:
            msg = str(e).lower()
            if "not a database" in msg or "malformed" in msg or "file is encrypted" in msg:
                raise NarrascopeError(Code.DB_CORRUPT, f"database is unreadable ({e})", input=self.path) from e
            if "readonly" in msg or "unable to open" in msg or "disk i/o" in msg or "read-only" in msg:
                raise NarrascopeError(Code.DB_UNWRITABLE, f"cannot write the database ({e})", input=self.path) from e
            raise

    def _setup(self) -> None:
        c = self.conn
        c.execute("PRAGMA busy_timeout = 30000")
        app_id = c.execute("PRAGMA application_id").fetchone()[0]
        version = c.execute("PRAGMA user_version").fetchone()[0]
        tables = c.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        if tables and app_id != APPLICATION_ID:
            raise NarrascopeError(Code.DB_CORRUPT, "this SQLite file is not a narrascope corpus", input=self.path)
        if self.readonly:
            if tables and version < _migrations()[-1][0]:
                # An older corpus opened for reading: bring it up to date
                # first (a migration adds tables and columns and recomputes
                # derived data such as signatures; it deletes nothing).
                SQLiteStore(self.path).close()
            return
        c.execute("PRAGMA journal_mode = WAL")
        c.execute("PRAGMA synchronous = NORMAL")
        c.execute("PRAGMA foreign_keys = ON")
        migrations = _migrations()
        latest = migrations[-1][0]
        if version > latest:
            raise NarrascopeError(Code.DB_TOO_NEW, f"schema version {version} is newer than {latest}", input=self.path)
        for num, sql in migrations:
            if num <= version:
                continue
            with self._lock:
                # executescript commits anything pending first; the migration
                # (SQL, then its data step) is applied whole and the version
                # bumped in the same transaction.
                try:
                    c.executescript(f"BEGIN;\n{sql}")
                    if num in DATA_MIGRATIONS:
                        DATA_MIGRATIONS[num](c)
                    c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    c.execute(f"PRAGMA user_version = {num}")
                    c.execute("COMMIT")
                except BaseException as e:
                    if c.in_transaction:
                        c.execute("ROLLBACK")
                    if isinstance(e, Exception) and not isinstance(e, (sqlite3.Error, NarrascopeError)):
                        # A bug in a data step, not a damaged file: say that
                        # nothing was changed (SQLite errors are coded by
                        # _errors around _setup).
                        raise NarrascopeError(Code.DB_MIGRATION, f"upgrading the corpus to schema version {num} failed "
                                              f"({type(e).__name__}: {e}); nothing of it was applied and the corpus "
                                              f"stays at version {num - 1}",
                                              input=self.path) from e
                    raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise NarrascopeError(Code.DB_UNWRITABLE, "database opened read-only", input=self.path)
        with self._lock, self._errors():
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.conn.close()

    # -- ingest --------------------------------------------------------------

    def seen(self, raw_hash: str) -> tuple[str | None, str] | None:
        with self._errors():
            row = self.conn.execute("SELECT article_id, status FROM seen_inputs WHERE raw_hash = ?", (raw_hash,)).fetchone()
        return (row[0], row[1]) if row else None

    def exists(self, article_id: str) -> bool:
        with self._errors():
            return self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    def near_duplicate(self, sig: np.ndarray, threshold: float) -> tuple[str, float] | None:
        keys = dedup.band_keys(sig)
        clauses = " OR ".join("(band = ? AND key = ?)" for _ in keys)
        params: list[Any] = [x for b, k in enumerate(keys) for x in (b, k)]
        with self._errors():
            cands = [r[0] for r in self.conn.execute(f"SELECT DISTINCT article_id FROM lsh WHERE {clauses}", params)]
            best: tuple[str, float] | None = None
            for aid in cands:
                row = self.conn.execute("SELECT minhash, duplicate_of FROM articles WHERE id = ?", (aid,)).fetchone()
                if not row or row[0] is None:
                    continue
                s = dedup.similarity(sig, dedup.from_blob(row[0]))
                if s >= threshold and (best is None or s > best[1]):
                    best = (row[1] or aid, s)  # link to the original, not to a copy
        return best

    def write_batch(self, batch: WriteBatch) -> None:
        if not len(batch):
            return
        with self._write() as c:
            for a in batch.articles:
                sig = batch.signatures.get(a.id)
                cur = c.execute(
                    """INSERT OR IGNORE INTO articles (id, external_id, url, source, title, published,
                       language, language_score, raw_format, raw_text, clean_text, sentences, offset_map,
                       removed, duplicate_of, duplicate_score, origin, meta, gold, minhash, ingested_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    (
                        a.id, a.external_id, a.url, a.source, a.title, _iso(a.published), a.language,
                        a.language_score, a.raw_format, a.raw_text, a.clean_text,
                        json.dumps([[s.start, s.end] for s in a.sentences]), json.dumps(a.offset_map),
                        json.dumps(a.removed, ensure_ascii=False), a.duplicate_of, a.duplicate_score,
                        a.origin, json.dumps(a.meta, ensure_ascii=False, default=str),
                        json.dumps(a.gold, ensure_ascii=False), dedup.to_blob(sig) if sig is not None else None,
                        _now(),
                    ),
                )
                if cur.rowcount and sig is not None and a.duplicate_of is None:
                    c.executemany(
                        "INSERT OR IGNORE INTO lsh (band, key, article_id) VALUES (?,?,?)",
                        [(b, k, a.id) for b, k in enumerate(dedup.band_keys(sig))],
                    )
                for name, res in a.results.items():
                    self._save_result(c, a.id, res)
            c.executemany(
                "INSERT OR IGNORE INTO seen_inputs (raw_hash, article_id, status, seen_at) VALUES (?,?,?,?)",
                [(h, aid, st, _now()) for h, aid, st in batch.seen],
            )
            # the first value recorded stays: the ingest checked it against its own before reading
            c.executemany("INSERT OR IGNORE INTO settings (key, value) VALUES (?,?)", list(batch.settings.items()))

    def setting(self, key: str) -> str | None:
        with self._errors():
            row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- results -------------------------------------------------------------

    @staticmethod
    def _save_result(c: sqlite3.Connection, article_id: str, r: StageResult) -> None:
        c.execute(
            """INSERT INTO results (article_id, stage, version, model, data, created_at) VALUES (?,?,?,?,?,?)
               ON CONFLICT(article_id, stage) DO UPDATE SET version=excluded.version, model=excluded.model,
               data=excluded.data, created_at=excluded.created_at""",
            (article_id, r.stage, r.version, r.model, json.dumps(r.data, ensure_ascii=False), _iso(r.created_at)),
        )

    def save_results(self, items: list[tuple[str, StageResult]]) -> None:
        if not items:
            return
        with self._write() as c:
            for aid, r in items:
                self._save_result(c, aid, r)

    def missing_results(self, stage: str, version: str, ids: list[str] | None = None, model: str | None = None) -> list[str]:
        # "IS" compares NULLs too: a stage without a model stores NULL.
        sql = """SELECT a.id FROM articles a LEFT JOIN results r
                 ON r.article_id = a.id AND r.stage = ? AND r.version = ? AND r.model IS ?
                 WHERE r.article_id IS NULL"""
        with self._errors():
            if ids is None:
                return [r[0] for r in self.conn.execute(sql + " ORDER BY a.rowid", (stage, version, model))]
            out: list[str] = []
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                q = sql + f" AND a.id IN ({','.join('?' * len(chunk))})"
                found = {r[0] for r in self.conn.execute(q, (stage, version, model, *chunk))}
                out.extend(x for x in chunk if x in found)
            return out

    # -- reading -------------------------------------------------------------

    def _row_to_article(self, row: sqlite3.Row, results: dict[str, StageResult]) -> Article:
        keys = row.keys()
        return Article(
            id=row["id"],
            external_id=row["external_id"],
            url=row["url"],
            source=row["source"],
            title=row["title"],
            published=datetime.fromisoformat(row["published"]) if row["published"] else None,
            language=row["language"],
            language_score=row["language_score"],
            raw_format=row["raw_format"] if "raw_format" in keys else "text",
            raw_text=row["raw_text"] if "raw_text" in keys else "",
            clean_text=row["clean_text"] if "clean_text" in keys else "",
            sentences=[Span(start=s, end=e) for s, e in json.loads(row["sentences"])] if "sentences" in keys else [],
            offset_map=[tuple(x) for x in json.loads(row["offset_map"])] if "offset_map" in keys else [],
            removed=json.loads(row["removed"]) if "removed" in keys else [],
            duplicate_of=row["duplicate_of"],
            duplicate_score=row["duplicate_score"],
            origin=row["origin"],
            meta=json.loads(row["meta"]),
            gold=json.loads(row["gold"]),
            results=results,
        )

    def _results_for(self, ids: list[str]) -> dict[str, dict[str, StageResult]]:
        out: dict[str, dict[str, StageResult]] = {i: {} for i in ids}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for r in self.conn.execute(
                f"SELECT * FROM results WHERE article_id IN ({','.join('?' * len(chunk))})", chunk
            ):
                out[r["article_id"]][r["stage"]] = StageResult(
                    stage=r["stage"], version=r["version"], model=r["model"], data=json.loads(r["data"]),
                    created_at=datetime.fromisoformat(r["created_at"]),
                )
        return out

    def get(self, article_id: str) -> Article:
        aid = self.resolve_id(article_id)
        with self._errors():
            row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (aid,)).fetchone()
            return self._row_to_article(row, self._results_for([aid])[aid])

    def resolve_id(self, prefix: str) -> str:
        """Full id from a unique prefix or an external id (file name, JSON id)."""
        with self._errors():
            rows = self.conn.execute(
                "SELECT id FROM articles WHERE id >= ? AND id < ? LIMIT 2", (prefix, prefix + "\uffff")
            ).fetchall()
            if not rows:
                rows = self.conn.execute("SELECT id FROM articles WHERE external_id = ? LIMIT 2", (prefix,)).fetchall()
        if not rows:
            raise NarrascopeError(Code.ARTICLE_NOT_FOUND, f"no article with id '{prefix}'", input=self.path)
        if len(rows) > 1:
            raise NarrascopeError(Code.AMBIGUOUS_ID, f"'{prefix}' matches several articles", input=self.path)
        return str(rows[0][0])

    def _where(self, flt: ArticleFilter | None) -> tuple[str, list[Any]]:
        flt = flt or ArticleFilter()
        conds: list[str] = []
        params: list[Any] = []
        if flt.language:
            conds.append("a.language = ?")
            params.append(flt.language)
        if flt.source:
            conds.append("a.source = ?")
            params.append(flt.source)
        if flt.since:
            conds.append("a.published >= ?")
            params.append(_iso(flt.since))
        if flt.until:
            conds.append("a.published < ?")
            params.append(_iso(flt.until))
        if flt.search:
            conds.append("(a.title LIKE ? ESCAPE '\\' OR a.clean_text LIKE ? ESCAPE '\\')")
            pat = "%" + _like(flt.search) + "%"
            params += [pat, pat]
        if flt.duplicates == "exclude":
            conds.append("a.duplicate_of IS NULL")
        elif flt.duplicates == "only":
            conds.append("a.duplicate_of IS NOT NULL")
        if flt.stage:
            conds.append("EXISTS (SELECT 1 FROM results r WHERE r.article_id = a.id AND r.stage = ?)")
            params.append(flt.stage)
        if flt.ids is not None:
            conds.append(f"a.id IN ({','.join('?' * len(flt.ids)) or 'NULL'})")
            params += flt.ids
        if flt.homoglyphs:
            conds.append("json_extract(a.meta, '$.homoglyphs') IS NOT NULL")
        # Findings live in the results' JSON: filtered with SQLite's JSON functions.
        if flt.narrative:
            conds.append("""EXISTS (SELECT 1 FROM results r, json_each(r.data, '$.narratives') n1
                            WHERE r.article_id = a.id AND r.stage = 'narratives' AND json_extract(n1.value, '$.label') LIKE ? ESCAPE '\\'
                            UNION ALL SELECT 1 FROM results r, json_each(r.data, '$.subnarratives') n2
                            WHERE r.article_id = a.id AND r.stage = 'narratives' AND json_extract(n2.value, '$.label') LIKE ? ESCAPE '\\')""")
            pat = _like(flt.narrative) + "%"
            params += [pat, pat]
        if flt.entity or flt.role:
            # An entity asked for without a role may be one the article names
            # without casting it (the roles stage's "other_entities").
            paths = ["$.entities"] if flt.role else ["$.entities", "$.other_entities"]
            conds.append("EXISTS (" + " UNION ALL ".join(f"""SELECT 1 FROM results r, json_each(r.data, '{path}') e
                            WHERE r.article_id = a.id AND r.stage = 'roles'
                            AND (? IS NULL OR instr(fold(json_extract(e.value, '$.entity')), ?) > 0)
                            AND (? IS NULL OR json_extract(e.value, '$.main_role') = ?)""" for path in paths) + ")")
            ent = flt.entity.casefold() if flt.entity else None
            params += [ent, ent, flt.role, flt.role] * len(paths)
        return (" WHERE " + " AND ".join(conds)) if conds else "", params

    def articles(self, flt: ArticleFilter | None = None, full: bool = True) -> Iterator[Article]:
        flt = flt or ArticleFilter()
        where, params = self._where(flt)
        cols = "a.*" if full else (
            "a.id, a.external_id, a.url, a.source, a.title, a.published, a.language, a.language_score,"
            " a.duplicate_of, a.duplicate_score, a.origin, a.meta, a.gold"
        )
        sql = f"SELECT {cols} FROM articles a{where} ORDER BY a.rowid"
        if flt.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [flt.limit, flt.offset]
        with self._errors():
            cur = self.conn.execute(sql, params)
            while True:
                rows = cur.fetchmany(200)
                if not rows:
                    break
                res = self._results_for([r["id"] for r in rows]) if full else {r["id"]: {} for r in rows}
                for r in rows:
                    yield self._row_to_article(r, res[r["id"]])

    def count(self, flt: ArticleFilter | None = None) -> int:
        where, params = self._where(flt)
        with self._errors():
            return int(self.conn.execute(f"SELECT count(*) FROM articles a{where}", params).fetchone()[0])

    def stats(self) -> dict[str, Any]:
        c = self.conn
        with self._errors():
            total = c.execute("SELECT count(*) FROM articles").fetchone()[0]
            return {
                "db": self.path,
                "articles": total,
                "near_duplicates": c.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0],
                "languages": {r[0] or "unknown": r[1] for r in c.execute(
                    "SELECT language, count(*) FROM articles GROUP BY language ORDER BY count(*) DESC")},
                "sources": {r[0] or "unknown": r[1] for r in c.execute(
                    "SELECT source, count(*) FROM articles GROUP BY source ORDER BY count(*) DESC LIMIT 20")},
                "published": dict(zip(("first", "last"), c.execute(
                    "SELECT min(published), max(published) FROM articles").fetchone())),
                "stages": {f"{r[0]}@{r[1]}": r[2] for r in c.execute(
                    "SELECT stage, version, count(*) FROM results GROUP BY stage, version ORDER BY stage")},
                "failures": c.execute("SELECT count(*) FROM failures").fetchone()[0],
                "runs": c.execute("SELECT count(*) FROM runs").fetchone()[0],
                "library_entries": c.execute("SELECT count(*) FROM library_entries").fetchone()[0],
                # What the corpus carries: articles per finding, from the stored results.
                "narratives": {r[0]: r[1] for r in c.execute(
                    """SELECT json_extract(j.value, '$.label') AS l, count(DISTINCT r.article_id) FROM results r,
                       json_each(r.data, '$.narratives') j WHERE r.stage = 'narratives' GROUP BY l ORDER BY 2 DESC, l LIMIT 20""")},
                "techniques": {r[0]: r[1] for r in c.execute(
                    """SELECT j.key, count(DISTINCT r.article_id) FROM results r, json_each(r.data, '$.counts') j
                       WHERE r.stage = 'techniques' GROUP BY j.key ORDER BY 2 DESC, j.key LIMIT 23""")},
                "entity_roles": {r[0]: r[1] for r in c.execute(
                    """SELECT json_extract(j.value, '$.entity') || ': ' || json_extract(j.value, '$.main_role') AS k,
                       count(DISTINCT r.article_id) FROM results r, json_each(r.data, '$.entities') j
                       WHERE r.stage = 'roles' GROUP BY k ORDER BY 2 DESC, k LIMIT 20""")},
            }

    # -- library -------------------------------------------------------------

    def library_fingerprint(self) -> str:
        """Changes whenever entries are added, updated or removed (imports
        stamp what they change): results matched against an older library
        are recomputed."""
        with self._errors():
            n, last = self.conn.execute("SELECT count(*), coalesce(max(imported_at), '') FROM library_entries").fetchone()
        return f"{n}:{last}"

    def library_hash(self, entry_id: str) -> str | None:
        with self._errors():
            row = self.conn.execute("SELECT content_hash FROM library_entries WHERE id = ?", (entry_id,)).fetchone()
        return row[0] if row else None

    def library_upsert(self, entries: list[Any], vectors: list[np.ndarray], model: str) -> None:
        """Insert or replace entries with their passages and passage vectors."""
        with self._write() as c:
            for e, vec in zip(entries, vectors):
                c.execute("DELETE FROM library_passages WHERE entry_id = ?", (e.id,))
                c.execute(
                    """INSERT INTO library_entries (id, kind, claim, title, url, rating, published, author, publisher,
                       language, narratives, body, source, meta, content_hash, imported_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                       ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, claim=excluded.claim, title=excluded.title,
                       url=excluded.url, rating=excluded.rating, published=excluded.published, author=excluded.author,
                       publisher=excluded.publisher, language=excluded.language, narratives=excluded.narratives,
                       body=excluded.body, source=excluded.source, meta=excluded.meta,
                       content_hash=excluded.content_hash, imported_at=excluded.imported_at""",
                    (e.id, e.kind, e.claim, e.title, e.url, e.rating, e.published, e.author, e.publisher, e.language,
                     json.dumps(e.narratives, ensure_ascii=False), e.body, e.source,
                     json.dumps(e.meta, ensure_ascii=False, default=str), e.content_hash(), _now()),
                )
                c.executemany(
                    "INSERT INTO library_passages (entry_id, idx, text, start, end, model, embedding) VALUES (?,?,?,?,?,?,?)",
                    [(e.id, i, p.text, p.start, p.end, model, vec[i].astype("<f2").tobytes()) for i, p in enumerate(e.passages)],
                )

    def library_entries(self, limit: int | None = None, kind: str | None = None, tagged: bool = False) -> list[dict[str, Any]]:
        """Entries; ``tagged`` keeps only those tagged with narratives."""
        sql = "SELECT e.*, (SELECT count(*) FROM library_passages p WHERE p.entry_id = e.id) AS passages FROM library_entries e"
        conds: list[str] = []
        params: list[Any] = []
        if kind:
            conds.append("e.kind = ?")
            params.append(kind)
        if tagged:
            conds.append("e.narratives != '[]'")
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += " ORDER BY e.rowid"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        with self._errors():
            return [self._entry_row(r) for r in self.conn.execute(sql, params)]

    @staticmethod
    def _entry_row(r: sqlite3.Row) -> dict[str, Any]:
        d = dict(r)
        d["narratives"] = json.loads(d["narratives"])
        d["meta"] = json.loads(d["meta"])
        return d

    def library_get(self, entry_id: str) -> dict[str, Any]:
        with self._errors():
            r = self.conn.execute("SELECT * FROM library_entries WHERE id = ?", (entry_id,)).fetchone()
            if r is None:
                rows = self.conn.execute("SELECT * FROM library_entries WHERE id >= ? AND id < ? LIMIT 2", (entry_id, entry_id + "\uffff")).fetchall()
                if len(rows) != 1:
                    raise NarrascopeError(Code.ARTICLE_NOT_FOUND, f"no library entry '{entry_id}'" if not rows else f"'{entry_id}' matches several entries",
                                          input=self.path, hint="list entries with `narrascope library ls`")
                r = rows[0]
            d = self._entry_row(r)
            d["passages"] = [dict(p) for p in self.conn.execute(
                "SELECT idx, text, start, end FROM library_passages WHERE entry_id = ? ORDER BY idx", (d["id"],))]
        return d

    def library_delete(self, entry_id: str) -> bool:
        with self._write() as c:
            c.execute("DELETE FROM library_passages WHERE entry_id = ?", (entry_id,))
            return c.execute("DELETE FROM library_entries WHERE id = ?", (entry_id,)).rowcount > 0

    def library_index_save(self, model: str, centroids: np.ndarray, assign: np.ndarray) -> None:
        """Store the IVF centroids and each passage's list (in library_passages rowid order)."""
        with self._write() as c:
            rowids = [r[0] for r in c.execute("SELECT rowid FROM library_passages ORDER BY rowid")]
            c.executemany("UPDATE library_passages SET cluster = ? WHERE rowid = ?", [(int(a), r) for a, r in zip(assign, rowids)])
            c.execute("INSERT OR REPLACE INTO library_index (model, nlist, passages, centroids, built_at) VALUES (?,?,?,?,?)",
                      (model, len(centroids), len(rowids), centroids.astype("<f4").tobytes(), _now()))

    def library_index_load(self, model: str, dim: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Stored (centroids, assignments), or None when absent or stale."""
        with self._errors():
            row = self.conn.execute("SELECT nlist, passages, centroids FROM library_index WHERE model = ?", (model,)).fetchone()
            if row is None:
                return None
            n = self.conn.execute("SELECT count(*) FROM library_passages").fetchone()[0]
            if n != row[1]:
                return None
            assign = [r[0] for r in self.conn.execute("SELECT cluster FROM library_passages ORDER BY rowid")]
        if any(a is None for a in assign):
            return None
        return np.frombuffer(row[2], dtype="<f4").reshape(row[0], dim), np.array(assign, dtype=np.int64)

    def library_passages(self) -> tuple[list[tuple[str, int, str]], np.ndarray, set[str]]:
        """All passages (entry id, idx, text), their vectors, and the embedder names used."""
        rows: list[tuple[str, int, str]] = []
        vecs: list[np.ndarray] = []
        models: set[str] = set()
        with self._errors():
            for r in self.conn.execute("SELECT entry_id, idx, text, model, embedding FROM library_passages ORDER BY rowid"):
                rows.append((r[0], r[1], r[2]))
                models.add(r[3])
                vecs.append(np.frombuffer(r[4], dtype="<f2"))
        return rows, (np.vstack(vecs).astype(np.float32) if vecs else np.zeros((0, 0), np.float32)), models

    # -- runs and failures ---------------------------------------------------

    def start_run(self, command: str) -> int:
        with self._write() as c:
            cur = c.execute("INSERT INTO runs (command, started_at, status) VALUES (?,?,?)", (command, _now(), "running"))
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        with self._write() as c:
            c.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE id = ?",
                (_now(), status, json.dumps(counts), run_id),
            )

    def record_failure(self, run_id: int | None, error: NarrascopeError, stage: str | None = None, article_id: str | None = None) -> None:
        with self._write() as c:
            c.execute(
                "INSERT INTO failures (run_id, input, locator, stage, article_id, code, message, at) VALUES (?,?,?,?,?,?,?,?)",
                (run_id, error.input, error.locator, stage, article_id, error.code.value, error.message, _now()),
            )

    def failures(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._errors():
            return [dict(r) for r in self.conn.execute("SELECT * FROM failures ORDER BY id DESC LIMIT ?", (limit,))]
