"""Persuasion techniques and frames: SemEval-2023 formats, label names,
scorer, stages and their null versions."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import narrascope as ns
from narrascope import Code, NarrascopeError
from narrascope.cli import app
from narrascope.eval.semeval2023 import (
    TECHNIQUES, TECHNIQUES_2020_TO_2023, micro_macro_f1, normalize_technique, read_paragraph_labels, read_template,
    score_paragraphs, split_2020_labels, write_paragraph_labels,
)
from narrascope.stages.persuasion import FramesConfig, FramesStage, NullFrames, NullTechniques, TechniquesStage
from narrascope.text import weak_evidence

from .conftest import COALITION, DATA, need


def test_label_names_2020_and_misspelled_2023() -> None:
    assert normalize_technique("Appeal_to_Fear-Prejudi-čce") == "Appeal_to_Fear-Prejudice"
    assert normalize_technique("Name_Calling,Labeling") == "Name_Calling-Labeling"
    assert normalize_technique("Black-and-White_Fallacy") == "False_Dilemma-No_Choice"
    assert normalize_technique("Thought-terminating_Cliches") == "Conversation_Killer"
    assert normalize_technique("Whataboutism,Straw_Men,Red_Herring") is None  # merged 2020 class: ambiguous
    assert all(v is None or v in TECHNIQUES for v in TECHNIQUES_2020_TO_2023.values())
    # A 2020 TC label field is one label even with commas inside.
    assert split_2020_labels("Name_Calling,Labeling") == ["Name_Calling,Labeling"]


def test_2020_span_file_names_all_map(tmp_path: Path) -> None:
    tc = need(DATA / "semeval2020-task11-ptc" / "train-task2-TC.labels")
    names = {line.split("\t")[1] for line in tc.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert "Name_Calling,Labeling" in names
    assert names <= set(TECHNIQUES_2020_TO_2023)


def test_reader_writer_roundtrip(tmp_path: Path) -> None:
    p = tmp_path / "labels.txt"
    p.write_text("111\t1\t\n111\t3\tDoubt,Appeal_to_Fear-Prejudi-čce\n111\t5\tAppeal_to_Fear-Prejudice,Appeal_to_Fear-Prejudi-čce\n", encoding="utf-8")
    lab = read_paragraph_labels(p)
    assert lab[("111", 1)] == [] and lab[("111", 3)] == ["Doubt", "Appeal_to_Fear-Prejudice"]
    assert lab[("111", 5)] == ["Appeal_to_Fear-Prejudice"]
    out = tmp_path / "out.txt"
    write_paragraph_labels(out, [("111", 1, []), ("111", 3, ["Doubt", "Slogans"])])
    assert out.read_text() == "111\t1\t\n111\t3\tDoubt,Slogans\n"
    bad = tmp_path / "bad.txt"
    bad.write_text("111\tx\tDoubt\n")
    with pytest.raises(NarrascopeError) as e:
        read_paragraph_labels(bad)
    assert e.value.code == Code.BAD_SEMEVAL and "line 1" in str(e.value)
    t = tmp_path / "t.template"
    t.write_text("111\t1\tSome text\n111\t3\t\n")
    assert read_template(t) == [("111", 1, "Some text"), ("111", 3, "")]


def test_micro_macro_hand_computed() -> None:
    classes = ["A", "B", "C"]
    gold = [["A"], ["A", "B"], []]
    pred = [["A"], ["B", "C"], []]
    # A: tp1 fn1 -> 2/3; B: tp1 -> 1; C: fp1 -> 0; micro: tp2 fp1 fn1 -> 4/6
    micro, macro = micro_macro_f1(gold, pred, classes)
    assert micro == pytest.approx(4 / 6) and macro == pytest.approx((2 / 3 + 1 + 0) / 3)
    # A class never gold nor predicted counts 1 in macro (zero_division=1).
    assert micro_macro_f1([["A"]], [["A"]], ["A", "Z"]) == (1.0, 1.0)


def test_scorer_agrees_with_the_official_script(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    gold = need(DATA / "semeval2023-task3" / "en" / "train-labels-subtask-3.txt")
    lab = read_paragraph_labels(gold)
    keys = sorted(lab)[:400]
    g, pr = tmp_path / "g.txt", tmp_path / "p.txt"
    write_paragraph_labels(g, [(a, p, lab[(a, p)]) for a, p in keys])
    write_paragraph_labels(pr, [(a, p, lab[(a, p)][1:] + (["Doubt"] if p % 3 == 0 else [])) for a, p in keys])
    ours = score_paragraphs(g, pr)
    import importlib.util

    spec = importlib.util.spec_from_file_location("official23", DATA / "semeval2023-task3" / "scorers" / "scorer-subtask-3.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    macro, micro = mod.evaluate(mod._read_csv_input_file(str(pr)), mod._read_csv_input_file(str(g)), TECHNIQUES)
    assert ours["micro_f1"] == pytest.approx(micro) and ours["macro_f1"] == pytest.approx(macro)
    # a label outside the techniques fails the official format check: refused here too, not ignored
    a, p = keys[0]
    write_paragraph_labels(pr, [(a_, p_, ["Loaded_Langauge"] if (a_, p_) == (a, p) else lab[(a_, p_)]) for a_, p_ in keys])
    assert not mod.correct_format(mod._read_csv_input_file(str(pr)), mod._read_csv_input_file(str(g)), TECHNIQUES)
    with pytest.raises(NarrascopeError) as e:
        score_paragraphs(g, pr)
    assert e.value.code == Code.BAD_SEMEVAL and f"'Loaded_Langauge' (article {a}, paragraph {p})" in e.value.message


def test_techniques_and_frames_stages_on_example() -> None:
    a = ns.analyze_text(need(COALITION).read_text(encoding="utf-8"), stages=[])
    t = TechniquesStage().predict(a)
    assert t["classified"] > 10
    for p in t["paragraphs"]:
        for item in p["techniques"]:
            assert item["technique"] in TECHNIQUES and 0 <= item["confidence"] <= 1
            assert item["evidence"]
            for ev in item["evidence"]:
                assert p["start"] <= ev["start"] < ev["end"] <= p["end"]
                assert a.clean_text[ev["start"]:ev["end"]] == ev["text"] and ev["kind"] in ("span", "sentence")
    assert sum(t["counts"].values()) >= 1
    # The tagger marks phrases inside paragraphs, not whole paragraphs.
    spans = [(ev, p) for p in t["paragraphs"] for item in p["techniques"] for ev in item["evidence"] if ev["kind"] == "span"]
    assert spans and sum(ev["end"] - ev["start"] for ev, _ in spans) < 0.5 * sum(p["end"] - p["start"] for _, p in spans)
    f = FramesStage().predict(a)
    assert set(f["scores"]) and all(0 <= v <= 1 for v in f["scores"].values())
    # each frame with its evidence: the article's sentences the frame model scores highest for it
    sents = [(x.start, x.end) for x in a.sentences]
    assert f["frames"] and all(1 <= len(fr["evidence"]) <= 2 for fr in f["frames"])
    model = FramesStage().model
    alone = model.predict_proba([a.clean_text[s:e] for s, e in sents])
    weak = [weak_evidence(a.clean_text[s:e]) for s, e in sents]
    for fr in f["frames"]:
        j = model.labels.index(fr["frame"])
        best = sorted(np.argsort(-alone[:, j], kind="stable"), key=weak.__getitem__)[:2]
        assert [(ev["start"], ev["end"]) for ev in fr["evidence"]] == [sents[i] for i in best]
    assert all(not fr["evidence"] for fr in FramesStage(FramesConfig(evidence=0)).predict(a)["frames"])
    assert set(NullTechniques().predict(a)) == set(t) and set(NullFrames().predict(a)) == set(f)


def test_frame_evidence_is_no_subheading_or_byline() -> None:
    # a test article's "— Bill Gates" (an embedded post's byline) and its subheading "The accusations",
    # read alone by the frame model, were shown as evidence of the Economic and Morality frames
    # and a lead-in ending in a colon ("When asked about it earlier this year, he responded:")
    a = ns.analyze_text("Gates is accused of buying farmland.\n\nThe accusations\n\nFarmers lost their land to "
                        "investors last year.\n\n— Bill Gates\n\nAsked about prices, the minister answered:", stages=[])
    assert len(a.sentences) == 5
    stage = FramesStage(FramesConfig(evidence=2))
    labels = stage.model.labels
    # the frame model as the test article saw it: the article Economic, the two short sentences its best
    alone = np.array([[0.3], [0.9], [0.5], [0.95], [0.99]]) * (np.arange(len(labels)) == 0)
    stage.__dict__["model"] = SimpleNamespace(labels=labels, decide=lambda p, shift: [[labels[0]]],
                                              predict_proba=lambda texts: np.ones((1, len(labels))) if len(texts) == 1 else alone)
    [fr] = stage.predict(a)["frames"]
    assert [a.clean_text[e["start"]:e["end"]] for e in fr["evidence"]] == ["Farmers lost their land to investors last year.",
                                                                           "Gates is accused of buying farmland."]


def test_semeval2023_predict_and_score_cli(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    root = need(DATA / "semeval2023-task3" / "en")
    lab = read_paragraph_labels(root / "train-labels-subtask-3.txt")
    art = sorted({a for a, _ in lab})[0]
    rows = [(a, p) for a, p in sorted(lab) if a == art]
    tpl = tmp_path / "t.template"
    tpl.write_text("".join(f"{a}\t{p}\t\n" for a, p in rows), encoding="utf-8")
    gold = tmp_path / "gold.txt"
    write_paragraph_labels(gold, [(a, p, lab[(a, p)]) for a, p in rows])
    out = tmp_path / "pred.txt"
    r = runner.invoke(app, ["semeval2023", "predict", str(root / "train-articles-subtask-3"), "--template", str(tpl), "-o", str(out)])
    assert r.exit_code == 0, r.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(rows) and all(len(x.split("\t")) == 3 for x in lines)
    for x in lines:
        assert all(t in TECHNIQUES for t in x.split("\t")[2].split(",") if t)
    r = runner.invoke(app, ["semeval2023", "score", "--gold", str(gold), "--pred", str(out), "--json"])
    assert r.exit_code == 0 and 0 <= json.loads(r.output)["micro_f1"] <= 1


def test_gold_spans_align_after_cleaning() -> None:
    """SemEval-2023 span files index the raw article; after cleaning and
    normalisation the same words are found at the mapped clean offsets."""
    root = need(DATA / "semeval2023-task3" / "en")
    span_files = sorted((root / "train-labels-subtask-3-spans").glob("*.txt"))[:25]
    total = mapped = 0
    for sf in span_files:
        art_id = sf.name.split("-")[0].removeprefix("article")
        [a] = list(ns.read([root / "train-articles-subtask-3" / f"article{art_id}.txt"]))
        for line in sf.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) != 4:
                continue
            s, e = int(cols[2]), int(cols[3])
            raw = a.raw_text[s:e]
            if not raw.strip():
                continue
            total += 1
            cs, ce = a.to_clean(s), a.to_clean(e)
            if cs is not None and ce is not None and a.clean_text[cs:ce].split() == raw.split():
                mapped += 1
    assert total > 100 and mapped / total > 0.95, (mapped, total)
