"""Each reader yields Articles with the right fields."""

from __future__ import annotations

import json
from pathlib import Path

import narrascope as ns
from narrascope.config import load_settings
from narrascope.ingest.base import RawDocument, ReadFailure
from narrascope.ingest.options import FieldMap, ReadOptions
from narrascope.ingest.readers import read_sources

from .conftest import COALITION, SEMEVAL, need

HTML = """<!doctype html><html><head><title>Grain deal talks resume | Example News</title>
<meta property="og:title" content="Grain deal talks resume">
<meta property="article:published_time" content="2023-07-10T08:00:00Z">
<meta property="og:site_name" content="Example News"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Grain deal talks resume</h1>
<p>Negotiators from Turkey and the United Nations met in Istanbul on Monday to revive the Black Sea grain deal, which collapsed last week after Russia withdrew.</p>
<p>Officials said shipments of wheat to North Africa and the Middle East had already been delayed, pushing food prices higher in several countries.</p>
<p>"We are working around the clock to bring both parties back to the table," a UN spokesperson said.</p>
</article><footer>Copyright 2023 Example News. All rights reserved.</footer></body></html>"""

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Example Feed</title>
<item><title>Grain deal talks resume</title><link>{base}/a1</link><pubDate>Mon, 10 Jul 2023 08:00:00 GMT</pubDate></item>
<item><title>Only in the feed</title><link>{base}/missing</link><pubDate>Tue, 11 Jul 2023 08:00:00 GMT</pubDate>
<description>&lt;p&gt;The feed itself carries this article about sanctions on Russian oil, which took effect on Tuesday and which officials say will cut revenues.&lt;/p&gt;</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Example</title>
<entry><title>Grain deal talks resume</title><link href="{base}/a1"/><updated>2023-07-10T08:00:00Z</updated><id>urn:1</id></entry>
</feed>"""


def _docs(sources: list[str], **kw: object) -> list[RawDocument | ReadFailure]:
    return list(read_sources(sources, ReadOptions(**kw)))  # type: ignore[arg-type]


def test_plain_text_first_line_is_title(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("My headline\n\nFirst paragraph. Second sentence.\n", encoding="utf-8")
    [art] = list(ns.read([p]))
    assert art.title == "My headline"
    assert art.clean_text == "My headline\n\nFirst paragraph. Second sentence."
    assert [s.text(art) for s in art.sentences] == ["My headline", "First paragraph.", "Second sentence."]
    assert art.external_id == "a.txt" and art.language == "en"


def test_html_file(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text(HTML, encoding="utf-8")
    [art] = list(ns.read([p]))
    assert art.title == "Grain deal talks resume"
    assert "Black Sea grain deal" in art.clean_text
    assert "Home" not in art.clean_text.split("\n")[0:1][0] or art.clean_text.startswith("Grain deal")
    assert "All rights reserved" not in art.clean_text
    assert art.published is not None and art.published.year == 2023
    assert art.source == "Example News" and art.raw_format == "html"


def test_url_reader_against_local_server(http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    routes["/a1"] = (200, {"Content-Type": "text/html; charset=utf-8"}, HTML.encode())
    routes["/moved"] = (301, {"Location": "/a1"}, b"")
    settings = load_settings(ingest={"allow_private_urls": True})
    [art] = list(ns.read([f"{base}/moved"], settings=settings))
    assert art.url == f"{base}/a1" and "grain deal" in art.clean_text.lower()


def test_rss_feed_fetches_items_and_falls_back_to_feed_content(http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    routes["/a1"] = (200, {"Content-Type": "text/html"}, HTML.encode())
    routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, RSS.format(base=base).encode())
    settings = load_settings(ingest={"allow_private_urls": True})
    arts = list(ns.read([f"{base}/feed.xml"], settings=settings))
    assert len(arts) == 2
    assert "Istanbul" in arts[0].clean_text and arts[0].source == "Example Feed"
    assert arts[1].title == "Only in the feed" and "sanctions on Russian oil" in arts[1].clean_text
    assert "HTTP status 404" in arts[1].meta["fetch_error"]
    assert arts[1].published is not None and arts[1].published.day == 11


def test_atom_feed_file(tmp_path: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    routes["/a1"] = (200, {"Content-Type": "text/html"}, HTML.encode())
    p = tmp_path / "feed.atom"
    p.write_text(ATOM.format(base=base), encoding="utf-8")
    settings = load_settings(ingest={"allow_private_urls": True})
    [art] = list(ns.read([p], settings=settings))
    assert art.title == "Grain deal talks resume" and art.source == "Atom Example"


def test_jsonl_custom_fields(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    rows = [
        {"doc": "d1", "body": "Sanctions hit the economy hard this year, officials said.", "headline": "Sanctions", "when": "2024-02-01", "outlet": "X"},
        {"doc": "d2", "body": "<p>Talks in Geneva ended without agreement on Friday.</p>", "headline": "Talks", "outlet": "Y"},
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    fm = FieldMap(text="body", title="headline", id="doc", date="when", source="outlet")
    arts = list(ns.read([p], fields=fm))
    assert [a.external_id for a in arts] == ["d1", "d2"]
    assert arts[0].title == "Sanctions" and arts[0].published.month == 2 and arts[0].source == "X"  # type: ignore[union-attr]
    assert arts[1].clean_text == "Talks\n\nTalks in Geneva ended without agreement on Friday."  # HTML stripped


def test_csv_custom_fields_and_tsv(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text('id,content,title\n1,"Prices rose, again, in May.",Prices\n2,"Second, with ""quotes"".",Two\n', encoding="utf-8")
    arts = list(ns.read([p], fields=FieldMap(text="content")))
    assert [a.title for a in arts] == ["Prices", "Two"]
    assert 'Second, with "quotes".' in arts[1].clean_text
    t = tmp_path / "b.tsv"
    t.write_text("text\ttitle\nA tab separated article body.\tTabbed\n", encoding="utf-8")
    [art] = list(ns.read([t]))
    assert art.title == "Tabbed"


def test_folder_recursive_and_glob(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "a.txt").write_text("A\n\nText a.", encoding="utf-8")
    (tmp_path / "sub" / "b.txt").write_text("B\n\nText b.", encoding="utf-8")
    (tmp_path / "sub" / "deeper" / "c.html").write_text("<html><body><p>Text c is here.</p></body></html>", encoding="utf-8")
    (tmp_path / "sub" / "notes.bin").write_bytes(b"\x00\x01")
    (tmp_path / ".hidden.txt").write_text("H\n\nhidden", encoding="utf-8")
    docs = _docs([str(tmp_path)])
    assert sorted(d.external_id for d in docs if isinstance(d, RawDocument)) == ["a.txt", "b.txt", "c.html"]
    only_txt = _docs([str(tmp_path)], glob="*.txt")
    assert sorted(d.external_id for d in only_txt) == ["a.txt", "b.txt"]  # type: ignore[union-attr]
    flat = _docs([str(tmp_path)], recursive=False)
    assert [d.external_id for d in flat] == ["a.txt"]  # type: ignore[union-attr]


def test_semeval_folder_loads_gold(tmp_path: Path) -> None:
    lang = tmp_path / "EN"
    (lang / "raw-documents").mkdir(parents=True)
    (lang / "raw-documents" / "EN_UA_1.txt").write_text("Title\n\nRussia attacked Kyiv again.", encoding="utf-8")
    (lang / "raw-documents" / "EN_CC_2.txt").write_text("Climate\n\nIt is a hoax, they say.", encoding="utf-8")
    (lang / "subtask-2-annotations.txt").write_text(
        "EN_UA_1.txt\tURW: Blaming the war on others rather than the invader\tURW: Blaming the war on others rather than the invader: Ukraine is the aggressor\n"
        "EN_CC_2.txt\tOther\tOther\n", encoding="utf-8")
    (lang / "subtask-1-annotations.txt").write_text("EN_UA_1.txt\tRussia\t7\t12\tAntagonist\tInstigator\n", encoding="utf-8")
    arts = {a.external_id: a for a in ns.read([lang])}
    a = arts["EN_UA_1.txt"]
    assert a.language == "en" and a.meta["domain"] == "URW"
    g = a.gold["semeval2025"]
    assert g["narratives"] == ["URW: Blaming the war on others rather than the invader"]
    assert g["entities"][0]["mention"] == "Russia"
    # The gold offsets index the raw document; the clean text maps back.
    ent = g["entities"][0]
    assert a.raw_text[ent["start"] : ent["end"]] == "Russia"
    c = a.to_clean(ent["start"])
    assert c is not None and a.clean_text[c : c + 6] == "Russia"
    assert arts["EN_CC_2.txt"].gold["semeval2025"]["narratives"] == ["Other"]


def test_real_semeval_training_folder() -> None:
    en = need(SEMEVAL / "train" / "EN")
    arts = list(ns.read([en]))
    assert len(arts) == 200
    with_gold = [a for a in arts if a.gold.get("semeval2025", {}).get("narratives")]
    assert len(with_gold) == 200
    # Gold entity offsets survive cleaning for (almost) every mention. (Some
    # official offsets are shifted by a character or two; those are left out.)
    total = mapped = 0
    for a in arts:
        for e in a.gold["semeval2025"].get("entities", []):
            if a.raw_text[e["start"] : e["end"]] != e["mention"]:
                continue
            total += 1
            c = a.to_clean(e["start"])
            if c is not None and a.clean_text[c : c + len(e["mention"])] == e["mention"]:
                mapped += 1
    assert total > 100 and mapped / total > 0.97


def test_semeval_gold_entity_offsets_point_at_the_mention() -> None:
    # Most official Russian offsets miss the mention as written; they are
    # realigned to the nearest occurrence, so every one points at it.
    ru = need(SEMEVAL / "train" / "RU")
    ents = [(a, e) for a in ns.read([ru]) for e in a.gold.get("semeval2025", {}).get("entities", [])]
    assert len(ents) > 300
    assert all(a.raw_text[e["start"]:e["end"]] == e["mention"] for a, e in ents)
    mapped = sum(1 for a, e in ents if (c := a.to_clean(e["start"])) is not None and a.clean_text[c:c + len(e["mention"])] == e["mention"])
    assert mapped / len(ents) > 0.97


def test_example_article_reads(tmp_path: Path) -> None:
    [art] = list(ns.read([need(COALITION)]))
    assert art.language == "en" and art.title and art.title.startswith("Coalition Urges Biden")
