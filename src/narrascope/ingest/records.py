"""JSONL and CSV: one article per record, with user-chosen field names.

Both stream: a million-line file is read one record at a time. A broken
record is reported with its line number and the others are read.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import Code, NarrascopeError
from .base import RawDocument, ReadFailure, ReadStream, decode, looks_binary
from .options import FieldMap, ReadOptions, parse_date


_HTML_TAG = re.compile(r"</?(p|div|html|body|br|article)\b", re.I)


def _record_doc(rec: dict[str, Any], fm: FieldMap, origin: str, locator: str) -> RawDocument:
    text = rec.get(fm.text)
    if text is None:
        raise NarrascopeError(
            Code.MISSING_FIELD,
            f"record has no '{fm.text}' field (fields: {', '.join(map(str, rec)) or 'none'})",
            input=origin,
            locator=locator,
        )
    if not isinstance(text, str) or not text.strip():
        raise NarrascopeError(Code.EMPTY, f"field '{fm.text}' is empty or not text", input=origin, locator=locator)

    def get(name: str | None) -> Any:
        return rec.get(name) if name else None

    is_html = "<" in text[:2000] and bool(_HTML_TAG.search(text[:5000]))
    ext = get(fm.id)
    doc = RawDocument(
        text=text,
        format="html" if is_html else "text",
        origin=f"{origin}:{locator}",
        title=(str(get(fm.title)).strip() or None) if get(fm.title) else None,
        url=get(fm.url),
        source=get(fm.source),
        published=parse_date(get(fm.date)),
        language=get(fm.language),
        external_id=str(ext) if ext is not None else None,
        meta={k: v for k, v in rec.items() if k not in _used(fm) and _scalar(v)},
    )
    if is_html:
        from .html import extract_html

        info = extract_html(text, doc.origin, doc.url)
        doc.text = info["text"]
        doc.title = doc.title or info.get("title")
    return doc


def _used(fm: FieldMap) -> set[str]:
    return {x for x in (fm.text, fm.title, fm.id, fm.url, fm.date, fm.source, fm.language) if x}


def _scalar(v: Any) -> bool:
    return isinstance(v, (str, int, float, bool)) or v is None


def read_jsonl(path: Path, opts: ReadOptions) -> ReadStream:
    if not path.exists():
        raise NarrascopeError(Code.NOT_FOUND, "file not found", input=str(path))
    if path.stat().st_size == 0:
        raise NarrascopeError(Code.EMPTY, "file is empty", input=str(path))
    limit = int(opts.ingest.max_file_mb * 1024 * 1024)
    with path.open("rb") as fh:
        if looks_binary(fh.read(8192)):
            raise NarrascopeError(Code.BINARY, "file is binary, not JSON lines", input=str(path))
        fh.seek(0)
        for lineno, raw in enumerate(fh, start=1):
            loc = f"line {lineno}"
            if not raw.strip():
                continue
            try:
                if len(raw) > limit:
                    raise NarrascopeError(Code.TOO_LARGE, f"record is over the {opts.ingest.max_file_mb:g} MB limit", input=str(path), locator=loc)
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise NarrascopeError(Code.ENCODING, f"line is not valid UTF-8 (byte {e.start})", input=str(path), locator=loc) from e
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise NarrascopeError(Code.BAD_JSON, f"invalid JSON: {e.msg} at column {e.colno}", input=str(path), locator=loc) from e
                if not isinstance(rec, dict):
                    raise NarrascopeError(Code.BAD_JSON, "line is JSON but not an object", input=str(path), locator=loc)
                yield _record_doc(rec, opts.fields, str(path), loc)
            except NarrascopeError as e:
                yield ReadFailure(e)


def read_csv(path: Path, opts: ReadOptions) -> ReadStream:
    if not path.exists():
        raise NarrascopeError(Code.NOT_FOUND, "file not found", input=str(path))
    if path.stat().st_size == 0:
        raise NarrascopeError(Code.EMPTY, "file is empty", input=str(path))
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    _, enc = decode(head[: _safe_cut(head)], str(path), opts.ingest.encoding)
    enc = "utf-8-sig" if enc in ("utf-8", "utf-8-sig") else enc
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open("r", encoding=enc, newline="", errors="strict") as fh:
        sample = fh.read(1 << 15)
        fh.seek(0)
        delim = opts.csv_delimiter
        if not delim:
            try:
                delim = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
            except csv.Error:
                delim = ","
        reader = csv.DictReader(fh, delimiter=delim)
        try:
            header = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as e:
            raise NarrascopeError(Code.BAD_CSV, f"cannot read the header: {e}", input=str(path)) from e
        if opts.fields.text not in header:
            raise NarrascopeError(
                Code.MISSING_FIELD,
                f"no column '{opts.fields.text}' (columns: {', '.join(header) or 'none'})",
                input=str(path),
                hint="name the text column with --text-field",
            )
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as e:
                yield ReadFailure(NarrascopeError(Code.BAD_CSV, f"unreadable row: {e}", input=str(path), locator=f"line {reader.line_num}"))
                break  # the reader cannot recover its position after this
            loc = f"line {reader.line_num}"
            try:
                yield _record_doc({k: v for k, v in row.items() if k is not None}, opts.fields, str(path), loc)
            except NarrascopeError as e:
                yield ReadFailure(e)


def _safe_cut(b: bytes) -> int:
    """Do not cut a UTF-8 sequence in half when sampling the head."""
    n = len(b)
    while n > 0 and n > len(b) - 4 and (b[n - 1] & 0xC0) == 0x80:
        n -= 1
    if n > 0 and b[n - 1] >= 0xC0:
        n -= 1
    return n
