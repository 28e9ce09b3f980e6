"""Export stored articles: JSONL (everything), CSV and Parquet (flat)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import IO, Any, Iterable

from .article import Article
from .errors import Code, NarrascopeError, missing_extra

FORMATS = ("jsonl", "csv", "parquet")
# One column per finding a spreadsheet user filters on; everything else
# (evidence spans, scores, candidates) stays in the "results" JSON column.
SUMMARY_COLUMNS = [
    "narratives", "subnarratives", "dominant_narrative", "narrative_probability",
    "entities", "techniques", "frames", "checkworthy_claims", "matched_factchecks",
]
FLAT_COLUMNS = [
    "id", "external_id", "title", "url", "source", "published", "language", "language_score",
    "duplicate_of", "duplicate_score", "n_sentences", "n_removed", "n_homoglyph_words", *SUMMARY_COLUMNS, "clean_text",
    "results",
]


def article_record(a: Article, text: bool = True) -> dict[str, Any]:
    """Full JSON-able record of an article (what `show --json` prints)."""
    d = a.model_dump(mode="json", exclude={"raw_text"} if not text else set())
    d["sentences"] = [[s.start, s.end] for s in a.sentences]
    return d


def summary(a: Article) -> dict[str, Any]:
    """The headline findings of the analysis stages, flat ("; "-joined
    labels), empty where a stage has not run."""
    def data(stage: str) -> dict[str, Any]:
        r = a.results.get(stage)
        return r.data if r is not None else {}

    n, r, t, f, c = data("narratives"), data("roles"), data("techniques"), data("frames"), data("claims")
    dom = n.get("dominant") or {}
    return {
        "narratives": "; ".join(x["label"] for x in n.get("narratives", [])) or None,
        "subnarratives": "; ".join(x["label"] for x in n.get("subnarratives", [])) or None,
        "dominant_narrative": dom.get("subnarrative") or dom.get("narrative"),
        "narrative_probability": n.get("narrative_probability"),
        "entities": "; ".join(e["summary"] for e in r.get("entities", [])) or None,
        "techniques": "; ".join(f"{k} x{v}" for k, v in t.get("counts", {}).items()) or None,
        "frames": "; ".join(x["frame"] for x in f.get("frames", [])) or None,
        "checkworthy_claims": len(c["claims"]) if "claims" in c else None,
        "matched_factchecks": "; ".join(dict.fromkeys(m["entry"] for cl in c.get("claims", []) for m in cl.get("matches", []))) or None,
    }


def flat_record(a: Article) -> dict[str, Any]:
    return {
        "id": a.id,
        "external_id": a.external_id,
        "title": a.title,
        "url": a.url,
        "source": a.source,
        "published": a.published.isoformat() if a.published else None,
        "language": a.language,
        "language_score": a.language_score,
        "duplicate_of": a.duplicate_of,
        "duplicate_score": a.duplicate_score,
        "n_sentences": len(a.sentences),
        "n_removed": len(a.removed),
        # Words that mixed Latin and Cyrillic look-alikes (a filter-evasion sign; see text.fold_homoglyphs).
        "n_homoglyph_words": len(a.meta.get("homoglyphs") or []),
        **summary(a),
        "clean_text": a.clean_text,
        "results": json.dumps({k: v.model_dump(mode="json") for k, v in a.results.items()}, ensure_ascii=False),
    }


def export(articles: Iterable[Article], fmt: str, out: str | Path | None) -> int:
    """Write articles to ``out`` ('-' or None: stdout, not for parquet)."""
    if fmt not in FORMATS:
        raise NarrascopeError(Code.BAD_OPTION, f"unknown export format '{fmt}' (choose {', '.join(FORMATS)})")
    if fmt == "parquet":
        if out in (None, "-"):
            raise NarrascopeError(Code.BAD_OPTION, "parquet needs an output file", hint="pass -o FILE.parquet")
        return _parquet(articles, Path(str(out)))
    fh: IO[str]
    close = False
    if out in (None, "-"):
        fh = sys.stdout
    else:
        try:
            fh = open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as e:
            raise NarrascopeError(Code.DB_UNWRITABLE, f"cannot write the export: {e.strerror}", input=str(out), hint="choose a writable output path") from e
        close = True
    n = 0
    try:
        if fmt == "jsonl":
            for a in articles:
                fh.write(json.dumps(article_record(a), ensure_ascii=False) + "\n")
                n += 1
        else:
            w = csv.DictWriter(fh, fieldnames=FLAT_COLUMNS)
            w.writeheader()
            for a in articles:
                w.writerow(flat_record(a))
                n += 1
    finally:
        if close:
            fh.close()
        else:
            fh.flush()
    return n


def _parquet(articles: Iterable[Article], path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise missing_extra("parquet", "pyarrow") from e
    schema = pa.schema([
        ("id", pa.string()), ("external_id", pa.string()), ("title", pa.string()), ("url", pa.string()),
        ("source", pa.string()), ("published", pa.string()), ("language", pa.string()),
        ("language_score", pa.float64()), ("duplicate_of", pa.string()), ("duplicate_score", pa.float64()),
        ("n_sentences", pa.int64()), ("n_removed", pa.int64()), ("n_homoglyph_words", pa.int64()),
        ("narratives", pa.string()), ("subnarratives", pa.string()), ("dominant_narrative", pa.string()),
        ("narrative_probability", pa.float64()), ("entities", pa.string()), ("techniques", pa.string()),
        ("frames", pa.string()), ("checkworthy_claims", pa.int64()), ("matched_factchecks", pa.string()),
        ("clean_text", pa.string()), ("results", pa.string()),
    ])
    n = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        rows: list[dict[str, Any]] = []
        for a in articles:
            rows.append(flat_record(a))
            if len(rows) >= 1000:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                n += len(rows)
                rows = []
        if rows or n == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            n += len(rows)
    return n
