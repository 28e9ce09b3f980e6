"""Analysis stages shipped with narrascope, registered in run order."""

from __future__ import annotations

from .claims import ClaimsStage, NullClaims
from .explain import ExplainStage, NullExplain
from .persuasion import FramesStage, NullFrames, NullTechniques, TechniquesStage
from .roles import NullRoles, RolesStage
from .narratives import NarrativesStage, NullNarratives
from .registry import StageSpec, register

register(StageSpec("narratives", "analysis", NarrativesStage.from_settings, lambda s: NullNarratives(),
                   NarrativesStage.description, order=10))
register(StageSpec("roles", "analysis", RolesStage.from_settings, lambda s: NullRoles(),
                   RolesStage.description, order=20))
register(StageSpec("techniques", "analysis", TechniquesStage.from_settings, lambda s: NullTechniques(),
                   TechniquesStage.description, order=30))
register(StageSpec("frames", "analysis", FramesStage.from_settings, lambda s: NullFrames(),
                   FramesStage.description, order=40))
register(StageSpec("claims", "analysis", ClaimsStage.from_settings, lambda s: NullClaims(),
                   ClaimsStage.description, order=50))
register(StageSpec("explain", "analysis", ExplainStage.from_settings, lambda s: NullExplain(),
                   ExplainStage.description, order=90))


# -- terminal rendering of the results ------------------------------------------------

from rich.console import Console  # noqa: E402
from rich.markup import escape  # noqa: E402

from ..article import Article  # noqa: E402
from ..taxonomy import OTHER, is_other_sub  # noqa: E402
from ..render import quote, quote_around, register_renderer  # noqa: E402


