"""Boilerplate removal and normalisation for text that was scraped already.

Works paragraph by paragraph on the raw text and keeps every paragraph it
does not recognise: eating an article sentence is worse than leaving a share
bar. What it removes is recorded (kind, raw span, text) on the Article, so a
user can see and audit every cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import CYRILLIC, DEVANAGARI, TextBuilder, fold_homoglyphs, word_key, words


CAPTION = [
    # a credit in brackets ends the caption, or a "Read More" link glued after it (Express.co.uk)
    re.compile(r"\((?:photo|image|picture|photograph|credit|foto|фото|снимка)s?\b[^)]{0,200}\)\s*(?:read more(?: related articles)?)?\s*$", re.I),
    re.compile(r"^(?:photo|image|picture|photograph|caption|credit|foto|фото|снимка)s?(?:\s+(?:by|credit))?\s*[:：|]", re.I),
    re.compile(r"(?:getty images|ap photo|associated press photo|afp via|reuters/|shutterstock|anadolu agency|epa-efe|/ ?sputnik|\bstock photo)", re.I),
]
SHARE_WORDS = {
    "share", "shares", "tweet", "facebook", "twitter", "x", "email", "e-mail", "print", "whatsapp",
    "linkedin", "reddit", "telegram", "pinterest", "copy", "link", "comments", "comment", "save",
    "flipboard", "messenger", "vk", "this", "article", "on", "via", "mail", "bluesky", "threads",
}
LICENCE = re.compile(
    r"(creative commons|\bcc[- ]by\b|all rights reserved|©|\(c\)\s*\d{4}|copyright\s+(?:©\s*)?\d{4}"
    r"|may not be (?:re)?published|republish|reprinted with permission|без разрешение|все права защищены)",
    re.I,
)
# Patterns in lower case, searched in a paragraph's lower-cased text: the
# same matches as re.I, several times faster for the pre-screens' long
# alternations (all patterns' letters are lower case).
APPEAL = [
    re.compile(p)
    for p in (
        r"\bdonat(?:e|ion|ions|ing)\b",
        r"\bcontribution\b",
        r"\bsupporters?\b|\bsupport (?:us|our work|our efforts|our mission|independent)\b|\byour support\b",
        r"\bby shopping at [\w.-]+\.(?:com|org|net)\b",
        r"\bsubscri(?:be|ption|bers?)\b",
        r"\bnewsletter\b",
        r"\bsign up\b",
        r"\bjoin (?:us|the movement|with us|today|our)\b",
        r"\bbecome (?:a |part of )?(?:member|patron|supporter|subscriber|part)\b",
        r"\bpeople-powered\b|\breader-supported\b|\breader-funded\b|\bnonprofit news\b|\bnon-profit news\b",
        r"\bindependent (?:journalism|media|news)\b",
        r"\bchip in\b|\bpatreon\b|\bpaypal\b|\bpaywall\b",
        r"\bfree, independent\b|\bcorporate media\b",
        # the reader asked to follow the outlet ("Follow us on Facebook , Twitter and Instagram .", "Like us on
        # Facebook at …"), or to join a community site ("Anyone can join. Anyone can contribute.")
        r"\bfollow us\b|\blike us on\b",
        # a tip line ("We pay for your stories!", "Do you have a story for The US Sun team?", "Email us at …")
        r"\bwe pay for (?:your )?(?:stories|videos)\b|\bdo you have a story for\b|\be-?mail us at\b",
        r"\banyone can (?:join|contribute)\b",
        # a shop's advertisement below the article ("Order Your Humic Fulvic for Your Family by Clicking on this
        # Link", "Be 100% Satisfied or Receive a Full Money Back Guarantee. Order Yours Today by Following This Link.")
        r"\bmoney[- ]back guarantee\b|\bfree shipping\b",
        r"\border (?:yours?|now)\b|\bbuy now\b|\bshop now\b",
        r"\bclick(?:ing)? (?:here|on this link|this link)\b|\bby following this link\b",
        # Russian, Bulgarian, Portuguese: subscribe, follow us, support us, donate
        r"\bподпи(?:сывайтесь|шитесь)\b|\bабонирайте се\b|\bпоследвайте ни\b|\bsubscreva\b|\binscreva-se\b|\bsiga-nos\b",
        r"\bподдержите (?:нас|проект|редакцию)\b|\bподкрепете ни\b|\bapoie-nos\b|\bпожертвовани|\bдарени[ея]\b|\bdonativo",
    )
]
APPEAL_ANY = re.compile("|".join(f"(?:{rx.pattern})" for rx in APPEAL))  # cheap pre-screen, on lower-cased text
CAPTION_ANY = re.compile("|".join(f"(?:{rx.pattern})" for rx in CAPTION))  # on lower-cased text
APPEAL_HEAD = re.compile(r"^(?:join|support|donate|subscribe|sign up|become|help us|give|anyone can|подписывайтесь|подпишитесь|"
                         r"абонирайте|последвайте|subscreva|inscreva-se|siga-nos)\b", re.I)
RELATED = re.compile(
    r"^(?:read more|related|see also|advertisement|click here|watch|listen|more from|recommended|you may also like|"
    # a site's navigation between paragraphs ("Most read in The Sun", "Latest Video", "More on Putin")
    r"most read|most popular|latest video|trending photos|more on|"
    r"подробнее|читайте также|прочетете още|още по темата|leia (?:mais|também)|saiba mais|veja também)\b",
    re.I,
)
# A link to another article inside the text: "READ MORE: UFO whistleblower's
# four biggest bombshells as US Air Force vet speaks out on aliens And his
# latest one should …" (the link's headline glued to the next sentence, in
# the middle of a paragraph), or a whole "Read more: <headline>" paragraph
# too long for RELATED's 15 words.
_LINK_WORDS = "read more|also read|read also|see also"
READ_MORE = re.compile(rf"(?:^|(?<=[.!?…\"”’]\s))(?:{_LINK_WORDS}|RELATED)\s*:\s*", re.I)
# A title-case headline that ends on a quotation ("RELATED: BlackRock CEO Larry
# Fink Brags About Imposing Woke ESG System on Corporate America: ‘You Have to
# Force Behaviors’ Vice-president for ESG outreach …" goes on in the paragraph)
TITLE_QUOTE_END = re.compile(r"^(?:[^\s]*\s+){3,40}?[^\s]*[’”\"](?=\s+[A-Z])")
# where a sentence-case headline ends and the article goes on: a lower-case
# word, then a capitalised sentence opener
GLUED_OPENER = re.compile(
    r"(?<=[a-z0-9’'”\"])\s+(?=(?:And|But|The|He|She|It|They|This|These|That|In|On|At|As|However|Meanwhile|Yet|So|We|I|"
    r"His|Her|Their|Its|Now|Earlier|Last|According)\b)")
READ_MORE_WORDS = 40
# the same in brackets, which say where it ends: "(RELATED: Did Greta Thunberg
# Say We Must Switch To ‘Sustainable Tanks And Weaponry’?)" after a
# paragraph's last sentence, "(Related: Remember when Germany banned …)" alone
RELATED_BRACKETS = re.compile(rf"\((?:related|{_LINK_WORDS})\s*:[^()]{{3,400}}\)", re.I)
FIRST_PLURAL = re.compile(r"\b(?:we|we're|we’re|we've|we’ve|our|us)\b", re.I)
SECOND_PERSON = re.compile(r"\b(?:you|your|you're|you’re)\b", re.I)
# A paragraph that is a link plus a short label ("Source: https://…",
# "Подробнее: https://…", a bare URL) points elsewhere and says nothing itself;
# prose that cites a link has more words than the label.
URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
LINK_LABEL_WORDS = 5
# A wire dateline before the first sentence: "МОСКВА, 3 июл - РИА Новости.",
# "Будапеща, 7 юни. / ТАСС/.", "ISLAMABAD, May 25 (Xinhua) --", "KYIV, Ukraine
# (AP) —". Not a sentence of the article: left in, it became its top
# check-worthy "claim" and narrative evidence, and the agency an entity.
_MONTH = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек|"
          r"яну|юни|юли|сеп|ное|fev|abr|mai|ago|set|out|dez|ene|dic|avr|juin|juil|août|déc|gen|giu|lug|ott|märz|okt)\w*\.?")
_PLACE = r"[^\W\d_][\w'’.-]*(?:[ -][^\W\d_][\w'’.-]*){0,3}"
_DATE = rf"(?:\d{{1,2}}\.?\s+(?:de\s+)?{_MONTH}|{_MONTH}\s+\d{{1,2}})(?:,?\s+\d{{4}})?"
_AGENCY_PAREN = r"\([^\W\d_][^()\n]{0,30}\)"
_SEP = r"\s*(?:--|[-–—/:])\s*"
DATELINE = re.compile(
    rf"(?P<place>{_PLACE})(?:,\s*{_PLACE})?"
    rf"(?:,\s*{_DATE}\s*(?:{_AGENCY_PAREN}\s*)?(?:{_SEP}|\.\s*/?\s*|$)|\s*{_AGENCY_PAREN}(?:{_SEP}|$))"
    r"(?P<agency>/?\s*[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*){0,3}\s*/?\.(?:\s+|$))?",
    re.I,
)
# A bare dateline: a place in capitals and a dash, the wire's first sentence
# after it ("LAHORE - Bahria Town …", "RAMSTEIN AIR BASE - Defense Secretary
# …", "TEHRAN – Over the last few weeks …"; 10 training and 5 test articles).
# Capitals and the capital after the dash tell it from prose ("Kyiv - the
# day …"); left in, the place opened the first sentence, its check-worthy
# claim's speaker and narrative evidence.
BARE_DATELINE = re.compile(r"(?P<place>[^\W\d_]{3,}(?:[ .'’-]+[^\W\d_]{2,}){0,3}\.?)\s*(?:--|[-–—])\s*(?=[\"“«‘']?[^\W\d_])")
# A byline paragraph: "Authored by Katie Spence via The Epoch Times (emphasis ours),",
# "By John Helmer, Moscow". Who wrote it is not what it says: left in, it
# opened extractive explanations.
BYLINE = re.compile(r"^(?:(?:authored|written|posted|reported|compiled|submitted)\s+by|By)\s+(?P<who>.+?)[\s,.;:]*$", re.I)
BYLINE_WORDS = {"of", "and", "the", "for", "at", "in", "de", "von", "van", "&"}
BYLINE_NOTE = re.compile(r"\((?:emphasis|translation|translated)[^)]{0,40}\)", re.I)
# An author's bio: "Lucas Leiroz, researcher in Social Sciences at the Rural
# Federal University of Rio de Janeiro; geopolitical consultant." under the
# headline, "Aila Slisco is a Newsweek night reporter based in New York. …
# Read more" at the end. Who wrote it is not what it says: left in, it was
# narrative evidence. English only; a bio is only looked for where outlets
# put one (the first paragraphs, the last ones), and a source introduced
# mid-sentence ("Jack Hubbard, executive director of CEW, said …") is none.
_BIO_ROLE = (r"(?:researcher|journalist|analyst|professor|editor|writer|author|correspondent|consultant|columnist|"
             r"contributor|expert|fellow|director|reporter|commentator|economist|historian|scientist|lecturer|"
             r"blogger|founder|producer|strategist|lawyer|attorney|activist|veteran|diplomat|specialist|scholar)")
# a name, not a sentence's opening words ("In Moscow, an analyst …")
_BIO_NAME = (r"(?!(?:In|At|On|For|But|And|As|After|Before|When|While|Since|According|The|This|That|Meanwhile|Last|"
             r"Earlier|Then|Now|Today|Yesterday|Also|Still|Even|So|Yet|If|Under|Over|With|Without|From|By|To|Of)\b)"
             r"(?:(?:Dr|Prof|Professor|Mr|Ms|Mrs)\.?\s+)?[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|de|da|dos|van|von|der|bin|al-)){1,3}")
BIO_APPOSED = re.compile(rf"^(?:[Aa]bout the author:?\s*)?{_BIO_NAME},\s+(?:(?:a|an|the)\s+)?(?:[\w'’-]+\s+){{0,3}}?{_BIO_ROLE}\b")
# at the end, a journalist described in the third person ("the author of"
# would take "Vladimir Putin is the author of a 2021 essay …")
BIO_IS = re.compile(rf"^{_BIO_NAME}\s+is\s+(?:a|an|the)\s+(?:[\w'’-]+\s+){{0,4}}?"
                    r"(?:reporter|correspondent|columnist|contributor|editor|writer|journalist|blogger)\b")
# what a bio does not do: tell what its person said or did
BIO_VERB = re.compile(
    r"\b(?:said|says|told|tells|warned|warns|added|adds|noted|notes|argued|argues|wrote|stated|claimed|claims|"
    r"believes|believed|is|was|were|are|has|had|have|will|would|can|could|also)\b"
    r"|\b(?!(?:based|retired|renowned|distinguished|acclaimed)\b)[a-z]+ed\b|\b[a-z]+ly\b")
# An embedded video's pointer and credit ("Watch this video about BioMADE's
# lab-grown meat for U.S. soldiers.", "This video is from the Daily Videos
# channel on Brighteon.com."): the video is not in the text, and what they
# say of it became narrative evidence.
VIDEO = re.compile(r"^(?:(?:watch|listen to)\s+(?:this|the|the following|our)\s+(?:full\s+|short\s+)?"
                   r"(?:video|clip|interview|podcast|episode|documentary)\b"
                   r"|this (?:video|clip|podcast|episode) (?:is|was|comes) from\b)", re.I)
# An audio player's label ("इस खबर को सुनें", listen to this news; 4 Hindi
# articles): read as the article's first sentence.
AUDIO = re.compile(r"^(?:इस\s+(?:खबर|ख़बर|लेख)\s+को\s+सुनें|listen to this (?:article|story))\W*$", re.I)
# The label of a source list ("Sources include:") whose links the scrape
# dropped, or that only links follow.
SOURCES = re.compile(r"^(?:sources?(?:\s+include)?|references|links|further reading)\s*:?$", re.I)
# Who wrote, translated or sourced it, on a line of its own at the end: the
# author's initials, in capitals ("К.К"; "p.s." is none), "Превод и редакция: Епицентър.БГ", "Источник:
# Telegram-канал "ИноТВ"" (the source named, no link).
INITIALS = re.compile(r"^(?:[^\W\d_]\.\s?){1,2}[^\W\d_]\.?$")
CREDIT = re.compile(r"^(?:(?:превод|перевод|tradução|translation|translated by)(?:\s+(?:и|e|and)\s+\w+)?\s*:"
                    r"|with inputs from (?:agencies|wires|[A-Z]))", re.I)
SOURCE_CREDIT = re.compile(r"^(?:источник|източник|fonte|source)\s*:", re.I)
# A series teaser closing the article ("Tomorrow: How to run a renewable grid
# with little or no storage.") announces another article; it is no sentence
# of this one (it became narrative evidence).
TEASER = re.compile(r"^(?:tomorrow|next week|next time|coming up|up next|coming soon|in part \w+|next in this series)\s*:", re.I)
QUOTE_CHARS = "\"“”«»„"
TERMINAL = tuple(".!?…।\"'”’»)")


@dataclass
class Para:
    start: int  # raw offsets
    end: int
    text: str
    kind: str | None = None  # None = article text; otherwise why it was removed

    @property
    def words(self) -> list[str]:
        return words(self.text)


@dataclass
class CleanResult:
    title: str | None
    text: str
    offset_map: list[tuple[int, int, int]]
    removed: list[dict[str, object]] = field(default_factory=list)
    # Words that mixed Latin and Cyrillic look-alikes, rewritten in one script
    # (clean-text offsets and the original word): see text.fold_homoglyphs.
    homoglyphs: list[dict[str, object]] = field(default_factory=list)


def paragraphs(raw: str) -> list[Para]:
    """Paragraph units with raw offsets.

    Lines are paragraphs, except inside blocks that look hard-wrapped (most
    lines end mid-sentence), which are joined into one paragraph.
    """
    out: list[Para] = []
    for block in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", raw):
        lines = [m for m in re.finditer(r"[^\n]*\S[^\n]*", block.group())]
        off = block.start()
        if len(lines) > 2 and _wrapped([ln.group() for ln in lines]):
            s, e = off + lines[0].start(), off + lines[-1].end()
            out.append(Para(s, e, raw[s:e]))
        else:
            for ln in lines:
                out.append(Para(off + ln.start(), off + ln.end(), ln.group()))
    return out


_DOUBLED_QUOTE = re.compile('""')
_TITLE_PARTS = ("image_alt", "timestamp", "title_extra")  # of the title's line, before the body


def _csv_quotes(raw: str, body: list[Para]) -> frozenset[int]:
    """Raw offsets of a CSV field's quote marks, when the body is one: it
    opens its first paragraph and closes its last, and every other quote
    mark inside is doubled ('"Зеленский … ""будет падать"" …"'; 41 Russian
    SemEval-2025 articles). The field's marks go, and the first of each
    doubled pair; otherwise nothing (a quotation that is the whole body has
    quote marks of its own inside, or none doubled)."""
    if not body:
        return frozenset()
    start = body[0].start + len(body[0].text) - len(body[0].text.lstrip())
    end = body[-1].start + len(body[-1].text.rstrip()) - 1
    if raw[start:start + 1] != '"' or raw[end:end + 1] != '"' or end <= start:
        return frozenset()
    pairs = [m.start() for m in _DOUBLED_QUOTE.finditer(raw, start + 1, end)]
    if raw.count('"', start + 1, end) != 2 * len(pairs):  # a mark inside that is not doubled
        return frozenset()
    return frozenset([start, end, *pairs])


def _wrapped(lines: list[str]) -> bool:
    mid = [ln.rstrip() for ln in lines[:-1]]
    open_ended = sum(1 for ln in mid if not ln.endswith(TERMINAL + (":", ";")))
    lengths = [len(ln) for ln in mid]
    return open_ended / len(mid) > 0.6 and max(lengths) < 120


def classify(paras: list[Para]) -> None:
    """Set ``kind`` on boilerplate paragraphs, in place."""
    n = len(paras)
    norms = [word_key(p.text) for p in paras]
    appeal_hits = [0] * n  # how many appeal patterns each paragraph left to the last branch matches
    for i, p in enumerate(paras):
        ws = p.words
        nw = len(ws)
        text = p.text.strip()
        low = {w.lower() for w in ws}
        lowered = text.lower()
        if nw <= 60 and CAPTION_ANY.search(lowered):
            p.kind = "caption"
        elif 0 < nw <= 12 and sum(w.lower() in SHARE_WORDS for w in ws) / nw >= 0.6 and low & {"share", "tweet", "facebook", "twitter", "email", "whatsapp", "telegram", "linkedin", "print"}:
            p.kind = "share_bar"
        elif nw <= 80 and LICENCE.search(text):
            p.kind = "licence"
        elif nw <= 15 and _byline(text):
            p.kind = "byline"
        elif nw <= 60 and _author_bio(text, nw, i, n):
            p.kind = "author_bio"
        elif nw <= 25 and i >= n - 2 and TEASER.match(text):
            p.kind = "teaser"
        elif nw <= 40 and VIDEO.match(text):
            p.kind = "video"
        elif nw <= 5 and AUDIO.match(text):
            p.kind = "player"
        elif nw <= 3 and SOURCES.match(text) and all(URL.search(q.text) for q in paras[i + 1:]):
            p.kind = "link"
        elif i >= n - 3 and nw <= 8 and ((INITIALS.match(text) and text.isupper()) or CREDIT.match(text)):
            p.kind = "byline"
        elif i >= n - 3 and nw <= 8 and SOURCE_CREDIT.match(text):
            p.kind = "link"
        elif nw <= 15 and RELATED.search(text) and not text.endswith((".", "?", "!")):
            p.kind = "related"
        elif URL.search(text) and len(words(URL.sub(" ", text))) <= LINK_LABEL_WORDS:
            p.kind = "link"
        else:
            hits = appeal_hits[i] = _appeal_hits(lowered)
            in_tail = i >= n * 0.6
            quoted = any(c in text for c in QUOTE_CHARS)
            # One keyword is not enough on its own ("supporters of the bill"):
            # appeals also address the reader or speak as the outlet.
            addresses = bool(FIRST_PLURAL.search(text) or SECOND_PERSON.search(text) or APPEAL_HEAD.search(text))
            # two cues carry a longer promotion ("Human knowledge is under
            # attack! … Support our efforts … by shopping at …com", 87 words)
            if not quoted and ((hits >= 2 and nw <= 120) or (hits >= 3 and nw <= 300)
                               or (hits >= 1 and nw <= 80 and in_tail and addresses)
                               or (in_tail and nw <= 15 and APPEAL_HEAD.search(text))):
                p.kind = "appeal"
    # Pull quotes: a short paragraph repeated inside a longer one (or an
    # exact repeat of an earlier one) is a display copy; the body keeps it.
    for i, p in enumerate(paras):
        if p.kind or len(norms[i].split()) < 5:
            continue
        for j, q in enumerate(paras):
            if i == j or q.kind:
                continue
            if norms[i] == norms[j] and j < i:
                p.kind = "repeated"
                break
            if len(norms[j]) > len(norms[i]) and norms[i] in norms[j] and len(norms[i].split()) <= 80:
                p.kind = "pull_quote"
                break
    _appeal_blocks(paras, appeal_hits)


_BLOCK = ("appeal", "licence")
BLOCK_SHORT = 8  # words: a slogan ("Anyone can become informed about their world."), a product's bullet
BLOCK_BULLET = 15  # words without a sentence's end ("Is From Whole, Prehisoric Plant Based Origin Material …")


def _appeal_hits(low: str) -> int:
    """How many APPEAL patterns match a paragraph's lower-cased text."""
    return sum(1 for rx in APPEAL if rx.search(low)) if APPEAL_ANY.search(low) else 0


