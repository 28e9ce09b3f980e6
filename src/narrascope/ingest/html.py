"""HTML files and pages: article text and metadata through trafilatura."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import Code, NarrascopeError
from .base import RawDocument, read_text_file
from .options import ReadOptions, parse_date


def extract_html(html: str, origin: str, url: str | None = None) -> dict[str, Any]:
    """Main text, title, date, site name of an HTML page.

    trafilatura first; for pages it cannot handle (fragments, broken markup)
    a plain text fallback with lxml, so a malformed but readable page still
    gives its text. NS106 when there is no text at all.
    """
    import trafilatura

    text = None
    meta: dict[str, Any] = {}
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, include_comments=False, include_tables=False, with_metadata=True
        )
    except Exception:  # noqa: BLE001 - trafilatura raises many kinds on broken markup
        doc = None
    if doc is not None:
        d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
        text = d.get("text")
        meta = {k: d.get(k) for k in ("title", "date", "sitename", "author", "url", "hostname")}
    if not text or not text.strip():
        text = _fallback_text(html)
        meta.setdefault("title", _fallback_title(html))
    if not text or not text.strip():
        raise NarrascopeError(Code.NO_TEXT, "no article text found in the HTML", input=origin)
    return {"text": text, **meta}


def _fallback_text(html: str) -> str:
    try:
        import lxml.html

        root = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001 - lxml refuses some inputs outright
        return ""
    for bad in root.xpath("//script|//style|//nav|//footer|//header|//noscript"):
        bad.drop_tree()
    blocks = [b.text_content().strip() for b in root.xpath("//p|//h1|//h2|//h3|//li|//blockquote")]
    text = "\n\n".join(b for b in blocks if b)
    return text or root.text_content().strip()


def _fallback_title(html: str) -> str | None:
    try:
        import lxml.html

        t = lxml.html.fromstring(html).findtext(".//title")
        return t.strip() if t else None
    except Exception:  # noqa: BLE001
        return None


def html_document(html: str, origin: str, url: str | None = None, **extra: Any) -> RawDocument:
    info = extract_html(html, origin, url)
    return RawDocument(
        text=info["text"],
        format="html",
        origin=origin,
        title=(info.get("title") or None),
        url=url or info.get("url"),
        source=info.get("sitename") or info.get("hostname"),
        published=parse_date(info.get("date")),
        meta={"author": info.get("author")} if info.get("author") else {},
        **extra,
    )


def read_html(path: Path, opts: ReadOptions) -> RawDocument:
    html, enc = read_text_file(path, opts.ingest.max_file_mb, opts.ingest.encoding)
    doc = html_document(html, str(path), external_id=path.name)
    doc.meta["encoding"] = enc
    doc.meta["html_bytes"] = len(html)
    return doc
