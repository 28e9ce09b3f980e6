"""SemEval formats and metrics, against hand-computed cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrascope import Code, NarrascopeError
from narrascope.cli import app
from narrascope.eval.semeval import (
    doc_f1, read_subtask2, rouge_l, score_subtask2, score_subtask3, token_f1, write_subtask2, write_subtask3,
)

from .conftest import SEMEVAL, need

A, B, C = "URW: Discrediting Ukraine", "URW: Praise of Russia", "CC: Downplaying climate change"


def test_doc_f1_hand_computed() -> None:
    assert doc_f1([A, B], [A]) == pytest.approx(2 * 1 / 3)  # P=1, R=1/2
    assert doc_f1([A], [A, B, C]) == pytest.approx(0.5)  # P=1/3, R=1
    assert doc_f1(["Other"], ["Other"]) == 1.0
    assert doc_f1([A], [B]) == 0.0
    # Labels outside the class list are ignored, as in the official scorer;
    # nothing left on either side scores 0 (zero_division=0).
    assert doc_f1([A, "bogus"], [A], classes=[A, B]) == 1.0
    assert doc_f1(["bogus"], ["bogus"], classes=[A]) == 0.0


def test_score_subtask2_mean_and_std(tmp_path: Path) -> None:
    gold, pred = tmp_path / "gold.txt", tmp_path / "pred.txt"
    write_subtask2(gold, [("d1", [A, B], [f"{A}: Other", f"{B}: Other"]), ("d2", ["Other"], ["Other"]), ("d3", [C], [f"{C}: Other"])])
    # Prediction rows in another order: documents are paired by id.
    write_subtask2(pred, [("d3", [], []), ("d1", [A], [f"{A}: Other"]), ("d2", ["Other"], ["Other"])])
    assert read_subtask2(pred)["d3"] == (["Other"], ["Other"])  # empty written as Other
    res = score_subtask2(gold, pred)
    per_doc = [2 / 3, 1.0, 0.0]
    import numpy as np

    assert res["f1_coarse"] == pytest.approx(np.mean(per_doc))
    assert res["f1_coarse_std"] == pytest.approx(np.std(per_doc))
    assert res["f1_fine"] == pytest.approx(np.mean(per_doc))
    write_subtask2(pred, [("d1", [A], [A])])
    with pytest.raises(NarrascopeError) as e:
        score_subtask2(gold, pred)
    assert e.value.code == Code.BAD_SEMEVAL and "missing 2" in e.value.message


def test_official_scorer_agrees_on_real_gold(tmp_path: Path) -> None:
    """Our scorer and the official script give the same numbers."""
    gold = need(SEMEVAL / "train" / "EN" / "subtask-2-annotations.txt")
    rows = [(i, c, f) for i, (c, f) in read_subtask2(gold).items()]
    # A deterministic imperfect prediction: drop every second label, add Other elsewhere.
    pred_rows = [(i, c[::2], f[1::2] or ["Other"]) for i, c, f in rows]
    pred = tmp_path / "pred.txt"
    write_subtask2(pred, pred_rows)
    ours = score_subtask2(gold, pred)
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("official2", SEMEVAL / "scorers" / "subtask2_scorer.py")
    pytest.importorskip("sklearn")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    sys.modules.pop("official2", None)
    # The official script pairs rows by file order: give it the gold order.
    f1c, sdc, f1f, sdf = mod.read_and_evaluate(str(pred), str(gold), str(SEMEVAL / "scorers" / "subtask2_narratives.txt"),
                                               str(SEMEVAL / "scorers" / "subtask2_subnarratives.txt"))
    assert ours["f1_coarse"] == pytest.approx(f1c) and ours["f1_fine"] == pytest.approx(f1f)
    assert ours["f1_coarse_std"] == pytest.approx(sdc) and ours["f1_fine_std"] == pytest.approx(sdf)
    assert ours["same_order"] and "official_script_as_ordered" not in ours
    # In another order the script pairs the wrong rows; narrascope pairs by id and says what the script would report.
    write_subtask2(pred, sorted(pred_rows))
    moved = score_subtask2(gold, pred)
    f1c, _, f1f, _ = mod.read_and_evaluate(str(pred), str(gold), str(SEMEVAL / "scorers" / "subtask2_narratives.txt"),
                                           str(SEMEVAL / "scorers" / "subtask2_subnarratives.txt"))
    assert not moved["same_order"] and moved["f1_fine"] == ours["f1_fine"]
    assert moved["official_script_as_ordered"] == pytest.approx({"f1_coarse": f1c, "f1_fine": f1f})
    assert f1f < ours["f1_fine"] - 0.1


def test_text_metrics_hand_computed() -> None:
    assert token_f1("the cat sat", "the cat") == pytest.approx(0.8)  # P=1, R=2/3
    assert rouge_l("a b c d", "a c d") == pytest.approx(2 * 1 * 0.75 / 1.75)  # LCS=3
    assert rouge_l("", "x") == 0.0


def test_subtask3_scoring_offline(tmp_path: Path) -> None:
    gold, pred = tmp_path / "g.txt", tmp_path / "p.txt"
    gold.write_text("d1\tURW: A\tURW: A: Other\tThe text blames the West for the war.\n", encoding="utf-8")
    write_subtask3(pred, [("d1", "The  text blames\tthe West.")])
    assert pred.read_text() == "d1\tThe text blames the West.\n"
    res = score_subtask3(gold, pred, embed=False)
    assert res["token_f1"] == pytest.approx(2 * 1 * (5 / 8) / (1 + 5 / 8))
    assert res["within_80_words"] == 1.0 and "BERTScore" in res["official_metric"]


def test_score_cli(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gold, pred = tmp_path / "gold.txt", tmp_path / "pred.txt"
    write_subtask2(gold, [("d1", [A], [f"{A}: Other"])])
    write_subtask2(pred, [("d1", [A], [f"{A}: Other"])])
    r = runner.invoke(app, ["semeval", "score", "--subtask", "2", "--gold", str(gold), "--pred", str(pred)])
    assert r.exit_code == 0 and "F1@coarse: 1.000 (0.000)" in r.output and "F1@fine: 1.000" in r.output
    assert "warning" not in r.output
    # a label in no class list is a miss, as in the official scorer, and said
    write_subtask2(pred, [("d1", [A[:-1]], [f"{A[:-1]}: Other"])])
    r = runner.invoke(app, ["semeval", "score", "--subtask", "2", "--gold", str(gold), "--pred", str(pred), "--json"])
    res = json.loads(r.output[r.output.index("{"):])
    assert r.exit_code == 0 and res["f1_fine"] == 0.0 and res["unknown_labels"] == 2
    assert res["first_unknown_label"] == {"id": "d1", "label": A[:-1]} and "2 predicted label(s) are in no class list" in " ".join(r.output.split())
    r = runner.invoke(app, ["semeval", "score", "--subtask", "2", "--gold", str(gold), "--pred", str(tmp_path / "nope.txt")])
    assert r.exit_code == 1 and "NS101" in r.output
    # a document twice is refused (the official script would keep the last row, silently)
    write_subtask2(pred, [("d1", [A], [f"{A}: Other"]), ("d1", ["Other"], ["Other"])])
    r = runner.invoke(app, ["semeval", "score", "--subtask", "2", "--gold", str(gold), "--pred", str(pred)])
    assert r.exit_code == 1 and "NS110" in r.output and "'d1' has two rows" in r.output


def test_score_cli_warns_when_rows_are_out_of_gold_order(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gold, pred = tmp_path / "gold.txt", tmp_path / "pred.txt"
    write_subtask2(gold, [("d2", [B], [f"{B}: Other"]), ("d1", [A], [f"{A}: Other"])])
    write_subtask2(pred, [("d1", [A], [f"{A}: Other"]), ("d2", [B], [f"{B}: Other"])])
    r = runner.invoke(app, ["semeval", "score", "--subtask", "2", "--gold", str(gold), "--pred", str(pred)])
    said = " ".join(r.output.split())
    assert r.exit_code == 0 and "F1@fine: 1.000" in said
    assert "not in the gold file's order" in said and "would report F1 coarse 0.000, F1 fine 0.000" in said and "--order GOLD" in said
