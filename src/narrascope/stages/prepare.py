"""Prepare stages run at ingest: clean, language, segment."""

from __future__ import annotations

from ..article import Article, Span
from ..ingest.clean import clean
from ..ingest.language import detect_language
from ..text import split_sentences
from .base import Stage


class CleanStage(Stage):
    name = "clean"
    version = "14"  # 2: link-only paragraphs and the wire dateline are cut; 3: not prose going on in lower case
    # 4: words mixing Latin and Cyrillic look-alikes are written in one script (meta["homoglyphs"])
    # 5: ... in the script all their letters have a form in ("Kyлeбa" -> "Кулеба"); an opening 3 is З where the
    #    article spells the word so elsewhere ("3еленски")
    # 6: bylines ("Authored by ... via ...", "By John Helmer, Moscow"); a caption with "Read More" glued after its credit
    # 7: English author bios under the headline or at the end ("Lucas Leiroz, researcher in …; geopolitical consultant."),
    #    a series teaser closing the article ("Tomorrow: How to run …")
    # 8: a short headline repeated as the first paragraph; "READ MORE: <headline>" inside a paragraph or longer
    #    than 15 words; "(RELATED: <headline>)" in brackets
    # 9: an embedded video's pointer and credit ("Watch this video …", "This video is from the … channel on …"), a
    #    source-list label that only links follow ("Sources include:"), appeals of two cues up to 120 words
    # 10: Russian, Bulgarian and Portuguese subscription appeals and read-more labels ("Подписывайтесь на наш
    #     телеграм-канал!", "Читайте также:", "Още по темата"); at the end, initials, a translation credit or a
    #     source named without a link ("К.К", "Превод и редакция: …", "Источник: Telegram-канал …")
    # 11: a time of publication before the headline ("17:45 В освобожденной Авдеевке …"; kind "timestamp")
    # 12: a sentence a scrape broke into two paragraphs (no stop, then lower case) is one paragraph again; a
    #     "RELATED: <Title-Case Headline ending on a quotation>" glued inside a paragraph is cut
    # 13: a title line going on past the headline the body opens with keeps the headline only (a standfirst and its
    #     age, a time, the site's name: kind "title_extra"), and a Cyrillic or Devanagari title a site's name in Latin
    #     letters ("… - The Hindu"); an audio player's label ("इस खबर को सुनें") is cut
    # 14: a bare dateline, a place in capitals and a dash before the first sentence ("LAHORE - Bahria Town …"), is cut;
    #     social footers ("Follow us on …"), tip lines, agency credits and a shop's advertisement block are cut; a
    #     body written as one CSV field loses the field's quote marks, and its doubled quotes are single; a time of
    #     publication after the title ("… по переговорам 11:59") is cut like one before it; a site's navigation
    #     ("Most read in The Sun", "Latest Video", "More on Putin") is a related link
    kind = "prepare"
    requires = ("raw_text",)
    assigns = ("clean_text", "title", "offset_map", "removed", "meta.homoglyphs")
    description = ("Remove captions, pull quotes, appeals, licence footers, share bars, links, datelines, bylines, "
                   "author bios, series teasers, video pointers; normalise "
                   "(whitespace, words mixing Latin and Cyrillic look-alikes).")

    def __init__(self, strip_boilerplate: bool = True) -> None:
        self.strip = strip_boilerplate

    def predict(self, article: Article) -> None:
        title_in_text = bool(article.meta.pop("_title_in_text", False))
        r = clean(article.raw_text, article.title, title_in_text, strip=self.strip, fold=not self.null)
        article.title = r.title
        article.clean_text = r.text
        article.offset_map = r.offset_map
        article.removed = r.removed
        if r.homoglyphs:  # a sign of evasion that researchers want to see
            article.meta["homoglyphs"] = r.homoglyphs
        else:
            article.meta.pop("homoglyphs", None)


class NullClean(CleanStage):
    """Whitespace normalisation only: nothing removed, no letter changed."""

    null = True

    def __init__(self, strip_boilerplate: bool = False) -> None:
        super().__init__(strip_boilerplate=False)


class LanguageStage(Stage):
    name = "language"
    version = "1"
    kind = "prepare"
    requires = ("clean_text",)
    assigns = ("language",)
    description = "Detect the language (py3langid, packaged model)."

    def predict(self, article: Article) -> None:
        lang, score = detect_language(article.clean_text)
        if article.language:  # given by the source (e.g. SemEval folder): keep it
            article.meta.setdefault("detected_language", lang)
            article.language_score = article.language_score or 1.0
            return
        article.language, article.language_score = lang, score


class NullLanguage(LanguageStage):
    null = True

    def predict(self, article: Article) -> None:
        article.language = article.language or None


class SegmentStage(Stage):
    name = "segment"
    version = "5"  # 2: breaks glued without a space ("said.On Friday"); Hindi letter-name initials ("एस.") are no break
    # 3: an English subheading glued to its paragraph's first word is a sentence ("RicherThe Scandinavian")
    # 4: French courtesy titles are abbreviations ("de Mme. Dixson-Declève")
    # 5: ... also after a quoted subheading's closing mark, and before "What", "Why", "How" ("‘Save the Planet’What’s")
    kind = "prepare"
    requires = ("clean_text",)
    assigns = ("sentences",)
    description = "Split the clean text into sentences with character offsets."

    def predict(self, article: Article) -> None:
        article.sentences = [Span(start=s, end=e) for s, e in split_sentences(article.clean_text)]


class NullSegment(SegmentStage):
    """One 'sentence' per paragraph."""

    null = True

    def predict(self, article: Article) -> None:
        spans = []
        pos = 0
        for para in article.clean_text.split("\n\n"):
            if para.strip():
                spans.append(Span(start=pos, end=pos + len(para)))
            pos += len(para) + 2
        article.sentences = spans

