"""The `narrascope` command: a thin Typer layer over narrascope.api."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .api import Corpus
from .config import default_db_path, load_settings
from .errors import Code, NarrascopeError
from .export import FORMATS, article_record
from .ingest.options import FieldMap, parse_date
from .pipeline import RunReport

app = typer.Typer(
    help="narrascope: narratives, framing, persuasion and fact-checked claims in news, with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
T = TypeVar("T")
# `analyze` prints the analysis of a few articles (the README's first command
# gives two); more would scroll past: `show ID` or `ls` then.
SHOW_AT_MOST = 3

DbOpt = typer.Option(None, "--db", help="Corpus database file (default: $NARRASCOPE_DB or ~/.local/share/narrascope/corpus.db).", envvar="NARRASCOPE_DB")
ConfigOpt = typer.Option(None, "--config", "-c", help="TOML config file (unknown keys are rejected).", envvar="NARRASCOPE_CONFIG")


def fail(e: NarrascopeError, code: int = 1) -> None:
    err.print(f"[red]error[/red] {escape(str(e))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guarded(fn: Callable[[], T]) -> T:
    """Run fn; print coded errors on one line and exit non-zero."""
    try:
        return fn()
    except NarrascopeError as e:
        fail(e)
        raise  # unreachable


def _corpus(db: Optional[Path], config: Optional[Path], readonly: bool = False, **overrides: Any) -> Corpus:
    settings = load_settings(config, **overrides)
    return Corpus(db=db, settings=settings, readonly=readonly)


def _fields(text_field: str, title_field: Optional[str], id_field: Optional[str], url_field: Optional[str],
            date_field: Optional[str], source_field: Optional[str]) -> FieldMap:
    return FieldMap(text=text_field, title=title_field, id=id_field, url=url_field, date=date_field, source=source_field)


def _print_report(report: RunReport, db: Path, verb: str) -> None:
    for e in report.errors[:50]:
        err.print(f"[yellow]skipped[/yellow] {escape(str(e))}", highlight=False, soft_wrap=True)
    if len(report.errors) > 50:
        err.print(f"... and {len(report.errors) - 50} more; see `narrascope failures`")
    parts = [f"{report.added} added", f"{report.existing} already stored"]
    if report.near_duplicates:
        parts.append(f"{report.near_duplicates} near-duplicates linked")
    if report.skipped_duplicates:
        parts.append(f"{report.skipped_duplicates} near-duplicates skipped")
    if verb == "analyze":
        parts.append(f"{report.analysed} analysed")
    parts.append(f"{report.failed} failed")
    err.print(f"{verb}: {', '.join(parts)} -> {db}", highlight=False)


# Options shared by ingest and analyze (one definition, two commands).
_src_help = "Files, folders, URLs or feeds (.txt, .html, .jsonl, .csv, RSS/Atom, SemEval folders)."
TextFieldOpt = typer.Option("text", help="JSONL/CSV field holding the article text.")
TitleFieldOpt = typer.Option("title", help="JSONL/CSV field holding the title.")
IdFieldOpt = typer.Option("id", help="JSONL/CSV field holding your id.")
UrlFieldOpt = typer.Option("url", help="JSONL/CSV field holding the URL.")
DateFieldOpt = typer.Option("date", help="JSONL/CSV field holding the publication date.")
SourceFieldOpt = typer.Option("source", help="JSONL/CSV field holding the outlet.")
GlobOpt = typer.Option(None, help="Only files matching this pattern in folders, e.g. '*.txt'.")
NoRecursiveOpt = typer.Option(False, "--no-recursive", help="Do not descend into sub-folders.")
DedupOpt = typer.Option(None, help="Near-duplicates: link (keep and link), skip, or off.")
AllowPrivateOpt = typer.Option(False, "--allow-private", help="Allow URLs on private/loopback addresses.")
QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress bar.")


@app.command()
def ingest(
    sources: list[str] = typer.Argument(..., help=_src_help),
    db: Optional[Path] = DbOpt,
    config: Optional[Path] = ConfigOpt,
    text_field: str = TextFieldOpt,
    title_field: Optional[str] = TitleFieldOpt,
    id_field: Optional[str] = IdFieldOpt,
    url_field: Optional[str] = UrlFieldOpt,
    date_field: Optional[str] = DateFieldOpt,
    source_field: Optional[str] = SourceFieldOpt,
    glob: Optional[str] = GlobOpt,
    no_recursive: bool = NoRecursiveOpt,
    dedup: Optional[str] = DedupOpt,
    allow_private: bool = AllowPrivateOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Read, clean and store articles (idempotent; re-run to resume)."""
    _ingest_or_analyze("ingest", locals())