def _appeal_blocks(paras: list[Para], appeal_hits: list[int]) -> None:
    """Appeals come in blocks: a site's footer, a shop's advertisement under
    the article ("Anyone can join." … "Click Here To Create Your … Account",
    a product's praise in "Our …" and bullets, "Order Yours Today by
    Following This Link."). A run of paragraphs that each carry an appeal's
    word, speak as the outlet (first person plural) or are short, with a
    removed appeal among them and at least two that carry appeals, is one
    block, from its first paragraph with an appeal's word to its last (or to
    the article's end, when the run reaches it with no short sentence after
    its last appeal: comments and a comment policy, not the article's own
    last words); paragraphs removed for another reason (a display copy, a
    link) do not break it. Quotes keep a paragraph out (what someone said),
    unless it is short or carries two appeals ('"United We Stand" Click Here
    To Create Your … Account')."""
    n = len(paras)
    quoted = [any(c in p.text for c in QUOTE_CHARS) for p in paras]
    # a paragraph with an appeal's word (or removed as an appeal or licence)
    hit = [p.kind in _BLOCK if p.kind else appeal_hits[i] > 0 and (len(p.words) <= 30 or not quoted[i] or appeal_hits[i] >= 2)
           for i, p in enumerate(paras)]

    def member(i: int, sentences: bool = True) -> bool:
        p = paras[i]
        if p.kind or hit[i]:
            return True
        nw, t = len(p.words), p.text.strip()
        return not quoted[i] and ((sentences and nw <= BLOCK_SHORT) or (nw <= BLOCK_BULLET and not t.endswith(TERMINAL))
                                  or bool(FIRST_PLURAL.search(t)))

    i = 0
    while i < n:
        if not member(i):
            i += 1
            continue
        j = i
        while j < n and member(j):
            j += 1
        hits = [k for k in range(i, j) if hit[k]]
        if len(hits) >= 2 and any(paras[k].kind == "appeal" for k in hits):
            # after the last appeal, to the article's end: the outlet's voice and bullets, not a short sentence
            # (which may be the article's own, after a footer)
            end = j if j == n and all(member(k, sentences=False) for k in range(hits[-1] + 1, n)) else hits[-1] + 1
            for k in range(hits[0], end):
                if not paras[k].kind:
                    paras[k].kind = "appeal"
        i = j


