"""Technique spans inside a paragraph: a token tagger with one linear score
per technique over hashed lexical features of the token and its neighbours,
decoded into runs of tokens above the technique's threshold.

Most gold spans are short (median 23 characters in SemEval-2023 English:
"brutal", "puppet regime"), so the evidence is lexical and local; a hashed
feature space keeps the model language-independent and small (only the
buckets seen in training are shipped, int8 per technique).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..text import MARKS, WORD
from . import read_artifact

TOKEN = re.compile(rf"{WORD.pattern}|[^\w\s{MARKS}]")
QUOTES = set('"“”«»„')
FORMAT = "narrascope.technique-spans.v1"


def token_features(text: str, nbits: int) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """Token offsets and, per token, the hashed ids of its features."""
    toks = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    low = [text[s:e].lower() for s, e in toks]
    n, mod = len(toks), 1 << nbits
    feats: list[list[int]] = []
    quoted = False
    for i, (s, e) in enumerate(toks):
        w = low[i]
        if text[s:e] in QUOTES:
            quoted = not quoted
        f = [f"w={w}", f"s3={w[-3:]}", f"p3={w[:3]}", "cap" if text[s:s + 1].isupper() else "low", f"q={quoted}", "bias",
             f"b-={low[i - 1] if i else '<>'}|{w}", f"b+={w}|{low[i + 1] if i + 1 < n else '<>'}"]
        f += [f"w{d}={low[i + d] if 0 <= i + d < n else '<>'}" for d in (-3, -2, -1, 1, 2, 3)]
        if w in ("!", "?"):
            f.append("punct!?")
        feats.append([zlib.crc32(x.encode("utf-8")) % mod for x in f])
    return toks, feats


def decode_runs(toks: Sequence[tuple[int, int]], scores: np.ndarray, thresholds: np.ndarray, labels: Sequence[str],
                gap: int = 1, text: str | None = None, extend: float = 0.0) -> list[tuple[str, int, int, float]]:
    """Runs of tokens scoring above a technique's threshold (bridging up to
    ``gap`` tokens) as (technique, start, end, peak score). With ``extend``,
    a run grows over its neighbours scoring at least the threshold less
    ``extend`` (hysteresis: a gold span's tokens around its strongest one
    score lower, and cutting at one threshold left fragments). Given the
    ``text``, a run of punctuation alone (a lone quote mark) is dropped and a
    dangling bracket, dash or comma at either end is trimmed."""
    if text is not None:
        return [_trim(text, r) for r in decode_runs(toks, scores, thresholds, labels, gap, extend=extend)
                if any(c.isalnum() for c in text[r[1]:r[2]])]
    out = []
    for j, lab in enumerate(labels):
        col = scores[:, j]
        on = np.where(col >= thresholds[j] - extend)[0]
        if not len(on) or col[on].max() < thresholds[j]:
            continue
        a = b = int(on[0])
        for i in list(map(int, on[1:])) + [None]:
            if i is not None and i - b <= gap + 1:
                b = i
                continue
            peak = float(col[a:b + 1].max())
            if peak >= thresholds[j]:
                out.append((lab, toks[a][0], toks[b][1], peak))
            if i is not None:
                a = b = i
    return out


_DANGLING = " \t\n([{)]}-–—,;:/"


def _trim(text: str, run: tuple[str, int, int, float]) -> tuple[str, int, int, float]:
    t, s, e, sc = run
    while s < e and text[s] in _DANGLING:
        s += 1
    while e > s and text[e - 1] in _DANGLING:
        e -= 1
    return t, s, e, sc


def expand_to_sentences(runs: list[tuple[str, int, int, float]], sentences: Sequence[tuple[int, int]]) -> list[tuple[str, int, int, float]]:
    """Each run widened to the sentence(s) it touches, one span per technique
    and sentence (highest score kept): a run across two sentences and one
    inside the second are one span of both, not two that overlap."""
    by_technique: dict[str, list[list[Any]]] = {}
    for t, s, e, sc in sorted(runs, key=lambda r: r[1]):
        cover = [(a, b) for a, b in sentences if a < e and s < b] or [(s, e)]
        a, b = min(x for x, _ in cover), max(y for _, y in cover)
        spans = by_technique.setdefault(t, [])
        # runs come in order of start, so a span overlaps at most the last one kept
        if spans and a < spans[-1][1]:
            spans[-1][1], spans[-1][2] = max(spans[-1][1], b), max(spans[-1][2], sc)
        else:
            spans.append([a, b, sc])
    return sorted(((t, a, b, sc) for t, spans in by_technique.items() for a, b, sc in spans), key=lambda x: (x[1], x[0]))


@dataclass(frozen=True)
class RunForms:
    """How spans are decoded in a language whose annotators mark phrases
    (one not widened to whole sentences): runs grow by ``extend`` (see
    decode_runs), each technique's threshold moves by its ``shift``, and the
    techniques in ``sentence`` are widened to their sentences, as their gold
    spans are clauses or sentences ("Doubt", "Appeal_to_Authority": median
    gold span 96 and 92 characters in English, where runs are 5 or 6). Tuned
    on out-of-fold scores by train.spans.choose_run_forms; a model without them
    decodes plain runs. A run's trailing words in ``tail_words`` (per
    language: function words, "currently devastating the") and a full stop
    are dropped, as annotators rarely end a span on one (2% of the English
    gold spans, against 24% that start on one), and so is a run of such
    words alone (see trim_tail)."""

    extend: float = 0.0
    shift: dict[str, float] = field(default_factory=dict)
    sentence: frozenset[str] = frozenset()
    tail_words: dict[str, frozenset[str]] = field(default_factory=dict)

    def thresholds(self, labels: Sequence[str], base: np.ndarray) -> np.ndarray:
        return base + np.array([self.shift.get(lab, 0.0) for lab in labels], np.float32)

    def to_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"extend": self.extend, "shift": dict(sorted(self.shift.items())), "sentence": sorted(self.sentence)}
        if self.tail_words:
            meta["tail_words"] = {lang: sorted(w) for lang, w in sorted(self.tail_words.items())}
        return meta

    @classmethod
    def from_meta(cls, meta: dict[str, Any] | None) -> RunForms:
        meta = meta or {}
        return cls(float(meta.get("extend", 0.0)), {k: float(v) for k, v in meta.get("shift", {}).items()}, frozenset(meta.get("sentence", [])),
                   {lang: frozenset(w) for lang, w in meta.get("tail_words", {}).items()})

    def trim_tail(self, text: str, run: tuple[str, int, int, float], language: str | None) -> tuple[str, int, int, float] | None:
        """``run`` tidied as annotators mark phrases in ``language`` (one with
        ``tail_words``): without its trailing ``tail_words`` and full stops, nor
        a possessive it opens on ("'s dangerous plan", cut from "America's")
        nor the quote mark of a quotation it does not hold whole ('"Russian
        Zombies'), and with the rest of a hyphenated word it ends inside
        ("anti" of "anti-Semitic"); None for a run of ``tail_words`` alone
        ("of", "the": no English gold span is one)."""
        words = self.tail_words.get(language or "")
        if not words:
            return run
        t, s, e, sc = run
        toks = [(m.start() + s, m.end() + s) for m in TOKEN.finditer(text[s:e])]
        if len(toks) > 2 and text[toks[0][0]] in "'’" and text[toks[1][0]:toks[1][1]].lower() == "s":
            toks = toks[2:]
        elif len(toks) > 1 and text[toks[0][0]:toks[0][1]].lower() == "s" and toks[0][0] > 0 and text[toks[0][0] - 1] in "'’":
            toks = toks[1:]
        while len(toks) > 1 and (text[toks[-1][0]:toks[-1][1]].lower() in words or text[toks[-1][0]:toks[-1][1]] == "."):
            toks.pop()
        if not toks:
            return run
        # a quote mark the run does not close (or open) is half a quotation: '"Russian Zombies'
        marks = [i for i, (a, b) in enumerate(toks) if text[a:b] in _QUOTE_MARKS]
        if len(marks) == 1 and len(toks) > 1 and marks[0] in (0, len(toks) - 1):
            toks = toks[1:] if marks[0] == 0 else toks[:-1]
        kept = [text[a:b].lower() for a, b in toks if WORD.fullmatch(text[a:b])]
        if kept and all(w in words for w in kept):
            return None
        end = toks[-1][1]
        while (more := _HYPHENATED.match(text, end)) is not None and end > 0 and WORD.fullmatch(text[end - 1]):
            end = more.end()
        return _trim(text, (t, toks[0][0], end, sc))


_HYPHENATED = re.compile(rf"-{WORD.pattern}")
_QUOTE_MARKS = QUOTES | {"'", "‘", "’"}


def decode_spans(text: str, toks: Sequence[tuple[int, int]], scores: np.ndarray, thresholds: np.ndarray, labels: Sequence[str],
                 gap: int, whole_sentences: bool, forms: RunForms,
                 sentences: Sequence[tuple[int, int]] | None = None, language: str | None = None) -> list[tuple[str, int, int, float]]:
    """The spans of one text, as the model decodes them for a language:
    every run widened to its sentences (``whole_sentences``), else runs
    decoded with ``forms`` (``language``, ISO 639-1: whose tail words).
    ``sentences`` are the text's sentence spans if already known."""
    from ..text import split_sentences

    if whole_sentences:
        runs = decode_runs(toks, scores, thresholds, labels, gap, text)
        return expand_to_sentences(runs, sentences if sentences is not None else split_sentences(text))
    runs = decode_runs(toks, scores, forms.thresholds(labels, thresholds), labels, gap, text, forms.extend)
    plain = [x for r in runs if r[0] not in forms.sentence and (x := forms.trim_tail(text, r, language)) is not None]
    wide = [r for r in runs if r[0] in forms.sentence]
    if not wide:
        return plain
    spans = sentences if sentences is not None else split_sentences(text)
    return plain + expand_to_sentences(wide, spans)


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def stacked_proba(stack: dict[str, Any], prob: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Paragraph probabilities combined with the tagger's strongest token
    per technique (coefficients from train/stack.py)."""
    z = np.asarray(stack["a"]) * logit(prob) + np.asarray(stack["c"]) * F + np.asarray(stack["b"])
    return 1.0 / (1.0 + np.exp(-z))


class SpanModel:
    def __init__(self, folder: str | Path) -> None:
        meta, w = read_artifact(folder, "technique-span")
        self.meta = meta
        self.card: dict[str, Any] = meta.get("card", {})
        self.labels: list[str] = meta["labels"]
        self.nbits: int = meta["nbits"]
        self.gap: int = meta.get("gap", 1)
        self.thresholds = np.asarray([meta["thresholds"][lab] for lab in self.labels], np.float32)
        self.language_shift: dict[str, float] = meta.get("language_shift", {})
        # The languages the tagger was trained and tuned on (one shift each);
        # elsewhere its token features are another script's or vocabulary's.
        self.languages: set[str] = set(self.language_shift)
        # Languages whose annotators mark whole sentences get sentence spans.
        self.sentence_languages: set[str] = set(meta.get("sentence_languages", []))
        # ... and the others' runs are decoded with these (absent: plain runs).
        self.run_forms = RunForms.from_meta(meta.get("run_forms"))
        # How the paragraph classifier's probabilities and this tagger's scores
        # combine (train/stack.py); absent when the two were trained apart.
        self.stack: dict[str, Any] | None = meta.get("paragraph_stack")
        # bucket id -> row of the compact weight matrix (-1: never seen in training)
        self.row = np.full(1 << self.nbits, -1, np.int64)
        self.row[w["buckets"]] = np.arange(len(w["buckets"]))
        self.W = w["weights"].astype(np.float32) * w["scale"][None, :]
        self.b = w["bias"].astype(np.float32)
        # The techniques stage scores a paragraph for the paragraph decision,
        # then again for its spans: hashing is the costly part, do it once.
        self._tagged = lru_cache(maxsize=64)(self._tag)  # about one article

    def knows(self, language: str | None) -> bool:
        """Whether token spans can be trusted in ``language`` (unknown: yes)."""
        return not language or language == "und" or not self.languages or language in self.languages

    def _tag(self, piece: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        toks, feats = token_features(piece, self.nbits)
        return toks, self.scores(feats)

    def scores(self, feats: list[list[int]]) -> np.ndarray:
        S = np.tile(self.b, (len(feats), 1))
        for i, f in enumerate(feats):
            r = self.row[f]
            r = r[r >= 0]
            if len(r):
                S[i] += self.W[r].sum(axis=0)
        return S

    def max_scores(self, texts: list[str]) -> np.ndarray:
        """Highest token score per technique in each text."""
        out = np.zeros((len(texts), len(self.labels)), np.float32)
        for i, t in enumerate(texts):
            toks, S = self._tagged(t)
            if toks:
                out[i] = S.max(axis=0)
        return out

    def spans(self, text: str, start: int = 0, end: int | None = None, only: Sequence[str] | None = None,
              shift: float = 0.0, language: str | None = None) -> list[tuple[str, int, int, float]]:
        """Technique spans in ``text[start:end]`` (offsets into ``text``),
        optionally only for the techniques in ``only``; ``language`` (ISO
        639-1) applies that language's tuned threshold shift."""
        piece = text[start:end]
        toks, S = self._tagged(piece)
        if not toks:
            return []
        th = self.thresholds + shift + self.language_shift.get(language or "", 0.0)
        if only is not None:
            th = np.where(np.isin(self.labels, list(only)), th, np.inf)
        runs = decode_spans(piece, toks, S, th, self.labels, self.gap, language in self.sentence_languages, self.run_forms,
                            language=language)
        return [(t, s + start, e + start, sc) for t, s, e, sc in runs]
