"""Docs are tested against the code: generated references, README commands
and the README's Python example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from narrascope import _docs

from .conftest import REPO


@pytest.mark.parametrize("name", sorted(_docs.DOCS))
def test_generated_docs_are_current(name: str) -> None:
    committed = (REPO / "docs" / name).read_text(encoding="utf-8")
    assert committed == _docs.DOCS[name](), f"docs/{name} is stale: run `python -m narrascope._docs`"


def test_cli_reference_covers_subcommands_and_keeps_bracketed_help() -> None:
    text = _docs.cli_md()
    assert "### narrascope train narratives" in text and "--other-share" in text
    assert "### narrascope semeval predict" in text
    # Rich help treats "[...]" as markup: "Model folder [default: x]." came out as "Model folder ."
    assert not re.search(r"[a-z] \.(\s|$)", text, re.M)


def _readme_bash_block() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block
    return [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.startswith("#")]


def test_readme_first_screen_has_two_commands_and_ci_runs_the_test_one() -> None:
    setup, test = _readme_bash_block()
    assert "pip install -e '.[all,dev]'" in setup and "narrascope analyze examples/" in setup
    assert (REPO / setup.split("narrascope analyze ")[1].split()[0]).exists()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines(), "'.ci/run' must run the README's test command verbatim"
    assert "pip install" in ci and "'.[all,dev]'" in ci


def test_readme_first_command_shows_what_the_readme_says(cli) -> None:  # type: ignore[no-untyped-def]
    """The first screen's analyze command, run as written: the analysis of
    both examples is printed; the op-ed gets climate narratives with
    evidence and an explanation, the balanced report is called Other (if a
    retrained model changes this, update the README's words)."""
    setup, _ = _readme_bash_block()
    args = setup.split("narrascope analyze ")[1].split()
    assert len(args) == 2
    r = cli("analyze", *(str(REPO / a) for a in args), "-q")
    assert r.exit_code == 0, r.output
    oped, report = r.output.split("Lawmakers Split Over Sanctions", 1)  # printed in the order given
    assert "Net Zero Is Emptying Our Wallets" in oped
    assert "\nCC: Criticism of climate policies" in oped and "(extractive)" in oped
    assert "“The government promised that the green transition would make us richer.”" in oped  # evidence, quoted
    assert "\nOther  " in report and "closest narratives: URW:" in report and "no dominant narrative to explain" in report


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", readme, re.S)
    assert code
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    exec(compile(code.group(1), "README.md", "exec"), {})  # noqa: S102 - the doc example itself
    assert (tmp_path / "corpus.db").exists()


def test_error_codes_are_unique() -> None:
    from narrascope.errors import ADVICE, Code

    values = [c.value for c in Code]
    assert len(values) == len(set(values))
    assert set(ADVICE) == set(Code), "every code needs advice"
    assert all(re.fullmatch(r"NS\d{3}", v) for v in values)


def test_config_doc_example_is_valid(tmp_path: Path) -> None:
    from narrascope.config import load_settings, stage_config
    from narrascope.stages.persuasion import TechniquesConfig

    doc = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert block
    (tmp_path / "c.toml").write_text(block.group(1), encoding="utf-8")
    s = load_settings(tmp_path / "c.toml")
    assert stage_config(s, "techniques", TechniquesConfig).span_threshold_shift == 0.1
    # every documented stage key is one the stage accepts
    for name, model in _docs._stage_configs().items():
        for key in re.findall(rf"`stages\.{name}\.(\w+)`", doc):
            assert key in model.model_fields
