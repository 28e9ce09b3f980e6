"""Entity framing on SemEval-2025 Task 10 subtask 1 train (all languages):
5-fold CV grouped by document with the official metrics (exact match ratio of
fine roles, micro-F1, main-role accuracy) per language, next to a majority
baseline from the same run; how many of the annotated mentions the stage's
entity finder (NER, chunker or gazetteer) finds, per language (the gazetteer
built from the other folds); how well the framed head picks, among the
entities found, those the annotators gave a role (same folds), against
keeping all of them or the three most mentioned; then mentions/s of the
model, docs/s of the whole stage (with and without the framed filter) and
peak memory.

    python benchmarks/roles.py [--speed-only]
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

from _common import DATA, PEAK_MB, need_data, speed_only, update_result, write_result

from narrascope.models.role_encoder import ENCODER_MODEL
from narrascope.models.roles import blend_encoder, encoder_rows
from narrascope.stages.roles import RolesStage
from narrascope.train.role_encoder import load_encoder_oof
from narrascope.eval.roles import MAIN_ROLES
from narrascope.train.roles import document_folds, roles_cv_report, train_roles

SPEED = PEAK_MB + """
import sys, time
from collections import defaultdict
from pathlib import Path
from narrascope.stages.roles import RolesStage
from narrascope.train.roles import semeval_mentions
m = semeval_mentions(Path(sys.argv[1]))
by = defaultdict(list)
for g, s, e, l in zip(m.group, m.start, m.end, m.lang):
    by[g].append((s, e, l))
roles = RolesStage()
model = roles.model
def rate(docs, st=roles):
    st.classify(m.docs[docs[0][0]], [x[:2] for x in docs[0][1]], docs[0][1][0][2])  # load the embedders
    for name in {"use", *model.language_embedders.values()}:  # the memo holds the texts of the runs before
        get_embedder(name).forget()
    t = time.perf_counter()
    n = sum(len(st.classify(m.docs[g], [x[:2] for x in ms], ms[0][2])) for g, ms in docs)
    return n / (time.perf_counter() - t)
from narrascope.stages.roles import RolesConfig
from narrascope.embed import get_embedder
default = rate([d for d in by.items() if d[1][0][2] not in model.language_embedders][:60])
hindi = rate([d for d in by.items() if d[1][0][2] == "hi"][:30])
# the encoder on every mention, even those the heads are sure of (heads_confident = 1)
every_mention = rate([d for d in by.items() if d[1][0][2] not in model.language_embedders][:60], RolesStage(RolesConfig(heads_confident=1.0)))
# The whole stage on whole articles (entity finding, framed head, roles): every fifth
# article of the other languages, and of Hindi apart.
from narrascope.article import Article, Span
from narrascope.text import split_sentences
def stage_rate(hindi, stage, step=5):
    arts = [Article(clean_text=t, title=t.split(chr(10), 1)[0], language=g.split("/")[0].lower(),
                    sentences=[Span(start=a, end=b) for a, b in split_sentences(t)])
            for g, t in sorted(m.docs.items()) if g.startswith("HI/") == hindi][::step]
    stage.predict(arts[0])
    for name in {"use", *model.language_embedders.values()}:  # the memo holds the texts of the runs before
        get_embedder(name).forget()
    t = time.perf_counter()
    for a in arts:
        stage.predict(a)
    return len(arts) / (time.perf_counter() - t)
framed, every = RolesStage(), RolesStage(RolesConfig(framed_threshold=0))  # every: roles for all entities found
heads = RolesStage(RolesConfig(encoder=False))  # the linear heads alone
print(default, hindi, stage_rate(False, framed), stage_rate(True, framed), stage_rate(False, every, 25),
      stage_rate(True, every, 25), stage_rate(False, heads), stage_rate(True, heads), peak_mb(), every_mention)