def _byline(text: str) -> bool:
    """Whether a short paragraph is a byline: "By" and names only (every
    word capitalised but "of", "and" ...; anything after "via"), not "By
    Monday the talks had failed"."""
    m = BYLINE.match(text)
    if m is None or text.startswith("by"):
        return False
    who = re.split(r"\s+via\s+", BYLINE_NOTE.sub(" ", m.group("who")), maxsplit=1)[0]
    ws = re.findall(r"[^\s,]+", who)
    return bool(ws) and ws[0][:1].isupper() and all(w[:1].isupper() or w.lower() in BYLINE_WORDS for w in ws)


def _author_bio(text: str, nw: int, i: int, n: int) -> bool:
    """Whether paragraph ``i`` of ``n`` (``nw`` words) is its author's bio: a name and what
    the person does, with nothing the person said or did, among the first
    four paragraphs (the headline is one) or the last three."""
    if any(c in text for c in QUOTE_CHARS):
        return False
    if i <= 3 or i >= n - 3:
        m = BIO_APPOSED.match(text)
        if m and nw <= 40 and not BIO_VERB.search(text[m.end():]):
            return True
    if i >= n - 3:
        # "… based in New York. Her focus is on …" may go on: the third
        # person and a journalist's job are enough at the end
        return BIO_IS.match(text) is not None
    return False


