"""Technique spans: the SemEval-2020 span scorer, span-file reading (2023
and PTC, one copy of each article), the tagger's decoding, training on a tiny
set, and the bundled model."""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from narrascope import Code, NarrascopeError
from narrascope.eval.semeval2023 import TECHNIQUES
from narrascope.eval.spans import merge_spans, span_prf
from narrascope.models.spans import RunForms, SpanModel, decode_runs, decode_spans, expand_to_sentences, token_features
from narrascope.stages.persuasion import MODELS
from narrascope.train.spans import (RUN_EXTENDS, RUN_SHIFTS, choose_run_forms, forms_total, save_span_model, span_articles,
                                     spans_cv_report, train_spans)

from .conftest import DATA, need


def test_span_scores_hand_computed() -> None:
    gold = {"a": [("Doubt", 0, 10), ("Loaded_Language", 20, 24)]}
    pred = {"a": [("Doubt", 5, 15), ("Loaded_Language", 30, 34), ("Doubt", 40, 42)]}
    s = span_prf(gold, pred)
    # precision: 5/10 + 0 + 0 over 3 spans; recall: 5/10 + 0 over 2 spans
    assert s["precision"] == pytest.approx(0.5 / 3) and s["recall"] == pytest.approx(0.25)
    si = span_prf(gold, pred, by_technique=False)
    assert si["precision"] == pytest.approx(0.5 / 3) and si["recall"] == pytest.approx(0.25)
    # Overlapping spans of one technique are merged; of different techniques not.
    assert merge_spans([("Doubt", 0, 5), ("Doubt", 3, 9), ("Repetition", 4, 6)]) == [("Doubt", 0, 9), ("Repetition", 4, 6)]
    assert span_prf({}, {})["f1"] == 1.0 and span_prf({"a": [("Doubt", 0, 3)]}, {})["f1"] == 0.0


def test_span_scores_equal_the_official_2020_scorer() -> None:
    path = need(DATA / "semeval2020-task11-ptc" / "scorers" / "task-SI_scorer.py")
    spec = importlib.util.spec_from_file_location("official_si", path)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    rng = random.Random(3)
    gold: dict[str, list[tuple[str, int, int]]] = {}
    pred: dict[str, list[tuple[str, int, int]]] = {}
    for art in ("1", "2", "3"):
        # non-overlapping spans, as the official scorer requires
        gold[art] = [("x", s, s + rng.randint(3, 30)) for s in range(0, 1000, 60) if rng.random() < 0.6]
        pred[art] = [("x", s, s + rng.randint(3, 30)) for s in range(10, 1000, 45) if rng.random() < 0.6]
    as_sets = lambda d: {a: [["x", set(range(s, e))] for _, s, e in v] for a, v in d.items()}  # noqa: E731
    mod.logger.disabled = True
    official = mod.compute_score_pr(as_sets(pred), as_sets(gold), ["x"], prop_vs_non_propaganda=True)
    assert span_prf(gold, pred, by_technique=False)["f1"] == pytest.approx(official)


def test_decode_runs_bridges_one_token_gaps() -> None:
    toks = [(0, 3), (4, 8), (9, 12), (13, 15), (16, 20), (21, 25)]
    scores = np.array([[0.9], [0.1], [0.8], [0.0], [0.0], [0.7]])
    runs = decode_runs(toks, scores, np.array([0.5]), ["Doubt"], gap=1)
    assert [(t, s, e) for t, s, e, _ in runs] == [("Doubt", 0, 12), ("Doubt", 21, 25)]
    assert runs[0][3] == pytest.approx(0.9)


def test_runs_extend_over_weaker_neighbours() -> None:
    toks = [(0, 3), (4, 8), (9, 12), (13, 15), (16, 20), (21, 25), (26, 30), (31, 35)]
    scores = np.array([[0.9], [0.35], [0.1], [0.45], [0.6], [0.0], [0.0], [0.4]])
    plain = decode_runs(toks, scores, np.array([0.5]), ["Doubt"], gap=1)
    assert [(s, e) for _, s, e, _ in plain] == [(0, 3), (16, 20)]  # the gold span's weaker tokens cut it in two
    grown = decode_runs(toks, scores, np.array([0.5]), ["Doubt"], gap=1, extend=0.2)
    # one run over the tokens at 0.3 or more (bridging one gap); the last token
    # (0.4) reaches the lower threshold only, far from any token at 0.5: no run
    assert [(s, e, round(sc, 2)) for _, s, e, sc in grown] == [(0, 20, 0.9)]


