"""Dispatch any source (file, folder, URL, feed) to its reader."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from ..errors import Code, NarrascopeError
from .base import RawDocument, ReadFailure, ReadStream, check_file, decode
from .feed import read_feed
from .html import html_document, read_html
from .options import ReadOptions
from .plaintext import read_text
from .records import read_csv, read_jsonl
from .semeval import is_semeval_folder, read_semeval
from .url import fetch, is_url, looks_like_feed

TEXT_EXT = {".txt", ".text", ".md"}
HTML_EXT = {".html", ".htm", ".xhtml"}
JSONL_EXT = {".jsonl", ".ndjson"}
CSV_EXT = {".csv", ".tsv"}
FEED_EXT = {".rss", ".atom", ".xml"}
KNOWN_EXT = TEXT_EXT | HTML_EXT | JSONL_EXT | CSV_EXT | FEED_EXT


def read_sources(sources: list[str], opts: ReadOptions | None = None) -> ReadStream:
    """Read every source in turn. Problems become ReadFailures: one bad input
    never stops the others."""
    opts = opts or ReadOptions()
    for src in sources:
        try:
            yield from read_source(src, opts)
        except NarrascopeError as e:
            yield ReadFailure(e)


def read_source(src: str, opts: ReadOptions) -> ReadStream:
    if is_url(src):
        yield from _read_url(src, opts)
        return
    path = Path(src).expanduser()
    if not path.exists():
        raise NarrascopeError(Code.NOT_FOUND, "no such file or folder", input=src)
    if path.is_dir():
        yield from read_folder(path, opts)
    else:
        yield from read_file(path, opts)


def read_file(path: Path, opts: ReadOptions) -> ReadStream:
    ext = path.suffix.lower()
    if ext in JSONL_EXT:
        yield from read_jsonl(path, opts)
    elif ext in CSV_EXT:
        if ext == ".tsv" and not opts.csv_delimiter:
            opts = ReadOptions(opts.ingest, opts.fields, opts.glob, opts.recursive, "\t")
        yield from read_csv(path, opts)
    elif ext in HTML_EXT:
        yield read_html(path, opts)
    elif ext in FEED_EXT:
        check_file(path, opts.ingest.max_file_mb)
        yield from read_feed(path.read_bytes(), str(path), opts)
    elif ext in TEXT_EXT or ext == "":
        yield read_text(path, opts)
    else:
        # Unknown extension: look at the content before giving up.
        check_file(path, opts.ingest.max_file_mb)
        head = path.read_bytes()[:4096]
        text, _ = decode(head, str(path))
        low = text.lstrip().lower()
        if low.startswith(("<!doctype html", "<html")):
            yield read_html(path, opts)
        elif low.startswith("<?xml") or low.startswith(("<rss", "<feed")):
            yield from read_feed(path.read_bytes(), str(path), opts)
        else:
            raise NarrascopeError(Code.UNSUPPORTED, f"unknown file type '{ext}'", input=str(path))


def read_folder(path: Path, opts: ReadOptions) -> ReadStream:
    if is_semeval_folder(path):
        yield from read_semeval(path, opts)
        return
    nested: list[Path] = []
    files = iter_folder(path, opts, nested)
    if not files and not nested:
        raise NarrascopeError(Code.EMPTY, f"folder has no readable files{' matching ' + opts.glob if opts.glob else ''}", input=str(path))
    for f in files:
        try:
            yield from read_file(f, opts)
        except NarrascopeError as e:
            yield ReadFailure(e)
    for sub in nested:
        try:
            yield from read_semeval(sub, opts)
        except NarrascopeError as e:
            yield ReadFailure(e)


def iter_folder(path: Path, opts: ReadOptions, nested: list[Path] | None = None) -> list[Path]:
    """Files under a folder, sorted, hidden ones skipped; SemEval language
    folders inside are read as such and are not walked file by file."""
    out: list[Path] = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rootp = Path(root)
        if rootp != path and is_semeval_folder(rootp):
            if nested is not None:
                nested.append(rootp)
            dirs[:] = []
            continue
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = rootp / name
            if opts.glob:
                rel = str(p.relative_to(path))
                if not (fnmatch.fnmatch(name, opts.glob) or fnmatch.fnmatch(rel, opts.glob)):
                    continue
            elif p.suffix.lower() not in KNOWN_EXT:
                continue
            out.append(p)
        if not opts.recursive:
            dirs[:] = []
    return out


def _read_url(url: str, opts: ReadOptions) -> ReadStream:
    page = fetch(url, opts.ingest)
    if looks_like_feed(page.content_type, page.body):
        yield from read_feed(page.body, url, opts)
        return
    text = page.text()
    if "html" in page.content_type.lower() or text.lstrip()[:200].lower().startswith(("<!doctype", "<html")):
        yield html_document(text, url, url=page.url)
    else:
        if not text.strip():
            raise NarrascopeError(Code.EMPTY, "page is empty", input=url)
        yield RawDocument(text=text, origin=url, url=page.url, title_in_text=True)


__all__ = ["read_sources", "read_source", "ReadOptions", "ReadFailure", "RawDocument"]
