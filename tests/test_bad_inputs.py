"""Every bad input: a one-line coded error naming the input, a non-zero
exit, and nothing already stored is lost."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

from narrascope import Code, Corpus, NarrascopeError

from .conftest import BUNDLED


@pytest.fixture
def stored(db: Path, cli) -> int:  # type: ignore[no-untyped-def]
    """A corpus that already holds one article."""
    r = cli("ingest", str(BUNDLED), "-q")
    assert r.exit_code == 0, r.output
    with Corpus(db) as c:
        return c.count()


def _assert_coded(result, code: Code, name: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    lines = [ln for ln in result.output.splitlines() if code.value in ln]
    assert lines, result.output
    assert name in " ".join(lines), result.output


def _count(db: Path) -> int:
    with Corpus(db) as c:
        return c.count()


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("missing.txt", None, Code.NOT_FOUND),
        ("empty.txt", b"", Code.EMPTY),
        ("blank.txt", b"   \n\n  ", Code.EMPTY),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), Code.BINARY),
        ("doc.xyz", b"some text", Code.UNSUPPORTED),
    ],
)
def test_bad_files(tmp_path: Path, db: Path, cli, stored: int, name: str, content: bytes | None, code: Code) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    r = cli("ingest", str(p), "-q")
    _assert_coded(r, code, name)
    assert _count(db) == stored


def test_other_encodings_are_detected(tmp_path: Path, db: Path, cli) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "cp1251.txt"
    p.write_bytes("Заголовок статьи\n\nВойна на Украине продолжается уже третий год, говорят официальные лица.".encode("cp1251"))
    r = cli("ingest", str(p), "-q")
    assert r.exit_code == 0, r.output
    with Corpus(db) as c:
        [a] = list(c.articles())
        assert a.title == "Заголовок статьи" and a.language == "ru"
        assert a.meta["encoding"].replace("_", "").lower() in ("cp1251", "windows1251")


def test_undecodable_bytes_are_reported(tmp_path: Path, db: Path, cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "broken.txt"
    p.write_bytes(b"Title\n\nvalid start \xff\xfe\xfd" + bytes(range(0x80, 0x90)) * 3 + b" end")
    r = cli("ingest", str(p), "-q")
    assert r.exit_code != 0
    assert (Code.ENCODING.value in r.output) or (Code.BINARY.value in r.output)
    assert "broken.txt" in r.output
    assert _count(db) == stored


def test_forced_wrong_encoding(tmp_path: Path, cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "u.txt"
    p.write_bytes("Titel\n\nÄrger über Zölle.".encode("utf-8"))
    cfg = tmp_path / "c.toml"
    cfg.write_text('[ingest]\nencoding = "ascii"\n')
    r = cli("ingest", str(p), "-q", "--config", str(cfg))
    _assert_coded(r, Code.ENCODING, "u.txt")


def test_malformed_html_keeps_its_text(tmp_path: Path, db: Path, cli) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "broken.html"
    p.write_text("<html><body><p>Officials confirmed the ceasefire talks <b>will resume on Monday in Geneva.<p>Second <i>paragraph</div></span>", encoding="utf-8")
    r = cli("ingest", str(p), "-q")
    assert r.exit_code == 0, r.output
    with Corpus(db) as c:
        [a] = list(c.articles())
        assert "ceasefire talks will resume on Monday in Geneva." in a.clean_text


def test_html_without_text(tmp_path: Path, cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "empty.html"
    p.write_text("<html><head><script>var x = 1;</script></head><body><div></div></body></html>", encoding="utf-8")
    r = cli("ingest", str(p), "-q")
    _assert_coded(r, Code.NO_TEXT, "empty.html")


def test_fifty_megabyte_file(tmp_path: Path, db: Path, cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "huge.txt"
    with p.open("wb") as f:
        line = b"This is a very long article that goes on and on about nothing at all. " * 100 + b"\n"
        while f.tell() < 50 * 1024 * 1024:
            f.write(line)
    r = cli("ingest", str(p), "-q")
    _assert_coded(r, Code.TOO_LARGE, "huge.txt")
    assert "50.0 MB" in r.output
    assert _count(db) == stored


def test_jsonl_broken_line_in_the_middle(tmp_path: Path, db: Path, cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "items.jsonl"
    lines = [json.dumps({"id": f"n{i}", "text": f"Article number {i} reports that the talks in city {i} failed again."}) for i in range(5)]
    lines.insert(2, '{"id": "bad", "text": "unterminated')
    lines.insert(4, json.dumps({"id": "notext", "body": "x"}))
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = cli("ingest", str(p), "-q")
    assert r.exit_code == 1
    assert f"{Code.BAD_JSON.value}" in r.output and "line 3" in r.output and "items.jsonl" in r.output
    assert f"{Code.MISSING_FIELD.value}" in r.output and "line 5" in r.output
    assert _count(db) == stored + 5
    with Corpus(db) as c:
        fails = c.failures()
        assert {f["locator"] for f in fails} >= {"line 3", "line 5"}


def test_csv_without_named_column(tmp_path: Path, cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "a.csv"
    p.write_text("id,body\n1,Some text here.\n", encoding="utf-8")
    r = cli("ingest", str(p), "-q", "--text-field", "content")
    _assert_coded(r, Code.MISSING_FIELD, "a.csv")
    assert "'content'" in r.output and "body" in r.output


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_url(cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{_closed_port()}/article"
    r = cli("ingest", url, "-q", "--allow-private")
    _assert_coded(r, Code.URL_UNREACHABLE, url)


def test_private_address_refused(http_server, cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    routes["/a"] = (200, {"Content-Type": "text/html"}, b"<p>secret internal page with text</p>")
    r = cli("ingest", f"{base}/a", "-q")
    _assert_coded(r, Code.URL_PRIVATE, f"{base}/a")
    for url in ("http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x"):
        r = cli("ingest", url, "-q")
        _assert_coded(r, Code.URL_PRIVATE, url)


def test_redirect_to_private_address_refused(http_server) -> None:  # type: ignore[no-untyped-def]
    from narrascope.config import IngestConfig
    from narrascope.ingest.url import fetch

    base, routes = http_server
    routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with pytest.raises(NarrascopeError) as e:
        fetch(f"{base}/loop", IngestConfig(allow_private_urls=True, max_redirects=3))
    assert e.value.code == Code.URL_REDIRECTS
    routes["/big"] = (200, {"Content-Type": "text/html"}, b"x" * (2 * 1024 * 1024))
    with pytest.raises(NarrascopeError) as e:
        fetch(f"{base}/big", IngestConfig(allow_private_urls=True, max_url_mb=1))
    assert e.value.code == Code.TOO_LARGE


def test_feed_with_no_items(tmp_path: Path, cli, stored: int) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "empty.rss"
    p.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>Nothing</title></channel></rss>', encoding="utf-8")
    r = cli("ingest", str(p), "-q")
    _assert_coded(r, Code.FEED_EMPTY, "empty.rss")


def test_unwritable_database(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    from narrascope.cli import app

    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for bad in (blocker / "corpus.db", tmp_path):  # parent is a file; path is a folder
        r = runner.invoke(app, ["ingest", str(BUNDLED), "--db", str(bad), "-q"])
        _assert_coded(r, Code.DB_UNWRITABLE, str(bad))


def test_corrupted_database_is_not_touched(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    from narrascope.cli import app

    bad = tmp_path / "corrupt.db"
    payload = b"this is not sqlite at all " * 200
    bad.write_bytes(payload)
    r = runner.invoke(app, ["ingest", str(BUNDLED), "--db", str(bad), "-q"])
    _assert_coded(r, Code.DB_CORRUPT, "corrupt.db")
    assert bad.read_bytes() == payload  # nothing overwritten


def test_foreign_sqlite_file_is_refused(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    from narrascope.cli import app

    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE mine (x)")
    con.execute("INSERT INTO mine VALUES (1)")
    con.commit()
    con.close()
    r = runner.invoke(app, ["ingest", str(BUNDLED), "--db", str(other), "-q"])
    _assert_coded(r, Code.DB_CORRUPT, "other.db")
    con = sqlite3.connect(other)
    assert con.execute("SELECT x FROM mine").fetchall() == [(1,)]


def test_damaged_database_pages(tmp_path: Path, db: Path, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("ingest", str(BUNDLED), "-q").exit_code == 0
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db.read_bytes())
    for i in range(4096, len(data), 7):  # scribble over every page after the header
        data[i] = 0xA5
    db.write_bytes(bytes(data))
    r = cli("ls")
    _assert_coded(r, Code.DB_CORRUPT, str(db))


def test_bad_config_key(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ingest]\nmax_file_mbb = 3\n")
    r = cli("ingest", str(BUNDLED), "--config", str(cfg))
    _assert_coded(r, Code.CONFIG, "c.toml")
    assert "ingest.max_file_mbb" in r.output
