"""The `explain` stage: an explanation of at most 80 words of why the
article carries its dominant narrative, grounded in the article.

Extractive by default: the dominant narrative's evidence sentences, in
article order, trimmed to the word limit; every sentence it uses comes from
the article and keeps its span. Generative mode sends those evidence
sentences to any OpenAI-compatible endpoint; when that fails (timeout,
error, empty answer) the extractive explanation is used and the reason
recorded.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ..article import Article
from ..config import LLMConfig, Settings, StrictModel, stage_config
from ..embed import optional_embedder
from ..errors import NarrascopeError
from ..models.similarity import SimilarityModel
from ..taxonomy import OTHER
from ..text import DEVANAGARI, SENTENCE_STOPS, weak_evidence, word_key
from .base import Stage

MAX_WORDS = 80


class ExplainConfig(StrictModel):
    mode: Literal["extractive", "llm"] = Field("extractive", description="llm uses the [llm] endpoint, with extractive fallback.")
    max_words: int = Field(MAX_WORDS, ge=10, le=MAX_WORDS)
    sentences: int = Field(5, ge=1, le=20, description="Evidence sentences considered.")
    selection: Literal["blend", "model"] = Field(
        "blend", description="How sentences are chosen: blend = the narrative model's sentence scores plus similarity to the "
                             "label's description and examples (USE; multilingual-e5 for the languages USE does not "
                             "cover, with narrascope[e5]; without it there, the model's scores); model = the model's "
                             "scores only.")
    position_weight: float = Field(
        1.0, ge=0.0, le=5.0, description="Weight of a sentence's place in the article (earlier is likelier: news states "
                                         "its point first) next to the other scores' z-scores; 0: place is ignored.")


def trim_words(text: str, limit: int) -> str:
    words = text.split()
    return text if len(words) <= limit else " ".join(words[:limit]).rstrip(",;:") + "…"


_STOPS = tuple(SENTENCE_STOPS)  # the sentence splitter's
_CLOSERS = ('"', "”", "»", "“", "’")


def _closed(sentence: str) -> str:
    """A headline or list item has no full stop; add one so the sentences do
    not run together (the words are the article's, only the stop is added).
    A list item's closing ';' or ',' gives way to it: "diplomacy;." reads
    as a typo. A closing quote mark ends a sentence only after a stop:
    'обрат в борбата с глобалното затопляне"' (a headline) takes one."""
    if sentence.endswith(_STOPS) or sentence.endswith(_CLOSERS) and sentence.rstrip("".join(_CLOSERS)).endswith(_STOPS):
        return sentence
    # Hindi ends a sentence with a danda
    return sentence.rstrip(",;:–— ") + ("।" if DEVANAGARI.search(sentence) else ".")


_OPENER_FOR = {"”": "“", "“": "„", "»": "«", '"': '"'}  # the mark a closing quote mark was opened with
_CLOSER_FOR = {"“": "”", "„": "“", "«": "»", '"': '"', "”": "”"}
_MARKS = "“”„«»\""


def _opens(text: str, i: int) -> bool:
    """Whether the quote mark at ``text[i]`` opens a quotation: „ and « do;
    the others where a word starts after them (at the start, after a space
    or bracket) and close otherwise (Bulgarian closes „…“ with “). ” opens
    only right before a word: 'the mythical ”Putin’s price hike”' (typed
    for “) took two marks of its own before."""
    c = text[i]
    if c in "„«":
        return True
    if c == "»":
        return False
    at_word_start = i == 0 or text[i - 1].isspace() or text[i - 1] in "([{—–-"
    return at_word_start and (c != "”" or i + 1 < len(text) and text[i + 1].isalnum())


def _scan(text: str, lo: int, hi: int, stack: list[str]) -> tuple[list[str], list[str], int]:
    """Quote marks of ``text[lo:hi]`` over the marks open before: the marks
    still open, the closing marks nothing opened, and the fewest open marks
    at any point."""
    fewest = len(stack)
    unopened: list[str] = []
    for i in range(lo, hi):
        if text[i] not in _MARKS:
            continue
        if _opens(text, i):
            stack.append(text[i])
        elif stack:
            stack.pop()
            fewest = min(fewest, len(stack))
        else:
            unopened.append(text[i])
    return stack, unopened, fewest


def _open_quotes(text: str, start: int) -> list[str]:
    """The quotations open where a sentence starts, read from its
    paragraph's start: the middle sentence of «… другом Путина. Но я друг
    венгров, а во-вторых — я друг мира. Это очень важно …» is a quotation
    though it has no mark of its own. Only quotations that close later in
    the paragraph count: a stray mark does not quote the rest of it."""
    para = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    if '""' in text[para:end]:
        # a paragraph exported through CSV ('"ВСУ вновь обстреляли … ""Зафиксирован …"", - говорится …'):
        # its marks are escapes, not quotations
        return []
    before, _, _ = _scan(text, para, start, [])
    _, _, fewest = _scan(text, start, end, list(before))
    return before[fewest:]


def _balanced(sentence: str, quoted: list[str] | None = None) -> str:
    """A sentence of a quotation that runs over several sentences, shown
    without its neighbours, gets the quote marks it lacks: the article's
    '“If we stopped emitting ... within a few years.' and 'Global warming
    causes more CO2,” said Edwin Berry' side by side read as one quotation
    of Berry's (NASA said the first). ``quoted``: the quotations open where
    the sentence starts (see _open_quotes). Only marks are added, never words."""
    context = quoted or []
    stack, unopened, _ = _scan(sentence, 0, len(sentence), list(context))
    return ("".join(_OPENER_FOR[c] for c in reversed(unopened)) + "".join(context) + sentence
            + "".join(_CLOSER_FOR[c] for c in reversed(stack)))


def _repeats(a: str, b: str) -> bool:
    """Whether two sentences (their word_key) say the same, so the
    explanation does not spend its words twice: 80% of the shorter's
    distinct words (five at least) are in the other (a title the body
    repeats, with or without a tail), or the shorter's words, three at least,
    are all of a run of the other's ("Faltam soldados, faltam armas, faltam
    soluções." and the same "… para o lado ucraniano.": four distinct words)."""
    wa, wb = set(a.split()), set(b.split())
    if min(len(wa), len(wb)) >= 5 and len(wa & wb) >= 0.8 * min(len(wa), len(wb)):
        return True
    short, long = sorted((a, b), key=len)
    return len(short.split()) >= 3 and f" {short} " in f" {long} "


def extractive(article: Article, evidence: list[dict[str, Any]], max_words: int) -> tuple[str, list[dict[str, int]]]:
    """Best evidence first until the word budget is spent, then shown in
    article order so the explanation reads like the article."""
    chosen: list[dict[str, Any]] = []
    keys: list[str] = []
    used = 0
    sized = [(ev, len(article.clean_text[ev["start"] : ev["end"]].split())) for ev in evidence]
    # One or two words ("Защо?", a section heading "Украина.") explain nothing
    # and break the paragraph, nor does a lead-in without what it leads to
    # ("When asked about it, he responded:"): left out unless the evidence
    # has nothing else.
    longer = [(ev, n) for ev, n in sized if not weak_evidence(article.clean_text[ev["start"] : ev["end"]])]
    if longer:
        sized = longer
    for ev, n in sized:
        if chosen and used + n > max_words:
            continue
        own = word_key(article.clean_text[ev["start"] : ev["end"]])
        if any(_repeats(own, other) for other in keys):
            continue
        keys.append(own)
        chosen.append(ev)
        used += n
        if used >= max_words:
            break
    chosen.sort(key=lambda e: e["start"])
    text = " ".join(_closed(_balanced(" ".join(article.clean_text[e["start"] : e["end"]].split()),
                                      _open_quotes(article.clean_text, e["start"]))) for e in chosen)
    return trim_words(text, max_words), [{"start": e["start"], "end": e["end"]} for e in chosen]


PROMPT = (
    "You explain why a news article carries a given narrative. Use only the evidence sentences quoted from the article. "
    "Answer in one paragraph of at most {n} words, in English, without preamble."
)


class ExplainStage(Stage):
    name = "explain"
    version = "12"  # 2: sentences chosen by model score blended with label-description similarity
    # 3: model scores alone for languages the embedder does not cover (Hindi, Bulgarian); "selection" reported
    # 4: there, the blend reads multilingual-e5 when installed; "similarity_embedder" reported
    # 5: a sentence's place in the article counts too (position_weight 1)
    # 6: a sentence that repeats one already chosen is skipped
    # 7: a sentence of a longer quotation gets the quote mark it lacks; a headline ending on a quote mark its stop;
    #    a Hindi headline a danda
    # 8: sentences of one or two words are left out when the evidence has longer ones
    # 9: a sentence inside a quotation of its paragraph gets the marks around it; ” before a word opens one
    # 10: a sentence ending on Hindi's double danda (॥) takes no full stop after it (the splitter's stops)
    # 11: punctuation is no word of a short sentence ("— Bill Gates"; text.too_short); a sentence whose words
    #     run inside another's is a repeat of it (three words at least)
    # 12: nor is a lead-in ending in a colon ("When asked about it, he responded:") or an aside in brackets
    #     (text.weak_evidence)
    requires = ("clean_text", "sentences", "results.narratives")
    assigns = ("results.explain",)
    description = "Evidence-grounded explanation (<=80 words) of the dominant narrative; optional LLM."

    def __init__(self, cfg: ExplainConfig | None = None, llm: LLMConfig | None = None, narratives: Any = None) -> None:
        self.cfg = cfg or ExplainConfig()
        self.llm = llm or LLMConfig()
        self._narratives = narratives

    @classmethod
    def from_settings(cls, s: Settings) -> "ExplainStage":
        from .narratives import NarrativesStage

        return cls(stage_config(s, "explain", ExplainConfig), s.llm, NarrativesStage.from_settings(s))

    @property
    def narratives(self) -> Any:
        if self._narratives is None:
            from .narratives import NarrativesStage

            self._narratives = NarrativesStage()
        return self._narratives

    @property
    def model_id(self) -> str | None:
        # the sentence choice is part of it: another selection or place weight
        # in the config recomputes stored explanations
        place = f"+place{self.cfg.position_weight:g}" if self.cfg.position_weight else ""
        return (f"llm:{self.llm.model}" if self.cfg.mode == "llm" else "extractive") + f"/{self.cfg.selection}{place}"

    def predict(self, article: Article) -> dict[str, Any]:
        res = article.results.get("narratives")
        dom = (res.data.get("dominant") if res else None) or {}
        narrative, sub = dom.get("narrative", OTHER), dom.get("subnarrative", OTHER)
        if narrative == OTHER:
            return {"narrative": OTHER, "subnarrative": OTHER, "text": "", "sentences": [], "mode": "none"}
        return self.explain(article, narrative, sub)

    @cached_property
    def similarity(self) -> SimilarityModel | None:
        try:
            return SimilarityModel(self.narratives.taxonomies())
        except NarrascopeError:  # e.g. a custom model whose taxonomy file was not given: model scores only
            return None

    @cached_property
    def similarity_e5(self) -> SimilarityModel | None:
        """For the languages USE does not read (Hindi, Bulgarian): e5 does,
        and is slower, so only there (and only with ``narrascope[e5]``)."""
        if self.similarity is None or optional_embedder("e5") is None:
            return None
        return SimilarityModel(self.similarity.taxonomies, embedder_name="e5")

    def similarity_for(self, article: Article) -> SimilarityModel | None:
        """The similarity model whose embedder reads the article's language
        (None: the blend falls back to the model's scores)."""
        if self.cfg.selection == "model" or self.similarity is None:
            return None
        if self.similarity.embedder.covers(article.language):
            return self.similarity
        e5 = self.similarity_e5
        return e5 if e5 is not None and e5.embedder.covers(article.language) else None

    def selection(self, article: Article) -> str:
        """``blend`` or ``model``: the configured selection, unless no
        similarity embedder reads the article's language."""
        return "blend" if self.similarity_for(article) is not None else "model"

    def choose(self, article: Article, label: str) -> list[dict[str, Any]]:
        """The sentences that best show ``label``. The model's sentence scores
        say where its decision came from; the similarity of a sentence to the
        label's description and examples says how plainly it states the
        narrative. Their blend (z-scores added) picks sentences closer to the
        annotators' explanations (benchmarks/explain.py, token F1 model ->
        blend): EN 0.202 -> 0.213, RU 0.115 -> 0.127, PT 0.290 -> 0.292.
        The descriptions are English: for an article in a language the
        similarity embedder does not cover (USE: Hindi, Bulgarian) its
        similarity is noise (HI 0.269 -> 0.253): multilingual-e5 measures it
        there (model -> e5 blend: HI 0.269 -> 0.279, BG 0.171 -> 0.178; on
        English e5 does worse than USE, 0.210 vs 0.214), and without e5 the
        model's scores choose alone. A sentence's place counts too (-log(1 +
        its index), z-scored, x ``position_weight``): annotators explain from
        what the article states first; weight 0 -> 1, token F1 EN 0.209 ->
        0.214, BG 0.178 -> 0.190, HI 0.285 -> 0.284, PT 0.294 -> 0.298, RU
        0.127 -> 0.129 (weights 0.5, 1 and 2 tried, on the same documents)."""
        n = len(article.sentences)
        sim = self.similarity_for(article)
        place = self.cfg.position_weight
        evidence = self.narratives.evidence_for(article, label, n if sim is not None or place else self.cfg.sentences)
        lv = "fine" if sim is not None and label in sim.labels["fine"] else "coarse"
        if sim is not None and label not in sim.labels[lv]:
            sim = None  # e.g. a label of another taxonomy than the similarity model's
        if len(evidence) < 2 or (sim is None and not place):
            return evidence[: self.cfg.sentences]

        def z(x: np.ndarray) -> np.ndarray:
            return (x - x.mean()) / (x.std() + 1e-9)

        score = z(np.array([e["score"] for e in evidence]))
        if sim is not None:
            texts = [article.clean_text[e["start"]:e["end"]] for e in evidence]
            score += z(sim.raw(sim.embedder.encode(texts))[lv][1][:, sim.labels[lv].index(label)])
        if place:
            index = {sp.start: i for i, sp in enumerate(article.sentences)}
            score += place * z(-np.log1p([index.get(e["start"], n) for e in evidence]))
        return [evidence[i] for i in np.argsort(-score)[: self.cfg.sentences]]

    def explain(self, article: Article, narrative: str, subnarrative: str = "") -> dict[str, Any]:
        label = subnarrative if subnarrative and subnarrative != OTHER else narrative
        evidence = self.choose(article, label)
        if not evidence and label != narrative:
            evidence = self.choose(article, narrative)
        text, spans = extractive(article, evidence, self.cfg.max_words)
        sim = self.similarity_for(article)
        out: dict[str, Any] = {"narrative": narrative, "subnarrative": subnarrative or OTHER, "text": text,
                               "sentences": spans, "mode": "extractive", "selection": "blend" if sim is not None else "model"}
        if sim is not None:
            out["similarity_embedder"] = sim.embedder.name
        if self.cfg.mode == "llm" and spans:
            quoted = "\n".join(f"- {article.clean_text[s['start']:s['end']]}" for s in spans)
            messages = [
                {"role": "system", "content": PROMPT.format(n=self.cfg.max_words)},
                {"role": "user", "content": f"Narrative: {label}\nArticle title: {article.title or ''}\nEvidence sentences:\n{quoted}"},
            ]
            try:
                from ..llm import chat

                out["text"] = trim_words(" ".join(chat(self.llm, messages).split()), self.cfg.max_words)
                out["mode"] = "llm"
            except NarrascopeError as e:
                out["fallback"] = str(e)
        return out


class NullExplain(ExplainStage):
    null = True

    def predict(self, article: Article) -> dict[str, Any]:
        return {"narrative": OTHER, "subnarrative": OTHER, "text": "", "sentences": [], "mode": "null"}

    @property
    def model_id(self) -> str | None:
        return None