"""


def measure_speed(root) -> dict:  # type: ignore[no-untyped-def, type-arg]
    out = subprocess.run([sys.executable, "-c", SPEED, str(root)], capture_output=True, text=True, check=True).stdout.split()
    speed = {"mentions_per_s": round(float(out[0]), 1), "hindi_mentions_per_s": round(float(out[1]), 1),
             "stage_docs_per_s": round(float(out[2]), 2), "hindi_stage_docs_per_s": round(float(out[3]), 2),
             "every_entity_stage_docs_per_s": round(float(out[4]), 2),
             "every_entity_hindi_stage_docs_per_s": round(float(out[5]), 2),
             "heads_only_stage_docs_per_s": round(float(out[6]), 2), "heads_only_hindi_stage_docs_per_s": round(float(out[7]), 2),
             "peak_rss_mb": round(float(out[8])), "every_mention_encoder_mentions_per_s": round(float(out[9]), 1),
             "note": "model: the annotated mentions of whole documents (linear heads: article embedding + three "
                     "embeddings per mention, Hindi with e5; and the fine-tuned encoder, one e5 pass per mention, "
                     "where installed, for the mentions the heads are unsure of: heads_confident); stage: every fifth training article (Hindi apart), entity finding, "
                     "framed head and roles (roles for every entity found: every 25th; heads only: roles.encoder = "
                     "false)"}
    print(f"roles model: {speed['mentions_per_s']} mentions/s (Hindi, e5: {speed['hindi_mentions_per_s']}; the encoder "
          f"on every mention: {speed['every_mention_encoder_mentions_per_s']}); "
          f"stage {speed['stage_docs_per_s']} docs/s (Hindi {speed['hindi_stage_docs_per_s']}; roles for every "
          f"entity found: {speed['every_entity_stage_docs_per_s']}, Hindi {speed['every_entity_hindi_stage_docs_per_s']}; "
          f"heads only: {speed['heads_only_stage_docs_per_s']}, Hindi {speed['heads_only_hindi_stage_docs_per_s']}); "
          f"peak RSS {speed['peak_rss_mb']} MB")
    return speed


def mention_finding(root, folds: int = 5) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Share of the annotated mentions the stage's entity finder overlaps
    (and matches exactly), per language, with the gazetteer and sentence
    openers of the other folds. The annotators mark only the
    entities with a role, so precision is not measurable here."""
    from narrascope.article import Article, Span
    from narrascope.stages.roles import RolesStage
    from narrascope.text import split_sentences
    from narrascope.models.roles import openers_of
    from narrascope.train.roles import gazetteer, semeval_mentions, sentence_openers

    m = semeval_mentions(root)
    stage = RolesStage()
    docs = sorted(m.docs)
    fold_of = document_folds(m, folds)
    gold: dict = {}  # type: ignore[type-arg]
    for g, s, e in zip(m.group, m.start, m.end):
        gold.setdefault(g, []).append((s, e))
    out: dict = {}  # type: ignore[type-arg]
    for f in range(folds):
        others = {g for g in docs if fold_of[g] != f}
        gaz, openers = gazetteer(m, others), openers_of(sentence_openers(m, others))
        for g in (g for g in docs if fold_of[g] == f):
            text, lang = m.docs[g], m.lang[m.group.index(g)]
            art = Article(clean_text=text, language=lang, sentences=[Span(start=a, end=b) for a, b in split_sentences(text)])
            found, ner = stage.mentions(art, gaz, openers)
            row = out.setdefault(lang, {"mentions": 0, "overlap": 0, "exact": 0, "ner": ner.split(":")[0]})
            spans = {(s, e) for s, e, _ in found}
            for s, e in gold[g]:
                row["mentions"] += 1
                row["overlap"] += any(a < e and s < b for a, b in spans)
                row["exact"] += (s, e) in spans
    res = {lang: {"finder": r["ner"], "mentions": r["mentions"], "overlap_recall": round(r["overlap"] / r["mentions"], 3),
                  "exact_recall": round(r["exact"] / r["mentions"], 3)} for lang, r in sorted(out.items())}
    print("entity finding: annotated mentions found (overlap / exact); gazetteer and sentence openers from the other folds")
    for lang, r in res.items():
        print(f"  {lang:4s} {r['finder']:9s} n={r['mentions']:4d}  {r['overlap_recall']:.3f} / {r['exact_recall']:.3f}")
    return res


