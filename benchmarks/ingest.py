"""Ingest throughput on the unlabeled SemEval-2025 test documents.

Measured in one run on the same files:
  plain read      open + read + UTF-8 decode (the floor)
  trafilatura     bare trafilatura.extract on the same texts wrapped as HTML
  prepare         narrascope read + clean + language + sentences (no store)
  ingest          narrascope full ingest into a fresh SQLite file (with dedup)
  ingest html     narrascope full ingest of the HTML-wrapped files (trafilatura inside)

    python benchmarks/ingest.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import html
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA, need_data, write_result

import narrascope as ns


def docs() -> list[Path]:
    root = need_data(DATA / "semeval2025-task10" / "unlabeled-test-inputs")
    # subtask-1 and subtask-2 folders share documents: count each one once.
    unique: dict[tuple[str, str], Path] = {}
    for f in sorted(root.glob("*/subtask-*-documents/*.txt")):
        unique.setdefault((f.parent.parent.name, f.name), f)
    files = list(unique.values())
    if not files:
        sys.exit(f"no documents under {root}")
    return files


def best_rate(n: int, fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return n / min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = docs()
    n = len(files)
    tmp = Path(tempfile.mkdtemp(prefix="ns-bench-"))
    html_dir = tmp / "html"
    html_dir.mkdir()
    for f in files:
        text = f.read_text(encoding="utf-8")
        title, _, body = text.partition("\n")
        paras = "".join(f"<p>{html.escape(p)}</p>\n" for p in body.split("\n") if p.strip())
        (html_dir / (f.parent.parent.name + "_" + f.stem + ".html")).write_text(
            f"<html><head><title>{html.escape(title)}</title></head><body><article><h1>{html.escape(title)}</h1>{paras}</article></body></html>",
            encoding="utf-8")
    html_files = sorted(html_dir.glob("*.html"))
    mb = sum(f.stat().st_size for f in files) / 1e6

    def plain() -> None:
        for f in files:
            f.read_bytes().decode("utf-8")

    def trafi() -> None:
        import trafilatura

        for f in html_files:
            trafilatura.extract(f.read_text(encoding="utf-8"))

    def prepare() -> None:
        for _ in ns.read([str(f) for f in files]):
            pass

    counter = iter(range(10**6))

    def ingest() -> None:
        with ns.Corpus(tmp / f"c{next(counter)}.db") as c:
            r = c.ingest([str(f) for f in files])
            assert r.added + r.existing == n, r.as_dict()

    def ingest_html() -> None:
        with ns.Corpus(tmp / f"h{next(counter)}.db") as c:
            c.ingest([str(f) for f in html_files])

    prepare()  # warm-up: language model load, imports
    rates = {
        "plain_read": best_rate(n, plain, args.repeat),
        "trafilatura_bare": best_rate(n, trafi, args.repeat),
        "narrascope_prepare": best_rate(n, prepare, args.repeat),
        "narrascope_ingest": best_rate(n, ingest, args.repeat),
        "narrascope_ingest_html": best_rate(n, ingest_html, args.repeat),
    }
    print(f"{n} documents, {mb:.1f} MB, best of {args.repeat} runs")
    for k, v in rates.items():
        print(f"  {k:24s} {v:9.1f} docs/s")
    ratios = {
        "ingest_vs_plain_read": rates["narrascope_ingest"] / rates["plain_read"],
        "ingest_vs_trafilatura": rates["narrascope_ingest"] / rates["trafilatura_bare"],
        "ingest_html_vs_trafilatura": rates["narrascope_ingest_html"] / rates["trafilatura_bare"],
    }
    for k, v in ratios.items():
        print(f"  {k:28s} {v:.3f}x")
    write_result("ingest", {"documents": n, "megabytes": round(mb, 2), "repeat": args.repeat,
                            "docs_per_s": {k: round(v, 1) for k, v in rates.items()},
                            "ratios": {k: round(v, 4) for k, v in ratios.items()},
                            "median_doc_kb": round(statistics.median(f.stat().st_size for f in files) / 1e3, 1)})


if __name__ == "__main__":
    main()