def _is_image_alt(p: Para, nxt: Para | None) -> bool:
    """A short slug-like first line right before a photo caption is the
    image's alt text, not the headline."""
    t = p.text.strip()
    return (
        nxt is not None
        and nxt.kind == "caption"
        and len(p.words) <= 8
        and not t.endswith(TERMINAL)
        and t == t.lower()
    )


def dateline(text: str) -> int:
    """Length of the wire dateline that opens ``text`` (0 when none): a
    capitalised place, then a date or an agency in brackets, a dash, and
    the agency's name when it follows ("РИА Новости."); or a place in
    capitals and a dash before a capital ("LAHORE - Bahria Town")."""
    m = DATELINE.match(text)
    place = m.group("place") if m else ""
    if m is None or not place[:1].isupper() or not all(c.isupper() for c in re.findall(r"\((.)", m.group())):
        bare = BARE_DATELINE.match(text)
        after = text[bare.end():].lstrip("\"“«‘'") if bare else ""
        return bare.end() if bare and bare.group("place").isupper() and after[:1].isupper() else 0
    end = m.end()
    agency = m.group("agency")
    if agency and not all(w[:1].isupper() for w in re.findall(r"[^\W\d_][\w-]*", agency)):
        end = m.start("agency")  # the first sentence, not an agency
    # Prose that opens like a dateline goes on in lower case ("Kyiv, May 5 -
    # the day …", "Last week, Acta Apostolicae Sedis (AAS) — the Vatican's
    # organ …"); a wire's first sentence starts a new one. An all-caps place
    # ("MOSCOW, July 3 - in …") is a dateline whatever follows.
    if text[end:].lstrip()[:1].islower() and not place.isupper():
        return 0
    return end


