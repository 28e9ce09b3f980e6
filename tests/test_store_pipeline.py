"""Store, dedup, pipeline contracts and the failure policy."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import narrascope as ns
from narrascope import Code, Corpus, NarrascopeError, load_settings
from narrascope.article import Article
from narrascope.stages.base import Stage
from narrascope.stages.registry import StageSpec, build, check_chain, register, specs, _SPECS

from .conftest import BUNDLED

BASE = "The ministers met in Vienna on Thursday to discuss the gas pipeline, the sanctions and the grain corridor. "


def _write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def test_ingest_is_idempotent(tmp_path: Path, db: Path) -> None:
    with Corpus(db) as c:
        r1 = c.ingest([BUNDLED])
        r2 = c.ingest([BUNDLED])
        assert (r1.added, r2.added, r2.existing) == (1, 0, 1)
        assert c.count() == 1
        # Same text under another name is the same article.
        copy = _write(tmp_path, "copy.txt", BUNDLED.read_text())
        r3 = c.ingest([copy])
        assert r3.added == 0 and c.count() == 1


def test_one_source_is_read_as_one_path_not_its_characters(tmp_path: Path, db: Path) -> None:
    # ns.read("a.txt") iterated the string: "/" read the file system's root
    one = _write(tmp_path, "one.txt", BUNDLED.read_text())
    assert [a.title for a in ns.read(str(one))] == [a.title for a in ns.read([one])] != []
    with Corpus(db) as c:
        assert c.ingest(one).added == 1 and c.analyze(str(one), stages=[]).existing == 1


def test_wal_migrations_and_application_id(db: Path) -> None:
    Corpus(db).close()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert con.execute("PRAGMA application_id").fetchone()[0] != 0
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    with pytest.raises(NarrascopeError) as e:
        Corpus(db)
    assert e.value.code == Code.DB_TOO_NEW


def _near_copies(tmp_path: Path) -> list[Path]:
    body = " ".join(BASE for _ in range(6))
    a = _write(tmp_path, "a.txt", "Ministers meet in Vienna\n\n" + body + "Officials said more talks would follow.")
    b = _write(tmp_path, "b.txt", "Ministers meet in Vienna\n\n" + body + "Officials said more talks would follow next week.")
    other = _write(tmp_path, "c.txt", "Floods in the south\n\nHeavy rain flooded villages in the south, forcing thousands to leave their homes on Sunday.")
    return [a, b, other]


def test_near_duplicates_linked(tmp_path: Path, db: Path) -> None:
    a, b, other = _near_copies(tmp_path)
    with Corpus(db) as c:
        r = c.ingest([a, b, other])
        assert (r.added, r.near_duplicates) == (3, 1)
        arts = {x.external_id: x for x in c.articles()}
        assert arts["b.txt"].duplicate_of == arts["a.txt"].id
        assert arts["b.txt"].duplicate_score is not None and arts["b.txt"].duplicate_score > 0.8
        assert arts["c.txt"].duplicate_of is None
        assert c.count(duplicates="exclude") == 2


def test_near_duplicates_skipped_across_runs(tmp_path: Path, db: Path) -> None:
    a, b, _ = _near_copies(tmp_path)
    settings = load_settings(dedup={"mode": "skip"})
    with Corpus(db, settings=settings) as c:
        c.ingest([a])
    with Corpus(db, settings=settings) as c:  # a new process: the LSH index is persistent
        r = c.ingest([b])
        assert r.skipped_duplicates == 1 and c.count() == 1


def test_corpus_keeps_its_shingle_size(tmp_path: Path, db: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Signatures of another shingle size never match: a corpus records the
    size of its first ingest and refuses another one, before reading, with
    a coded error naming the corpus; what is stored stays."""
    a, b, _ = _near_copies(tmp_path)
    with Corpus(db) as c:
        c.ingest([a])
        assert c.store.setting("dedup.shingle") == "3"
    cfg = tmp_path / "five.toml"
    cfg.write_text("[dedup]\nshingle = 5\n")
    r = cli("ingest", str(b), "--config", str(cfg))
    assert r.exit_code != 0 and "NS401" in r.output and str(db) in r.output.replace("\n", "")
    assert "dedup.shingle = 3" in r.output.replace("\n", " ")
    with Corpus(db) as c:
        assert c.count() == 1 and c.store.setting("dedup.shingle") == "3"
        r2 = c.ingest([b])  # the corpus's own size: the near-copy is found
        assert (r2.added, r2.near_duplicates) == (1, 1)
    # with deduplication off, no signatures are made or compared: any size goes, nothing is recorded
    other = tmp_path / "other.db"
    with Corpus(other, settings=load_settings(dedup={"mode": "off", "shingle": 5})) as c:
        c.ingest([a])
        assert c.store.setting("dedup.shingle") is None
    with Corpus(other, settings=load_settings(dedup={"shingle": 5})) as c:
        c.ingest([b])
        assert c.store.setting("dedup.shingle") == "5"


