"""Library entries and their importers.

Formats:
- schema.org ``ClaimReview`` in JSON or JSON-LD (a single object, a list, an
  ``@graph``, the Google Fact Check Tools ``claims[].claimReview[]`` shape, or
  ``<script type="application/ld+json">`` blocks in an HTML page);
- JSONL / CSV with user-chosen fields (e.g. CheckThat! ``vclaims.jsonl``);
- counter-narrative pages (.txt): the first line states the narrative the
  page answers, the body gives the evidence and is split into passages.

A malformed entry becomes a coded error naming the entry; the others are
imported.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Union

from ..errors import Code, NarrascopeError
from ..ingest.base import ReadFailure, decode
from ..text import split_sentences


@dataclass
class Passage:
    text: str
    start: int | None = None  # offsets into the entry body, when it has one
    end: int | None = None


@dataclass
class LibraryEntry:
    id: str
    kind: str  # claimreview | record | counter_narrative
    claim: str  # the claim reviewed, or the narrative a counter-narrative answers
    title: str | None = None
    url: str | None = None
    rating: str | None = None
    published: str | None = None
    author: str | None = None
    publisher: str | None = None
    language: str | None = None
    narratives: list[str] = field(default_factory=list)
    body: str | None = None
    source: str | None = None
    passages: list[Passage] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def content_hash(self) -> str:
        payload = json.dumps([self.claim, self.title, self.url, self.rating, self.body, self.narratives,
                              [p.text for p in self.passages]], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


LibItem = Union[LibraryEntry, ReadFailure]


def _stable_id(prefix: str, *parts: str | None) -> str:
    h = hashlib.sha256("\x00".join(p or "" for p in parts).encode("utf-8")).hexdigest()[:16]
    return f"{prefix}-{h}"


def _name(x: Any) -> str | None:
    if isinstance(x, str):
        return x
    if isinstance(x, dict):
        n = x.get("name")
        return n if isinstance(n, str) else None
    if isinstance(x, list) and x:
        return _name(x[0])
    return None


def claimreview_entry(obj: Any, where: str, locator: str) -> LibraryEntry:
    """One schema.org ClaimReview object -> entry, or NS112 naming what is wrong."""
    def bad(msg: str) -> NarrascopeError:
        return NarrascopeError(Code.BAD_LIBRARY, msg, input=where, locator=locator)

    if not isinstance(obj, dict):
        raise bad(f"expected a ClaimReview object, got {type(obj).__name__}")
    claim = obj.get("claimReviewed")
    if claim is None:
        raise bad("ClaimReview has no 'claimReviewed'")
    if not isinstance(claim, str) or not claim.strip():
        raise bad(f"'claimReviewed' must be non-empty text, got {type(claim).__name__}")
    rating = obj.get("reviewRating")
    if rating is not None and not isinstance(rating, dict):
        raise bad(f"'reviewRating' must be an object, got {type(rating).__name__}")
    url = obj.get("url")
    if url is not None and not isinstance(url, str):
        raise bad(f"'url' must be text, got {type(url).__name__}")
    date = obj.get("datePublished")
    if date is not None and not isinstance(date, str):
        raise bad(f"'datePublished' must be text, got {type(date).__name__}")
    item = obj.get("itemReviewed") if isinstance(obj.get("itemReviewed"), dict) else {}
    rating_text = None
    if rating:
        rating_text = rating.get("alternateName") or rating.get("name")
        if rating_text is None and rating.get("ratingValue") is not None:
            rating_text = f"{rating.get('ratingValue')}/{rating.get('bestRating', '?')}"
    lang = obj.get("inLanguage")
    lang = _name(lang) if not isinstance(lang, str) else lang
    title = obj.get("name") or obj.get("headline")
    body = obj.get("reviewBody") or obj.get("description")
    lead = " ".join(claim.split())
    if isinstance(title, str) and title.strip() and title.strip() != claim.strip():
        lead += " " + " ".join(title.split())
    passages = [Passage(lead)]
    if isinstance(body, str) and body.strip():
        passages += [Passage(body[s:e], s, e) for s, e in _chunks(body)]
    return LibraryEntry(
        id=str(obj.get("@id") or url or _stable_id("cr", claim, _name(obj.get("author")))),
        kind="claimreview",
        claim=" ".join(claim.split()),
        title=title if isinstance(title, str) else None,
        url=url,
        rating=str(rating_text) if rating_text is not None else None,
        published=date,
        author=_name(item.get("author")),
        publisher=_name(obj.get("author")),
        language=lang if isinstance(lang, str) else None,
        body=body if isinstance(body, str) else None,
        passages=passages,
        meta={"claim_author": _name(item.get("author")), "claim_date": item.get("datePublished")},
    )


def _find_claimreviews(data: Any) -> Iterator[Any]:
    """Every ClaimReview-looking object in a JSON document, in order."""
    if isinstance(data, list):
        for x in data:
            yield from _find_claimreviews(x)
    elif isinstance(data, dict):
        t = data.get("@type")
        types = t if isinstance(t, list) else [t]
        if "ClaimReview" in types or ("claimReviewed" in data and "@graph" not in data):
            yield data
        elif "@graph" in data:
            yield from _find_claimreviews(data["@graph"])
        elif "claimReview" in data:  # Google Fact Check Tools: {text, claimant, claimReview: [...]}
            for cr in data.get("claimReview") or []:
                if isinstance(cr, dict):
                    cr = {"claimReviewed": data.get("text"), "itemReviewed": {"author": {"name": data.get("claimant")}},
                          "reviewRating": {"alternateName": cr.get("textualRating")}, "url": cr.get("url"),
                          "datePublished": cr.get("reviewDate"), "author": cr.get("publisher"), "name": cr.get("title"),
                          "inLanguage": cr.get("languageCode")}
                yield cr
        elif "claims" in data and isinstance(data["claims"], list):
            yield from _find_claimreviews(data["claims"])
        else:
            yield data  # reported as a ClaimReview without claimReviewed


def read_claimreview(path: Path) -> Iterator[LibItem]:
    text, _ = decode(path.read_bytes(), str(path))
    blocks: list[str]
    if path.suffix.lower() in (".html", ".htm") or text.lstrip().startswith("<"):
        blocks = re.findall(r'<script[^>]+application/ld\+json[^>]*>(.*?)</script>', text, re.S | re.I)
        if not blocks:
            raise NarrascopeError(Code.BAD_LIBRARY, "no JSON-LD blocks in the page", input=str(path))
    else:
        blocks = [text]
    n = 0
    for b, block in enumerate(blocks, 1):
        try:
            data = json.loads(block)
        except json.JSONDecodeError as e:
            yield ReadFailure(NarrascopeError(Code.BAD_JSON, f"invalid JSON: {e.msg} at line {e.lineno}", input=str(path),
                                              locator=f"block {b}" if len(blocks) > 1 else None))
            continue
        for obj in _find_claimreviews(data):
            n += 1
            try:
                yield claimreview_entry(obj, str(path), f"entry {n}")
            except NarrascopeError as e:
                yield ReadFailure(e)


@dataclass
class RecordFields:
    claim: str = "claim"
    id: str | None = "id"
    title: str | None = "title"
    body: str | None = None
    url: str | None = "url"
    rating: str | None = "rating"
    date: str | None = "date"
    author: str | None = "author"
    language: str | None = "language"
    narratives: str | None = "narratives"
    context: tuple[str, ...] = ()  # fields appended to the claim's passage (e.g. a subtitle)


def _record_entry(rec: dict[str, Any], f: RecordFields, where: str, loc: str) -> LibraryEntry:
    claim = rec.get(f.claim)
    if claim is None:
        raise NarrascopeError(Code.MISSING_FIELD, f"no '{f.claim}' field (fields: {', '.join(rec)})", input=where, locator=loc,
                              hint="name the claim field with --claim-field")
    if not isinstance(claim, str) or not claim.strip():
        raise NarrascopeError(Code.BAD_LIBRARY, f"'{f.claim}' must be non-empty text", input=where, locator=loc)

    def get(name: str | None) -> Any:
        v = rec.get(name) if name else None
        return v if v not in ("", None) else None

    narr = get(f.narratives) or []
    if isinstance(narr, str):
        narr = [x.strip() for x in narr.split(";") if x.strip()]
    body = get(f.body)
    title = get(f.title)
    # Claim and title in one passage: measured on CheckThat! 2022, splitting
    # them into separate passages loses 5 points of MAP@5.
    lead = " ".join(claim.split())
    if isinstance(title, str) and title.strip() and title.strip() != claim.strip():
        lead += " " + " ".join(title.split())
    for name in f.context:  # on CheckThat! 2022, adding the subtitle: MAP@5 0.860 -> 0.878
        extra = get(name)
        if isinstance(extra, str) and extra.strip():
            lead += " " + " ".join(extra.split())
    passages = [Passage(lead)]
    if isinstance(body, str):
        passages += [Passage(body[s:e], s, e) for s, e in _chunks(body)]
    ext = get(f.id)
    return LibraryEntry(
        id=str(ext) if ext is not None else _stable_id("rec", claim, str(get(f.url))),
        kind="record", claim=" ".join(claim.split()), title=title, url=get(f.url), rating=get(f.rating),
        published=str(get(f.date)) if get(f.date) is not None else None, author=get(f.author), language=get(f.language),
        narratives=list(narr), body=body, passages=passages,
        meta={k: v for k, v in rec.items() if isinstance(v, (str, int, float, bool)) and k not in vars(f).values() and k not in f.context},
    )


def read_records(path: Path, fields: RecordFields) -> Iterator[LibItem]:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        with path.open("rb") as fh:
            for i, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    rec = json.loads(raw.decode("utf-8"))
                    if not isinstance(rec, dict):
                        raise NarrascopeError(Code.BAD_JSON, "line is not a JSON object", input=str(path), locator=f"line {i}")
                    yield _record_entry(rec, fields, str(path), f"line {i}")
                except (json.JSONDecodeError, UnicodeDecodeError) as e:
                    yield ReadFailure(NarrascopeError(Code.BAD_JSON, f"invalid JSON line: {e}", input=str(path), locator=f"line {i}"))
                except NarrascopeError as e:
                    yield ReadFailure(e)
        return
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        if fields.claim not in (reader.fieldnames or []):
            raise NarrascopeError(Code.MISSING_FIELD, f"no column '{fields.claim}' (columns: {', '.join(reader.fieldnames or [])})",
                                  input=str(path), hint="name the claim column with --claim-field")
        for row in reader:
            try:
                yield _record_entry(dict(row), fields, str(path), f"line {reader.line_num}")
            except NarrascopeError as e:
                yield ReadFailure(e)


def _chunks(text: str, max_sentences: int = 2, max_chars: int = 400) -> list[tuple[int, int]]:
    """Passages of one or two sentences: small enough to match one claim."""
    out: list[tuple[int, int]] = []
    cur: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        if cur and (len(cur) >= max_sentences or e - cur[0][0] > max_chars):
            out.append((cur[0][0], cur[-1][1]))
            cur = []
        cur.append((s, e))
    if cur:
        out.append((cur[0][0], cur[-1][1]))
    return out


def read_counter_narrative(path: Path, narratives: list[str] | None = None) -> LibraryEntry:
    text, _ = decode(path.read_bytes(), str(path))
    if not text.strip():
        raise NarrascopeError(Code.EMPTY, "file is empty", input=str(path))
    title, _, body = text.strip().partition("\n")
    title = " ".join(title.split())
    body_start = text.index(body) if body else len(text)
    passages = [Passage(title, 0, len(title))]
    for s, e in _chunks(body):
        passages.append(Passage(" ".join(body[s:e].split()), body_start + s, body_start + e))
    return LibraryEntry(
        id=_stable_id("cn", path.name, title), kind="counter_narrative", claim=title, title=title,
        body=text, source=str(path), passages=passages, narratives=list(narratives or []),
    )


def read_library(path: Path, fmt: str = "auto", fields: RecordFields | None = None, narratives: list[str] | None = None) -> Iterator[LibItem]:
    """Dispatch by format; folders are read file by file."""
    if not path.exists():
        raise NarrascopeError(Code.NOT_FOUND, "no such file or folder", input=str(path))
    if path.is_dir():
        for p in sorted(x for x in path.rglob("*") if x.is_file() and not x.name.startswith(".")):
            try:
                yield from read_library(p, fmt, fields, narratives)
            except NarrascopeError as e:
                yield ReadFailure(e)
        return
    if path.stat().st_size == 0:
        raise NarrascopeError(Code.EMPTY, "file is empty", input=str(path))
    ext = path.suffix.lower()
    kind = fmt
    if kind == "auto":
        kind = {".json": "claimreview", ".jsonld": "claimreview", ".html": "claimreview", ".htm": "claimreview",
                ".jsonl": "records", ".ndjson": "records", ".csv": "records", ".tsv": "records", ".txt": "counter"}.get(ext, "")
    if kind == "claimreview":
        yield from read_claimreview(path)
    elif kind == "records":
        for item in read_records(path, fields or RecordFields()):
            if isinstance(item, LibraryEntry) and narratives:
                item.narratives = sorted(set(item.narratives) | set(narratives))
            yield item
    elif kind == "counter":
        yield read_counter_narrative(path, narratives)
    else:
        raise NarrascopeError(Code.UNSUPPORTED, f"unknown library file type '{ext}'", input=str(path),
                              hint="use .json/.jsonld (ClaimReview), .jsonl/.csv (records) or .txt (counter-narrative page), or --format")