def test_run_forms_widen_and_shift_some_techniques() -> None:
    text = "They say it was fine. Nobody believes the so-called experts now."
    toks, _ = token_features(text, 18)
    labels = ["Doubt", "Loaded_Language"]
    S = np.zeros((len(toks), 2), np.float32)
    w = [i for i, (s, e) in enumerate(toks) if text[s:e] in ("believes", "so")]
    S[w[0], 0] = 0.6  # "believes": Doubt
    S[w[1], 1] = 0.45  # "so": Loaded_Language
    th = np.array([0.5, 0.5], np.float32)
    spans = lambda forms: [(t, text[s:e]) for t, s, e, _ in decode_spans(text, toks, S, th, labels, 1, False, forms)]  # noqa: E731
    assert spans(RunForms()) == [("Doubt", "believes")]
    forms = RunForms(0.0, {"Loaded_Language": -0.1}, frozenset({"Doubt"}))
    assert sorted(spans(forms)) == [("Doubt", "Nobody believes the so-called experts now."), ("Loaded_Language", "so")]
    # a language whose annotators mark whole sentences: every run widened, no run forms
    whole = [(t, text[s:e]) for t, s, e, _ in decode_spans(text, toks, S, th, labels, 1, True, forms)]
    assert whole == [("Doubt", "Nobody believes the so-called experts now.")]
    assert RunForms.from_meta(forms.to_meta()) == forms and RunForms.from_meta(None) == RunForms()



def test_runs_do_not_end_on_a_function_word_or_full_stop() -> None:
    text = 'The sanctions are "currently devastating the Russian economy." Shut down the brutal regime.'
    toks, _ = token_features(text, 18)
    labels = ["Loaded_Language", "Slogans"]
    S = np.zeros((len(toks), 2), np.float32)
    for i, (s, e) in enumerate(toks):
        S[i, 0] = 0.6 if text[s:e] in ("currently", "devastating", "the") and s < 50 else 0.0
        S[i, 1] = 0.6 if s >= text.index("Shut") else 0.0  # "Shut down the brutal regime."
    th = np.array([0.5, 0.5], np.float32)
    forms = RunForms(tail_words={"en": frozenset({"the", "of"})})
    spans = lambda lang: [(t, text[s:e]) for t, s, e, _ in decode_spans(text, toks, S, th, labels, 1, False, forms, language=lang)]  # noqa: E731
    assert spans("en") == [("Loaded_Language", "currently devastating"), ("Slogans", "Shut down the brutal regime")]
    # another language's runs, or a model without tail words, keep them
    assert spans("fr") == [("Loaded_Language", "currently devastating the"), ("Slogans", "Shut down the brutal regime.")]
    assert RunForms.from_meta(forms.to_meta()) == forms
    # a run of function words alone is no evidence: dropped
    assert forms.trim_tail(text, ("Loaded_Language", 0, 3, 0.6), "en") is None
    assert forms.trim_tail("of the", ("Loaded_Language", 0, 6, 0.6), "en") is None


def test_runs_do_not_open_on_a_possessive_nor_cut_a_hyphenated_word() -> None:
    text = "America's dangerous anti-Semitic plot, and Europe’s own."
    forms = RunForms(tail_words={"en": frozenset({"the", "and"})})
    tidy = lambda s, e, lang="en": (r := forms.trim_tail(text, ("Loaded_Language", s, e, 0.6), lang)) and text[r[1]:r[2]]  # noqa: E731
    at = text.index
    assert tidy(at("'s"), at(" anti")) == "dangerous"
    assert tidy(at("s dangerous"), at(" anti")) == "dangerous"
    assert tidy(at("dangerous"), at("-Semitic")) == "dangerous anti-Semitic"
    assert tidy(at("plot"), at(" Europe")) == "plot"  # "and" goes, then the dangling comma
    assert tidy(at("’s own"), len(text)) == "own"
    # another language (no tail words) is left as decoded
    assert tidy(at("'s"), at(" anti"), "fr") == "'s dangerous"
    # half a quotation loses its quote mark, a whole one keeps both
    q = 'They call them "Russian Zombies" and "traitors'
    half = lambda s, e: (r := forms.trim_tail(q, ("Name_Calling-Labeling", s, e, 0.6), "en")) and q[r[1]:r[2]]  # noqa: E731
    assert half(q.index('"Russian'), q.index(" Zombies")) == "Russian"
    assert half(q.index('"Russian'), q.index(" and")) == '"Russian Zombies"'
    assert half(q.index('"traitors'), len(q)) == "traitors"


