"""Analysis stages shipped with narrascope, registered in run order."""

from __future__ import annotations

from .explain import ExplainStage, NullExplain
from .narratives import NarrativesStage, NullNarratives
from .registry import StageSpec, register

register(StageSpec("narratives", "analysis", NarrativesStage.from_settings, lambda s: NullNarratives(),
                   NarrativesStage.description, order=10))
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
    con.print(f"[bold]{d['subnarrative'] if d.get('subnarrative') not in (None, 'Other') else d['narrative']}[/bold] [dim]({d['mode']})[/dim]", highlight=False)
    con.print(d["text"], highlight=False)
    if d.get("fallback"):
        con.print(f"[yellow]LLM fallback: {d['fallback']}[/yellow]", highlight=False)