def _split_dateline(paras: list[Para], title: Para | None) -> list[Para]:
    """The first body paragraph without its dateline (kind "dateline"); a
    dateline on a line of its own goes whole, unless it is all the body."""
    body = [i for i, p in enumerate(paras) if not p.kind and p is not title]
    if not body:
        return paras
    p = paras[body[0]]
    lead = len(p.text) - len(p.text.lstrip())
    n = dateline(p.text[lead:])
    if not n:
        return paras
    if lead + n >= len(p.text.rstrip()):
        if len(body) > 1:
            p.kind = "dateline"
        return paras
    cut = p.start + lead + n
    return paras[: body[0]] + [Para(p.start, cut, p.text[: lead + n], kind="dateline"), Para(cut, p.end, p.text[lead + n:])] + paras[body[0] + 1:]


# A news site's time of publication before the headline ("17:45 В освобожденной
# Авдеевке …", 6 Russian training articles): no part of the title, which
# explanations quote.
TITLE_TIME = re.compile(r"\s*(?:[01]\d|2[0-3]):[0-5]\d\s+(?=[«\"„“]|(?!(?:AM|PM|GMT|UTC|CET|MSK)\b)[^\W\d_a-zа-яё])")
# or after it ("… по переговорам 11:59", 13 Russian articles), after a word, not a number ("счёт 2 15:30" is none)
TITLE_TIME_AFTER = re.compile(r"(?<=[^\W\d_]|[.?!»\"”])\s+(?:[01]?\d|2[0-3]):[0-5]\d\s*$")