def test_filters_and_id_prefix(tmp_path: Path, db: Path) -> None:
    p = _write(tmp_path, "x.jsonl",
               '{"id": "r1", "text": "Война продолжается, сообщают источники в Москве и Киеве.", "date": "2023-01-05", "source": "RU outlet"}\n'
               '{"id": "e1", "text": "The war goes on, sources in Moscow and Kyiv say on Monday.", "date": "2024-06-01", "source": "EN outlet"}\n')
    with Corpus(db) as c:
        c.ingest([p])
        assert [a.external_id for a in c.articles(language="ru")] == ["r1"]
        assert [a.external_id for a in c.articles(source="EN outlet")] == ["e1"]
        from datetime import datetime, timezone

        assert [a.external_id for a in c.articles(since=datetime(2024, 1, 1, tzinfo=timezone.utc))] == ["e1"]
        assert [a.external_id for a in c.articles(search="Kyiv")] == ["e1"]
        assert [a.external_id for a in c.articles(search="100%")] == []
        e1 = c.get("e1")
        assert c.get(e1.id[:8]).id == e1.id
        with pytest.raises(NarrascopeError) as err:
            c.get("zzzz")
        assert err.value.code == Code.ARTICLE_NOT_FOUND


# --- stages and the failure policy ------------------------------------------------


class Counter(Stage):
    """A test stage: counts sentences, fails on articles mentioning 'boom'."""

    name = "counter"
    version = "1"
    requires = ("sentences",)
    assigns = ("results.counter",)
    calls = 0

    def predict(self, article: Article) -> dict[str, Any]:
        Counter.calls += 1
        if "boom" in article.clean_text:
            raise ValueError("exploded")
        return {"n": len(article.sentences)}


class NullCounter(Counter):
    null = True

    def predict(self, article: Article) -> dict[str, Any]:
        return {"n": 0}


@pytest.fixture
def counter_stage():  # type: ignore[no-untyped-def]
    register(StageSpec("counter", "analysis", lambda s: Counter(), lambda s: NullCounter(), "test"))
    Counter.calls = 0
    yield
    _SPECS.pop("counter", None)


def test_failure_policy_records_and_skips_one_article(tmp_path: Path, db: Path, counter_stage: None) -> None:
    good1 = _write(tmp_path, "g1.txt", "One\n\nFirst good article. It has two sentences.")
    bad = _write(tmp_path, "bad.txt", "Bad\n\nThis one goes boom.")
    good2 = _write(tmp_path, "g2.txt", "Two\n\nSecond good article.")
    with Corpus(db) as c:
        r = c.analyze([good1, bad, good2], stages=["counter"])
        assert r.analysed == 2 and r.failed == 1
        assert r.errors[0].code == Code.STAGE_FAILED and "exploded" in r.errors[0].message
        res = {a.external_id: a.results.get("counter") for a in c.articles()}
        assert res["g1.txt"].data == {"n": 3} and res["g2.txt"].data == {"n": 2}  # type: ignore[union-attr]
        assert res["bad.txt"] is None
        assert res["g1.txt"].stage == "counter" and res["g1.txt"].version == "1"  # type: ignore[union-attr]
        assert c.failures()[0]["stage"] == "counter"
        # Re-running does not recompute what is done; the failed one is retried.
        Counter.calls = 0
        r2 = c.analyze(stages=["counter"])
        assert Counter.calls == 1 and (r2.analysed, r2.failed) == (0, 1)
        Counter.calls = 0
        r3 = c.analyze(stages=["counter"], redo=True)
        assert Counter.calls >= 3 and (r3.analysed, r3.failed) == (2, 1)


def test_null_version_has_same_name_and_shape(tmp_path: Path, db: Path, counter_stage: None) -> None:
    p = _write(tmp_path, "g.txt", "T\n\nA sentence here.")
    with Corpus(db) as c:
        c.analyze([p], stages=["counter"], null={"counter"})
        [a] = list(c.articles())
        assert a.results["counter"].data == {"n": 0}


