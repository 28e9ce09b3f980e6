"""`narrascope taxonomy ...` and `narrascope semeval ...` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .errors import Code, NarrascopeError

taxonomy_app = typer.Typer(help="Narrative taxonomies: bundled (URW, CC) or your own YAML.", no_args_is_help=True)
semeval_app = typer.Typer(help="SemEval-2025 Task 10 formats: predict and score.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


@taxonomy_app.command("list")
def taxonomy_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Bundled taxonomies."""
    from .taxonomy import BUNDLED, bundled

    rows = [{"id": k, "name": bundled(k).name, "narratives": len(bundled(k).narratives),
             "subnarratives": sum(len(n.subnarratives) for n in bundled(k).narratives)} for k in BUNDLED]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    t = Table("id", "name", "narratives", "subnarratives")
    for r in rows:
        t.add_row(escape(r["id"]), escape(r["name"]), str(r["narratives"]), str(r["subnarratives"]))
    out.print(t)


@taxonomy_app.command("show")
def taxonomy_show(ref: str = typer.Argument(..., help="Bundled id (URW, CC) or a YAML file."),
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """Print a taxonomy's narratives and subnarratives."""
    from .cli import guarded
    from .taxonomy import load_taxonomy

    def run() -> None:
        tax = load_taxonomy(ref)
        if as_json:
            print(tax.model_dump_json(indent=2))
            return
        # a user's YAML: "[draft]" in a name is no style tag
        out.print(f"[bold]{escape(tax.id)}[/bold] {escape(tax.name)}: {escape(tax.description)}", highlight=False)
        for n in tax.narratives:
            out.print(f"  [bold]{escape(n.name)}[/bold] [dim]({len(n.examples)} examples)[/dim]", highlight=False)
            for s in n.subnarratives:
                out.print(f"    └ {escape(s.name)} [dim]({len(s.examples)} examples)[/dim]", highlight=False)

    guarded(run)


@taxonomy_app.command("validate")
def taxonomy_validate(path: Path = typer.Argument(..., help="Taxonomy YAML file.")) -> None:
    """Check a taxonomy file; exits non-zero with a coded error if it is invalid."""
    from .cli import guarded
    from .taxonomy import load_taxonomy_file

    def run() -> None:
        tax = load_taxonomy_file(path)
        out.print(f"ok: {escape(tax.id)} ({escape(tax.name)}): {len(tax.narratives)} narratives, "
                  f"{sum(len(n.subnarratives) for n in tax.narratives)} subnarratives", highlight=False)
        # Without training data the similarity mode reads a label's description and examples; a bare name is little to go on.
        bare = [n.name for n in tax.narratives if not n.description and not n.examples]
        bare += [f"{n.name}: {x.name}" for n in tax.narratives for x in n.subnarratives if not x.description and not x.examples]
        if bare:
            out.print(f"note: {len(bare)} label(s) have neither a description nor examples ({escape(', '.join(bare[:5]))}"
                      f"{', ...' if len(bare) > 5 else ''}): without training data narrascope matches articles against the "
                      "descriptions and examples, so give each a sentence or two", highlight=False)

    guarded(run)


def _doc_files(docs_dir: Path) -> list[Path]:
    if not docs_dir.is_dir():
        raise NarrascopeError(Code.NOT_FOUND, "documents folder not found", input=str(docs_dir))
    files = sorted(p for p in docs_dir.glob("*.txt") if p.is_file())
    if not files:
        raise NarrascopeError(Code.EMPTY, "no .txt documents in the folder", input=str(docs_dir))
    return files


def _read_doc(path: Path):  # type: ignore[no-untyped-def]
    from .api import read

    return next(read([path]))


def _in_order(files: list[Path], order: Path) -> list[Path]:
    """``files`` in the order their names take in ``order``'s first column;
    a name there with no document is an error (the scorer would refuse the
    file), documents it does not name follow, by name, with a warning."""
    from .eval.semeval import _tsv_rows

    ids = list(dict.fromkeys(row[0].strip() for row in _tsv_rows(order, 1, "a document id in the first column")))
    by_name = {f.name: f for f in files}
    missing = [i for i in ids if i not in by_name]
    if missing:
        raise NarrascopeError(Code.NOT_FOUND, f"{len(missing)} document(s) named in {order.name} are not in the folder "
                              f"(first: {missing[0]})", input=str(order), hint="give the folder the order file describes")
    named = set(ids)
    rest = [f for f in files if f.name not in named]
    if rest:
        err.print(f"[yellow]warning:[/] {len(rest)} documents are not named in {order.name} (first: {rest[0].name}); "
                  "their rows follow, by name", highlight=False)
    return [by_name[i] for i in ids] + rest


def _read_nonempty(path: Path, empty: list[str]):  # type: ignore[no-untyped-def]
    """The document, or None (its name kept in ``empty``) when it has no text.

    The official formats want a line for every document, and one empty file
    should not cost the predictions for the rest of the folder."""
    try:
        return _read_doc(path)
    except NarrascopeError as e:
        if e.code != Code.EMPTY:
            raise
        empty.append(path.name)
        return None


def _warn_empty(empty: list[str], total: int, what: str) -> None:
    if empty:
        err.print(f"[yellow]warning {Code.EMPTY.value}:[/] {len(empty)} of {total} documents have no text "
                  f"(first: {empty[0]}) and were {what}; check the export that produced them.", highlight=False)


@semeval_app.command("predict")
def semeval_predict(
    docs_dir: Path = typer.Argument(..., help="Folder of SemEval .txt documents (first line = title)."),
    subtask: int = typer.Option(..., "--subtask", help="1 (entity roles), 2 (narratives) or 3 (explanations)."),
    output: Path = typer.Option(..., "--output", "-o", help="Prediction file to write."),
    dominant: Optional[Path] = typer.Option(None, help="Subtask 3: id<TAB>dominant narrative<TAB>dominant subnarrative file."),
    mentions: Optional[Path] = typer.Option(None, help="Subtask 1: id<TAB>mention<TAB>start<TAB>end file (end inclusive)."),
    order: Optional[Path] = typer.Option(None, help="Subtask 2: write the rows in the order of the document ids in this file's first "
                                         "column (the gold file, say: the official scorer pairs rows by position). Default: by name."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", envvar="NARRASCOPE_CONFIG"),
) -> None:
    """Write predictions in the official SemEval-2025 Task 10 format."""
    from .cli import guarded
    from .config import load_settings
    from .eval.semeval import read_dominant, write_subtask2, write_subtask3
    from .progress import progress
    from .stages.explain import ExplainStage
    from .stages.narratives import NarrativesStage
    from .taxonomy import OTHER

    def run() -> None:
        if order is not None and subtask != 2:
            raise NarrascopeError(Code.BAD_OPTION, "--order is for subtask 2",
                                  hint="subtask 1 rows follow the mentions file, subtask 3 rows the dominant-narratives file")
        if subtask not in (1, 2, 3):
            raise NarrascopeError(Code.BAD_OPTION, f"--subtask {subtask} is not supported (1, 2 or 3)")
        settings = load_settings(config)
        if subtask == 1:
            if mentions is None:
                raise NarrascopeError(Code.BAD_OPTION, "subtask 1 needs --mentions FILE", hint="give the entity-mentions file")
            from .eval.roles import locate_mention, read_document, read_mention_lines, write_roles
            from .ingest.language import detect_language
            from .stages.roles import RolesStage

            roles = RolesStage.from_settings(settings)
            lines = read_mention_lines(mentions)
            ms = [row for _line, row in lines]
            by_doc: dict[str, list[int]] = {}
            for i, (doc_id, _m, _s, _e) in enumerate(ms):
                by_doc.setdefault(doc_id, []).append(i)
            preds: list = [None] * len(ms)  # type: ignore[type-arg]
            for doc_id, idx in by_doc.items():
                path = docs_dir / doc_id
                if not path.exists():
                    raise NarrascopeError(Code.NOT_FOUND, f"document '{doc_id}' named in {mentions.name} is not in the folder", input=str(path))
                text = read_document(path)
                # Offsets index the raw document; the file's end is inclusive.
                where = [locate_mention(text, ms[i][1], ms[i][2], ms[i][3] + 1, doc_id, str(mentions), lines[i][0]) for i in idx]
                for i, p in zip(idx, roles.classify(text, where, detect_language(text)[0])):
                    preds[i] = p
            write_roles(output, [(d, m, s, e, main, [r for r, _ in fine]) for (d, m, s, e), (main, _c, fine) in zip(ms, preds)])
        elif subtask == 2:
            stage = NarrativesStage.from_settings(settings)
            files = _doc_files(docs_dir)
            if order is not None:
                files = _in_order(files, order)
            rows = []
            empty: list[str] = []
            with progress("narratives", total=len(files), enabled=err.is_terminal) as bar:
                for f in files:
                    art = _read_nonempty(f, empty)
                    if art is None:
                        rows.append((f.name, [OTHER], [OTHER]))
                    else:
                        d = stage.predict(art)
                        rows.append((f.name, [n["label"] for n in d["narratives"]], [s["label"] for s in d["subnarratives"]]))
                    bar.advance()
            write_subtask2(output, rows)
            _warn_empty(empty, len(files), "labelled Other")
        else:
            if dominant is None:
                raise NarrascopeError(Code.BAD_OPTION, "subtask 3 needs --dominant FILE", hint="give the dominant-narratives file")
            ex = ExplainStage.from_settings(settings)
            rows3 = []
            empty3: list[str] = []
            todo = read_dominant(dominant)
            # A label the narrative model does not score has no evidence and no
            # description to choose sentences by: say so rather than explain it silently.
            scorer = ex.narratives.scorer
            known = {OTHER, *scorer.labels["coarse"], *scorer.labels["fine"]}
            unknown = [(d, n) for d, n, _sub in todo if n not in known]
            if unknown:
                err.print(f"[yellow]warning:[/] {len(unknown)} of {len(todo)} dominant narratives are in no loaded taxonomy "
                          f"(first: '{unknown[0][1]}' for {unknown[0][0]}); their explanations are the articles' opening "
                          "sentences. Load its taxonomy with --config (\\[stages.narratives] taxonomies).")
            with progress("explain", total=len(todo), enabled=err.is_terminal) as bar:
                for doc_id, narr, sub in todo:
                    path = docs_dir / doc_id
                    if not path.exists():
                        raise NarrascopeError(Code.NOT_FOUND, f"document '{doc_id}' named in {dominant.name} is not in the folder", input=str(path))
                    art = _read_nonempty(path, empty3)
                    if art is None:
                        rows3.append((doc_id, ""))
                    else:
                        res = ex.explain(art, narr, sub)
                        rows3.append((doc_id, res["text"] or " ".join(art.sentence_texts()[:2])))
                    bar.advance()
            write_subtask3(output, rows3)
            _warn_empty(empty3, len(todo), "given an empty explanation")
        err.print(f"wrote {output}")

    guarded(run)


def _warn_order(res: dict, pred: Path, script: str, names: dict[str, str], fix: str) -> None:  # type: ignore[type-arg]
    """The official scripts pair the n-th prediction row with the n-th gold
    row (subtask 1: for micro-F1 and main-role accuracy), so a file in
    another order gets different figures from them; narrascope pairs by id."""
    if res.get("same_order", True):
        return
    theirs = ", ".join(f"{names[k]} {v:.3f}" for k, v in res["official_script_as_ordered"].items())
    err.print(f"[yellow]warning:[/] the rows of {pred.name} are not in the gold file's order. narrascope pairs them by id; "
              f"the official {script} pairs them by position and would report {theirs} for this file. {fix}", highlight=False)


@semeval_app.command("score")
def semeval_score(
    subtask: int = typer.Option(..., "--subtask", help="1, 2 or 3."),
    gold: Path = typer.Option(..., help="Gold annotation file."),
    pred: Path = typer.Option(..., help="Prediction file."),
    classes_coarse: Optional[Path] = typer.Option(None, help="Subtask 2: coarse class list (default: official)."),
    classes_fine: Optional[Path] = typer.Option(None, help="Subtask 2: fine class list (default: official)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Official metrics: subtask 1 EMR, micro P/R/F1, main-role accuracy; subtask 2 F1-samples; subtask 3 offline metrics."""
    from .cli import guarded
    from .eval.semeval import score_subtask2, score_subtask3

    def run() -> None:
        if subtask == 1:
            from .eval.roles import score_roles

            res = score_roles(gold, pred)
            _warn_order(res, pred, "subtask1_scorer.py", {"micro_f1": "micro-F1", "main_role_accuracy": "main-role accuracy"},
                        "Keep the mentions file's order (semeval predict --subtask 1 writes its rows in that order).")
            if as_json:
                print(json.dumps(res, indent=2))
            else:
                print("EMR\tmicro-P\tmicro-R\tmicro-F1\tmain-acc")
                print(f"{res['exact_match_ratio']:.4f}\t{res['micro_precision']:.4f}\t{res['micro_recall']:.4f}\t{res['micro_f1']:.4f}\t{res['main_role_accuracy']:.4f}")
            return
        if subtask == 2:
            cc = classes_coarse.read_text(encoding="utf-8").split("\n") if classes_coarse else None
            cf = classes_fine.read_text(encoding="utf-8").split("\n") if classes_fine else None
            res = score_subtask2(gold, pred, cc, cf)
            if res["unknown_labels"]:
                first = res["first_unknown_label"]
                err.print(f"[yellow]warning:[/] {res['unknown_labels']} predicted label(s) are in no class list and count as "
                          f"misses, as in the official scorer; first '{first['label']}' for {first['id']}")
            _warn_order(res, pred, "subtask2_scorer.py", {"f1_coarse": "F1 coarse", "f1_fine": "F1 fine"},
                        "Write them in the gold order: semeval predict --subtask 2 ... --order GOLD.")
            if as_json:
                print(json.dumps(res, indent=2))
            else:
                print("Evaluation Results:")
                print(f"F1@coarse: {res['f1_coarse']:.3f} ({res['f1_coarse_std']:.3f})")
                print(f"F1@fine: {res['f1_fine']:.3f} ({res['f1_fine_std']:.3f})")
        elif subtask == 3:
            res = score_subtask3(gold, pred)
            if as_json:
                print(json.dumps(res, indent=2))
            else:
                for k, v in res.items():
                    print(f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}")
        else:
            raise NarrascopeError(Code.BAD_OPTION, f"--subtask {subtask} is not supported (1, 2 or 3)")

    guarded(run)


semeval2023_app = typer.Typer(help="SemEval-2023 Task 3 formats: persuasion techniques per paragraph.", no_args_is_help=True)


@semeval2023_app.command("predict")
def semeval2023_predict(
    articles_dir: Path = typer.Argument(..., help="Folder of articleID.txt files (one paragraph per line)."),
    template: Path = typer.Option(..., help="Template: article_id<TAB>paragraph_no<TAB>text per line."),
    output: Path = typer.Option(..., "--output", "-o"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", envvar="NARRASCOPE_CONFIG"),
) -> None:
    """Write article_id<TAB>paragraph_no<TAB>technique,technique for every template line."""
    from .cli import guarded
    from .config import load_settings
    from .eval.semeval2023 import read_template, write_paragraph_labels
    from .stages.persuasion import TechniquesStage

    def run() -> None:
        stage = TechniquesStage.from_settings(load_settings(config))
        rows = read_template(template)
        texts = []
        cache: dict[str, list[str]] = {}
        for art, par, text in rows:
            if not text.strip():
                p = articles_dir / f"article{art}.txt"
                if art not in cache:
                    if not p.exists():
                        raise NarrascopeError(Code.NOT_FOUND, f"article {art} named in the template is missing", input=str(p))
                    cache[art] = p.read_text(encoding="utf-8").split("\n")
                lines = cache[art]
                text = lines[par - 1] if 0 < par <= len(lines) else ""
            texts.append(text.strip())
        idx = [i for i, t in enumerate(texts) if t]
        labels: list[list[str]] = [[] for _ in texts]
        if idx:
            _, labs = stage.predict_texts([texts[i] for i in idx])
            for i, lab in zip(idx, labs):
                labels[i] = lab
        write_paragraph_labels(output, [(a, p, l) for (a, p, _), l in zip(rows, labels)])
        err.print(f"wrote {output} ({len(rows)} paragraphs)")

    guarded(run)


@semeval2023_app.command("score")
def semeval2023_score(gold: Path = typer.Option(...), pred: Path = typer.Option(...),
                      techniques: Optional[Path] = typer.Option(None, help="Class list (default: the 23 official techniques)."),
                      as_json: bool = typer.Option(False, "--json")) -> None:
    """micro-F1 and macro-F1 as the official subtask-3 scorer."""
    from .cli import guarded
    from .eval.semeval2023 import score_paragraphs

    def run() -> None:
        classes = [x for x in techniques.read_text(encoding="utf-8").splitlines() if x.strip()] if techniques else None
        res = score_paragraphs(gold, pred, classes)
        if as_json:
            print(json.dumps(res, indent=2))
        else:
            print(f"micro-F1={res['micro_f1']:.5f}\tmacro-F1={res['macro_f1']:.5f}")

    guarded(run)


@semeval2023_app.command("spans")
def semeval2023_spans(
    articles_dir: Path = typer.Argument(..., help="Folder of articleID.txt files (one paragraph per line)."),
    output: Path = typer.Option(..., "--output", "-o"),
    gated: bool = typer.Option(True, help="Only spans of techniques the paragraph classifier finds (as the stage does)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", envvar="NARRASCOPE_CONFIG"),
) -> None:
    """Write technique spans, article_id<TAB>technique<TAB>start<TAB>end (the span-file format of SemEval-2023 and
    SemEval-2020 TC), offsets into each article file."""
    from .cli import guarded
    from .config import load_settings
    from .ingest.language import detect_language
    from .stages.persuasion import TechniquesStage

    def run() -> None:
        stage = TechniquesStage.from_settings(load_settings(config))
        files = sorted(articles_dir.glob("article*.txt")) if articles_dir.is_dir() else []
        if not files:
            raise NarrascopeError(Code.NOT_FOUND, "no article*.txt files in the folder", input=str(articles_dir))
        rows = []
        for f in files:
            art = f.stem.removeprefix("article")
            with open(f, encoding="utf-8", newline="") as fh:  # offsets count every character
                text = fh.read()
            lang = detect_language(text)[0]
            paras, pos = [], 0
            for line in text.split("\n"):
                if len(line.strip()) >= stage.cfg.min_chars:
                    paras.append((pos, pos + len(line)))
                pos += len(line) + 1
            found = stage.predict_texts([text[a:b].strip() for a, b in paras])[1] if gated and paras else [None] * len(paras)
            for (start, end), only in zip(paras, found):
                if gated and not only:
                    continue
                for t, a, b, _sc in stage.span_model.spans(text, start, end, only=only, shift=stage.cfg.span_threshold_shift, language=lang):
                    rows.append(f"{art}\t{t}\t{a}\t{b}\n")
        output.write_text("".join(rows), encoding="utf-8")
        err.print(f"wrote {output} ({len(rows)} spans in {len(files)} articles)")

    guarded(run)


@semeval2023_app.command("score-spans")
def semeval2023_score_spans(
    gold: Path = typer.Option(..., help="Gold span file, or a folder of them (train-labels-subtask-3-spans/)."),
    pred: Path = typer.Option(..., help="Predicted span file (article_id<TAB>technique<TAB>start<TAB>end)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Span precision/recall/F1 as the SemEval-2020 Task 11 scorer (partial overlap), technique-matched and
    technique-agnostic (SI); articles without a gold file are left out."""
    from .cli import guarded
    from .eval.spans import span_prf
    from .train.spans import read_span_file

    def run() -> None:
        g = read_span_file(gold)
        p = {a: v for a, v in read_span_file(pred).items() if a in g}
        res = {"technique": span_prf(g, p), "si": span_prf(g, p, by_technique=False), "articles": len(g)}
        if as_json:
            print(json.dumps(res, indent=2))
        else:
            for k in ("technique", "si"):
                r = res[k]
                print(f"{k:9s} P={r['precision']:.5f}\tR={r['recall']:.5f}\tF1={r['f1']:.5f}")

    guarded(run)
