"""Text utilities that keep character offsets honest.

Cleaning builds the clean text from pieces of the raw text; a
:class:`TextBuilder` records, for every copied run, where it came from, so
spans found on the clean text can be mapped back to the raw document (which
is what the SemEval formats and the user's own files use).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any


def _mark_ranges() -> str:
    """Regex class body of the combining marks of the Basic Multilingual
    Plane (categories Mn, Mc, Me)."""
    out, start, prev = [], None, None
    for c in range(0x300, 0x10000):
        if unicodedata.category(chr(c)).startswith("M"):
            if start is None:
                start = c
            prev = c
        elif start is not None:
            out.append(f"\\u{start:04x}-\\u{prev:04x}" if prev != start else f"\\u{start:04x}")
            start = None
    return "".join(out)


# A word is a run of word characters *and combining marks*: Python's \w
# leaves out the vowel signs of Devanagari and other Indic scripts (and
# decomposed accents), so r"\w+" cuts "प्रधानमंत्री" (prime minister) into
# "प", "रध", "नम", "त", "र". Zero-width (non-)joiners inside Indic and
# Persian words belong to them too. Every tokeniser in the package uses WORD.
MARKS = _mark_ranges() + "\u200c\u200d"
WORD = re.compile(rf"[\w{MARKS}]+")


def words(text: str) -> list[str]:
    """The words of ``text`` (see WORD)."""
    return WORD.findall(text)


# A sentence of fewer words ("Защо?", a section heading "Украина.", an embedded
# post's byline "— Bill Gates") is too short to show why an article carries a
# narrative or a frame: evidence (narratives, frames, explain) puts it after
# every longer sentence. Punctuation is no word.
MIN_EVIDENCE_WORDS = 3


def too_short(text: str) -> bool:
    """Whether ``text`` has fewer than MIN_EVIDENCE_WORDS words."""
    return len(words(text)) < MIN_EVIDENCE_WORDS


def weak_evidence(text: str) -> bool:
    """Whether a sentence cannot show why alone: too short (see too_short),
    a lead-in that ends in a colon ("When asked about it earlier this year,
    he responded:"), whose point is what follows it, or an aside in brackets
    (an editor's '"(Президент РФ Владимир - ред.)"'). Evidence puts such
    sentences after every other."""
    core = text.strip().strip("\"'“”«»„")
    return too_short(text) or core.endswith(":") or (core.startswith(("(", "[")) and core.endswith((")", "]")))


def word_key(text: str) -> str:
    """``text``'s words in lower case, one space apart: the same key for the
    same words whatever the case, spacing or punctuation (a repeated
    paragraph, a title the body repeats)."""
    return " ".join(w.lower() for w in words(text))


# Homoglyphs: Latin and Cyrillic letters that look alike. Propaganda outlets
# mix them into words ("пo" with a Latin o, "Ukrаine" with a Cyrillic а) so
# that filters and searches miss the text; the models, NER and search miss it
# too. A mixed word is written in its main script again.
_LATIN_LOOKS = "aceopxyiABCEHIKMOPTXY"
_CYRILLIC_LOOKS = "асеорхуіАВСЕНІКМОРТХУ"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKS, _CYRILLIC_LOOKS)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKS, _LATIN_LOOKS)
CYRILLIC = re.compile("[\u0400-\u04ff]")  # a Cyrillic letter (homoglyphs; a title's script)
LATIN = re.compile("[A-Za-z]")  # a Latin letter (homoglyphs; scripts of a name and its alias)
DEVANAGARI = re.compile("[\u0900-\u097f]")  # Hindi's script (its spellings of a name; its sentence stop)
_INFLECTED = re.compile("[A-Z]{2,}[\u0430-\u044f\u0451]+")
# A run of letters with both a Cyrillic and a Latin letter in it. Tried only
# where a run starts, with two lookaheads: the same matches as trying every
# letter with backtracking, some 8 times faster (it was 40% of cleaning).
_LETTER = r"[^\W\d_]"
_MIXED = re.compile(rf"(?<!{_LETTER})(?={_LETTER}*?{CYRILLIC.pattern})(?={_LETTER}*?{LATIN.pattern}){_LETTER}+")


# A digit 3 opening a lower-case Cyrillic word: З in disguise ("3еленски")
# when the article spells the word with З elsewhere (see fold_homoglyphs).
_DIGIT_ZE = re.compile(r"(?<![\w.,])3([\u0430-\u044f\u0451]{3,})(?!\w)")


def fold_homoglyphs(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``text`` with every word that mixes Latin and Cyrillic letters written
    in one script, and the (start, end, original) of each word changed. A
    word goes to the script in which all its letters have a form: "Kyлeбa"
    (л, б have no Latin look-alike) is "Кулеба", although most of its letters
    are Latin; where both scripts would do, its main script wins (a tie: the
    text's), and where neither, it is left alone ("Zеленский"). A digit 3
    opening a Cyrillic word is the letter З where the article spells that
    word with З elsewhere ("3ападът" beside "Западът"; never "3тыс").
    Each letter is replaced by one letter, so offsets do not move."""
    mixed = list(_MIXED.finditer(text))
    cyr_total = len(CYRILLIC.findall(text)) if mixed else 0
    lat_total = len(LATIN.findall(text)) if mixed else 0
    out, changed, last = [], [], 0
    for m in mixed:
        w = m.group()
        if _INFLECTED.fullmatch(w):  # "SHAMANа": a Latin name with a Russian ending is no disguise
            continue
        cyr, lat = CYRILLIC.findall(w), LATIN.findall(w)
        can_cyrillic, can_latin = all(c in _LATIN_LOOKS for c in lat), all(c in _CYRILLIC_LOOKS for c in cyr)
        if not (can_cyrillic or can_latin):
            continue
        if can_cyrillic and can_latin:
            to_cyrillic = len(cyr) > len(lat) or len(cyr) == len(lat) and cyr_total >= lat_total
        else:
            to_cyrillic = can_cyrillic
        # The table maps the other script's letters only: the word's own stay.
        out += [text[last:m.start()], w.translate(_TO_CYRILLIC if to_cyrillic else _TO_LATIN)]
        last = m.end()
        changed.append((m.start(), m.end(), w))
    if changed:
        out.append(text[last:])
        text = "".join(out)
    if "3" in text:
        text, changed = _fold_digit_ze(text, changed)
    return text, changed


def _fold_digit_ze(text: str, changed: list[tuple[int, int, str]]) -> tuple[str, list[tuple[int, int, str]]]:
    """3 -> З opening the words the text also spells with З (see fold_homoglyphs);
    ``changed`` gains those words, with the original letters of a word whose
    letters were folded too ("3aпaдът")."""
    hits = [m for m in _DIGIT_ZE.finditer(text) if re.search(rf"(?<!\w)З{m.group(1)}(?!\w)", text)]
    if not hits:
        return text, changed
    chars = list(text)
    by_start = {s: (s, e, w) for s, e, w in changed}
    for m in hits:
        chars[m.start()] = "З"
        letters = by_start.pop(m.start() + 1, None)
        by_start[m.start()] = (m.start(), m.end(), "3" + (letters[2] if letters else m.group(1)))
    return "".join(chars), sorted(by_start.values())


# Characters that carry nothing and break matching; ZWJ/ZWNJ are kept because
# they are meaningful in Indic and Persian scripts.
_INVISIBLE = "\u200b\ufeff\u00ad\u2060"
# Any whitespace run that is not exactly one plain space, and invisible chars.
_ODD_GAP = re.compile(rf"[\s{_INVISIBLE}]{{2,}}|[^\S ]|[{_INVISIBLE}]")


class TextBuilder:
    """Append text pieces with their raw origin; produce text + offset map."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.runs: list[list[int]] = []  # [clean_start, raw_start, length]

    def add(self, piece: str, raw_start: int | None = None) -> None:
        if not piece:
            return
        if raw_start is not None:
            last = self.runs[-1] if self.runs else None
            if last and last[0] + last[2] == self.length and last[1] + last[2] == raw_start:
                last[2] += len(piece)
            else:
                self.runs.append([self.length, raw_start, len(piece)])
        self.parts.append(piece)
        self.length += len(piece)

    def add_normalized(self, raw: str, start: int, end: int, keep_newlines: bool = True,
                       drop: frozenset[int] = frozenset()) -> None:
        """Copy raw[start:end] with whitespace collapsed and unicode NFC.

        Text between "odd" gaps (anything but one plain space) is copied as
        one run with its raw offsets; each odd gap becomes one space (or one
        newline if it held a line break and ``keep_newlines``). Leading and
        trailing whitespace is dropped, and so are the characters at the raw
        offsets in ``drop`` (a CSV field's quote marks).
        """
        while start < end and (raw[start].isspace() or raw[start] in _INVISIBLE or start in drop):
            start += 1
        while end > start and (raw[end - 1].isspace() or raw[end - 1] in _INVISIBLE or end - 1 in drop):
            end -= 1
        cuts = [(m.start(), m.end(), m.group()) for m in _ODD_GAP.finditer(raw, start, end)]
        if drop:
            cuts = sorted(cuts + [(i, i + 1, "") for i in drop if start <= i < end])
        pos = start
        for a, b, gap in cuts:
            self._add_segment(raw, pos, a)
            if gap.strip(_INVISIBLE):  # real whitespace; invisible chars alone vanish
                self.add("\n" if keep_newlines and "\n" in gap else " ")
            pos = b
        self._add_segment(raw, pos, end)

    def _add_segment(self, raw: str, a: int, b: int) -> None:
        if a >= b:
            return
        seg = raw[a:b]
        if seg.isascii() or unicodedata.is_normalized("NFC", seg):
            self.add(seg, a)
            return
        nfc = unicodedata.normalize("NFC", seg)
        if len(nfc) == len(seg):
            self.add(nfc, a)
        else:  # composed characters: map the whole segment to its raw start
            self.runs.append([self.length, a, 0])
            self.add(nfc)

    def text(self) -> str:
        return "".join(self.parts)

    def offset_map(self) -> list[tuple[int, int, int]]:
        return [(a, b, c) for a, b, c in self.runs]


def map_offset(runs: list[tuple[int, int, int]], offset: int) -> int | None:
    """Clean offset -> raw offset, or None if that character was generated."""
    if not runs:
        return None
    i = bisect.bisect_right([r[0] for r in runs], offset) - 1
    if i < 0:
        return None
    c, r, n = runs[i]
    if offset < c + n or (n == 0 and offset == c):
        return r + (offset - c)
    # An offset just past a run (span end) maps to the end of that run.
    if offset == c + n:
        return r + n
    return None


def map_offset_back(runs: list[tuple[int, int, int]], raw_offset: int) -> int | None:
    """Raw offset -> clean offset, or None if that raw character was removed."""
    for c, r, n in runs:
        if r <= raw_offset < r + n:
            return c + (raw_offset - r)
        if raw_offset == r + n and n:
            return c + n
    return None


def normalize(text: str) -> str:
    """Whitespace-collapsed NFC text (no offset map): for ad-hoc strings."""
    b = TextBuilder()
    b.add_normalized(text, 0, len(text))
    return b.text()


# --- sentence splitting ------------------------------------------------------

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "col", "lt", "sgt", "capt",
    "gov", "sen", "rep", "pres", "rev", "hon", "inc", "ltd", "co", "corp", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "vol", "fig", "vs",
    "etc", "approx", "est", "dept", "univ", "u.s", "u.k", "u.n", "e.u", "e.g", "i.e", "a.m",
    "p.m", "d.c", "ул", "г", "т.е", "т.к", "им", "др", "т.н", "проф", "акад", "sr", "sra", "dra", "srta",
    "mme", "mmes", "mlle", "mlles",  # French courtesy titles, in other languages' text too ("de Mme. Dixson-Declève")
    # Hindi writes Latin initials as letter names ("एस. जयशंकर", S. Jaishankar;
    # "एम.एससी", M.Sc) and Dr as "डॉ."
    "ए", "बी", "सी", "डी", "ई", "एफ", "जी", "एच", "आई", "जे", "के", "एल", "एम", "एन", "ओ", "पी",
    "क्यू", "आर", "एस", "टी", "यू", "वी", "डब्ल्यू", "एक्स", "वाई", "जेड", "डॉ",
}
# Marks that end a sentence (Hindi's danda and double danda too)
SENTENCE_STOPS = ".!?…।॥"
# End of sentence: terminal punctuation, optional closing quotes/brackets, space.
_END = re.compile(rf"([{SENTENCE_STOPS}]+)([\"'”’»)\]]*)(\s+)")
_OPENERS = "\"'“‘«(["


# What may open a sentence before its first word: quote marks, brackets, spaces, an interview's dashes
SENTENCE_LEAD = "\"'“”‘’«»„([ -–—"


def sentence_starts(text: str, sentences: Sequence[tuple[int, int]], lead: str = SENTENCE_LEAD) -> set[int]:
    """Where each sentence's first word starts: after the ``lead`` characters
    (quote marks, brackets, spaces, an interview's dashes: "- Не, мисля, …")
    that may open it."""
    return {a + len(text[a:b]) - len(text[a:b].lstrip(lead)) for a, b in sentences}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentence spans (start, end), trimmed of whitespace.

    Rule-based and multilingual: line breaks always end a sentence; terminal
    punctuation ends one unless it closes a known abbreviation or an initial,
    or the next word starts in lower case. Scraped text often loses the space
    after a full stop ("he said.On Friday"): such a glued break ends a
    sentence too (see :func:`_glued_breaks`).
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        ls = line.start()
        seg = line.group()
        # (end of this sentence, start of the next)
        cuts: list[tuple[int, int]] = []
        for m in _END.finditer(seg):
            nxt = seg[m.end() : m.end() + 1]
            if not nxt or nxt.islower():
                continue
            if m.group(1) == "." and _abbreviation(seg, m.start()):
                continue
            cuts.append((m.end(2), m.end()))
        cuts += _glued_breaks(seg) + _glued_headings(seg)
        start = 0
        for cut, nxt_start in sorted(cuts):
            _push(spans, seg, ls, start, cut)
            start = nxt_start
        _push(spans, seg, ls, start, len(seg))
    return spans


def _abbreviation(seg: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` closes an abbreviation or initials."""
    before = seg[:dot].rsplit(None, 1)
    word = before[-1].lower().lstrip(_OPENERS) if before else ""
    return word in _ABBREV or (len(word) == 1 and word.isalpha()) or bool(_INITIALS.fullmatch(word))


_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # u.s, e.g, в.в
_GLUED = re.compile(r"[.!?…।॥]+")
_CLOSERS = "”’»)]"
# Domains written with a capital: "Pravda.Ru", "NewsInfo.Ru".
_TLDS = {"ru", "com", "net", "org", "ua", "info", "eu", "bg", "uk", "рф", "su", "news", "tv"}


def _glued_breaks(seg: str) -> list[tuple[int, int]]:
    """Sentence breaks without a space: "мемориалов.Так", "hai.यह", 'он."Основные'.

    A break needs a word (two characters at least, not an abbreviation or
    initials: "В.В.Путин", "Mr.Smith") before the punctuation and, after it,
    a capitalised word or a word of a caseless script (Devanagari). Links,
    e-mail addresses and capitalised domains ("Pravda.Ru") are not breaks.
    A straight quote mark between the two closes a quotation the line has
    opened (quotations run over several sentences), and opens the next
    sentence otherwise.
    """
    cuts: list[tuple[int, int]] = []
    for m in _GLUED.finditer(seg):
        p, q = m.start(), m.end()
        while q < len(seg) and seg[q] in _CLOSERS:
            q += 1
        cut = q
        if q < len(seg) and seg[q] in "\"'":
            marks = re.findall(rf"(?<![^\W_]){seg[q]}|{seg[q]}(?![^\W_])", seg[:p])  # no apostrophe in "don't"
            cut = q + 1 if len(marks) % 2 else q
            q += 1
        elif q < len(seg) and seg[q] in "“‘«„":
            q += 1
        nxt = WORD.match(seg, q)
        if nxt is None or len(nxt.group()) < 2 or nxt.group()[0].isdigit():
            continue
        word = nxt.group()
        if word[0].islower() or (word[0].isupper() and not word[1].islower()):
            continue  # "pic.twitter.com", "U.S.A", "S.NO"
        token_start = seg.rfind(" ", 0, p) + 1
        token = seg[token_start:p]
        if "/" in token or "@" in token or token.lower().startswith("www"):
            continue
        core = token.rstrip(_CLOSERS + "\"'").lstrip(_OPENERS)
        last = WORD.findall(core.rsplit(".", 1)[-1])
        if not last or len(last[-1]) < 2 or core.lower() in _ABBREV:
            continue
        if word.lower() in _TLDS and not seg[nxt.end() : nxt.end() + 1].isalpha():
            continue
        cuts.append((cut, cut))
    return cuts


# A scraped subheading glued to its paragraph: "‘Embarrassingly’ RicherThe
# Scandinavian country has …", "Perth Climate ProtestIn late February, …",
# "Modest Proposals to ‘Save the Planet’What’s the proposed solution?".
# English only, where a sentence's first word is one of a few openers after a
# lower-case letter or a closing quote; not inside links or camel-case names
# ("LinkedIn", "MeWe").
_HEADING_GLUE = re.compile(r"(?:(?<=[a-z])|(?<=[a-z][’”]))(?=(?:The|This|That|These|Those|In|But|However|According|It|He|"
                           r"She|They|We|On|At|For|When|While|After|Meanwhile|As|What|Why|How)(?:[’']s)? \w)")
_CAMEL = {"linked", "log", "sign", "check", "plug", "opt", "add"}


def _glued_headings(seg: str) -> list[tuple[int, int]]:
    """Breaks between a subheading and the paragraph glued to it (see _HEADING_GLUE):
    the word before is letters only, three at least, and no camel-case name's head."""
    cuts = []
    for m in _HEADING_GLUE.finditer(seg):
        token_start = max(seg.rfind(" ", 0, m.start()), seg.rfind("\t", 0, m.start())) + 1
        left = seg[token_start:m.start()].lstrip(_OPENERS + "‘’”")
        if len(left) < 3 or not left.replace("’", "").replace("'", "").replace("-", "").isalpha() or left.lower() in _CAMEL:
            continue
        cuts.append((m.start(), m.start()))
    return cuts


def _push(spans: list[tuple[int, int]], seg: str, offset: int, a: int, b: int) -> None:
    piece = seg[a:b]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    spans.append((offset + a + lead, offset + a + lead + len(stripped)))


@lru_cache(maxsize=1)
def russian_morphology() -> Any:
    """natasha's morphology dictionary (pymorphy2), loaded once for every
    stage that reads Russian words (roles' names, claims' speakers); None
    without the ner extra."""
    try:
        from natasha import MorphVocab

        with warnings.catch_warnings():
            # pymorphy2 imports pkg_resources, whose deprecation warning users
            # can do nothing about: narrascope pins setuptools<81.
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            return MorphVocab()
    except Exception:  # noqa: BLE001 - extra not installed (or setuptools too new for pymorphy2)
        return None