def test_every_builtin_stage_has_a_null_version() -> None:
    s = load_settings()
    for spec in specs():
        real = spec.factory(s)
        null = spec.null_factory(s)
        assert real.name == null.name == spec.name
        assert null.null and not real.null
        assert real.assigns == null.assigns


def test_prepare_null_stages_produce_fields() -> None:
    s = load_settings()
    stages = build("prepare", s, null={"clean", "language", "segment"})
    a = Article(raw_text="Title\n\nJoin us and donate today! Body text. More.", meta={"_title_in_text": True})
    for st in stages:
        st.predict(a)
    assert "donate" in a.clean_text  # null clean removes nothing
    assert a.language is None
    assert len(a.sentences) == 2  # one per paragraph


def test_requirements_are_checked() -> None:
    class NeedsNarratives(Stage):
        name = "needs"
        requires = ("results.narratives",)
        assigns = ("results.needs",)

        def predict(self, article: Article) -> None:
            return None

    with pytest.raises(NarrascopeError) as e:
        check_chain([NeedsNarratives()], frozenset({"clean_text"}))
    assert e.value.code == Code.STAGE_REQUIREMENT and "results.narratives" in e.value.message


def test_unknown_stage(db: Path) -> None:
    with Corpus(db) as c, pytest.raises(NarrascopeError) as e:
        c.analyze([BUNDLED], stages=["nope"])
    assert e.value.code == Code.UNKNOWN_STAGE


def test_a_failing_stage_does_not_hide_independent_stages(tmp_path: Path, db: Path, counter_stage: None) -> None:
    class Boom(Stage):
        name = "boom"
        requires = ("clean_text",)
        assigns = ("results.boom",)

        def predict(self, article: Article) -> dict[str, Any]:
            raise RuntimeError("model missing")

    class NeedsBoom(Stage):
        name = "needsboom"
        requires = ("results.boom",)
        assigns = ("results.needsboom",)

        def predict(self, article: Article) -> dict[str, Any]:
            return {"ok": True}

    register(StageSpec("boom", "analysis", lambda s: Boom(), lambda s: Boom(), "test", order=1))
    register(StageSpec("needsboom", "analysis", lambda s: NeedsBoom(), lambda s: NeedsBoom(), "test", order=2))
    try:
        p = _write(tmp_path, "g.txt", "T\n\nA sentence here. Another one.")
        with Corpus(db) as c:
            r = c.analyze([p], stages=["boom", "needsboom", "counter"])
            [a] = list(c.articles())
            assert "counter" in a.results and "boom" not in a.results and "needsboom" not in a.results
            assert r.failed == 1 and {f["stage"] for f in c.failures()} == {"boom"}
    finally:
        _SPECS.pop("boom", None)
        _SPECS.pop("needsboom", None)


def test_old_corpus_is_migrated_even_when_opened_for_reading(db: Path) -> None:
    import sqlite3 as sq

    from narrascope.store.sqlite import APPLICATION_ID, _migrations

    con = sq.connect(db)
    con.executescript(_migrations()[0][1] + f"\nPRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = 1;")
    con.close()
    with Corpus(db, readonly=True) as c:
        assert c.store.library_entries() == []  # table from a later migration
    con = sq.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == _migrations()[-1][0]


def test_a_new_model_recomputes_its_stage_and_the_stages_built_on_it(tmp_path: Path, db: Path) -> None:
    calls = {"base": 0, "derived": 0}

    class Base(Stage):
        name = "base"
        requires = ("clean_text",)
        assigns = ("results.base",)
        model = "m1"

        @property
        def model_id(self) -> str | None:
            return f"base@{Base.model}"

        def predict(self, article: Article) -> dict[str, Any]:
            calls["base"] += 1
            return {"model": Base.model}

    class Derived(Stage):
        name = "derived"
        requires = ("results.base",)
        assigns = ("results.derived",)

        def predict(self, article: Article) -> dict[str, Any]:
            calls["derived"] += 1
            return {"from": article.results["base"].data["model"]}

    register(StageSpec("base", "analysis", lambda s: Base(), lambda s: Base(), "test", order=1))
    register(StageSpec("derived", "analysis", lambda s: Derived(), lambda s: Derived(), "test", order=2))
    try:
        p = _write(tmp_path, "g.txt", "T\n\nA sentence here. Another one.")
        with Corpus(db) as c:
            c.analyze([p], stages=["base", "derived"])
            assert calls == {"base": 1, "derived": 1}
            c.analyze(stages=["base", "derived"])  # nothing changed: nothing recomputed
            assert calls == {"base": 1, "derived": 1}
            Base.model = "m2"  # e.g. a retrained or upgraded model
            r = c.analyze(stages=["base", "derived"])
            assert calls == {"base": 2, "derived": 2} and r.analysed == 1
            [a] = list(c.articles())
            assert a.results["base"].model == "base@m2" and a.results["derived"].data == {"from": "m2"}
    finally:
        _SPECS.pop("base", None)
        _SPECS.pop("derived", None)


