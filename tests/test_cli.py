"""The CLI in-process: every command, readable and JSON output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from narrascope.cli import app

from .conftest import BUNDLED, COALITION, need

COMMANDS = ["ingest", "analyze", "ls", "show", "export", "stats", "failures", "stages", "where"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner, command: str) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(app, [command, "--help"])
    assert r.exit_code == 0 and "Usage" in r.output


def test_analyze_example_then_show(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("analyze", str(need(COALITION)), "-q")
    assert r.exit_code == 0, r.output
    assert "Coalition Urges Biden" in r.output and "removed boilerplate" in r.output
    r = cli("ls", "--json")
    [row] = [json.loads(x) for x in r.output.splitlines() if x.startswith("{")]
    assert row["language"] == "en" and row["title"].startswith("Coalition Urges Biden")
    r = cli("show", row["id"][:10], "--json")
    rec = json.loads(r.output)
    assert rec["id"] == row["id"] and rec["sentences"] and rec["removed"]
    s0, e0 = rec["sentences"][1]
    assert rec["clean_text"][s0:e0].startswith("More than a dozen progressive organizations")
    r = cli("show", "article_coalition-urges-diplomacy.txt")  # by external id
    assert r.exit_code == 0 and "Coalition Urges Biden" in r.output
    r = cli("show", "ffffffffffff")
    assert r.exit_code == 1 and "NS304" in r.output


def test_ls_table_stats_and_failures(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    r = cli("ingest", str(BUNDLED), str(bad), "-q")
    assert r.exit_code == 1 and "1 added" in r.output and "NS102" in r.output
    r = cli("ls")
    assert "Lawmakers Split" in r.output and "1 of 1 articles" in r.output
    # On an 80-column terminal the fixed columns stay readable; only the title is cut.
    ident = json.loads(cli("ls", "--json").output.splitlines()[0])["id"]
    assert ident[:12] in r.output and " en " in r.output
    r = cli("stats", "--json")
    s = json.loads(r.output)
    assert s["articles"] == 1 and s["languages"] == {"en": 1} and s["failures"] == 1
    assert "1 articles" in cli("stats").output
    r = cli("failures", "--json")
    assert json.loads(r.output)[0]["code"] == "NS102"
    r = cli("ls", "--since", "not-a-date")
    assert r.exit_code == 1 and "NS405" in r.output


def test_export_formats(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", str(BUNDLED), "-q")
    mixed = tmp_path / "mixed.txt"  # Latin o's inside Russian words
    mixed.write_text("Удар пo пляжу\n\nВo время удара пo пляжу были ранены двое жителей города.", encoding="utf-8")
    cli("ingest", str(mixed), "-q")
    j = tmp_path / "out.jsonl"
    assert cli("export", "--format", "jsonl", "-o", str(j)).exit_code == 0
    rec, rec_mixed = [json.loads(x) for x in j.read_text().splitlines()]
    listed = [json.loads(x)["id"] for x in cli("ls", "--homoglyphs", "--json").output.splitlines()]
    assert listed == [rec_mixed["id"]]  # only the article with disguised words
    assert [h["original"] for h in rec_mixed["meta"]["homoglyphs"]] == ["пo", "Вo", "пo"]
    assert rec["title"] == "Lawmakers Split Over Sanctions as Energy Bills Climb" and rec["raw_text"]
    c = tmp_path / "out.csv"
    assert cli("export", "-f", "csv", "-o", str(c)).exit_code == 0
    row, row_mixed = list(csv.DictReader(c.open(encoding="utf-8")))
    assert row["language"] == "en" and int(row["n_sentences"]) > 5
    assert (row["n_homoglyph_words"], row_mixed["n_homoglyph_words"]) == ("0", "3")
    assert row["narratives"] == "" and row["entities"] == ""  # not analysed yet: empty, not made up
    pq = pytest.importorskip("pyarrow.parquet")
    p = tmp_path / "out.parquet"
    assert cli("export", "-f", "parquet", "-o", str(p)).exit_code == 0
    t = pq.read_table(p)
    assert t.num_rows == 2 and t.column("title").to_pylist() == [rec["title"], "Удар по пляжу"]
    assert t.column("n_homoglyph_words").to_pylist() == [0, 3]
    r = cli("export", "-f", "xml")
    assert r.exit_code == 1 and "NS405" in r.output
    r = cli("export", "-f", "jsonl")  # stdout
    assert json.loads(r.stdout.splitlines()[0])["id"] == rec["id"]


def test_stages_lists_prepare_stages(runner) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(app, ["stages", "--json"])
    names = {x["name"]: x["kind"] for x in json.loads(r.output)}
    assert names["clean"] == names["language"] == names["segment"] == "prepare"


def test_default_db_location(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NARRASCOPE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    r = runner.invoke(app, ["where"])
    assert r.output.strip() == str(tmp_path / "xdg" / "narrascope" / "corpus.db")
    r = runner.invoke(app, ["ingest", str(BUNDLED), "-q"])
    assert r.exit_code == 0 and (tmp_path / "xdg" / "narrascope" / "corpus.db").exists()
    assert "1 of 1" in runner.invoke(app, ["ls"]).output


def test_dedup_option_validated(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("ingest", str(BUNDLED), "--dedup", "maybe")
    assert r.exit_code == 2 and "NS405" in r.output


def test_bracketed_words_are_shown_not_read_as_markup(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # An editor's insertion in a quotation ("looked at [the correlations]") or a title's "[video]" are the
    # article's words; rich read them as style tags and dropped them ("looked at .").
    doc = tmp_path / "esg.txt"
    doc.write_text(
        "[video] ESG scores [the ratings] say nothing about pollution\n\n"
        "Felix Goltz told the Financial Times: “It doesn’t seem that people have actually looked at [the correlations]. "
        "They are surprisingly low.” The carbon intensity reduction of green [ie low carbon intensity] portfolios is "
        "cancelled out by ESG objectives [the researchers found]. Climate policies [of the government] are a scam "
        "[sic] that costs families [and farmers] billions.\n", encoding="utf-8")
    assert cli("analyze", str(doc), "-q").exit_code == 0
    listing = cli("ls").output
    assert "[video] E" in listing  # the title column is cut on an 80-column terminal
    r = cli("show", "esg.txt", "--text")
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "[video] ESG scores [the ratings]" in out
    assert "looked at [the correlations]." in out and "looked at ." not in out
    explanation = out.split("(extractive)")[1]
    assert explanation.count("[") >= 2 and "[sic]" in out