def _split_title_time(paras: list[Para], i: int) -> tuple[list[Para], Para]:
    """The title paragraph ``paras[i]`` without the time before or after it (kind "timestamp")."""
    title = paras[i]
    m = TITLE_TIME.match(title.text)
    if m is None:
        after = TITLE_TIME_AFTER.search(title.text)
        if after is None:
            return paras, title
        keep = Para(title.start, title.start + after.start(), title.text[:after.start()])
        time = Para(keep.end, title.end, title.text[after.start():], kind="timestamp")
        return paras[:i] + [keep, time] + paras[i + 1:], keep
    cut = title.start + m.end()
    rest = Para(cut, title.end, title.text[m.end():])
    return paras[:i] + [Para(title.start, cut, title.text[:m.end()], kind="timestamp"), rest] + paras[i + 1:], rest


HEADLINE_END = "?!.…\"'»”’)"


def _split_title_extra(paras: list[Para], title: Para) -> tuple[list[Para], Para]:
    """The title paragraph ``title`` cut where the headline the body opens
    with ends: a title line that goes on with a site's name ("… - Hindustan"),
    a time ("… court06:35") or a standfirst and its age ("… experts say The
    extra sunshine … downsides, experts say. 3M ago") keeps the headline; the
    rest is cut (kind "title_extra"), and the body's copy as a repeat."""
    i = paras.index(title)
    # ``classify`` took the body's copy, shorter than the title, for a pull quote
    nxt = next((p for p in paras[i + 1:] if p.kind in (None, "pull_quote")), None)
    if nxt is None:
        return paras, title
    head, key = word_key(nxt.text), word_key(title.text)
    if len(head.split()) < 3 or key == head or not key.startswith(head):
        return paras, title
    text = title.text
    cut = next((k for k in range(len(text) + 1) if word_key(text[:k]) == head), None)
    # not inside a word ("… court" / "… courts")
    if cut is None or cut >= len(text.rstrip()) or (text[cut - 1].isalpha() and text[cut].isalpha()):
        return paras, title
    while cut < len(text) and text[cut] in HEADLINE_END:  # the headline's own "?" or closing quote
        cut += 1
    nxt.kind = "repeated"
    return _cut_title_tail(paras, i, cut)


