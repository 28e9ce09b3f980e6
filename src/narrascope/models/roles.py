"""The entity-role model: features of one mention in its document, two
linear heads (main role: softmax; fine roles: one logistic each), and the
decision rule.

Who is a villain depends on who is speaking: the same "NATO" is an
Antagonist in one outlet and a Guardian in another, and in the SemEval-2025
data even two mentions of one entity in one article disagree a third of the
time. So a mention is described by the entity's own embedding, its sentence,
its marked context window and the whole article, plus products of the entity
with the article and with the sentence (a linear head cannot cross them on
its own), the language, and a smoothed prior of how the training articles
cast that name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..eval.roles import FINE_BY_MAIN, FINE_ROLES, MAIN_ROLES
from ..text import split_sentences
from . import read_artifact

EXTRA_FINE = 0.6
DOC_SENTENCES = 60
PRIOR_SCALE = 3.0

Decision = tuple[str, float, list[tuple[str, float]]]

# Titles before a name ("President Putin", "प्रधानमंत्री मोदी" = Prime
# Minister Modi). Most NER models leave them out; the Hindi gazetteer keeps them.
TITLES = re.compile(r"^(?:(?:president|prime minister|pm|chancellor|minister|mr|mrs|ms|dr|"
                    r"राष्ट्रपति|प्रधानमंत्री|प्रधान मंत्री|पीएम|विदेश मंत्री|रक्षा मंत्री|"
                    r"президент|премиер|министр|presidente|primeiro-ministro|ministro|премиерът|президентът)\.?\s+)+")


def lone_title(mention: str) -> bool:
    """Whether a mention is a title and nothing else ("Presidente")."""
    m = TITLES.match(mention.lower() + " ")
    return m is not None and m.end() == len(mention) + 1


def naming(mentions: list[str]) -> list[str]:
    """The mentions that may name an entity: a title alone only when nothing
    else names it ("o Presidente francês, Macron" is Macron)."""
    return [m for m in mentions if not lone_title(m)] or mentions


def mention_context(text: str, start: int, end: int, window: int = 1, spans: Sequence[tuple[int, int]] | None = None) -> str:
    """The mention, then its sentence (and ``window`` sentences around) with
    the mention marked: the heads then see who is said to do what."""
    spans = spans if spans is not None else split_sentences(text)
    idx = next((i for i, (s, e) in enumerate(spans) if s <= start < e), None)
    if idx is None:
        s0, e0 = max(0, start - 300), min(len(text), end + 300)
    else:
        s0, e0 = spans[max(0, idx - window)][0], spans[min(len(spans) - 1, idx + window)][1]
    ctx = text[s0:start] + " [[" + text[start:end] + "]] " + text[end:e0]
    return f"{text[start:end]} :: {' '.join(ctx.split())}"


def normalise_name(name: str) -> str:
    n = name.strip().lower()
    for art in ("the ", "a "):
        if n.startswith(art):
            n = n[len(art):]
    for poss in ("'s", "’s"):
        if n.endswith(poss):
            n = n[: -len(poss)]
    return n.strip(" .,\"'«»“”")


def name_prior(counts: dict[str, list[float]], name: str, minus: Sequence[float] | None = None) -> np.ndarray:
    """Smoothed main-role distribution of a name in training, and log count."""
    c = np.asarray(counts.get(normalise_name(name), [0.0, 0.0, 0.0]), np.float64)
    if minus is not None:
        c = c - np.asarray(minus)
    out = np.empty(4, np.float32)
    out[:3] = (c + 0.5) / (c.sum() + 1.5)
    out[3] = np.log1p(c.sum())
    return out


def mention_features(embed: Any, text: str, mentions: Sequence[tuple[int, int]], language: str | None,
                     languages: Sequence[str], sentences: Sequence[tuple[int, int]] | None = None) -> np.ndarray:
    """Features without the name prior, one row per (start, end) mention;
    ``sentences`` are the text's sentence spans if already known."""
    if not mentions:
        return np.zeros((0, 0), np.float32)
    spans = sentences if sentences is not None else split_sentences(text)
    doc = embed.encode([text[s:e] for s, e in spans[:DOC_SENTENCES]] or [text[:2000]]).mean(axis=0)
    doc /= max(float(np.linalg.norm(doc)), 1e-9)

    def sentence(start: int) -> str:
        for s, e in spans:
            if s <= start < e:
                return text[s:e]
        return text[max(0, start - 200): start + 200]

    ent = embed.encode([text[s:e] for s, e in mentions])
    sent = embed.encode([sentence(s) for s, _ in mentions])
    ctx = embed.encode([mention_context(text, s, e, spans=spans) for s, e in mentions])
    docs = np.repeat(doc[None, :], len(mentions), axis=0)
    lang = np.zeros((len(mentions), len(languages)), np.float32)
    if language in languages:
        lang[:, list(languages).index(language)] = 1.0
    return np.hstack([ent, sent, ctx, docs, ent * docs, ent * sent, lang]).astype(np.float32)