HINDI = ("रूस ने यूक्रेन के पूर्वी शहरों पर फिर से हमला किया और कई इमारतें नष्ट हो गईं। अधिकारियों ने कहा कि बिजली और पानी की "
         "आपूर्ति बाधित है और हजारों लोग अपने घर छोड़ने को मजबूर हैं। सरकार ने राहत शिविर खोले हैं और अंतरराष्ट्रीय सहायता की "
         "मांग की है। विशेषज्ञों का कहना है कि सर्दियों से पहले हालात और खराब हो सकते हैं। ")


def test_migration_4_recomputes_signatures_split_at_combining_marks(tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A corpus stored before words kept their combining marks: its Hindi
    signature is recomputed on opening, so a near-copy is recognised."""
    import re

    from narrascope.ingest import dedup

    english = _near_copies(tmp_path)[0]
    a = _write(tmp_path, "hi-a.txt", "युद्ध की खबर\n\n" + HINDI * 3 + "आगे की बातचीत जारी रहेगी।")
    b = _write(tmp_path, "hi-b.txt", "युद्ध की खबर\n\n" + HINDI * 3 + "आगे की बातचीत अगले सप्ताह जारी रहेगी।")
    with monkeypatch.context() as m:  # ingest as the first tokeniser did (words split at every vowel sign)
        m.setattr(dedup, "WORD", re.compile(r"\w+"))
        with Corpus(db) as c:
            c.ingest([a, english])
            arts = {x.external_id: x for x in c.articles()}
    con = sqlite3.connect(db)
    old = {r[0]: r[1] for r in con.execute("SELECT id, minhash FROM articles")}
    assert dedup.similarity(dedup.from_blob(old[arts["hi-a.txt"].id]), dedup.signature(arts["hi-a.txt"].clean_text)) < 0.8
    con.execute("DROP TABLE settings")  # a corpus of schema v3 had none
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    from narrascope.store import sqlite as store_sqlite

    def boom(c: Any) -> None:
        c.execute("DELETE FROM lsh")  # a half-done data step ...
        raise RuntimeError("killed mid-migration")

    with monkeypatch.context() as m, pytest.raises(NarrascopeError) as e:
        m.setitem(store_sqlite.DATA_MIGRATIONS, 4, boom)
        Corpus(db)
    assert e.value.code == Code.DB_MIGRATION and e.value.input == str(db)
    assert "version 4" in str(e.value) and "killed mid-migration" in str(e.value) and "stays at version 3" in str(e.value)
    con = sqlite3.connect(db)  # ... is rolled back whole: still version 3, bands still there
    assert con.execute("PRAGMA user_version").fetchone()[0] == 3 and con.execute("SELECT count(*) FROM lsh").fetchone()[0] > 0
    con.close()
    with Corpus(db) as c:  # migration 4 runs on opening
        r = c.ingest([b])
        assert (r.added, r.near_duplicates) == (1, 1)
        assert {x.external_id: x for x in c.articles()}["hi-b.txt"].duplicate_of == arts["hi-a.txt"].id
    con = sqlite3.connect(db)
    new = {r[0]: r[1] for r in con.execute("SELECT id, minhash FROM articles")}
    from narrascope.store.sqlite import _migrations

    assert con.execute("PRAGMA user_version").fetchone()[0] == _migrations()[-1][0]
    assert dedup.from_blob(new[arts["hi-a.txt"].id]).tolist() == dedup.signature(arts["hi-a.txt"].clean_text).tolist()
    assert new[arts[english.name].id] == old[arts[english.name].id]  # unaffected text: untouched
    bands = {r[0] for r in con.execute("SELECT key FROM lsh WHERE article_id = ?", (arts["hi-a.txt"].id,))}
    assert bands == set(dedup.band_keys(dedup.signature(arts["hi-a.txt"].clean_text)))