def _cut_title_tail(paras: list[Para], i: int, cut: int, gap: str | None = None) -> tuple[list[Para], Para]:
    """The title paragraph ``paras[i]`` kept up to ``cut``; what follows, after
    the ``gap`` characters between them (whitespace by default), cut as
    "title_extra"."""
    title = paras[i]
    rest = title.text[cut:]
    lead = len(rest) - len(rest.lstrip(gap))
    kept = Para(title.start, title.start + cut, title.text[:cut])
    extra = Para(title.start + cut + lead, title.end, rest[lead:], kind="title_extra")
    return paras[:i] + [kept, extra] + paras[i + 1:], kept


# A site's or source's name after a Cyrillic or Devanagari headline, in Latin letters ("… पहल - The Hindu",
# "… - Новини - Perunik.COM", "… ударов по России – Defense News"; 8 SemEval-2025 articles).
TITLE_SITE = re.compile(r"\s+[-–—|]\s+(?:(?:Новини|Новости|समाचार)\s+[-–—|]\s+)?[A-Za-z][A-Za-z.&' ]{1,40}?(?:\s*(?:\.{3}|…))?\s*$")


def _split_title_site(paras: list[Para], title: Para) -> tuple[list[Para], Para]:
    """The title paragraph ``title`` without a site's name after it (kind "title_extra")."""
    m = TITLE_SITE.search(title.text)
    head = title.text[:m.start()] if m is not None else ""
    if not (CYRILLIC.search(head) or DEVANAGARI.search(head)):
        return paras, title
    return _cut_title_tail(paras, paras.index(title), m.start(), gap=" -–—|")


def _split_read_more(paras: list[Para]) -> list[Para]:
    """Cut "READ MORE: <headline>" out of the paragraph it sits in (kind
    "related"); the text before and after it stay, as paragraphs of their own."""
    out: list[Para] = []
    for p in paras:
        if p.kind:
            out.append(p)
            continue
        b = RELATED_BRACKETS.search(p.text)
        if b is not None:
            out.extend(_cut(p, b.start(), b.end()))
            continue
        m = READ_MORE.search(p.text)
        if m is None:
            out.append(p)
            continue
        rest = p.text[m.end():]
        head = words(rest)[:8]
        title_case = sum(w[:1].isupper() for w in head) > 0.6 * len(head)
        g = None if title_case else GLUED_OPENER.search(rest)
        q = TITLE_QUOTE_END.match(rest) if title_case else None
        if g is not None and len(words(rest[:g.start()])) >= 3:
            end = m.end() + g.start()
        elif len(words(rest)) <= READ_MORE_WORDS:
            end = len(p.text.rstrip())
        elif q is not None:
            end = m.end() + q.end()
        else:
            out.append(p)  # where the headline ends is not clear: keep it all
            continue
        out.extend(_cut(p, m.start(), end))
    return out


