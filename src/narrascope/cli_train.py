"""`narrascope train ...`: reproduce the shipped model heads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .errors import Code, NarrascopeError

train_app = typer.Typer(help="Train model heads (needs `pip install 'narrascope\\[train]'`).", no_args_is_help=True)

BUNDLED_NARRATIVES = Path(__file__).parent / "data" / "models" / "narratives"


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
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Model folder [default: the bundled model when training on SemEval]."),
    folds: int = typer.Option(5, help="Cross-validation folds for thresholds and calibration."),
    seed: int = typer.Option(0),
    embedder: str = typer.Option("use", help="Sentence embedder: use, e5, hashing."),
) -> None:
    """Train the narrative classifier; thresholds tuned by cross-validation."""
    from rich.console import Console

    from .cli import guarded
    from .progress import progress
    from .taxonomy import load_taxonomy
    from .train.data import jsonl_docs, semeval_docs
    from .train.narratives import TrainSettings, train_narratives

    con = Console(stderr=True)

    def run() -> None:
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
            model = train_narratives(docs, taxes, TrainSettings(folds=folds, seed=seed, embedder=embedder),
                                     log=lambda m: con.print(m, highlight=False), progress=bar.advance)
        model.card["data"] = str(data) if data else f"SemEval-2025 Task 10 train: {', '.join(sorted(model.card['languages']))}"
        model.card["command"] = "narrascope train narratives " + (f"--data {data} " if data else f"--semeval {semeval or '../shared/data/semeval2025-task10/train'} ") + " ".join(f"--taxonomy {t}" for t in taxonomy)
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
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Model folder [default: the bundled model]."),
    folds: int = typer.Option(5),
) -> None:
    """Train the check-worthiness model of the claims stage."""
    from rich.console import Console

    from .cli import guarded
    from .train.checkworthy import load_checkworthy, save_checkworthy, train_checkworthy

    con = Console(stderr=True)

    def run() -> None:
        texts, y, src = load_checkworthy(data)
        con.print(f"{len(texts)} sentences, {int(y.sum())} check-worthy")
        res = train_checkworthy(texts, y, src, folds=folds, log=lambda m: con.print(m))
        out = output or BUNDLED_CHECKWORTHY
        save_checkworthy(res, out, {"data": str(data), "command": f"narrascope train claims --data {data}", "examples": len(texts)})
        con.print(json.dumps(res["cv"], indent=1))
        con.print(f"saved {out}")

    guarded(run)