def main() -> None:
    root = need_data(DATA / "semeval2025-task10" / "train")
    if speed_only():
        update_result("roles", "speed", measure_speed(root))
        return
    t0 = time.time()
    heads = train_roles(root, log=lambda m: None)
    cv = roles_cv_report(heads)
    res: dict = {"cv": cv}  # type: ignore[type-arg]
    reports = [("linear heads (frozen embeddings)", cv)]
    # The fine-tuned encoder's out-of-fold probabilities come from its training
    # run (same folds: documents permuted with seed 0); the stage blends them
    # with the heads' at the model's weight.
    stage = RolesStage()
    enc = load_encoder_oof(ENCODER_MODEL, heads["mentions"])
    if enc is not None and stage.encoder is not None:
        w, wf = stage.encoder_weight, stage.encoder_fine_weight
        res["encoder_cv"] = roles_cv_report({"mentions": heads["mentions"], "oof_main": enc[0], "oof_fine": enc[1]})

        def blended(confident: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """The stage's rule: the encoder only for mentions the heads are unsure of (``ask``)."""
            ask = encoder_rows(heads["oof_main"], confident)
            return (*blend_encoder(heads["oof_main"], heads["oof_fine"], enc[0][ask], enc[1][ask], w, wf, ask), ask)

        def staged(confident: float) -> tuple[dict, float]:  # type: ignore[type-arg]
            pm, pf, ask = blended(confident)
            return roles_cv_report({"mentions": heads["mentions"], "oof_main": pm, "oof_fine": pf}), round(float(ask.mean()), 3)

        sure = stage.cfg.heads_confident if stage.skips_confident else 1.0
        res["stage_cv"], share = staged(sure)
        res["stage_cv"].update(encoder_weight=w, encoder_fine_weight=wf, heads_confident=sure, encoder_share=share)
        # The curve over heads_confident (1: the encoder reads every mention), and the
        # default's choice made nested: in each fold, the lowest threshold (the most
        # mentions spared) whose main-role accuracy on the other folds is not below
        # the encoder-on-every-mention blend's, applied to the held-out fold.
        grid = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
        res["heads_confident_curve"] = {f"{v:g}": {**rep["all"]["narrascope"], "encoder_share": sh}
                                        for v in grid for rep, sh in [staged(v)]}
        m = heads["mentions"]
        y = np.array([MAIN_ROLES.index(r) for r in m.main])
        fold_of = document_folds(m)
        fidx = np.array([fold_of[g] for g in m.group])

        preds = {v: blended(v)[0].argmax(1) for v in grid}
        chosen, nested = [], np.zeros(len(y), int)
        for f in sorted(set(fidx)):
            tr = fidx != f
            t = min(v for v in grid if (preds[v][tr] == y[tr]).mean() >= (preds[1.0][tr] == y[tr]).mean())
            chosen.append(t)
            nested[~tr] = preds[t][~tr]
        res["heads_confident_nested"] = {"chosen_per_fold": chosen, "main_role_accuracy": round(float((nested == y).mean()), 4),
                                         "every_mention_main_role_accuracy": round(float((preds[1.0] == y).mean()), 4)}
        # the fine-role weight was chosen on these folds (see train/role_encoder.py): the curve is kept in the report
        res["fine_weight_curve"] = {f"{v:g}": roles_cv_report({"mentions": heads["mentions"], "oof_main": w * enc[0] + (1 - w) * heads["oof_main"],
                                                              "oof_fine": v * enc[1] + (1 - v) * heads["oof_fine"]})["all"]["narrascope"]
                                    for v in (0.0, 0.25, 0.5, 0.75, 1.0)}
        reports += [("fine-tuned encoder", res["encoder_cv"]),
                    (f"stage: encoder x {w:g} + heads x {1 - w:g} (fine roles: encoder x {wf:g}) where the heads' main role is "
                     f"below {sure:g} ({share:.0%} of mentions)", res["stage_cv"])]
        print("heads_confident: main-role accuracy / EMR / share of mentions the encoder reads")
        for v, r in res["heads_confident_curve"].items():
            print(f"  {v:>5s}  {r['main_role_accuracy']:.4f} / {r['exact_match_ratio']:.4f} / {r['encoder_share']:.3f}")
        nest = res["heads_confident_nested"]
        print(f"  chosen nested (per fold {nest['chosen_per_fold']}): main-role accuracy {nest['main_role_accuracy']:.4f} "
              f"(encoder on every mention {nest['every_mention_main_role_accuracy']:.4f})")
    for title, rep in reports:
        print(f"entity framing, {title}: 5-fold CV grouped by document; EMR / micro-F1 / main-role accuracy (majority baseline)")
        for lang in ["all", "en", "bg", "hi", "pt", "ru"]:
            ours, base = rep[lang]["narrascope"], rep[lang]["majority"]
            print(f"  {lang:4s} n={rep[lang]['n']:4d}  {ours['exact_match_ratio']:.3f} / {ours['micro_f1']:.3f} / {ours['main_role_accuracy']:.3f}"
                  f"   ({base['exact_match_ratio']:.3f} / {base['micro_f1']:.3f} / {base['main_role_accuracy']:.3f})")
    fr = cv["framed"]
    print(f"framed entities (threshold {fr['threshold']}): AUC, precision / recall / F1 "
          "(every candidate; three most mentioned)")
    for lang in ["all", "en", "bg", "hi", "pt", "ru"]:
        r = fr[lang]
        ours, every, top = r["narrascope"], r["every_candidate"], r["three_most_mentioned"]
        print(f"  {lang:4s} {r['framed']:4d} of {r['candidates']:5d}  AUC {r['auc']:.3f}  "
              f"{ours['precision']:.3f} / {ours['recall']:.3f} / {ours['f1']:.3f}   "
              f"({every['precision']:.3f} / 1 / {every['f1']:.3f}; {top['precision']:.3f} / {top['recall']:.3f} / {top['f1']:.3f})")
    print("framed entities end to end: precision / annotated mentions a kept entity covers / F1 (compares entity finders)")
    for lang in ["all", "en", "bg", "hi", "pt", "ru"]:
        e2e = fr[lang]["end_to_end"]
        print(f"  {lang:4s} {e2e['precision']:.3f} / {e2e['annotated_mentions_covered']:.3f} / {e2e['f1']:.3f}")
    res["entity_finding"] = mention_finding(root)
    res["seconds"] = round(time.time() - t0)
    write_result("roles", res)  # the scores are kept if the speed run is stopped
    update_result("roles", "speed", measure_speed(root))


if __name__ == "__main__":
    main()
