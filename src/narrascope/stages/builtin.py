"""Analysis stages shipped with narrascope, registered in run order."""

from __future__ import annotations

from .claims import ClaimsStage, NullClaims
from .explain import ExplainStage, NullExplain
from .narratives import NarrativesStage, NullNarratives
from .registry import StageSpec, register

register(StageSpec("narratives", "analysis", NarrativesStage.from_settings, lambda s: NullNarratives(),
                   NarrativesStage.description, order=10))
register(StageSpec("claims", "analysis", ClaimsStage.from_settings, lambda s: NullClaims(),
                   ClaimsStage.description, order=50))
register(StageSpec("explain", "analysis", ExplainStage.from_settings, lambda s: NullExplain(),
                   ExplainStage.description, order=90))


# -- terminal rendering of the results ------------------------------------------------

from rich.console import Console  # noqa: E402

from ..article import Article  # noqa: E402
from ..render import quote, register_renderer  # noqa: E402


@register_renderer("narratives")
def _render_narratives(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    con.print(f"[dim]mode: {d.get('mode')}[/dim]")
    subs = d.get("subnarratives", [])
    for n in d.get("narratives", []):
        con.print(f"[bold]{n['label']}[/bold]  {n['confidence']:.2f}", highlight=False)
        for s in subs:
            if s["label"] != n["label"] and s["label"].startswith(n["label"] + ": "):
                con.print(f"   └ {s['label'][len(n['label']) + 2:]}  {s['confidence']:.2f}", highlight=False)
                for ev in s.get("evidence", [])[:2]:
                    con.print(f"       [green]“{quote(a, ev['start'], ev['end'])}”[/green] [dim]{ev['start']}-{ev['end']}[/dim]", highlight=False)
        if not any(s["label"].startswith(n["label"] + ": ") and s.get("evidence") for s in subs):
            for ev in n.get("evidence", [])[:2]:
                con.print(f"     [green]“{quote(a, ev['start'], ev['end'])}”[/green] [dim]{ev['start']}-{ev['end']}[/dim]", highlight=False)
    if d.get("candidates"):
        con.print("[dim]below threshold: " + "; ".join(f"{c['label']} {c['confidence']:.2f}" for c in d["candidates"][:3]) + "[/dim]", highlight=False)


@register_renderer("explain")
def _render_explain(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    if not d.get("text"):
        con.print("[dim]no dominant narrative to explain[/dim]")
        return
    sub = d.get("subnarrative") or "Other"
    label = d["narrative"] if sub == "Other" or sub.endswith(": Other") else sub
    con.print(f"[bold]{label}[/bold] [dim]({d['mode']})[/dim]", highlight=False)
    con.print(d["text"], highlight=False)
    if d.get("fallback"):
        con.print(f"[yellow]LLM fallback: {d['fallback']}[/yellow]", highlight=False)


@register_renderer("claims")
def _render_claims(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    claims = d.get("claims", [])
    con.print(f"{len(claims)} check-worthy claims of {d.get('candidates', 0)} sentences" + ("" if d.get("library") else " [dim](no library imported)[/dim]"), highlight=False)
    entries = d.get("entries", {})
    for c in claims[:8]:
        who = f" [dim]— {c['speaker']}[/dim]" if c.get("speaker") else ""
        con.print(f"  {c['checkworthiness']:.2f} “{quote(a, c['start'], c['end'], 140)}”{who}", highlight=False)
        for m in c.get("matches", [])[:2]:
            e = entries.get(m["entry"], {})
            con.print(f"       [cyan]↳ {m['score']:.2f} {e.get('claim', m['entry'])[:90]}[/cyan] {e.get('rating') or ''}", highlight=False)
    for s in d.get("counter_narratives", [])[:3]:
        e = s["entry"]
        con.print(f"[bold magenta]counter-narrative[/bold magenta] {s['score']:.2f} via {', '.join(s['via'])}: {e['claim']}", highlight=False)
        for x in s["connecting"][:3]:
            con.print(f"     article: “{quote(a, x['start'], x['end'], 110)}”", highlight=False)
            con.print(f"     answer:  “{x['passage'][:110]}” [dim]{x['score']:.2f}[/dim]", highlight=False)
