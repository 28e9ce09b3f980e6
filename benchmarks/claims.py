"""Claim matching and check-worthiness benchmarks.

1. CheckThat! 2022 task 2A (English): MAP@5 (and MRR, success@k) of the
   narrascope hybrid matcher against BM25 baselines in the same run: our own
   BM25 and `rank_bm25.BM25Okapi` (if installed); queries/s and per-query
   latency p50/p95 at the 14k-entry library.
2. Latency p50/p95 at a synthetic library of N entries (default 1,000,000):
   random unit vectors and synthetic texts, so only the index cost is measured.
3. Cross-lingual success@10 on the SemEval-2025 Task 7 trial sample: posts in
   their original language against the fact-checks in their original language.
4. Check-worthiness: stratified 5-fold CV F1 on ClaimBuster + CLEF 2020 (English),
   next to majority and always-positive baselines, for each route (the heads a
   language is scored with; how they read other languages:
   `benchmarks/experiments/checkworthy_languages.py`).
5. The claims stage without a library: docs/s and peak memory on 40
   SemEval-2025 training articles per language (`--speed-only`: this alone).
6. Speakers: on every SemEval-2025 training article, the sentences with a
   speaker, how many of those speakers are personal pronouns ("he said") and
   how many of these name the person quoted before (`--speakers-only`: this
   alone). Coverage, not accuracy: there is no labelled speaker data; what
   was read by hand is in docs/benchmarks.md.

    python benchmarks/claims.py [--synthetic 1000000] [--speed-only | --speakers-only]
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import time

import numpy as np
from _common import DATA, PEAK_MB, need_data, update_result, write_result

from narrascope.claims.bm25 import BM25
from narrascope.claims.matcher import ALPHA, Matcher
from narrascope.claims.trec import evaluate
from narrascope.embed import get_embedder


def checkthat() -> dict:  # type: ignore[type-arg]
    root = need_data(DATA / "checkthat2022-task2a-en")
    vc = [json.loads(l) for l in (root / "vclaims.jsonl").open(encoding="utf-8")]
    ids = [v["vclaim_id"] for v in vc]
    # What `narrascope library import vclaims.jsonl --claim-field vclaim --id-field vclaim_id
    # --context-field subtitle` stores as the entry's passage.
    texts = [" ".join(x for x in (v["vclaim"], v["title"], v.get("subtitle", "")) if x) for v in vc]
    queries = {}
    for line in (root / "CT2022-Task2A-EN-Train-Dev_Queries.tsv").open(encoding="utf-8"):
        if line.strip():
            qid, text = line.rstrip("\n").split("\t", 1)
            queries[qid] = text
    qrels: dict[str, set[str]] = {}
    split: dict[str, str] = {}
    for name, tag in (("CT2022-Task2A-EN-Train_QRELs.tsv", "train"), ("CT2022-Task2A-EN-Dev_QRELs.tsv", "dev")):
        for line in (root / name).open(encoding="utf-8"):
            a = line.split()
            qrels.setdefault(a[0], set()).add(a[2])
            split[a[0]] = tag
    qs = [q for q in queries if q in qrels]
    emb = get_embedder("use")
    t = time.perf_counter()
    V = emb.encode(texts)
    embed_s = time.perf_counter() - t
    rows = [(ids[i], 0, texts[i]) for i in range(len(ids))]
    m = Matcher(rows, V, emb)
    m.search([queries[qs[0]]])  # warm-up
    lat = []
    run_hybrid = {}
    t = time.perf_counter()
    for q in qs:
        t1 = time.perf_counter()
        res = m.search([queries[q]], k=10)[0]
        lat.append(time.perf_counter() - t1)
        run_hybrid[q] = [(x.entry_id, x.score) for x in res]
    hybrid_qps = len(qs) / (time.perf_counter() - t)
    bm = BM25(texts)
    t = time.perf_counter()
    run_bm25 = {}
    for q in qs:
        s = bm.scores(queries[q])
        top = np.argsort(-s)[:10]
        run_bm25[q] = [(ids[j], float(s[j])) for j in top]
    bm25_qps = len(qs) / (time.perf_counter() - t)
    out = {"library": len(ids), "queries": len(qs), "alpha": ALPHA, "library_embed_s": round(embed_s, 1)}
    for name, run, qps in (("narrascope_hybrid", run_hybrid, hybrid_qps), ("bm25_narrascope", run_bm25, bm25_qps)):
        out[name] = {"all": evaluate(qrels, run), "dev": evaluate({q: qrels[q] for q in qs if split[q] == "dev"}, run), "queries_per_s": round(qps, 1)}
    try:
        from rank_bm25 import BM25Okapi

        from narrascope.claims.bm25 import tokenize

        ok = BM25Okapi([tokenize(x) for x in texts])
        t = time.perf_counter()
        run_ok = {}
        for q in qs:
            s = ok.get_scores(tokenize(queries[q]))
            top = np.argsort(-s)[:10]
            run_ok[q] = [(ids[j], float(s[j])) for j in top]
        out["bm25_rank_bm25"] = {"all": evaluate(qrels, run_ok), "dev": evaluate({q: qrels[q] for q in qs if split[q] == "dev"}, run_ok),
                                 "queries_per_s": round(len(qs) / (time.perf_counter() - t), 1)}
    except ImportError:
        out["bm25_rank_bm25"] = "rank_bm25 not installed"
    out["latency_ms"] = {"p50": round(float(np.percentile(lat, 50)) * 1000, 2), "p95": round(float(np.percentile(lat, 95)) * 1000, 2)}
    return out


def synthetic(n: int, queries: int = 200) -> dict:  # type: ignore[type-arg]
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(50000)]
    zipf = rng.zipf(1.3, size=(n, 12)) % len(vocab)
    texts = [" ".join(vocab[j] for j in row) for row in zipf]
    t = time.perf_counter()
    V = rng.standard_normal((n, 512), dtype=np.float32)
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    emb = get_embedder("use")
    m = Matcher([(f"e{i}", 0, texts[i]) for i in range(n)], V, emb)
    build = time.perf_counter() - t
    qtexts = [texts[int(i)] + " extra words here" for i in rng.integers(0, n, queries)]
    m.search(qtexts[:1])
    lat = []
    for q in qtexts:
        t1 = time.perf_counter()
        m.search([q], k=10)
        lat.append(time.perf_counter() - t1)
    return {"entries": n, "index_build_s": round(build, 1), "queries": queries,
            "latency_ms": {"p50": round(float(np.percentile(lat, 50)) * 1000, 2), "p95": round(float(np.percentile(lat, 95)) * 1000, 2)},
            "note": "in-memory brute-force dense + BM25; no ANN index yet"}


def task7() -> dict:  # type: ignore[type-arg]
    root = need_data(DATA / "semeval2025-task7-sample")

    def parse(s: str):  # type: ignore[no-untyped-def]
        return ast.literal_eval(s.replace("\n", "\\n")) if s else s

    fcs, posts = {}, {}
    with (root / "trial_fact_checks.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            claim = parse(r["claim"])
            title = parse(r["title"]) if r["title"] else ("", "", [])
            fcs[r["fact_check_id"]] = (claim[0] + " " + (title[0] if title else "")).strip()
    with (root / "trial_posts.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            text = parse(r["text"]) if r["text"] else None
            ocr = parse(r["ocr"]) if r["ocr"] else []
            original = (text[0] if text else "") + " " + " ".join(o[0] for o in ocr)
            posts[r["post_id"]] = original.strip()
    pairs: dict[str, set[str]] = {}
    langs: dict[str, str] = {}
    with (root / "trial_data_mapping.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            pairs.setdefault(r["post_id"], set()).add(r["fact_check_id"])
            langs[r["post_id"]] = r["pair_lang"]
    ids = list(fcs)
    out = {}
    for backend in ("use", "e5"):
        try:
            emb = get_embedder(backend)
        except Exception as e:  # noqa: BLE001 - optional extra
            out[backend] = f"unavailable: {e}"
            continue
        V = emb.encode([fcs[i] for i in ids])
        m = Matcher([(i, 0, fcs[i]) for i in ids], V, emb)
        qs = [p for p in pairs if posts.get(p)]
        res = m.search([posts[p] for p in qs], k=10)
        run = {p: [(x.entry_id, x.score) for x in r] for p, r in zip(qs, res)}
        ev = evaluate({p: pairs[p] for p in qs}, run)
        cross = [p for p in qs if langs[p].split("-")[0] != langs[p].split("-")[1]]
        ev_cross = evaluate({p: pairs[p] for p in cross}, run) if cross else {}
        out[backend] = {"success@10": round(ev["success@10"], 4), "queries": len(qs),
                        "cross_lingual_success@10": round(ev_cross.get("success@10", 0.0), 4), "cross_lingual_queries": len(cross)}
    return out


def checkworthy() -> dict:  # type: ignore[type-arg]
    from narrascope.train.checkworthy import load_checkworthy, train_checkworthy

    texts, y, src = load_checkworthy(need_data(DATA / "claimbuster"))
    res = train_checkworthy(texts, y, src, log=lambda m: None)
    return res["cv"]


CLAIMS_SPEED = PEAK_MB + """
import sys, time, glob
import narrascope as ns
from narrascope.stages.claims import ClaimsStage
files = sorted(glob.glob(sys.argv[1]))[: int(sys.argv[2])]
arts = list(ns.read(files))
st = ClaimsStage()
st.predict(arts[0])  # load the model and the route's encoder
if arts[0].language == "ru":  # and Russian's morphology (speakers after "по словам"), loaded on first use
    from narrascope.text import russian_morphology
    russian_morphology()