@register_renderer("narratives")
def _render_narratives(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    gate, gate_th = d.get("narrative_probability"), d.get("gate_threshold")
    novel = d.get("novelty")
    con.print(f"[dim]mode: {d.get('mode')}" + (f"; carries a narrative: {gate:.2f} (decision threshold {gate_th:.2f})" if gate is not None else "")
              + (f"; like its nearest training article: {novel['nearest']:.2f} (Other below {novel['threshold']:.2f})" if novel else "")
              + "[/dim]")
    if d.get("warning"):
        con.print(f"[yellow]warning: {escape(d['warning'])}[/yellow]", highlight=False)
    subs = d.get("subnarratives", [])
    for n in d.get("narratives", []):
        con.print(f"[bold]{escape(n['label'])}[/bold]  {n['confidence']:.2f}", highlight=False)
        for s in subs:
            if s["label"] != n["label"] and s["label"].startswith(n["label"] + ": "):
                # SemEval's "<narrative>: Other": the narrative, in none of its listed forms.
                name = s["label"][len(n["label"]) + 2:] + (" (none of its listed subnarratives)" if is_other_sub(s["label"]) else "")
                con.print(f"   └ {escape(name)}  {s['confidence']:.2f}", highlight=False)
                for ev in s.get("evidence", [])[:2]:
                    con.print(f"       [green]“{quote(a, ev['start'], ev['end'])}”[/green] [dim]{ev['start']}-{ev['end']}[/dim]", highlight=False)
        if not any(s["label"].startswith(n["label"] + ": ") and s.get("evidence") for s in subs):
            for ev in n.get("evidence", [])[:2]:
                con.print(f"     [green]“{quote(a, ev['start'], ev['end'])}”[/green] [dim]{ev['start']}-{ev['end']}[/dim]", highlight=False)
    if d.get("candidates"):
        other = [n["label"] for n in d.get("narratives", [])] == ["Other"]
        con.print(("[dim]closest narratives: " if other else "[dim]runners-up: " if d.get("decision") == "expected_f1" else "[dim]below threshold: ") + "; ".join(f"{escape(c['label'])} {c['confidence']:.2f}" for c in d["candidates"][:3]) + "[/dim]", highlight=False)


@register_renderer("explain")
def _render_explain(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    if not d.get("text"):
        con.print("[dim]no dominant narrative to explain[/dim]")
        return
    sub = d.get("subnarrative") or "Other"
    label = d["narrative"] if sub == OTHER or is_other_sub(sub) else sub
    con.print(f"[bold]{escape(label)}[/bold] [dim]({d['mode']})[/dim]", highlight=False)
    con.print(d["text"], highlight=False, markup=False)  # the article's words: "[the correlations]" is no style tag
    if d.get("fallback"):
        con.print(f"[yellow]LLM fallback: {escape(d['fallback'])}[/yellow]", highlight=False)


@register_renderer("claims")
def _render_claims(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    claims = d.get("claims", [])
    head = f"{len(claims)} check-worthy claim{'' if len(claims) == 1 else 's'} of {d.get('candidates', 0)} sentences"
    if d.get("language_note"):
        # a model that does not read the article's language scores its sentences near its prior: "0 check-worthy
        # claims" alone would read as "this article states nothing checkable"
        head += f" [yellow]({escape(d['language_note'])})[/yellow]"  # "narrascope[e5]" is no markup
    elif a.language and d.get("model_languages") and a.language not in d["model_languages"]:  # stored by claims v6 and before
        head += f" [yellow](the check-worthiness model was trained on {', '.join(d['model_languages'])} only)[/yellow]"
    elif d.get("route") in ("use", "e5"):
        # read across languages from English training sentences: no labelled sentence of this language checked it
        head += f" [dim](read with {'USE' if d['route'] == 'use' else 'multilingual-e5'} from English training; threshold tuned on English)[/dim]"
    con.print(head + ("" if d.get("library") else " [dim](no library imported)[/dim]"), highlight=False)
    entries = d.get("entries", {})
    for c in claims[:8]:
        said_as = f" ({escape(c['speaker_as'])})" if c.get("speaker_as") else ""  # "Raupp (he)": the sentence's word
        who = f" [dim]— {escape(c['speaker'])}{said_as}[/dim]" if c.get("speaker") else ""
        con.print(f"  {c['checkworthiness']:.2f} “{quote(a, c['start'], c['end'], 140)}”{who}", highlight=False)
        for m in c.get("matches", [])[:2]:
            e = entries.get(m["entry"], {})
            con.print(f"       [cyan]↳ {m['score']:.2f} {escape(e.get('claim', m['entry'])[:90])}[/cyan] {escape(e.get('rating') or '')}",
                      highlight=False)
    for s in d.get("counter_narratives", [])[:3]:
        e = s["entry"]
        con.print(f"[bold magenta]counter-narrative[/bold magenta] {s['score']:.2f} via {escape(', '.join(s['via']))}: {escape(e['claim'])}",
                  highlight=False)
        for x in s["connecting"][:3]:
            con.print(f"     article: “{quote(a, x['start'], x['end'], 110)}”", highlight=False)
            con.print(f"     answer:  “{escape(x['passage'][:110])}” [dim]{x['score']:.2f}[/dim]", highlight=False)


@register_renderer("techniques")
def _render_techniques(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    counts = d.get("counts", {})
    if not counts:
        con.print(f"no technique found in {d.get('classified', 0)} paragraphs")
        return
    con.print(", ".join(f"{k} x{v}" for k, v in counts.items()), highlight=False)
    if d.get("spans_note"):
        con.print(f"  [yellow]note:[/yellow] {escape(d['spans_note'])}", highlight=False)
    shown = 0
    for p in d.get("paragraphs", []):
        for t in p["techniques"]:
            if shown >= 6:
                return
            # Spans are quoted whole, in their sentence's words; a fallback sentence is trimmed.
            quotes = " … ".join(f"“{quote(a, ev['start'], ev['end'], 120)}”" for ev in t["evidence"])
            where = ", ".join(f"{ev['start']}-{ev['end']}" for ev in t["evidence"])
            kind = "" if t["evidence"][0]["kind"] == "span" else " (sentence)"
            con.print(f"  [bold]{t['technique']}[/bold] {t['confidence']:.2f} {quotes} [dim]{where}{kind}[/dim]", highlight=False)
            shown += 1


@register_renderer("frames")
def _render_frames(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    fr = d.get("frames", [])
    con.print(", ".join(f"{f['frame']} {f['confidence']:.2f}" for f in fr) if fr else "no frame above threshold", highlight=False)
    for f in fr:
        ev = f.get("evidence") or []
        if ev:
            con.print(f"  [bold]{f['frame']}[/bold] “{quote(a, ev[0]['start'], ev[0]['end'], 120)}” [dim]{ev[0]['start']}-{ev[0]['end']}[/dim]",
                      highlight=False)


@register_renderer("roles")
def _render_roles(con: Console, a: Article, d: dict) -> None:  # type: ignore[type-arg]
    ents = d.get("entities", [])
    con.print(f"[dim]NER: {escape(str(d.get('ner')))}[/dim]", highlight=False)
    colour = {"Protagonist": "green", "Antagonist": "red", "Innocent": "yellow"}
    for e in ents[:10]:
        c = colour.get(e["main_role"], "white")
        n = e["mentions"]
        split = e.get("main_roles") or {}
        read = sum(split.values())
        mixed = (f"; {', '.join(f'{r} {k}' for r, k in split.items())}" + (f" of the {read} read" if read < n else "")
                 if len(split) > 1 else "")
        con.print(f"  [{c}]{escape(e['summary'])}[/{c}]  {e['confidence']:.2f} [dim]({n} mention{'s' if n != 1 else ''}{mixed})[/dim]",
                  highlight=False)
        # The quoted mention is the one that carries the verdict best.
        ev = max(e["evidence"], key=lambda m: (m["main_role"] == e["main_role"], m["confidence"]))
        con.print(f"      “{quote_around(a, *_sentence_of(a, ev['start']), (ev['start'], ev['end']), 120)}”", highlight=False)
    if not ents:
        con.print("  no entity the article casts in a role", highlight=False)
    others = d.get("other_entities", [])
    if others:  # found, but below the framed threshold (or beyond max_entities)
        names = escape(", ".join(f"{o['entity']} ({o['mentions']})" for o in others[:8]) + (", …" if len(others) > 8 else ""))
        con.print(f"  [dim]also named: {names}[/dim]", highlight=False)


def _sentence_of(a: Article, pos: int) -> tuple[int, int]:
    for s in a.sentences:
        if s.start <= pos < s.end:
            return s.start, s.end
    return pos, pos + 80
