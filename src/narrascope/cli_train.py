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
        model.card["command"] = f"narrascope train {kind} --data {data}"
        out = output or MODELS_DIR / kind
        model.save(out, kind)
        con.print(json.dumps(model.card["cross_validation"], indent=1))
        con.print(f"saved {out}")

    guarded(run)


@train_app.command("techniques")
def train_techniques_cmd(data: Path = typer.Option(Path("../shared/data/semeval2023-task3"), help="SemEval-2023 Task 3 folder."),
                         output: Optional[Path] = typer.Option(None, "--output", "-o"), folds: int = typer.Option(5)) -> None:
    """Train the paragraph-level persuasion-technique model (23 techniques)."""
    _train_2023("techniques", data, output, folds)


@train_app.command("frames")
def train_frames_cmd(data: Path = typer.Option(Path("../shared/data/semeval2023-task3"), help="SemEval-2023 Task 3 folder."),
                     output: Optional[Path] = typer.Option(None, "--output", "-o"), folds: int = typer.Option(5)) -> None:
    """Train the article-level framing model (14 frames)."""
    _train_2023("frames", data, output, folds)


@train_app.command("roles")
def train_roles_cmd(semeval: Path = typer.Option(Path("../shared/data/semeval2025-task10/train"), help="SemEval-2025 Task 10 train folder."),
                    output: Optional[Path] = typer.Option(None, "--output", "-o"), folds: int = typer.Option(5)) -> None:
    """Train the entity-framing role model (main role + 22 fine roles)."""
    from collections import Counter

    from rich.console import Console

    from .cli import guarded
    from .eval.roles import score_roles_dicts
    from .models.roles import decide
    from .train.roles import train_roles

    con = Console(stderr=True)

    def run() -> None:
        res = train_roles(semeval, folds, log=lambda m: con.print(m))
        ctx, main, fine, groups, langs = res["data"]
        pred = decide(res["main"].oof, res["fine"].oof)
        maj_main = Counter(main).most_common(1)[0][0]
        maj_fine = Counter(f[0] for f in fine if f).most_common(1)[0][0]
        cv: dict = {"folds": folds, "grouped_by": "document", "note": "out-of-fold predictions"}  # type: ignore[type-arg]
        for lang in ["all"] + sorted(set(langs)):
            idx = [i for i, l in enumerate(langs) if lang == "all" or l == lang]
            gold = {(str(i), "", "", ""): (main[i], fine[i]) for i in idx}
            ours = {(str(i), "", "", ""): (pred[i][0], [r for r, _ in pred[i][2]]) for i in idx}
            base = {(str(i), "", "", ""): (maj_main, [maj_fine]) for i in idx}
            s, b = score_roles_dicts(gold, ours), score_roles_dicts(gold, base)
            cv[lang] = {"n": len(idx), "main_role_accuracy": round(s["main_role_accuracy"], 4), "exact_match_ratio": round(s["exact_match_ratio"], 4),
                        "micro_f1": round(s["micro_f1"], 4), "baseline_majority_main_accuracy": round(b["main_role_accuracy"], 4),
                        "baseline_majority_exact_match_ratio": round(b["exact_match_ratio"], 4)}
        out = output or MODELS_DIR / "roles"
        for part in ("main", "fine"):
            res[part].card["command"] = f"narrascope train roles --semeval {semeval}"
            res[part].card["roles_cross_validation"] = cv
            res[part].save(out / part, f"roles-{part}")
        con.print(json.dumps(cv, indent=1))
        con.print(f"saved {out}")

    guarded(run)