def _word_char(c: str) -> bool:
    # Letters, digits and combining marks: a Devanagari vowel sign continues
    # its word, so "रूस" (Russia) is not found inside "रूसी" (Russian).
    return c.isalnum() or unicodedata.category(c).startswith("M")


def openers_of(meta_openers: dict[str, str]) -> dict[str, frozenset[str]]:
    """A model's sentence openers (space-separated per language, as saved) as sets."""
    return {lang: frozenset(words.split()) for lang, words in meta_openers.items()}


def gazetteer_names(names: Sequence[str]) -> list[str]:
    """Distinct names (edge punctuation stripped), longest first."""
    out = {n.strip(" \t\r\n.,;:!?\"'«»“”‘’()[]-–—") for n in names}
    return sorted((n for n in out if len(n) >= 2), key=lambda n: (-len(n), n))


def gazetteer_mentions(text: str, names: Sequence[str]) -> list[tuple[int, int, str]]:
    """Whole-word occurrences of known names, longest name first at each
    position, not overlapping."""
    if not names:
        return []
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    out = []
    for m in pattern.finditer(text):
        s, e = m.span()
        if (s > 0 and _word_char(text[s - 1])) or (e < len(text) and _word_char(text[e])):
            continue
        out.append((s, e, "NAME"))
    return out


def decide(pm: np.ndarray, pf: np.ndarray) -> list[Decision]:
    """Main role by argmax; fine roles restricted to the main role's own, the
    best one always, others only when clearly likely (most mentions carry
    exactly one fine role)."""
    out = []
    for rm, rf in zip(pm, pf):
        j = int(np.argmax(rm))
        main = MAIN_ROLES[j]
        conf = float(rm[j] / max(rm.sum(), 1e-9))
        allowed = [FINE_ROLES.index(r) for r in FINE_BY_MAIN[main]]
        best = max(allowed, key=lambda k: rf[k])
        fine = [(FINE_ROLES[best], float(rf[best]))]
        fine += [(FINE_ROLES[k], float(rf[k])) for k in allowed if k != best and rf[k] >= EXTRA_FINE]
        out.append((main, conf, fine))
    return out


def encoder_rows(heads_main: np.ndarray, confident: float) -> np.ndarray:
    """Mentions the role encoder must read: those whose heads give no main
    role a probability of ``confident`` or more (1: every mention). Out of
    fold (benchmarks/roles.py), a blend with the encoder at weight 0.5
    decides the heads' sure mentions almost always as the heads do: at 0.8
    (29% of the mentions) 1 decision of 2,902 changes, at 0.7 (47%) 21, and
    main-role accuracy does not fall."""
    return heads_main.max(axis=1) < confident if confident < 1 else np.ones(len(heads_main), bool)