@app.command()
def analyze(
    sources: Optional[list[str]] = typer.Argument(None, help=_src_help + " Without sources: every stored article lacking results."),
    db: Optional[Path] = DbOpt,
    config: Optional[Path] = ConfigOpt,
    stages: Optional[str] = typer.Option(None, help="Comma-separated analysis stages to run (default: all installed)."),
    null: Optional[str] = typer.Option(None, help="Comma-separated stages to replace by their null version."),
    redo: bool = typer.Option(False, help="Recompute results that are already stored."),
    text_field: str = TextFieldOpt,
    title_field: Optional[str] = TitleFieldOpt,
    id_field: Optional[str] = IdFieldOpt,
    url_field: Optional[str] = UrlFieldOpt,
    date_field: Optional[str] = DateFieldOpt,
    source_field: Optional[str] = SourceFieldOpt,
    glob: Optional[str] = GlobOpt,
    no_recursive: bool = NoRecursiveOpt,
    dedup: Optional[str] = DedupOpt,
    allow_private: bool = AllowPrivateOpt,
    quiet: bool = QuietOpt,
    show: bool = typer.Option(True, "--show/--no-show", help=f"Print each article's analysis when at most {SHOW_AT_MOST} were given."),
) -> None:
    """Ingest SOURCES and run every installed analysis stage on them."""
    _ingest_or_analyze("analyze", locals())


def _ingest_or_analyze(verb: str, a: dict[str, Any]) -> None:
    overrides: dict[str, Any] = {}
    if a.get("dedup"):
        if a["dedup"] not in ("link", "skip", "off"):
            fail(NarrascopeError(Code.BAD_OPTION, f"--dedup must be link, skip or off, not '{a['dedup']}'"), 2)
        overrides["dedup"] = {"mode": a["dedup"]}
    if a.get("allow_private"):
        overrides["ingest"] = {"allow_private_urls": True}

    def run() -> None:
        corpus = _corpus(a["db"], a["config"], **overrides)
        with corpus:
            fields = _fields(a["text_field"], a["title_field"], a["id_field"], a["url_field"], a["date_field"], a["source_field"])
            kw = dict(fields=fields, glob=a["glob"], recursive=not a["no_recursive"], show_progress=not a["quiet"] and sys.stderr.isatty(),
                      command=f"{verb} " + " ".join(sys.argv[2:]))
            if verb == "ingest":
                report = corpus.ingest(a["sources"], **kw)
            else:
                stages = [s.strip() for s in a["stages"].split(",") if s.strip()] if a["stages"] else None
                null = {s.strip() for s in a["null"].split(",") if s.strip()} if a["null"] else set()
                report = corpus.analyze(a["sources"] or None, stages=stages, null=null, redo=a["redo"], **kw)
            _print_report(report, corpus.db, verb)
            ids = list(dict.fromkeys(report.article_ids))
            if verb == "analyze" and a["show"] and len(ids) <= SHOW_AT_MOST:
                for i in ids:
                    _show_article(corpus.get(i))
            if report.failed:
                raise typer.Exit(1)

    guarded(run)


