"""`narrascope train ...`: reproduce the shipped model heads."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

from .errors import Code, NarrascopeError

train_app = typer.Typer(help="Train model heads (needs `pip install 'narrascope\\[train]'`).", no_args_is_help=True)

BUNDLED_NARRATIVES = Path(__file__).parent / "data" / "models" / "narratives"


def shown(path: Path | None) -> str:
    """A data path as the model card records it: relative to the working
    folder, so the recorded command reproduces the artifact from a checkout
    beside the data (an absolute path would name the trainer's machine)."""
    if path is None:
        return ""
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:  # another drive (Windows)
        return str(path)


def semeval_language_folders(root: Path) -> list[Path]:
    from .ingest.semeval import is_semeval_folder

    if is_semeval_folder(root):
        return [root]
    subs = sorted(p for p in root.iterdir() if is_semeval_folder(p)) if root.is_dir() else []
    if not subs:
        raise NarrascopeError(Code.BAD_SEMEVAL, "no SemEval language folders (with raw-documents/) here", input=str(root))
    return subs


@train_app.command("narratives")
def train_narratives_cmd(
    semeval: Optional[Path] = typer.Option(None, help="SemEval-2025 Task 10 train folder (language subfolders) or one language folder."),
    data: Optional[Path] = typer.Option(None, help="Your labelled JSONL: {\"text\", \"title\", \"labels\": [...]} per line."),
    taxonomy: list[str] = typer.Option(["URW", "CC"], help="Taxonomy ids or YAML files whose labels are learnt."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Model folder (default: the bundled model when training on SemEval)."),
    folds: int = typer.Option(5, help="Cross-validation folds for thresholds and calibration."),
    seed: int = typer.Option(0),
    embedder: str = typer.Option("use", help="Sentence embedder: use, e5, hashing."),
    label_examples: bool = typer.Option(True, "--label-examples/--no-label-examples", help="Also learn from the taxonomies' subnarrative descriptions and example sentences (label heads only; never scored on)."),
    other_share: Optional[float] = typer.Option(None, min=0.01, max=0.99, help="Expected share of articles without a narrative in what you will analyse; tunes how often the gate says Other (default: the pooled share of the training data)."),
    language_view: Optional[list[str]] = typer.Option(None, metavar="LANG=EMBEDDER", help="Read one language's documents with a second embedder too, e.g. hi=e5 (repeatable; 'none': no view). Default: hi=e5, for Hindi, which USE does not read."),
    decision: str = typer.Option("expected_f1", help="How the model decides labels: expected_f1 (the likeliest labels, as many as maximise expected F1) or thresholds (tuned per label and language); both are stored, the stage's decision option switches."),
) -> None:
    """Train the narrative classifier; calibration and thresholds fitted by cross-validation."""
    from rich.console import Console

    from .cli import guarded
    from .progress import progress
    from .taxonomy import load_taxonomy
    from .train.data import jsonl_docs, semeval_docs
    from .train.narratives import TrainSettings, parse_language_views, train_narratives

    con = Console(stderr=True)

    def run() -> None:
        settings = TrainSettings(folds=folds, seed=seed, embedder=embedder, other_share=other_share, label_examples=label_examples,
                                 decision=decision)
        if language_view:
            settings.language_views = parse_language_views(language_view)
        taxes = [load_taxonomy(t) for t in taxonomy]
        if data is not None:
            docs = jsonl_docs(data, taxes)
            out = output
            if out is None:
                raise NarrascopeError(Code.BAD_OPTION, "--output is required when training on your own data")
        else:
            root = semeval or Path("../shared/data/semeval2025-task10/train")
            docs = semeval_docs(semeval_language_folders(root))
            out = output or BUNDLED_NARRATIVES
        with progress("embedding", total=len(docs)) as bar:
            model = train_narratives(docs, taxes, settings, log=lambda m: con.print(m, highlight=False), progress=bar.advance)
        model.card["data"] = shown(data) if data else f"SemEval-2025 Task 10 train: {', '.join(sorted(model.card['languages']))}"
        model.card["command"] = "narrascope train narratives " + (f"--data {shown(data)} " if data else f"--semeval {shown(semeval) or '../shared/data/semeval2025-task10/train'} ") + " ".join(f"--taxonomy {t}" for t in taxonomy) + (f" --other-share {other_share}" if other_share is not None else "") + ("" if label_examples else " --no-label-examples") + "".join(f" --language-view {v}" for v in language_view or []) + (f" --decision {decision}" if decision != "expected_f1" else "")
        model.save(out)
        cv = model.card.get("cross_validation")
        con.print(f"saved {out}")
        if cv:
            con.print(json.dumps({k: v for k, v in cv.items() if isinstance(v, dict)}, indent=1))

    guarded(run)


BUNDLED_CHECKWORTHY = Path(__file__).parent / "data" / "models" / "checkworthy"


@train_app.command("claims")
def train_claims_cmd(
    data: Path = typer.Option(Path("../shared/data/claimbuster"), help="Folder with ClaimBuster train.json and clef2020-checkworthiness-task1/."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Model folder (default: the bundled model)."),
    folds: int = typer.Option(5),
    language: list[str] = typer.Option(["en"], "--language", help="Language(s) of the training sentences, recorded in the "
                                        "model card: the n-gram head scores these, the USE and e5 heads the others "
                                        "(ClaimBuster and CLEF 2020: en)."),
) -> None:
    """Train the check-worthiness model of the claims stage (n-gram, USE and e5 heads)."""
    from rich.console import Console

    from .cli import guarded
    from .train.checkworthy import load_checkworthy, save_checkworthy, train_checkworthy

    con = Console(stderr=True)

    def run() -> None:
        texts, y, src = load_checkworthy(data)
        con.print(f"{len(texts)} sentences, {int(y.sum())} check-worthy")
        res = train_checkworthy(texts, y, src, folds=folds, log=lambda m: con.print(m))
        out = output or BUNDLED_CHECKWORTHY
        langs = "".join(f" --language {x}" for x in language) if language != ["en"] else ""
        save_checkworthy(res, out, {"data": shown(data), "command": f"narrascope train claims --data {shown(data)}{langs}",
                                    "examples": len(texts), "languages": list(language)})
        con.print(json.dumps(res["cv"], indent=1))
        con.print(f"saved {out}")

    guarded(run)


MODELS_DIR = Path(__file__).parent / "data" / "models"


def _train_2023(kind: str, data: Path, output: Optional[Path], folds: int) -> None:
    from rich.console import Console

    from .cli import guarded
    from .eval.semeval2023 import FRAMES, TECHNIQUES
    from .train.multilabel import train_multilabel
    from .train.semeval2023 import frame_articles, technique_paragraphs

    con = Console(stderr=True)

    def run() -> None:
        texts, Y, groups, langs = (technique_paragraphs if kind == "techniques" else frame_articles)(data)
        con.print(f"{len(texts)} {'paragraphs' if kind == 'techniques' else 'articles'} in {len(set(groups))} articles")
        model = train_multilabel(texts, Y, TECHNIQUES if kind == "techniques" else FRAMES, groups, langs, folds=folds,
                                 log=lambda m: con.print(m))
        model.card["data"] = f"SemEval-2023 Task 3 train ({', '.join(sorted(set(langs)))})"
        model.card["command"] = f"narrascope train {kind} --data {shown(data)}"
        out = output or MODELS_DIR / kind
        model.save(out, kind)
        con.print(json.dumps(model.card["cross_validation"], indent=1))
        con.print(f"saved {out}")

    guarded(run)


@train_app.command("techniques")
def train_techniques_cmd(data: Path = typer.Option(Path("../shared/data/semeval2023-task3"), help="SemEval-2023 Task 3 folder."),
                         ptc: Optional[Path] = typer.Option(Path("../shared/data/semeval2020-task11-ptc"),
                                                            help="SemEval-2020 PTC folder (extra span articles; skipped if absent)."),
                         part: str = typer.Option("all", help="paragraphs, spans or all."),
                         output: Optional[Path] = typer.Option(None, "--output", "-o", help="Paragraph model folder (default: bundled)."),
                         spans_output: Optional[Path] = typer.Option(None, "--spans-output", help="Span tagger folder (default: bundled)."),
                         folds: int = typer.Option(5)) -> None:
    """Train the persuasion-technique models: paragraph classifier (23 techniques) and span tagger.

    The span tagger marks where inside a paragraph each technique is."""
    if part not in ("paragraphs", "spans", "all"):
        raise typer.BadParameter("--part must be paragraphs, spans or all")
    if part == "paragraphs":
        _train_2023("techniques", data, output, folds)
        typer.echo("note: the bundled span tagger's paragraph stack was fitted to the previous paragraph model; "
                   "run --part all to refit it", err=True)
    elif part == "spans":
        _train_spans(data, ptc if ptc and ptc.exists() else None, spans_output, folds, None)
        typer.echo("note: a tagger trained alone has no paragraph stack; the stage then decides with the paragraph "
                   "classifier only (run --part all to fit the stack)", err=True)
    else:
        _train_techniques_all(data, ptc if ptc and ptc.exists() else None, output, spans_output, folds)


def _train_techniques_all(data: Path, ptc: Optional[Path], output: Optional[Path], spans_output: Optional[Path], folds: int) -> None:
    """Paragraph classifier, span tagger, then the stack that combines them
    (fitted on both models' out-of-fold outputs)."""
    from rich.console import Console

    from .cli import guarded
    from .eval.semeval2023 import TECHNIQUES
    from .train.multilabel import train_multilabel
    from .train.semeval2023 import technique_paragraphs
    from .train.spans import train_spans
    from .train.stack import fit_stack, paragraph_span_scores, stack_report

    con = Console(stderr=True)
    holder: dict = {}  # type: ignore[type-arg]

    def run() -> None:
        offsets: list[tuple[int, int]] = []
        texts, Y, groups, langs = technique_paragraphs(data, offsets=offsets)
        con.print(f"{len(texts)} paragraphs in {len(set(groups))} articles")
        model = train_multilabel(texts, Y, TECHNIQUES, groups, langs, folds=folds, log=lambda m: con.print(m))
        model.card["data"] = f"SemEval-2023 Task 3 train ({', '.join(sorted(set(langs)))})"
        model.card["command"] = f"narrascope train techniques --data {shown(data)}"
        res = train_spans(data, ptc, folds=folds, log=lambda m: con.print(m))
        stack = fit_stack(model.oof, paragraph_span_scores(res, groups, offsets), Y, groups)  # type: ignore[attr-defined]
        model.card["stacked_with_spans"] = stack_report(stack["oof"], stack["thresholds"], Y, langs)
        out = output or MODELS_DIR / "techniques"
        model.save(out, "techniques")
        con.print(json.dumps(model.card["stacked_with_spans"], indent=1))
        con.print(f"saved {out}")
        holder["res"], holder["stack"] = res, stack

    guarded(run)
    _train_spans(data, ptc, spans_output, folds, holder.get("res"), holder.get("stack"))


def _train_spans(data: Path, ptc: Optional[Path], output: Optional[Path], folds: int, trained: Optional[dict] = None,  # type: ignore[type-arg]
                 stack: Optional[dict] = None) -> None:  # type: ignore[type-arg]
    from rich.console import Console

    from .cli import guarded
    from .train import provenance  # date and versions in the model card
    from .train.spans import save_span_model, spans_cv_report, train_spans

    con = Console(stderr=True)

    def run() -> None:
        res = trained or train_spans(data, ptc, folds=folds, log=lambda m: con.print(m))
        cv = spans_cv_report(res) if folds > 1 else {}
        cmd = f"narrascope train techniques --part {'all' if stack else 'spans'} --data {shown(data)}" + (f" --ptc {shown(ptc)}" if ptc else "")
        card = {**provenance(), "command": cmd, "articles": len(res["articles"]),
                "languages": sorted({a.lang for a in res["articles"]}), "cross_validation": cv}
        out = output or MODELS_DIR / "technique-spans"
        save_span_model(out, res, card, stack)
        con.print(json.dumps(cv, indent=1))
        con.print(f"saved {out}")

    guarded(run)


@train_app.command("frames")
def train_frames_cmd(data: Path = typer.Option(Path("../shared/data/semeval2023-task3"), help="SemEval-2023 Task 3 folder."),
                     output: Optional[Path] = typer.Option(None, "--output", "-o"), folds: int = typer.Option(5)) -> None:
    """Train the article-level framing model (14 frames)."""
    _train_2023("frames", data, output, folds)


@train_app.command("roles-encoder")
def train_role_encoder_cmd(
    semeval: Path = typer.Option(Path("../shared/data/semeval2025-task10/train"), help="SemEval-2025 Task 10 train folder."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Model folder (default: the bundled role encoder)."),
    folds: int = typer.Option(5, min=2, help="Grouped cross-validation folds (by document)."),
    cv: bool = typer.Option(True, help="Cross-validate first (the scores go into the model card); --no-cv only fits."),
    top: int = typer.Option(4, min=1, max=12, help="Top layers of e5 to train (the others stay frozen)."),
    epochs: int = typer.Option(3, min=1),
    lr: float = typer.Option(1e-4, help="Learning rate of the trained layers."),
    pool: list[str] = typer.Option(["mean", "mention"], help="One encoder per --pool, averaged: 'mean' (the head reads the "
                                   "mean of all tokens) or 'mention' (that and the mean of the marked name's tokens); "
                                   "'mention:1': another encoder of that pool, initialised and shuffled with seed 1."),
    work: Optional[Path] = typer.Option(None, help="Folder for cached frozen states and finished folds: a killed run resumes there."),
) -> None:
    """Fine-tune e5's top layers for entity roles, one encoder per --pool, averaged (needs `pip install 'narrascope\\[finetune]'`, torch; ~11 min per fold and pool on 2 cores)."""
    from rich.console import Console

    from .cli import guarded
    from .models.role_encoder import pool_member
    from .train import provenance  # date and versions in the model card
    from .train.role_encoder import ensemble_encoder, save_encoder_oof, train_role_encoder
    from .train.roles import roles_cv_report, save_roles

    con = Console(stderr=True)

    def run() -> None:
        members = [pool_member(p) for p in pool]  # all checked before the first hour of training
        runs = []
        for p, init in members:
            con.print(f"encoder with pool {p!r}" + (f", init seed {init}" if init else ""))
            runs.append(train_role_encoder(semeval, folds, top=top, epochs=epochs, lr=lr, cv=cv, pool=p,
                                           log=lambda m: con.print(m), work=work, init=init))
        res = runs[0] if len(runs) == 1 else ensemble_encoder(runs)
        meta = res["meta"]
        command = (f"narrascope train roles-encoder --semeval {shown(semeval)} --folds {folds} --top {top} --epochs {epochs} --lr {lr:g}"
                   + "".join(f" --pool {p}" for p in pool) + ("" if cv else " --no-cv"))
        meta["card"] = {**provenance(), "command": command, "data": shown(semeval),
                        "mentions": len(res["mentions"].group), "documents": len(res["mentions"].docs)}
        if cv:
            meta["card"]["cross_validation"] = roles_cv_report(res, folds)
            con.print(json.dumps(meta["card"]["cross_validation"], indent=1))
        out = output or MODELS_DIR / "role-encoder"
        save_roles(out, meta, res["weights"])
        if cv:  # the out-of-fold probabilities, for benchmarks/roles.py to set beside the heads' (same folds)
            save_encoder_oof(out, res)
        con.print(f"saved {out}")

    guarded(run)


@train_app.command("roles")
def train_roles_cmd(semeval: Path = typer.Option(Path("../shared/data/semeval2025-task10/train"), help="SemEval-2025 Task 10 train folder."),
                    output: Optional[Path] = typer.Option(None, "--output", "-o"), folds: int = typer.Option(5)) -> None:
    """Train the entity-framing role model (main role + 22 fine roles)."""
    from rich.console import Console

    from .cli import guarded
    from .train import provenance  # date and versions in the model card
    from .train.roles import roles_cv_report, save_roles, train_roles

    con = Console(stderr=True)

    def run() -> None:
        res = train_roles(semeval, folds, log=lambda m: con.print(m))
        cv = roles_cv_report(res)
        meta = res["meta"]
        meta["card"] = {**provenance(), "command": f"narrascope train roles --semeval {shown(semeval)}",
                        "data": shown(semeval), "mentions": len(res["mentions"].group), "documents": len(res["mentions"].docs),
                        "cross_validation": cv}
        out = output or MODELS_DIR / "roles"
        save_roles(out, meta, res["weights"])
        con.print(json.dumps(cv, indent=1))
        con.print(f"saved {out}")

    guarded(run)


@train_app.command("similarity")
def train_similarity_cmd(
    semeval: Path = typer.Option(Path("../shared/data/semeval2025-task10/train"), help="SemEval-2025 Task 10 train folder."),
    taxonomy: list[str] = typer.Option(["URW", "CC"], help="Taxonomy ids or YAML files the articles were labelled with."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Model folder (default: the bundled one)."),
    folds: int = typer.Option(5, help="Cross-validation folds for the label thresholds."),
    seed: int = typer.Option(0),
) -> None:
    """Fit the similarity mode (taxonomies without training data): its gate and label matcher, on labelled articles."""
    from rich.console import Console

    from .cli import guarded
    from .progress import progress
    from .taxonomy import load_taxonomy
    from .train import provenance  # date and versions in the model card
    from .train.data import semeval_docs
    from .train.similarity import article_embeddings, held_out_scores, train_similarity

    con = Console(stderr=True)

    def run() -> None:
        from .models.similarity import BUNDLED

        taxes = [load_taxonomy(t) for t in taxonomy]
        docs = semeval_docs(semeval_language_folders(semeval))
        with progress("embedding", total=len(docs)) as bar:
            E = article_embeddings(docs, advance=bar.advance)
        params = train_similarity(docs, taxes, E, folds=folds, seed=seed, log=lambda m: con.print(m, highlight=False))
        if len(taxes) > 1:
            # the honest score of a mode meant for taxonomies nobody trained on: each taxonomy held out in turn
            params["card"]["held_out_taxonomy"] = held_out_scores(docs, taxes, E, seed=seed)
            con.print(json.dumps(params["card"]["held_out_taxonomy"], indent=1))
        params["card"].update({**provenance(), "data": shown(semeval),
                               "command": f"narrascope train similarity --semeval {shown(semeval)}" + "".join(f" --taxonomy {t}" for t in taxonomy)
                               + (f" --folds {folds}" if folds != 5 else "") + (f" --seed {seed}" if seed else ""),
                               "benchmark": "benchmarks/zero_shot.py (fitted on one taxonomy, scored on the other)"})
        out = output or BUNDLED
        out.mkdir(parents=True, exist_ok=True)
        (out / "model.json").write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
        con.print(f"saved {out}")

    guarded(run)