t = time.perf_counter()
n = sum(len(st.predict(a)["claims"]) for a in arts)
dt = time.perf_counter() - t
print(len(arts) / dt, peak_mb(), n / len(arts), st.model.route(arts[0].language)[0])
"""


def stage_speed(n_docs: int = 40) -> dict:  # type: ignore[type-arg]
    """docs/s and peak MB of the claims stage without a library, on the first
    ``n_docs`` SemEval-2025 training articles of each language (fresh process
    each: the route's encoder loads once, outside the timing)."""
    import subprocess
    import sys

    root = need_data(DATA / "semeval2025-task10" / "train")
    out = {}
    for lang in ("EN", "RU", "PT", "BG", "HI"):
        r = subprocess.run([sys.executable, "-c", CLAIMS_SPEED, str(root / lang / "raw-documents" / "*.txt"), str(n_docs)],
                           capture_output=True, text=True, check=True)
        docs_s, peak, claims, route = r.stdout.split()
        out[lang.lower()] = {"docs_per_s": round(float(docs_s), 2), "peak_mb": round(float(peak)), "claims_per_doc": round(float(claims), 1),
                             "route": route, "docs": n_docs}
        print(f"  claims stage, {lang}: {float(docs_s):.1f} docs/s, {float(peak):.0f} MB peak, {float(claims):.1f} claims an article (route {route})")
    return out


def speakers() -> dict:  # type: ignore[type-arg]
    """Per language, over every SemEval-2025 training article: sentences,
    sentences with a speaker, pronoun speakers and those resolved."""
    import narrascope as ns
    from narrascope.stages.claims import _PERSONAL, attribute, resolve_speakers

    root = need_data(DATA / "semeval2025-task10" / "train")
    out = {}
    for lang in ("EN", "RU", "PT", "BG", "HI"):
        code = lang.lower()
        n = said = pronoun = resolved = 0
        for a in ns.read(sorted((root / lang / "raw-documents").glob("*.txt"))):
            texts = [" ".join(a.clean_text[x.start:x.end].split()) for x in a.sentences]
            sp = [attribute(t, code) for t in texts]
            res = resolve_speakers(texts, sp, code)
            n += len(texts)
            said += sum(1 for x in sp if x)
            pronoun += sum(1 for x in sp if x and x.lower() in _PERSONAL.get(code, set()))
            resolved += sum(1 for _name, was in res if was)
        out[code] = {"sentences": n, "with_speaker": said, "pronoun_speakers": pronoun, "pronouns_resolved": resolved}
        print(f"  speakers, {lang}: {said} of {n} sentences ({said / max(n, 1):.1%}); pronouns {pronoun}, "
              f"resolved {resolved} ({resolved / max(pronoun, 1):.0%})")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=1_000_000)
    ap.add_argument("--speed-only", action="store_true", help="Only the claims stage's speed (written to claims_speed.json).")
    ap.add_argument("--speakers-only", action="store_true", help="Only the speakers' coverage (updated in claims.json).")
    args = ap.parse_args()
    if args.speed_only:
        write_result("claims_speed", {"stage": stage_speed()})
        return
    if args.speakers_only:
        update_result("claims", "speakers", speakers())
        return
    res: dict = {}  # type: ignore[type-arg]
    res["checkthat2022"] = ct = checkthat()
    print(f"CheckThat! 2022 2A EN ({ct['queries']} train+dev queries, {ct['library']} verified claims)")
    for name in ("narrascope_hybrid", "bm25_narrascope", "bm25_rank_bm25"):
        r = ct[name]
        if isinstance(r, dict):
            print(f"  {name:18s} MAP@5 {r['all']['map@5']:.4f} (dev {r['dev']['map@5']:.4f})  MRR {r['all']['mrr']:.4f}  "
                  f"success@10 {r['all']['success@10']:.4f}  {r['queries_per_s']:.0f} q/s")
    print(f"  latency per query at {ct['library']} entries: p50 {ct['latency_ms']['p50']} ms, p95 {ct['latency_ms']['p95']} ms")
    if args.synthetic:
        res["synthetic"] = s = synthetic(args.synthetic)
        print(f"synthetic {s['entries']:,} entries: build {s['index_build_s']} s, p50 {s['latency_ms']['p50']} ms, p95 {s['latency_ms']['p95']} ms")
    res["semeval2025_task7_sample"] = t7 = task7()
    print(f"SemEval-2025 Task 7 sample: {json.dumps(t7)}")
    res["checkworthiness"] = cw = checkworthy()
    print(f"check-worthiness 5-fold CV F1 {cw['all']['f1']:.4f}, route {cw['english_route']} (majority "
          f"{cw['all']['baseline_majority_f1']}, all-positive {cw['all']['baseline_all_positive_f1']}); each route: "
          + ", ".join(f"{k} {r['all']['f1']:.4f}" for k, r in cw["routes"].items()))
    print("claims stage (no library):")
    res["stage"] = stage_speed()
    print("speakers (SemEval-2025 training articles):")
    res["speakers"] = speakers()
    write_result("claims", res)


if __name__ == "__main__":
    main()
