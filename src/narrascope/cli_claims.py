"""`narrascope library ...` and `narrascope claims ...` commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .errors import Code, NarrascopeError

library_app = typer.Typer(help="The fact-check / counter-narrative library stored with the corpus.", no_args_is_help=True)
claims_app = typer.Typer(help="Match claims to the library; score rankings.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
DbOpt = typer.Option(None, "--db", "--library", help="Corpus database holding the library.", envvar="NARRASCOPE_DB")


def _store(db: Optional[Path], readonly: bool = False) -> Any:
    from .api import Corpus

    return Corpus(db=db, readonly=readonly)


@library_app.command("import")
def library_import(
    paths: list[Path] = typer.Argument(..., help="ClaimReview JSON/JSON-LD/HTML, JSONL/CSV records, counter-narrative .txt pages, or folders."),
    db: Optional[Path] = DbOpt,
    fmt: str = typer.Option("auto", "--format", help="auto, claimreview, records or counter."),
    claim_field: str = typer.Option("claim", help="Records: field with the claim text."),
    id_field: Optional[str] = typer.Option("id", help="Records: field with the entry id."),
    title_field: Optional[str] = typer.Option("title", help="Records: field with the title."),
    body_field: Optional[str] = typer.Option(None, help="Records: field with a longer text (split into passages)."),
    url_field: Optional[str] = typer.Option("url", help="Records: URL field."),
    rating_field: Optional[str] = typer.Option("rating", help="Records: verdict field."),
    date_field: Optional[str] = typer.Option("date", help="Records: date field."),
    context_field: list[str] = typer.Option([], "--context-field", help="Records: field appended to the claim's passage, e.g. a subtitle (repeatable)."),
    narrative: list[str] = typer.Option([], "--narrative", help="Tag the imported entries with a taxonomy label (repeatable)."),
    embedder: str = typer.Option("use", help="use (default), e5 (wider language coverage, slower) or hashing."),
) -> None:
    """Import fact-checks and counter-narratives (re-import is idempotent)."""
    from .claims.library import RecordFields
    from .claims.service import import_library
    from .cli import guarded
    from .progress import progress

    def run() -> None:
        fields = RecordFields(claim=claim_field, id=id_field, title=title_field, body=body_field, url=url_field,
                              rating=rating_field, date=date_field, context=tuple(context_field))
        with _store(db) as c:
            with progress("import", enabled=err.is_terminal) as bar:
                rep = import_library(c.store, paths, fmt, fields, narrative, embedder, progress=bar.advance)
            for e in rep.errors[:50]:
                err.print(f"[yellow]skipped[/yellow] {escape(str(e))}", highlight=False, soft_wrap=True)
            err.print(f"library: {rep.added} added, {rep.updated} updated, {rep.unchanged} unchanged, {rep.failed} failed -> {c.db}")
            if rep.failed:
                raise typer.Exit(1)

    guarded(run)


@library_app.command("ls")
def library_ls(db: Optional[Path] = DbOpt, limit: int = typer.Option(50), kind: Optional[str] = typer.Option(None),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """List library entries."""
    from .cli import guarded

    def run() -> None:
        with _store(db, readonly=True) as c:
            rows = c.store.library_entries(limit or None, kind)
            if as_json:
                for r in rows:
                    print(json.dumps({k: r[k] for k in ("id", "kind", "claim", "rating", "url", "narratives", "passages")}, ensure_ascii=False))
                return
            t = Table()
            t.add_column("id", no_wrap=True, min_width=10, max_width=28)
            t.add_column("kind", no_wrap=True, min_width=7, max_width=18)
            t.add_column("rating", no_wrap=True, min_width=6, max_width=12)
            t.add_column("passages", justify="right", min_width=3)
            t.add_column("claim", no_wrap=True, overflow="ellipsis", ratio=1)
            for r in rows:
                t.add_row(escape(r["id"][:28]), r["kind"], escape((r["rating"] or "")[:12]), str(r["passages"]), escape(r["claim"]))
            out.print(t)

    guarded(run)


@library_app.command("show")
def library_show(entry_id: str = typer.Argument(..., metavar="ID"), db: Optional[Path] = DbOpt,
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one library entry with its passages."""
    from .cli import guarded

    def run() -> None:
        with _store(db, readonly=True) as c:
            e = c.store.library_get(entry_id)
            if as_json:
                print(json.dumps(e, ensure_ascii=False, indent=2))
                return
            out.print(f"[bold]{escape(e['claim'])}[/bold]\n{e['kind']} · {e['id']}" + (f" · {e['rating']}" if e["rating"] else ""), highlight=False)
            if e["url"]:
                out.print(e["url"], highlight=False)
            if e["narratives"]:
                out.print("answers: " + "; ".join(e["narratives"]), highlight=False)
            for p in e["passages"]:
                out.print(f"  [{p['idx']}] {escape(p['text'])}", highlight=False)

    guarded(run)


