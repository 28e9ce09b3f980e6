"""Readable terminal rendering of an article and its results.

Analysis stages register a renderer for their result data; stages without
one are shown as compact JSON, so a plugin's output is never hidden.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from .article import Article

Renderer = Callable[[Console, Article, dict[str, Any]], None]
RENDERERS: dict[str, Renderer] = {}


def register_renderer(stage: str) -> Callable[[Renderer], Renderer]:
    def deco(fn: Renderer) -> Renderer:
        RENDERERS[stage] = fn
        return fn

    return deco


def quote(article: Article, start: int, end: int, width: int = 160) -> str:
    """Rich markup quoting [start, end), cut to ``width`` characters. Escaped:
    an editor's insertion "looked at [the correlations]" is no style tag
    (rich dropped it and printed "looked at ")."""
    s = " ".join(article.clean_text[start:end].split())
    return escape(s if len(s) <= width else s[: width - 1] + "…")


def quote_around(article: Article, start: int, end: int, focus: tuple[int, int], width: int = 160) -> str:
    """Rich markup quoting [start, end) with the ``focus`` span in bold; a
    long passage is cut to a window around the focus (a mention late in a
    long sentence must still be visible)."""
    fs, fe = max(start, focus[0]), min(end, focus[1])
    lo, hi = start, end
    if hi - lo > width:
        lo = max(start, min(fs - max(width - (fe - fs), 0) // 2, end - width))
        hi = min(end, lo + width)
    text = article.clean_text
    # Cut at word boundaries, never inside the focus.
    if lo > start and (sp := text.find(" ", lo, fs)) != -1:
        lo = sp + 1
    if hi < end and (sp := text.rfind(" ", fe, hi)) != -1:
        hi = sp

    def norm(x: str) -> str:
        return escape(re.sub(r"\s+", " ", x))

    return ("…" if lo > start else "") + norm(text[lo:fs]).lstrip() + f"[bold]{norm(text[fs:fe])}[/bold]" \
        + norm(text[fe:hi]).rstrip() + ("…" if hi < end else "")


def render_article(con: Console, a: Article, text: bool = False) -> None:
    head = Text()
    head.append(a.title or "(untitled)", style="bold")
    head.append(f"\nid {a.id}")
    for label, value in (("external id", a.external_id), ("url", a.url), ("source", a.source),
                         ("published", a.published.isoformat() if a.published else None),
                         ("language", f"{a.language} ({a.language_score:.2f})" if a.language and a.language_score is not None else a.language)):
        if value:
            head.append(f"\n{label}: {value}")
    head.append(f"\n{len(a.sentences)} sentences, {len(a.clean_text):,} characters")
    if a.duplicate_of:
        head.append(f"\nnear-duplicate of {a.duplicate_of} (similarity {a.duplicate_score})", style="yellow")
    if a.removed:
        kinds: dict[str, int] = {}
        for r in a.removed:
            kinds[str(r["kind"])] = kinds.get(str(r["kind"]), 0) + 1
        head.append("\nremoved boilerplate: " + ", ".join(f"{k} x{v}" for k, v in kinds.items()), style="dim")
    mixed = a.meta.get("homoglyphs") or []
    if mixed:
        words = ", ".join(dict.fromkeys(str(m["original"]) for m in mixed[:8]))
        head.append(f"\nwords disguised with look-alikes (Latin and Cyrillic, 3 for З), normalised: {len(mixed)} ({words})", style="yellow")
    con.print(Panel(head, expand=False))
    from .stages.registry import specs

    order = {s.name: i for i, s in enumerate(specs("analysis"))}
    for name in sorted(a.results, key=lambda n: order.get(n, 999)):
        r = a.results[name]
        con.rule(f"[bold]{escape(name)}[/bold] [dim]{escape(r.version)}{' · ' + escape(r.model) if r.model else ''}[/dim]", align="left")
        fn = RENDERERS.get(name)
        if fn:
            fn(con, a, r.data)
        else:
            con.print(json.dumps(r.data, ensure_ascii=False)[:2000], highlight=False)
    if not a.results:
        con.print("[dim]no analysis results yet: run `narrascope analyze`[/dim]")
    if text:
        con.rule("clean text", align="left")
        con.print(a.clean_text, highlight=False, markup=False)
