from narrascope.text import TextBuilder, map_offset, map_offset_back, normalize, split_sentences


def _sents(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_sentences_respect_abbreviations_and_quotes() -> None:
    text = 'The U.S. and the E.U. met. Mr. Smith said "we agree." Then they left! Really?'
    assert _sents(text) == ["The U.S. and the E.U. met.", 'Mr. Smith said "we agree."', "Then they left!", "Really?"]


def test_sentences_lowercase_continuation_and_newlines() -> None:
    text = '"It is over," stressed the coalition. Next.\nA heading\nMore text here.'
    assert _sents(text) == ['"It is over," stressed the coalition.', "Next.", "A heading", "More text here."]


def test_sentences_other_scripts() -> None:
    assert _sents("Это тест. Второе предложение.") == ["Это тест.", "Второе предложение."]
    assert _sents("यह पहला वाक्य है। यह दूसरा है।") == ["यह पहला वाक्य है।", "यह दूसरा है।"]


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
