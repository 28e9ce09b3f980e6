import numpy as np

import narrascope as ns
from narrascope.text import TextBuilder, map_offset, map_offset_back, normalize, split_sentences


def _sents(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_sentences_respect_abbreviations_and_quotes() -> None:
    text = 'The U.S. and the E.U. met. Mr. Smith said "we agree." Then they left! Really?'
    assert _sents(text) == ["The U.S. and the E.U. met.", 'Mr. Smith said "we agree."', "Then they left!", "Really?"]
    # French courtesy titles, in a Portuguese test article too: "… as teses catastrofistas de Mme." was a sentence
    assert _sents("As teses de Mme. Dixson-Declève e da Mlle. Roux. A Srta. Costa concorda.") == [
        "As teses de Mme. Dixson-Declève e da Mlle. Roux.", "A Srta. Costa concorda."]


def test_sentences_lowercase_continuation_and_newlines() -> None:
    text = '"It is over," stressed the coalition. Next.\nA heading\nMore text here.'
    assert _sents(text) == ['"It is over," stressed the coalition.', "Next.", "A heading", "More text here."]


def test_sentences_other_scripts() -> None:
    assert _sents("Это тест. Второе предложение.") == ["Это тест.", "Второе предложение."]
    assert _sents("यह पहला वाक्य है। यह दूसरा है।") == ["यह पहला वाक्य है।", "यह दूसरा है।"]


def test_sentences_glued_without_a_space() -> None:
    # Scraped text loses the space after a full stop; these are two sentences.
    assert _sents("Dr Mikhail Tsykunov.In July 2020, Putin spoke.") == ["Dr Mikhail Tsykunov.", "In July 2020, Putin spoke."]
    assert _sents("Такие мемориалы.Так сказал он?Никто") == ["Такие мемориалы.", "Так сказал он?", "Никто"]
    assert _sents("पैसे कमाना चाहते हैं.अंबिका तमांग") == ["पैसे कमाना चाहते हैं.", "अंबिका तमांग"]
    # A straight quote mark opens the next sentence unless this one has an open quotation.
    assert _sents('отметил он."Основные позиции" ясны.') == ["отметил он.", '"Основные позиции" ясны.']
    assert _sents('He said "it ends."Then he left.') == ['He said "it ends."', "Then he left."]
    assert _sents("ser humanos.”Luc de Clapiers") == ["ser humanos.”", "Luc de Clapiers"]
    # ... a quotation may run over several sentences, and an apostrophe is no quote mark
    assert _sents('"We met. We agreed."Kuleba said so.') == ['"We met.', 'We agreed."', "Kuleba said so."]
    assert _sents("'We can't stop.'Then he left.") == ["'We can't stop.'", "Then he left."]
    # A scraped subheading glued to its paragraph's first word (English openers)
    assert _sents("‘Embarrassingly’ RicherThe Scandinavian country has profited.") == [
        "‘Embarrassingly’ Richer", "The Scandinavian country has profited."]
    assert _sents("Perth Climate ProtestIn late February, they met.") == ["Perth Climate Protest", "In late February, they met."]
    # ... after a quoted subheading's closing mark, or before a question (a test article's explanation quoted
    # "Modest Proposals to ‘Save the Planet’What’s the proposed solution?" as one sentence)
    assert _sents("Modest Proposals to ‘Save the Planet’What’s the proposed solution? How?") == [
        "Modest Proposals to ‘Save the Planet’", "What’s the proposed solution?", "How?"]
    assert _sents("‘The Tanks Are on Europe’s Ukrainian Lawn’The defence secretary said so.") == [
        "‘The Tanks Are on Europe’s Ukrainian Lawn’", "The defence secretary said so."]
    assert _sents("O’Brien’s What Now tour starts.") == ["O’Brien’s What Now tour starts."]


def test_sentences_glued_look_alikes_are_not_breaks() -> None:
    for text in (
        "Subscribe to Pravda.Ru Telegram channel.",  # capitalised domain
        "Указом В.А.Зеленского запретили.",  # initials
        "Mr.Smith and the U.S.Army went.",  # abbreviations
        "See pic.twitter.com/h2XuTdn79O and https://site.Com/Path now.",  # links
        "वह मास्टर ऑफ साइंस (एम.एससी) है।",  # Hindi letter names: M.Sc
        "Follow us on LinkedIn for more; the MeWe group and https://zoom.us/x_D1GwiThe Eurocrats.",  # camel case, links
    ):
        assert _sents(text) == [text]
    assert _sents("मंत्री एस. जयशंकर ने कहा।") == ["मंत्री एस. जयशंकर ने कहा।"]


def test_builder_maps_words_back_to_raw() -> None:
    raw = "  Hello\u00a0  world,\n\n  second\u200b line  "
    b = TextBuilder()
    b.add_normalized(raw, 0, len(raw), keep_newlines=False)
    text = b.text()
    assert text == "Hello world, second line"
    runs = b.offset_map()
    for word in ("Hello", "world,", "line"):
        i = text.index(word)
        r = map_offset(runs, i)
        assert r is not None and raw[r : r + len(word)] == word
        assert map_offset_back(runs, r) == i
    # A span ending right after "Hello" ends right after it in the raw text.
    assert map_offset(runs, text.index(" world")) == raw.index("Hello") + 5


def test_generated_text_has_no_raw_offset() -> None:
    b = TextBuilder()
    b.add("Given title")  # from metadata, not from the raw text
    b.add("\n\n")
    b.add_normalized("body text", 0, 9)
    runs = b.offset_map()
    assert map_offset(runs, 3) is None
    assert map_offset(runs, b.text().index("text")) == 5


def test_normalize_nfc() -> None:
    assert normalize("cafe\u0301  ok") == "café ok"


def test_invisible_characters_vanish_inside_words() -> None:
    assert normalize(" co\u00adoperation\u200b and\ufeff  more ") == "cooperation and more"
    assert normalize("tab\tand\u00a0nbsp") == "tab and nbsp"


def test_embedder_memo_encodes_each_text_once_and_stays_bounded() -> None:
    import numpy as np

    from narrascope.embed import HashingEmbedder

    class Counting(HashingEmbedder):
        cache_size = 4

        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def _encode(self, texts: list[str]) -> np.ndarray:
            self.seen += texts
            return super()._encode(texts)

    e, fresh = Counting(), HashingEmbedder()
    texts = ["Russia", "Kyiv said no.", "Russia", "NATO"]
    first = e.encode(texts)
    assert e.seen == ["Russia", "Kyiv said no.", "NATO"]  # duplicates within a call: once
    assert np.allclose(first, fresh.encode(texts)) and np.allclose(first[0], first[2])
    again = e.encode(["NATO", "Russia"])
    assert e.seen == ["Russia", "Kyiv said no.", "NATO"] and np.allclose(again, fresh.encode(["NATO", "Russia"]))
    e.encode(["a", "b", "c"])  # 6 texts > 4: the least recently used go
    assert len(e._memo) == 4 and "Kyiv said no." not in e._memo and "Russia" in e._memo
    e.encode(["Kyiv said no."])
    assert e.seen[-1] == "Kyiv said no."
    e.forget()  # emptied: the next call encodes again
    e.encode(["Russia"])
    assert e.seen[-1] == "Russia" and len(e._memo) == 1


def test_quote_around_keeps_the_mention_visible() -> None:
    from rich.text import Text

    from narrascope.render import quote_around

    body = "A long opening clause " * 12 + "that finally names [the Kremlin] at the very end of the sentence."
    a = ns.analyze_text(body, stages=[])
    start = a.clean_text.index("[the Kremlin]")
    q = quote_around(a, 0, len(a.clean_text), (start, start + len("[the Kremlin]")), width=80)
    plain = Text.from_markup(q).plain
    assert "[the Kremlin]" in plain  # markup in the article is escaped, the mention is kept
    assert plain.startswith("…") and len(plain) <= 82 and not plain[1:].startswith(" ")
    assert plain[1:].split()[0] in a.clean_text.split()  # cut at a word boundary
    short = quote_around(a, start, start + 13, (start, start + 13))
    assert Text.from_markup(short).plain == "[the Kremlin]"


def test_words_keep_combining_marks_and_joiners() -> None:
    from narrascope.text import words

    # Python's \w leaves out Devanagari vowel signs and viramas: r"\w+" cuts
    # "प्रधानमंत्री" into five pieces.
    assert words("प्रधानमंत्री नरेन्द्र मोदी, और रूस!") == ["प्रधानमंत्री", "नरेन्द्र", "मोदी", "और", "रूस"]
    assert words("cafe\u0301 naïve — Привет") == ["cafe\u0301", "naïve", "Привет"]  # decomposed accent stays
    assert words("می\u200cخواهم") == ["می\u200cخواهم"]  # Persian ZWNJ inside a word


def test_hindi_words_reach_every_tokeniser() -> None:
    from narrascope.claims.bm25 import BM25, tokenize
    from narrascope.eval.semeval import token_f1
    from narrascope.ingest import dedup
    from narrascope.models.spans import token_features

    text = "भारत ने विकासशील देशों के साथ विरोध जताया"
    expected = ["भारत", "ने", "विकासशील", "देशों", "के", "साथ", "विरोध", "जताया"]
    toks, _ = token_features(text, 18)
    assert [text[s:e] for s, e in toks] == expected
    assert tokenize(text) == expected  # BM25 drops one-letter tokens: the fragments were lost
    index = BM25(["विकासशील देशों का विरोध", "रूस और यूक्रेन"])
    assert int(np.argmax(index.scores("विकासशील देशों"))) == 0
    assert token_f1("विकासशील देशों का विरोध", "देशों का समर्थन") == 2 * (2 / 3 * 2 / 4) / (2 / 3 + 2 / 4)
    # Two unrelated Hindi sentences share no word 3-gram, so no min-hash either;
    # cut into letters they shared "के", "स", ... shingles.
    other = "रूस और यूक्रेन के बीच युद्ध जारी है और शांति वार्ता विफल रही"
    assert dedup.shingles(text).size == len(expected) - 2
    assert dedup.similarity(dedup.signature(text), dedup.signature(other)) == 0.0


def test_words_mixing_latin_and_cyrillic_are_written_in_one_script() -> None:
    from narrascope.text import fold_homoglyphs

    text = "Вo время удара пo пляжу ужe. The war in Ukrаine. Zеленский и ХХI век, iPhone."
    folded, changed = fold_homoglyphs(text)
    assert len(folded) == len(text)  # one letter for one letter: offsets stay
    assert folded.startswith("Во время удара по пляжу уже.")  # Latin o, e -> Cyrillic (main script)
    assert "Ukraine" in folded and "Ukraine".isascii()  # a Cyrillic а in a Latin word -> Latin a
    assert "Zеленский" in folded and "iPhone" in folded  # Z has no Cyrillic look-alike; no Cyrillic in iPhone
    assert [w for _s, _e, w in changed] == ["Вo", "пo", "ужe", "Ukrаine", "ХХI"]
    assert all(text[s:e] == w for s, e, w in changed)
    assert fold_homoglyphs("Plain English only.") == ("Plain English only.", [])
    # An all-caps Latin name with a Cyrillic case ending is no disguise: "концерт SHAMANа".
    assert fold_homoglyphs("на концерте SHAMANа и NATOвских") == ("на концерте SHAMANа и NATOвских", [])
    # A tie goes to the text's main script: "OTРК" in Russian text.
    assert fold_homoglyphs("Ракеты OTРК запущены")[0] == "Ракеты ОТРК запущены"
    # A word goes to the one script all its letters have a form in, even against its main script:
    # "Kyлeбa" (K, y, e, a Latin; л, б have no Latin look-alike).
    assert fold_homoglyphs("Kyлeбa: Зеленски") == ("Кулеба: Зеленски", [(0, 6, "Kyлeбa")])
    # A digit 3 opening a word is the letter З where the article spells the word so elsewhere
    # (a test-set title: "Kyлeбa: 3aпaдът посъветва 3еленски ..."), never otherwise ("3тыс").
    text = "Kyлeбa: 3aпaдът посъветва 3еленски. Западът и Зеленски, 3тыс души."
    folded, changed = fold_homoglyphs(text)
    assert folded == "Кулеба: Западът посъветва Зеленски. Западът и Зеленски, 3тыс души."
    assert changed == [(0, 6, "Kyлeбa"), (8, 15, "3aпaдът"), (26, 34, "3еленски")]
    assert all(text[s:e] == w for s, e, w in changed)
    assert fold_homoglyphs("3тыс человек, 3.5млн") == ("3тыс человек, 3.5млн", [])


def test_weak_evidence() -> None:
    from narrascope.text import weak_evidence

    # too short, a lead-in ending in a colon, an editor's aside in brackets: none shows why alone
    assert weak_evidence("Why?") and weak_evidence("— Bill Gates")
    assert weak_evidence("When asked about it earlier this year, he responded:")
    assert weak_evidence('"(Президент РФ Владимир - ред.)"') and weak_evidence("[Editor's note: updated on Monday.]")
    assert not weak_evidence("Kyiv obeys Washington in everything it does.")
    assert not weak_evidence("(Reuters) - Russia attacked the grid overnight.")  # a dateline opens a sentence