@library_app.command("rm")
def library_rm(entry_ids: list[str] = typer.Argument(..., metavar="ID..."), db: Optional[Path] = DbOpt) -> None:
    """Remove library entries."""
    from .cli import guarded

    def run() -> None:
        with _store(db) as c:
            for eid in entry_ids:
                full = c.store.library_get(eid)["id"]
                c.store.library_delete(full)
                err.print(f"removed {full}")

    guarded(run)


def _read_queries(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        raise NarrascopeError(Code.NOT_FOUND, "queries file not found", input=str(path))
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh, delimiter="\t"), 1):
            if not row or not row[0].strip():
                continue
            if len(row) < 2:
                raise NarrascopeError(Code.BAD_OPTION, "expected id<TAB>text", input=str(path), locator=f"line {i}")
            if i == 1 and row[0].lower() in ("id", "qid", "tweet_id") and row[1].lower() in ("text", "tweet_text", "query"):
                continue  # header
            rows.append((row[0], row[1]))
    if not rows:
        raise NarrascopeError(Code.EMPTY, "no queries", input=str(path))
    return rows


@claims_app.command("match")
def claims_match(
    queries: Path = typer.Argument(..., help="TSV id<TAB>text (e.g. tweets or claims)."),
    db: Optional[Path] = DbOpt,
    k: int = typer.Option(5, "-k", help="Entries per query."),
    fmt: str = typer.Option("trec", "--format", help="trec or jsonl."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Output file (default: stdout)."),
    threshold: Optional[float] = typer.Option(None, help="Only matches with a fused score at least this (default: none for trec)."),
    alpha: float = typer.Option(0.25, help="Weight of the dense score in the fusion (0: BM25 only, 1: dense only)."),
) -> None:
    """Rank library entries for each query: TREC run lines 'qid Q0 docid rank score narrascope'."""
    from .claims.matcher import Matcher
    from .claims.trec import write_run
    from .cli import guarded

    def run() -> None:
        qs = _read_queries(queries)
        with _store(db, readonly=True) as c:
            m = Matcher.from_store(c.store, alpha=alpha)
            results = m.search([t for _, t in qs], k=k, threshold=threshold)
        if fmt == "trec":
            run_ = {qid: [(x.entry_id, x.score) for x in ms] for (qid, _), ms in zip(qs, results)}
            if output:
                write_run(output, run_)
            else:
                for qid, docs in run_.items():
                    for rank, (d, s) in enumerate(docs, 1):
                        print(f"{qid}\tQ0\t{d}\t{rank}\t{s:.6f}\tnarrascope")
        elif fmt == "jsonl":
            lines = [json.dumps({"id": qid, "matches": [x.__dict__ for x in ms]}, ensure_ascii=False) for (qid, _), ms in zip(qs, results)]
            if output:
                output.write_text("\n".join(lines) + "\n", encoding="utf-8")
            else:
                print("\n".join(lines))
        else:
            raise NarrascopeError(Code.BAD_OPTION, f"--format must be trec or jsonl, not '{fmt}'")
        if output:
            err.print(f"wrote {output}")

    guarded(run)


@claims_app.command("score")
def claims_score(qrels: Path = typer.Option(..., help="TREC qrels: qid 0 docid relevance."),
                 run: Path = typer.Option(..., help="TREC run file."),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """MAP@k, MRR and success@k as the CheckThat! scorer computes them."""
    from .claims.trec import evaluate, read_qrels, read_run
    from .cli import guarded

    def go() -> None:
        res = evaluate(read_qrels(qrels), read_run(run))
        if as_json:
            print(json.dumps(res, indent=2))
        else:
            for key in ("map@1", "map@3", "map@5", "map@10", "mrr", "success@1", "success@5", "success@10"):
                print(f"{key:11s} {res[key]:.4f}")
            print(f"queries     {res['queries']}")

    guarded(go)