def test_tail_words_are_kept_unless_they_lower_span_f1() -> None:
    from narrascope.train.spans import TAIL_WORDS, SpanArticle, choose_tail_words

    text = "The sanctions are currently devastating the Russian economy."
    toks, _ = token_features(text, 18)
    S = np.zeros((len(toks), len(TECHNIQUES)), np.float32)
    j = TECHNIQUES.index("Loaded_Language")
    for i, (s, e) in enumerate(toks):
        S[i, j] = 0.9 if text[s:e] in ("currently", "devastating") or (text[s:e] == "the" and s > 20) else 0.0
    th = np.full(len(TECHNIQUES), 0.5, np.float32)
    start = text.index("currently")

    def chosen(gold_end: int) -> dict[str, frozenset[str]]:
        art = SpanArticle("en/1", "en", text, [("Loaded_Language", start, gold_end)])
        return choose_tail_words([art], [toks], [S], th, {}, [0], RunForms()).tail_words

    assert chosen(text.index(" the Russian")) == {"en": TAIL_WORDS["en"]}  # gold "currently devastating"
    assert chosen(text.index(" Russian")) == {}  # gold ends on "the": trimming it would lose F1

def test_run_forms_are_chosen_by_span_f1() -> None:
    # sums (articles, technique, form, shift, extension, [p_num, r_num, predicted, gold]):
    # Doubt scores better as sentences at a higher threshold, Loaded_Language as plain runs
    sums = np.zeros((1, len(TECHNIQUES), 2, len(RUN_SHIFTS), len(RUN_EXTENDS), 4))
    doubt, loaded, up = TECHNIQUES.index("Doubt"), TECHNIQUES.index("Loaded_Language"), RUN_SHIFTS.index(0.06)
    sums[0, doubt, :, :, :] = [5, 5, 100, 60]  # every form: F1 about 0.06
    sums[0, doubt, 1, up, :] = [40, 30, 70, 60]  # sentences, shift 0.06: F1 about 0.53
    sums[0, loaded, :, :, :] = [30, 30, 80, 70]
    sums[0, loaded, 1, :, :] = [10, 50, 80, 70]
    forms, f1 = choose_run_forms(sums)
    assert forms == RunForms(0.0, {"Doubt": 0.06}, frozenset({"Doubt"}))
    total = forms_total(sums, forms)
    assert total.tolist() == [70, 60, 150, 130] and f1 == pytest.approx(2 * (70 / 150) * (60 / 130) / (70 / 150 + 60 / 130))
    # too few gold spans to choose from: plain runs
    assert choose_run_forms(sums, min_spans=100)[0] == RunForms()


def test_runs_widen_to_their_sentences() -> None:
    sents = [(0, 20), (21, 50), (51, 80)]
    runs = [("Doubt", 3, 6, 0.4), ("Doubt", 10, 12, 0.7), ("Slogans", 18, 25, 0.5), ("Doubt", 60, 62, 0.3)]
    assert expand_to_sentences(runs, sents) == [("Doubt", 0, 20, 0.7), ("Slogans", 0, 50, 0.5), ("Doubt", 51, 80, 0.3)]
    assert expand_to_sentences([("Doubt", 90, 95, 0.2)], sents) == [("Doubt", 90, 95, 0.2)]  # outside every sentence: kept
    # a run across two sentences and one inside the second: one span of both, not two that overlap
    assert expand_to_sentences([("Doubt", 15, 25, 0.5), ("Doubt", 30, 35, 0.6)], sents) == [("Doubt", 0, 50, 0.6)]


