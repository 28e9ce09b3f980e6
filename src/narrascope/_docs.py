"""Generate the reference docs from the code, so they cannot drift.

    python -m narrascope._docs      # rewrites docs/errors.md, config.md, cli.md

tests/test_docs.py fails when a committed doc differs from what this makes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .config import Settings
from .errors import ADVICE, Code

HELP_ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}


def errors_md() -> str:
    lines = ["# Error catalogue", "", "Every error narrascope reports carries one of these codes. Codes never change meaning.", "",
             "| code | name | what to do |", "| --- | --- | --- |"]
    for c in Code:
        lines.append(f"| `{c.value}` | {c.name.lower()} | {ADVICE.get(c, '')} |")
    lines += ["", "The REST API and `--json` outputs use one shape:", "",
              "```json", '{"error": {"code": "NS102", "message": "file is empty", "input": "notes.txt", "locator": null, "hint": "…"}}', "```", ""]
    return "\n".join(lines)


def _fields(model: type[BaseModel], prefix: str, rows: list[str]) -> None:
    for name, f in model.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            _fields(ann, f"{prefix}{name}.", rows)
            continue
        default: Any = f.get_default(call_default_factory=True)
        t = (getattr(ann, "__name__", None) or str(ann).replace("typing.", "")).replace("pathlib.", "").replace(" | ", " or ")
        rows.append(f"| `{prefix}{name}` | {t} | `{default!r}` | {f.description or ''} |")


def _stage_configs() -> dict[str, type[BaseModel]]:
    from .stages.claims import ClaimsConfig
    from .stages.explain import ExplainConfig
    from .stages.narratives import NarrativesConfig
    from .stages.persuasion import FramesConfig, TechniquesConfig
    from .stages.roles import RolesConfig

    return {"narratives": NarrativesConfig, "explain": ExplainConfig, "roles": RolesConfig, "techniques": TechniquesConfig,
            "frames": FramesConfig, "claims": ClaimsConfig}


def config_md() -> str:
    rows: list[str] = []
    _fields(Settings, "", rows)
    rows = [r for r in rows if not r.startswith("| `stages` |")]
    for name, model in _stage_configs().items():
        _fields(model, f"stages.{name}.", rows)
    return "\n".join([
        "# Configuration", "",
        "One TOML file, given with `--config FILE` or `$NARRASCOPE_CONFIG`. Sections are the dotted prefixes below;",
        "unknown keys are rejected with `NS401` naming the key.", "",
        "```toml", "[ingest]", "max_file_mb = 50", "allow_private_urls = false", "", "[dedup]", 'mode = "skip"', "",
        "[stages.techniques]", "span_threshold_shift = 0.1   # fewer, surer technique spans", "```", "",
        "| key | type | default | meaning |", "| --- | --- | --- | --- |", *rows, "",
    ])


def cli_md() -> str:
    from typer.testing import CliRunner

    from .cli import app

    runner = CliRunner()
    out = ["# Command reference", "", "Generated from `--help`; `python -m narrascope._docs` regenerates it.", ""]
    top = runner.invoke(app, ["--help"], env=HELP_ENV, prog_name="narrascope")
    out += ["```", top.output.rstrip(), "```", ""]
    import typer.main

    group = typer.main.get_command(app)
    for name in group.list_commands(None):  # type: ignore[attr-defined, arg-type]
        r = runner.invoke(app, [name, "--help"], env=HELP_ENV, prog_name="narrascope")
        out += [f"## narrascope {name}", "", "```", r.output.rstrip(), "```", ""]
        sub = group.get_command(None, name)  # type: ignore[attr-defined, arg-type]
        # A command group's own commands get their options listed too.
        for subname in getattr(sub, "list_commands", lambda _ctx: [])(None):
            r = runner.invoke(app, [name, subname, "--help"], env=HELP_ENV, prog_name="narrascope")
            out += [f"### narrascope {name} {subname}", "", "```", r.output.rstrip(), "```", ""]
    return "\n".join(out)


DOCS = {"errors.md": errors_md, "config.md": config_md, "cli.md": cli_md}


def main(root: Path) -> None:
    (root / "docs").mkdir(exist_ok=True)
    for name, fn in DOCS.items():
        (root / "docs" / name).write_text(fn(), encoding="utf-8")
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