def _cut(p: Para, start: int, end: int) -> list[Para]:
    """``p`` as the text before ``start``, the link (kind "related") and the
    text after ``end``, which may hold another link."""
    before, after = p.text[:start], p.text[end:]
    out: list[Para] = []
    if before.strip():
        out.append(Para(p.start, p.start + len(before.rstrip()), before.rstrip()))
    out.append(Para(p.start + start, p.start + end, p.text[start:end], kind="related"))
    if after.strip():
        lead = len(after) - len(after.lstrip())
        out.extend(_split_read_more([Para(p.start + end + lead, p.end, after.lstrip())]))
    return out


def _repeated_title(paras: list[Para], title_para: Para | None, title: str | None) -> None:
    """The headline again as the first body paragraph (a scrape that kept the
    page title and the article's own heading, or a title field whose text
    opens with it) is cut as "repeated", however short: ``classify`` cuts
    repeats of five words or more only, and "Understanding Ukrainian Nazism"
    read twice was two sentences of technique evidence."""
    body = [p for p in paras if not p.kind and p is not title_para]
    if title and len(body) > 1 and word_key(body[0].text) == word_key(title):
        body[0].kind = "repeated"


# A sentence a scrape broke into two paragraphs where a link was ("Mettan also
# argues that Zelensky" / "is in fact opposed to …"): the first ends with no
# stop, the second goes on in lower case. Not a byline ("by Ron Unz") or a
# source after a headline, a link, a handle; not after a line too short to be
# a sentence's start (a comment thread's "either of those work").
_RUN_ON_END = re.compile(r"(?:[^\W_]|,)$")
_RUN_ON_NOT = re.compile(r"(?:by|from|via)\b|https?:|www\.|pic\.|@", re.I)
RUN_ON_WORDS = 5


def _runs_on(prev: str, nxt: str) -> bool:
    nxt = nxt.lstrip()
    return (bool(_RUN_ON_END.search(prev.rstrip())) and len(words(prev)) >= RUN_ON_WORDS and nxt[:1].islower()
            and not _RUN_ON_NOT.match(nxt))


def clean(raw: str, title: str | None = None, title_in_text: bool = False, strip: bool = True, fold: bool = True) -> CleanResult:
    """Clean raw text into (title, clean text with offset map, removed parts).

    The clean text starts with the title paragraph; when the title came from
    the text itself, it keeps its raw offsets.
    """
    paras = paragraphs(raw)
    if strip:
        paras = _split_read_more(paras)
        classify(paras)
        if all(p.kind for p in paras):  # never return an empty article
            for p in paras:
                p.kind = None
    title_para: Para | None = None
    if title_in_text and paras:
        idx = 0
        if strip and len(paras) > 1 and _is_image_alt(paras[0], paras[1]):
            paras[0].kind = "image_alt"
            idx = next((k for k, p in enumerate(paras) if not p.kind), 0)
        first = paras[idx]
        first.kind = None
        title_para = first
        if strip:
            paras, title_para = _split_title_time(paras, idx)
            paras, title_para = _split_title_extra(paras, title_para)
            paras, title_para = _split_title_site(paras, title_para)
        title = " ".join(title_para.text.split())
    if strip:
        _repeated_title(paras, title_para, title)
        paras = _split_dateline(paras, title_para)
    # (the title's line is no part of the field: nothing of it is dropped)
    drop = _csv_quotes(raw, [p for p in paras if p is not title_para and p.kind not in _TITLE_PARTS])
    b = TextBuilder()
    if title_para is not None:
        b.add_normalized(raw, title_para.start, title_para.end, keep_newlines=False)
    elif title:
        b.add(" ".join(title.split()))
    prev: Para | None = None
    for p in paras:
        if p.kind or p is title_para:
            continue
        if b.length:
            b.add(" " if prev is not None and _runs_on(prev.text, p.text) else "\n\n")
        b.add_normalized(raw, p.start, p.end, keep_newlines=False, drop=drop)
        prev = p
    removed = [
        {"kind": p.kind, "start": p.start, "end": p.end, "text": p.text.strip()[:300]}
        for p in paras
        if p.kind
    ]
    text, mixed = fold_homoglyphs(b.text()) if fold else (b.text(), [])
    if title and fold:  # a title given apart from the text too
        title = fold_homoglyphs(title)[0]
    return CleanResult(title=title, text=text, offset_map=b.offset_map(), removed=removed,
                       homoglyphs=[{"start": a, "end": e, "original": w} for a, e, w in mixed])
