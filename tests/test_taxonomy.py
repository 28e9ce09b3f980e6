"""Taxonomies: validation errors, the bundled SemEval taxonomies, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope import Code, NarrascopeError
from narrascope.cli import app
from narrascope.eval.semeval import official_classes
from narrascope.taxonomy import OTHER, bundled, load_taxonomy, load_taxonomy_file, parent_of

GOOD = """
id: ELX
name: Elections
description: Narratives about elections.
narratives:
  - name: Fraud claims
    description: The election is said to be rigged.
    examples: ["The count was rigged."]
    subnarratives:
      - name: Postal votes are fake
        description: Postal ballots are claimed to be forged.
subnarratives:
  - name: Machines flip votes
    parent: Fraud claims
    description: Voting machines are said to change votes.
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "t.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_valid_taxonomy_nested_and_flat(tmp_path: Path) -> None:
    t = load_taxonomy_file(_write(tmp_path, GOOD))
    assert t.coarse_labels() == ["ELX: Fraud claims"]
    assert t.fine_labels() == ["ELX: Fraud claims: Postal votes are fake", "ELX: Fraud claims: Machines flip votes", "ELX: Fraud claims: Other"]
    assert parent_of("ELX: Fraud claims: Machines flip votes") == "ELX: Fraud claims"
    assert parent_of(OTHER) == OTHER


@pytest.mark.parametrize(
    "text,needle",
    [
        ("", "empty"),
        ("   \n# only a comment\n", "empty"),
        (GOOD.replace("parent: Fraud claims", "parent: Fraud claim"), "unknown parent 'Fraud claim'"),
        (GOOD + "  - name: Postal votes are fake\n    parent: Fraud claims\n", "duplicate subnarrative 'Postal votes are fake'"),
        (GOOD.replace("subnarratives:\n  - name: Machines", "  - name: Fraud claims\nsubnarratives:\n  - name: Machines"), "duplicate narrative 'Fraud claims'"),
        ("id: X\nname: Y\nnarratives: [{name: A, colour: red}]\n", "narratives.0.colour"),
        ("id: X\nname: Y\nnarratives: [{name: A, subnarratives: [{name: Other}]}]\n", "'Other' is implied"),
        ("id: X\nname: Y\nnarratives: []\n", "no narratives"),
        # names that labels or SemEval files could not carry: ': ' joins label parts, ';' separates labels
        ("id: X\nname: Y\nnarratives: [{name: A, subnarratives: [{name: 'Machines: hacked'}]}]\n", "contains ': '"),
        ("id: X\nname: Y\nnarratives: [{name: 'Fraud; rigged'}]\n", "contains ';'"),
        ("id: X\nname: Y\nnarratives: [{name: \"A\\tB\"}]\n", "contains '\\t'"),
        ("id: X\nname: [unclosed\n", "not valid YAML at line"),
        ("- just\n- a list\n", "must be a mapping"),
    ],
)
def test_invalid_taxonomies(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(NarrascopeError) as e:
        load_taxonomy_file(_write(tmp_path, text))
    assert e.value.code == Code.TAXONOMY and needle in str(e.value)
    assert "t.yaml" in str(e.value)


def test_bundled_taxonomies_match_the_official_label_lists() -> None:
    coarse, fine = official_classes()
    urw, cc = bundled("URW"), bundled("CC")
    assert set(urw.coarse_labels() + cc.coarse_labels() + [OTHER]) == {c for c in coarse if c}
    mine = set(urw.fine_labels() + cc.fine_labels() + [OTHER])
    # The official list has no "Other" for this one narrative; everything else matches.
    assert mine - {c for c in fine if c} == {"CC: Climate change is beneficial: Other"}
    assert {c for c in fine if c} <= mine
    assert sum(len(n.examples) + sum(len(s.examples) for s in n.subnarratives) for n in urw.narratives) > 100
    assert load_taxonomy("urw") is urw


def test_taxonomy_cli(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ok = runner.invoke(app, ["taxonomy", "validate", str(_write(tmp_path, GOOD))])
    assert ok.exit_code == 0 and "1 narratives, 2 subnarratives" in ok.output and "note:" not in ok.output
    # a label with neither description nor examples is valid, but the similarity mode has only its name: a note says so
    bare = runner.invoke(app, ["taxonomy", "validate", str(_write(tmp_path, GOOD.replace(
        "    description: Voting machines are said to change votes.\n", "")))])
    assert bare.exit_code == 0 and "1 label(s) have neither a description nor examples (Fraud claims: Machines flip votes)" in " ".join(bare.output.split())
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("parent: Fraud claims", "parent: Nope"))
    r = runner.invoke(app, ["taxonomy", "validate", str(bad)])
    assert r.exit_code == 1 and "NS406" in r.output and "unknown parent 'Nope'" in r.output
    r = runner.invoke(app, ["taxonomy", "list", "--json"])
    assert '"URW"' in r.output and '"CC"' in r.output
    r = runner.invoke(app, ["taxonomy", "show", "URW"])
    assert "Discrediting Ukraine" in r.output


def test_taxonomy_show_prints_bracketed_names(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a user's "[draft]" is part of the name, not a style tag for rich to swallow
    text = GOOD.replace("name: Elections", "name: Elections [draft]").replace("- name: Postal votes are fake",
                                                                             "- name: Postal votes are fake [disputed]")
    r = runner.invoke(app, ["taxonomy", "show", str(_write(tmp_path, text))])
    assert r.exit_code == 0 and "Elections [draft]" in r.output and "Postal votes are fake [disputed]" in r.output
    r = runner.invoke(app, ["taxonomy", "validate", str(_write(tmp_path, text))])
    assert "ok: ELX (Elections [draft])" in r.output