def blend_encoder(hm: np.ndarray, hf: np.ndarray, em: np.ndarray | None, ef: np.ndarray | None, w: float, wf: float,
                  rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The heads' main and fine probabilities with the encoder's (given for
    ``rows`` only) blended in at weights ``w`` and ``wf``; the other rows
    keep the heads'."""
    if em is None or ef is None or not rows.any():
        return hm, hf
    pm, pf = hm.astype(np.result_type(hm, em)), hf.astype(np.result_type(hf, ef))
    pm[rows] = w * em + (1 - w) * hm[rows]
    pf[rows] = wf * ef + (1 - wf) * hf[rows]
    return pm, pf


def own_proba(weights: dict[str, np.ndarray], prefix: str, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Main- and fine-role probabilities of one set of heads (``prefix``
    "" for the pooled ones, else a language code)."""
    k = f"{prefix}/" if prefix else ""
    pm = softmax(X @ weights[f"{k}W_main"] + weights[f"{k}b_main"])
    pf = 1.0 / (1.0 + np.exp(-(X @ weights[f"{k}W_fine"] + weights[f"{k}b_fine"])))
    return pm, pf


def blend_proba(weights: dict[str, np.ndarray], X: np.ndarray, lang: Sequence[str | None] | np.ndarray,
                pooled_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of the pooled heads, blended per row with the heads of
    the row's language when the model has them (``<lang>/W_main`` ...)."""
    pm, pf = own_proba(weights, "", X)
    langs = np.asarray(lang, dtype=object)
    for code in {str(x) for x in langs}:
        if f"{code}/W_main" not in weights:
            continue
        rows = langs == code
        lm, lf = own_proba(weights, code, X[rows])
        pm[rows] = pooled_weight * pm[rows] + (1 - pooled_weight) * lm
        pf[rows] = pooled_weight * pf[rows] + (1 - pooled_weight) * lf
    return pm, pf


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class RoleModel:
    """Numpy inference for the heads trained by ``narrascope train roles``."""

    def __init__(self, folder: str | Path, language_embedders: bool = True) -> None:
        meta, w = read_artifact(folder, "roles")
        self.meta = meta
        self.card: dict[str, Any] = meta.get("card", {})
        self.languages: list[str] = meta["languages"]
        self.prior: dict[str, list[float]] = meta["name_prior"]
        self.weights = w  # pooled heads, and per-language ones (``en/W_main`` ...) since format v3
        self.pooled_weight = float(meta.get("pooled_weight", 1.0))
        # Names the annotators marked in each language's training articles:
        # the entity finder of last resort where no NER model exists (Hindi).
        self.gazetteer: dict[str, list[str]] = meta.get("gazetteer", {})
        # Words each language's training articles capitalise only to open a
        # sentence (the name chunker's non-names: "Затова", "Portanto").
        self.openers = openers_of(meta.get("openers", {}))
        # Languages whose own heads read another embedder's features (Hindi:
        # e5, which covers it; USE does not); those heads never see the
        # default features. With ``language_embedders`` off, such languages
        # get the pooled heads over the default embedder.
        self._other_features = set(meta.get("language_embedders", {}))
        self.language_embedders: dict[str, str] = meta.get("language_embedders", {}) if language_embedders else {}
        self._loaded: dict[str, Any] = {}  # embedder name -> the embedder, None if its extra is missing
        # The framed head (format v4): threshold and per-language name counts.
        self.framed_meta: dict[str, Any] = meta.get("framed", {})

    @property
    def embed(self) -> Any:
        from ..embed import get_embedder

        return get_embedder(self.meta.get("embedder", "use"))

    def embedder_for(self, language: str | None) -> tuple[Any, str | None]:
        """The embedder for an article's mentions, and the language whose own
        heads read it (None: the default embedder, pooled + own heads). A
        language's embedder that is not installed falls back to the default
        one and the pooled heads."""
        from ..embed import optional_embedder

        name = self.language_embedders.get(language or "")
        if name and name not in self._loaded:  # tried once per model, not per article
            self._loaded[name] = optional_embedder(name)
        embed = self._loaded[name] if name else None
        return (embed, language) if embed is not None else (self.embed, None)

    @property
    def framed_threshold(self) -> float | None:
        """The cross-validated threshold of the framed head (None: no head)."""
        return self.framed_meta.get("threshold") if "framed/w" in self.weights else None

    def framed(self, text: str, entities: Sequence[Entity], language: str | None, title_end: int,
               sentences: Sequence[tuple[int, int]]) -> np.ndarray | None:
        """Probability that the article frames each candidate entity (most
        mentioned first), or None when the model has no framed head."""
        if "framed/w" not in self.weights:
            return None
        if not entities:
            return np.zeros(0, np.float32)
        from ..embed import get_embedder

        counts = self.framed_meta.get("prior", {}).get(language or "", {})
        embed = get_embedder(self.framed_meta.get("embedder", self.meta.get("embedder", "use")))
        X = np.hstack([entity_features(embed, text, entities, language, self.languages, title_end, sentences),
                       np.asarray([framed_prior(counts, key) for key, _ in entities], np.float32)])
        return 1.0 / (1.0 + np.exp(-(X @ self.weights["framed/w"] + self.weights["framed/b"])))

    def proba(self, X: np.ndarray, language: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities of rows with the default embedder's features."""
        if language in self._other_features:  # its own heads read other features: pooled only
            language = None
        return blend_proba(self.weights, X, [language] * len(X), self.pooled_weight)

    def probabilities(self, text: str, mentions: Sequence[tuple[int, int]], language: str | None,
                      sentences: Sequence[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Main- and fine-role probabilities of mentions (character offsets
        into ``text``) of one document."""
        embed, own = self.embedder_for(language)
        F = mention_features(embed, text, mentions, language, self.languages, sentences)
        X = np.hstack([F, np.stack([PRIOR_SCALE * name_prior(self.prior, text[s:e]) for s, e in mentions])])
        return own_proba(self.weights, own, X) if own else self.proba(X, language)

    def predict(self, text: str, mentions: Sequence[tuple[int, int]], language: str | None,
                sentences: Sequence[tuple[int, int]] | None = None) -> list[Decision]:
        """Roles for mentions (character offsets into ``text``) of one document."""
        if not mentions:
            return []
        return decide(*self.probabilities(text, mentions, language, sentences))


# --- Which candidate entities the article frames at all ----------------------
# The SemEval-2025 annotators give roles to 2-4 entities per article; NER finds
# 15-25 (places, dates of events, institutions named in passing). The
# "framed" head scores each candidate entity of an article from how
# prominent it is, what kind of name it is, how often the training articles
# framed that name, and the embeddings of the name and of its first sentence.
ENTITY_TYPES = {"PERSON": "person", "PER": "person", "ORG": "organisation", "GPE": "place", "LOC": "place",
                "FAC": "place", "NORP": "group", "EVENT": "event"}
_TYPE_ORDER = ["person", "organisation", "place", "group", "event", "name"]
FRAMED_SMOOTHING = 0.15

Entity = tuple[str, Sequence[tuple[int, int, str]]]  # group key, mentions (start, end, NER label), sorted


def framed_prior(counts: dict[str, list[float]], key: str, minus: Sequence[float] | None = None) -> list[float]:
    """Smoothed share of the training articles naming ``key`` that framed it,
    and the log count; ``minus`` takes one article's own counts out."""
    framed, seen = counts.get(key, (0.0, 0.0))
    if minus is not None:
        framed, seen = framed - minus[0], seen - minus[1]
    return [(framed + FRAMED_SMOOTHING) / (seen + 1.0), float(np.log1p(seen))]


def entity_features(embed: Any, text: str, entities: Sequence[Entity], language: str | None, languages: Sequence[str],
                    title_end: int, sentences: Sequence[tuple[int, int]]) -> np.ndarray:
    """One row per candidate entity of an article (``entities`` most
    mentioned first), without the name prior (``framed_prior``, appended)."""
    if not entities:
        return np.zeros((0, 0), np.float32)
    total = sum(len(ms) for _, ms in entities)
    rows, names, firsts = [], [], []
    lang = [float(language == x) for x in languages]
    for rank, (_key, ms) in enumerate(entities):
        body = [s for s, _e, _l in ms if s >= title_end] or [ms[0][0]]
        kind = ENTITY_TYPES.get(ms[0][2], "name")
        rows.append([np.log1p(len(ms)), 1.0 / (1 + rank), body[0] / max(len(text), 1),
                     float(any(s < title_end for s, _e, _l in ms)), len(ms) / max(total, 1), np.log1p(len(entities))]
                    + [float(kind == t) for t in _TYPE_ORDER] + lang)
        names.append(max(naming([text[s:e] for s, e, _l in ms]), key=len))
        first = next(((a, b) for a, b in sentences if a <= body[0] < b), (max(0, body[0] - 200), body[0] + 200))
        firsts.append(text[first[0]:first[1]])
    return np.hstack([np.asarray(rows, np.float32), embed.encode(names), embed.encode(firsts)]).astype(np.float32)