def test_token_features_are_stable_and_offsets_exact() -> None:
    text = 'They call it a “special operation”!'
    toks, feats = token_features(text, 18)
    assert [text[s:e] for s, e in toks][:4] == ["They", "call", "it", "a"]
    assert feats == token_features(text, 18)[1]  # crc32, not Python's salted hash
    assert all(0 <= f < 1 << 18 for row in feats for f in row)


def _tiny_2023(tmp_path: Path) -> Path:
    root = tmp_path / "sem23"
    (root / "en" / "train-articles-subtask-3").mkdir(parents=True)
    (root / "en" / "train-labels-subtask-3-spans").mkdir(parents=True)
    for i in range(12):
        text = f"Article {i}. The corrupt regime lied again and again.\nOfficials met on Tuesday to discuss trade {i}.\n"
        (root / "en" / "train-articles-subtask-3" / f"article{i}.txt").write_text(text, encoding="utf-8")
        s = text.index("corrupt regime")
        rows = [f"{i}\tName_Calling,Labeling\t{s}\t{s + 14}", f"{i}\tLoaded_Language\t{s}\t{s + 7}"]
        (root / "en" / "train-labels-subtask-3-spans" / f"article{i}-labels-subtask-3.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_training_on_a_tiny_set_finds_the_phrase(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    root = _tiny_2023(tmp_path)
    res = train_spans(root, folds=3, log=lambda m: None)
    assert len(res["articles"]) == 12 and all(a.spans for a in res["articles"])
    save_span_model(tmp_path / "m", res, {"trained": "test"})
    m = SpanModel(tmp_path / "m")
    text = "Yesterday the corrupt regime spoke. Officials met on Tuesday."
    found = m.spans(text)
    hit = [(t, text[s:e]) for t, s, e, _ in found]
    assert ("Name_Calling-Labeling", "corrupt regime") in hit or any(t == "Name_Calling-Labeling" and "corrupt" in x for t, x in hit)
    assert not any("Tuesday" in x for _, x in hit)
    assert m.spans(text, only=["Doubt"]) == []
    # the run forms, scored by adding their sums, as decoding scores them; saved with the model
    cv = spans_cv_report(res)
    assert cv["run_forms"]["chosen_on_the_same_articles"] == cv["en"]["narrascope"]
    assert m.run_forms == res["run_forms"] and set(cv["run_forms"]) >= {"plain_runs", "nested", "chosen"}
    assert set(m.run_forms.tail_words) == {"en"}


def test_bad_span_file_names_file_and_line(tmp_path: Path) -> None:
    root = _tiny_2023(tmp_path)
    f = root / "en" / "train-labels-subtask-3-spans" / "article3-labels-subtask-3.txt"
    f.write_text("3\tDoubt\tten\t20\n", encoding="utf-8")
    with pytest.raises(NarrascopeError) as e:
        span_articles(root)
    assert e.value.code == Code.BAD_SEMEVAL and "article3" in str(e.value) and "line 1" in str(e.value)


def test_ptc_articles_already_in_2023_are_read_once(tmp_path: Path) -> None:
    sem = need(DATA / "semeval2023-task3")
    ptc = need(DATA / "semeval2020-task11-ptc")
    # a small copy: 3 English 2023 articles + PTC labels for them and one PTC-only article
    root = tmp_path / "sem23"
    for sub in ("train-articles-subtask-3", "train-labels-subtask-3-spans"):
        (root / "en" / sub).mkdir(parents=True)
    ids = sorted(p.name.split("-")[0][7:] for p in (sem / "en" / "train-labels-subtask-3-spans").glob("*.txt"))
    ids = [i for i in ids if (ptc / "train-articles" / f"article{i}.txt").exists()][:4]
    for i in ids[:3]:
        shutil.copy(sem / "en" / "train-articles-subtask-3" / f"article{i}.txt", root / "en" / "train-articles-subtask-3")
        shutil.copy(sem / "en" / "train-labels-subtask-3-spans" / f"article{i}-labels-subtask-3.txt", root / "en" / "train-labels-subtask-3-spans")
    p2 = tmp_path / "ptc"
    (p2 / "train-articles").mkdir(parents=True)
    for i in ids:
        shutil.copy(ptc / "train-articles" / f"article{i}.txt", p2 / "train-articles")
    lines = [ln for ln in (ptc / "train-task2-TC.labels").read_text(encoding="utf-8").splitlines() if ln.split("\t")[0] in ids]
    (p2 / "train-task2-TC.labels").write_text("\n".join(lines) + "\n", encoding="utf-8")
    arts = span_articles(root, p2)
    assert sorted(a.id for a in arts) == sorted([f"en/{i}" for i in ids[:3]] + [f"ptc/{ids[3]}"])
    only_ptc = next(a for a in arts if a.id.startswith("ptc/"))
    assert only_ptc.spans and all(t in TECHNIQUES for t, _, _ in only_ptc.spans)  # 2020 names mapped
    assert all(0 <= s < e <= len(a.text) for a in arts for _, s, e in a.spans)


def test_bundled_span_model_loads_and_tags() -> None:
    m = SpanModel(MODELS / "technique-spans")
    assert m.labels == TECHNIQUES and m.card.get("command", "").startswith("narrascope train techniques")
    text = "This is a shameful, disgusting betrayal by the corrupt elites, who lie to you every day!"
    found = m.spans(text, shift=-0.05)
    assert found and all(0 <= s < e <= len(text) and t in TECHNIQUES for t, s, e, _ in found)
    # However low the thresholds, a span shown as evidence has a word in it.
    assert m.spans('"" -- ... !!', shift=-5.0) == []
    from narrascope.models.spans import _trim

    text = "it happened by accident? [sic] -- a lie"
    start = text.index("by")
    assert _trim(text, ("Doubt", start, text.index("sic"), 0.3)) == ("Doubt", start, text.index(" ["), 0.3)
    assert _trim(text, ("X", text.index("-- a"), len(text), 0.3))[1] == text.index("a lie")


def test_semeval2023_spans_and_score_spans_cli(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    from narrascope.cli import app

    src = need(DATA / "semeval2023-task3" / "en")
    ids = sorted(p.name.split("-")[0][7:] for p in (src / "train-labels-subtask-3-spans").glob("*.txt"))[:3]
    arts, gold = tmp_path / "articles", tmp_path / "gold"
    arts.mkdir()
    gold.mkdir()
    for i in ids:
        shutil.copy(src / "train-articles-subtask-3" / f"article{i}.txt", arts)
        shutil.copy(src / "train-labels-subtask-3-spans" / f"article{i}-labels-subtask-3.txt", gold)
    out = tmp_path / "spans.txt"
    r = runner.invoke(app, ["semeval2023", "spans", str(arts), "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = [ln.split("\t") for ln in out.read_text(encoding="utf-8").splitlines()]
    assert rows and all(a in ids and t in TECHNIQUES and int(s) < int(e) for a, t, s, e in rows)
    text = {i: (arts / f"article{i}.txt").read_text(encoding="utf-8") for i in ids}
    assert all(text[a][int(s):int(e)].strip() for a, _, s, e in rows)  # offsets index the article file
    # Gold against itself scores 1; the prediction scores in (0, 1].
    r = runner.invoke(app, ["semeval2023", "score-spans", "--gold", str(gold), "--pred", str(gold / f"article{ids[0]}-labels-subtask-3.txt"), "--json"])
    assert r.exit_code == 0, r.output
    one = json.loads(r.output)
    assert one["articles"] == 3 and one["technique"]["precision"] == pytest.approx(1.0) and one["technique"]["recall"] < 1.0
    r = runner.invoke(app, ["semeval2023", "score-spans", "--gold", str(gold), "--pred", str(out), "--json"])
    res = json.loads(r.output)
    assert 0 < res["si"]["f1"] <= 1 and 0 <= res["technique"]["f1"] <= 1
    r = runner.invoke(app, ["semeval2023", "score-spans", "--gold", str(tmp_path / "nope"), "--pred", str(out)])
    assert r.exit_code != 0 and "NS1" in r.output


def test_stack_combines_paragraph_probability_and_token_scores() -> None:
    pytest.importorskip("sklearn")
    from narrascope.models.spans import stacked_proba
    from narrascope.train.stack import fit_stack, paragraph_span_scores

    rng = np.random.default_rng(0)
    n, k = 400, len(TECHNIQUES)
    Y = (rng.random((n, k)) < 0.2).astype(np.float32)
    prob = np.clip(0.5 + 0.1 * rng.standard_normal((n, k)), 0.01, 0.99)  # an uninformative classifier
    F = Y * 0.8 + 0.1 * rng.standard_normal((n, k))  # an informative tagger
    groups = [f"en/{i // 4}" for i in range(n)]
    st = fit_stack(prob, F.astype(np.float32), Y, groups)
    assert len(st["thresholds"]) == k and all(c > 0 for c in st["c"])
    p2 = stacked_proba(st, prob, F)
    assert ((p2 >= np.asarray(st["thresholds"])) == (Y > 0)).mean() > 0.9
    same = stacked_proba({"a": [1.0] * k, "c": [0.0] * k, "b": [0.0] * k}, prob, F)
    assert np.allclose(same, prob, atol=1e-5)
    # thresholds tuned on the other folds decide each article: close to the same-fold figure here,
    # and the same as a per-row threshold matrix stack_report reads
    from narrascope.train.stack import nested_threshold_report, stack_report

    langs = ["en"] * n
    nested = nested_threshold_report(st["oof"], Y, groups, langs)
    same_fold = stack_report(st["oof"], st["thresholds"], Y, langs)
    assert 0.8 < nested["en"]["micro_f1"] <= same_fold["en"]["micro_f1"] + 0.02
    rows = np.tile(np.asarray(st["thresholds"]), (n, 1))
    assert stack_report(st["oof"], rows, Y, langs)["en"] == same_fold["en"]
    # token scores are read inside each paragraph's offsets only
    art = type("A", (), {"id": "en/1"})()
    res = {"articles": [art], "tokens": [[(0, 3), (4, 8), (10, 12)]], "oof": [np.array([[0.1] * k, [0.9] * k, [0.5] * k])]}
    out = paragraph_span_scores(res, ["en/1", "en/1", "en/2"], [(0, 9), (10, 12), (0, 5)])
    assert np.allclose(out[:, 0], [0.9, 0.5, 0.0])


def test_stage_decides_with_the_stack_when_trained_together() -> None:
    from narrascope.stages.persuasion import TechniquesStage

    st = TechniquesStage()
    assert st.span_model.stack is not None, "the bundled models are trained together (narrascope train techniques)"
    texts = ["The corrupt, criminal regime lies to you every single day, and only fools still believe it!",
             "The committee met on Tuesday."]
    prob, labels = st.predict_texts(texts)
    th = np.asarray(st.span_model.stack["thresholds"])
    assert labels == [[TECHNIQUES[j] for j in np.where(r >= th)[0]] for r in prob]
    assert prob[0].max() > prob[1].max()


def test_no_token_spans_in_a_language_the_tagger_never_saw() -> None:
    import narrascope as ns
    from narrascope.stages.persuasion import TechniquesStage

    st = TechniquesStage()
    m = st.span_model
    assert m.languages == {"en", "fr", "de", "it", "pl", "ru"}
    assert m.knows("ru") and m.knows(None) and not m.knows("hi") and not m.knows("bg")
    folder = need(DATA / "semeval2025-task10" / "train" / "HI" / "raw-documents")
    found = 0
    for path in sorted(folder.glob("*.txt"))[:8]:
        a = next(ns.read([str(path)]))
        assert a.language == "hi"
        d = st.predict(a)
        assert "not trained on 'hi'" in d["spans_note"]
        for p in d["paragraphs"]:
            for t in p["techniques"]:
                found += 1
                (ev,) = t["evidence"]
                # a whole sentence of the paragraph, never a stray letter
                assert ev["kind"] == "sentence" and p["start"] <= ev["start"] < ev["end"] <= p["end"]
                assert any(s.start == ev["start"] and s.end == ev["end"] for s in a.sentences)
    assert found, "the paragraph classifier still finds techniques in Hindi"
    en = ns.analyze_text("This is a shameful, disgusting betrayal by the corrupt elites, who lie to you every day! "
                         "Only a fool would still trust these criminals.", title="Betrayal", stages=[])
    d = st.predict(en)
    assert "spans_note" not in d
    assert any(ev["kind"] == "span" for p in d["paragraphs"] for t in p["techniques"] for ev in t["evidence"])