@app.command("ls")
def ls(
    db: Optional[Path] = DbOpt,
    config: Optional[Path] = ConfigOpt,
    language: Optional[str] = typer.Option(None, "--lang", help="Only this language (ISO code)."),
    source: Optional[str] = typer.Option(None, help="Only this source/outlet."),
    since: Optional[str] = typer.Option(None, help="Published on or after (date)."),
    until: Optional[str] = typer.Option(None, help="Published before (date)."),
    search: Optional[str] = typer.Option(None, "--search", "-s", help="Text in the title or body."),
    duplicates: str = typer.Option("include", help="include, exclude or only near-duplicates."),
    narrative: Optional[str] = typer.Option(None, "--narrative", "-n", help="Carrying this narrative or subnarrative (a label or its beginning, e.g. 'URW: Discrediting Ukraine')."),
    entity: Optional[str] = typer.Option(None, help="Naming this entity, cast in a role or not (part of its name, any case)."),
    role: Optional[str] = typer.Option(None, help="With an entity in this main role: Protagonist, Antagonist or Innocent (with --entity: that entity)."),
    homoglyphs: bool = typer.Option(False, "--homoglyphs", help="Only articles with words that mix Latin and Cyrillic look-alikes (a filter-evasion sign)."),
    limit: int = typer.Option(50, help="At most this many rows (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """List stored articles."""

    def run() -> None:
        if role is not None and role not in ("Protagonist", "Antagonist", "Innocent"):
            raise NarrascopeError(Code.BAD_OPTION, f"unknown role '{role}'", hint="use Protagonist, Antagonist or Innocent")
        with _corpus(db, config, readonly=True) as c:
            kw = dict(language=language, source=source, since=_date(since, "--since"), until=_date(until, "--until"),
                      search=search, duplicates=duplicates, narrative=narrative, entity=entity, role=role, homoglyphs=homoglyphs,
                      limit=limit or None, full=False)
            rows = list(c.articles(**kw))
            if as_json:
                for r in rows:
                    print(json.dumps(_summary(r), ensure_ascii=False))
                return
            # Fixed columns keep their width; only the title gives way on a narrow terminal.
            t = Table(show_lines=False)
            t.add_column("id", no_wrap=True, min_width=12)
            t.add_column("published", no_wrap=True, min_width=10)
            t.add_column("lang", no_wrap=True, min_width=4)
            t.add_column("source", no_wrap=True, overflow="ellipsis", max_width=24)
            # borders and padding take 3 characters per column
            title_w = max(12, out.width - 12 - 10 - 4 - min(24, max((len(r.source or "") for r in rows), default=6))
                          - (12 if any(r.duplicate_of for r in rows) else 6) - 3 * 6 - 1)
            t.add_column("title", no_wrap=True, overflow="ellipsis", max_width=title_w)
            t.add_column("dup of", no_wrap=True)
            for r in rows:
                t.add_row(r.id[:12], r.published.date().isoformat() if r.published else "", r.language or "",
                          escape((r.source or "")[:24]), escape((r.title or "")[:70]), (r.duplicate_of or "")[:12])
            out.print(t)
            total = c.count(language=language, source=source, since=_date(since, "--since"), until=_date(until, "--until"), search=search,
                            duplicates=duplicates, narrative=narrative, entity=entity, role=role, homoglyphs=homoglyphs)
            err.print(f"{len(rows)} of {total} articles")

    guarded(run)


def _date(s: Optional[str], opt: str) -> Optional[datetime]:
    if not s:
        return None
    d = parse_date(s)
    if d is None:
        raise NarrascopeError(Code.BAD_OPTION, f"{opt}: '{s}' is not a date", hint="use YYYY-MM-DD")
    return d


def _summary(a: Any) -> dict[str, Any]:
    return {"id": a.id, "external_id": a.external_id, "title": a.title, "url": a.url, "source": a.source,
            "published": a.published.isoformat() if a.published else None, "language": a.language,
            "duplicate_of": a.duplicate_of}


@app.command()
def show(
    article_id: str = typer.Argument(..., metavar="ID", help="Article id, unique id prefix, or your external id."),
    db: Optional[Path] = DbOpt,
    config: Optional[Path] = ConfigOpt,
    as_json: bool = typer.Option(False, "--json", help="The full record as JSON."),
    text: bool = typer.Option(False, "--text", help="Also print the clean text."),
) -> None:
    """Show one article with its analysis and evidence."""

    def run() -> None:
        with _corpus(db, config, readonly=True) as c:
            a = c.get(article_id)
            if as_json:
                print(json.dumps(article_record(a), ensure_ascii=False, indent=2))
            else:
                _show_article(a, text)

    guarded(run)


def _show_article(a: Any, text: bool = False) -> None:
    from .render import render_article

    render_article(out, a, text)


@app.command("export")
def export_cmd(
    fmt: str = typer.Option("jsonl", "--format", "-f", help=f"One of {', '.join(FORMATS)}."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Output file ('-' or none: stdout)."),
    db: Optional[Path] = DbOpt,
    config: Optional[Path] = ConfigOpt,
    language: Optional[str] = typer.Option(None, "--lang", help="Only this language."),
    source: Optional[str] = typer.Option(None, help="Only this source."),
    duplicates: str = typer.Option("include", help="include, exclude or only near-duplicates."),
) -> None:
    """Export stored articles and their results."""

    def run() -> None:
        with _corpus(db, config, readonly=True) as c:
            n = c.export(output, fmt, language=language, source=source, duplicates=duplicates)
            err.print(f"exported {n} articles" + (f" to {output}" if output and output != "-" else ""))

    guarded(run)


@app.command()
def stats(db: Optional[Path] = DbOpt, config: Optional[Path] = ConfigOpt,
          as_json: bool = typer.Option(False, "--json", help="JSON output.")) -> None:
    """Corpus statistics: articles by language, source, stage, narrative, technique and entity role."""

    def run() -> None:
        with _corpus(db, config, readonly=True) as c:
            s = c.stats()
            if as_json:
                print(json.dumps(s, ensure_ascii=False, indent=2))
                return
            out.print(f"[bold]{s['articles']}[/bold] articles in {s['db']} ({s['near_duplicates']} near-duplicates, {s['failures']} failures recorded)")
            if s["published"]["first"]:
                out.print(f"published {s['published']['first'][:10]} .. {s['published']['last'][:10]}")
            for key in ("languages", "sources", "stages", "narratives", "techniques", "entity_roles"):
                if s.get(key):
                    t = Table(key[:-1].replace("_", " "), "articles")
                    for k, v in s[key].items():
                        t.add_row(str(k), str(v))
                    out.print(t)

    guarded(run)


@app.command()
def failures(db: Optional[Path] = DbOpt, config: Optional[Path] = ConfigOpt,
             limit: int = typer.Option(50, help="Most recent N."), as_json: bool = typer.Option(False, "--json")) -> None:
    """Inputs and articles that failed, with their error codes."""

    def run() -> None:
        with _corpus(db, config, readonly=True) as c:
            rows = c.failures(limit)
            if as_json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
                return
            for r in rows:
                where = (r["input"] or "") + (f", {r['locator']}" if r["locator"] else "")
                out.print(escape(f"{r['at'][:19]} {r['code']} {r['message']} [{where}]" + (f" (stage {r['stage']})" if r["stage"] else "")), highlight=False)
            if not rows:
                out.print("no failures recorded")

    guarded(run)


@app.command("stages")
def stages_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """List installed stages (prepare stages run at ingest)."""
    from .stages.registry import specs

    rows = [{"name": s.name, "kind": s.kind, "description": s.description} for s in specs()]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    t = Table("stage", "kind", "description")
    for r in rows:
        t.add_row(r["name"], r["kind"], r["description"])
    out.print(t)


@app.command()
def where() -> None:
    """Print the default database path."""
    print(default_db_path())


from .cli_train import train_app  # noqa: E402

from .cli_semeval import semeval2023_app, semeval_app, taxonomy_app  # noqa: E402

app.add_typer(train_app, name="train")
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(semeval_app, name="semeval")
app.add_typer(semeval2023_app, name="semeval2023")

from .cli_claims import claims_app, library_app  # noqa: E402

app.add_typer(library_app, name="library")
app.add_typer(claims_app, name="claims")


def main() -> None:
    try:
        app()
    except NarrascopeError as e:  # errors raised outside `guarded` (e.g. config)
        err.print(f"[red]error[/red] {escape(str(e))}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
