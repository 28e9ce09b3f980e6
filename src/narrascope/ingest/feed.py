"""RSS/Atom feeds: one document per item, fetching each item's page."""

from __future__ import annotations

from typing import Any

from ..errors import Code, NarrascopeError
from .base import ReadFailure, ReadStream
from .html import html_document
from .options import ReadOptions, parse_date


def read_feed(data: bytes, origin: str, opts: ReadOptions) -> ReadStream:
    import feedparser

    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries and not parsed.feed:
        raise NarrascopeError(Code.FEED_INVALID, "not a readable RSS/Atom feed", input=origin)
    if not parsed.entries:
        raise NarrascopeError(Code.FEED_EMPTY, "feed has no items", input=origin)
    feed_title = parsed.feed.get("title") or origin
    for i, entry in enumerate(parsed.entries):
        yield from _entry(entry, i, feed_title, origin, opts)


def _entry(entry: Any, i: int, feed_title: str, origin: str, opts: ReadOptions) -> ReadStream:
    from .url import fetch

    link = entry.get("link")
    published = parse_date(entry.get("published") or entry.get("updated"))
    title = entry.get("title")
    summary = ""
    if entry.get("content"):
        summary = entry["content"][0].get("value", "")
    summary = summary or entry.get("summary", "")
    where = f"{origin}#item{i + 1}"
    fetch_error: NarrascopeError | None = None
    if link and opts.ingest.fetch_feed_items:
        try:
            page = fetch(link, opts.ingest)
            doc = html_document(page.text(), where, url=page.url)
            doc.title = doc.title or title
            doc.published = doc.published or published
            doc.source = feed_title
            doc.meta["feed"] = origin
            yield doc
            return
        except NarrascopeError as e:
            fetch_error = e
    if summary.strip():
        # The page could not be fetched (or fetching is off): the feed's own
        # content still carries the article, so keep it and say so.
        try:
            doc = html_document(summary, where, url=link)
        except NarrascopeError as e:
            yield ReadFailure(e)
            return
        doc.title = title or doc.title
        doc.published = published
        doc.source = feed_title
        doc.meta["feed"] = origin
        if fetch_error:
            doc.meta["fetch_error"] = str(fetch_error)
        yield doc
    elif fetch_error:
        yield ReadFailure(fetch_error)
    else:
        yield ReadFailure(NarrascopeError(Code.NO_TEXT, "feed item has no link and no content", input=where))
