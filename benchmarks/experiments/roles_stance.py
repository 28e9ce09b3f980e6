"""Do an article's narratives tell its entities' roles? The role heads read
the mention, its sentence, its context and the article's first sentences
(USE); they do not read what the article argues. An article carrying "Praise
of Russia" casts Russia as a protagonist, "Discrediting Ukraine" Ukraine as
an antagonist, "Criticism of climate movement" the activists: stance
features for the heads = the article's coarse narrative scores (21), and
their products with how close the entity is to a few actors (Russia,
Ukraine, the West, climate activists, governments, scientists, fossil-fuel
companies; cosine of USE vectors).

The narrative scores are out of fold: the held-out raw scores of the
nested narrative benchmark's outer folds (``benchmarks/experiments/
narratives_decisions.py`` cache, seed 1234: no document is scored by a
model trained on it); the 83 Russian articles without narrative labels get
zeros and a "no scores" column. Main-role accuracy / EMR of the heads and of
the stage's blend with the fine-tuned encoder (its out-of-fold
probabilities, same folds), with and without the stance features.

    python benchmarks/experiments/roles_stance.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, need_data, write_result  # noqa: E402

from narrascope.embed import get_embedder  # noqa: E402
from narrascope.eval.roles import FINE_ROLES, MAIN_ROLES  # noqa: E402
from narrascope.models.role_encoder import ENCODER_MODEL  # noqa: E402
from narrascope.models.roles import blend_encoder, blend_proba, encoder_rows, own_proba  # noqa: E402
from narrascope.stages.roles import RolesStage  # noqa: E402
from narrascope.train.role_encoder import load_encoder_oof  # noqa: E402
from narrascope.train.roles import (LANGUAGE_EMBEDDERS, MIN_LANGUAGE_MENTIONS, POOLED_WEIGHT, document_folds,  # noqa: E402
                                    features, fit_heads, fit_language_heads, prior_features, roles_cv_report,
                                    semeval_mentions)

SCALES = tuple(float(x) for x in os.environ.get("STANCE_SCALES", "0.1,0.5").split(","))
CACHE = Path(os.environ.get("NARRASCOPE_CACHE", "/tmp/narrascope-decisions"))
ACTORS = {"russia": "Russia, the Kremlin, Putin", "ukraine": "Ukraine, Kyiv, Zelensky", "west": "the West, the USA, NATO, the EU",
          "activists": "climate activists and protesters", "governments": "governments and politicians",
          "scientists": "climate scientists, the IPCC, the UN", "fossil": "oil and gas companies"}


def narrative_scores(groups: list[str], seed: int = 1234, folds: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold coarse raw scores per document (z-scored), and whether a document has them."""
    ids = [str(x) for x in np.load(CACHE / "gate_transfer.npz")["ids"]]
    raw = np.zeros((len(ids), 21), np.float32)
    for f in range(folds):
        z = np.load(CACHE / f"seed{seed}_fold{f}of{folds}_views-hi-e5.npz")
        raw[z["te"]] = z["test_coarse"]
    raw = (raw - raw.mean(0)) / (raw.std(0) + 1e-6)
    at = {g: i for i, g in enumerate(ids)}
    out = np.zeros((len(groups), raw.shape[1]), np.float32)
    has = np.zeros(len(groups), bool)
    for k, g in enumerate(groups):
        if g in at:
            out[k], has[k] = raw[at[g]], True
    return out, has


def heads_oof(m, F: np.ndarray, F_alt: dict[str, np.ndarray], extra: np.ndarray | None):  # type: ignore[no-untyped-def]
    """train_roles's out-of-fold loop, the extra columns appended to every feature matrix."""
    languages = sorted(set(m.lang))
    y = np.array([MAIN_ROLES.index(r) for r in m.main])
    Yf = np.array([[r in f for r in FINE_ROLES] for f in m.fine], np.float32)
    fold_of = document_folds(m)
    fidx = np.array([fold_of[g] for g in m.group])
    lang = np.array(m.lang)
    alt = {lg: e for lg, e in LANGUAGE_EMBEDDERS.items() if (lang == lg).sum() >= MIN_LANGUAGE_MENTIONS}
    own = [lg for lg in languages if (lang == lg).sum() >= MIN_LANGUAGE_MENTIONS and lg not in alt]

    def cols(A: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return A[rows] if extra is None else np.hstack([A[rows], extra[rows]])

    oof_main = np.zeros((len(y), len(MAIN_ROLES)), np.float32)
    oof_fine = np.zeros(Yf.shape, np.float32)
    for f in range(5):
        tr, te = np.where(fidx != f)[0], np.where(fidx == f)[0]
        w = fit_language_heads(np.hstack([cols(F, tr), prior_features(m, tr, tr, True)]), y[tr], Yf[tr], lang[tr], own)
        for lg, Fl in F_alt.items():
            rows = tr[lang[tr] == lg]
            w.update({f"{lg}/{k}": v for k, v in fit_heads(np.hstack([cols(Fl, rows), prior_features(m, tr, rows, True)]),
                                                           y[rows], Yf[rows]).items()})
        rest = te[~np.isin(lang[te], list(alt))]
        oof_main[rest], oof_fine[rest] = blend_proba(w, np.hstack([cols(F, rest), prior_features(m, tr, rest, False)]),
                                                     lang[rest], POOLED_WEIGHT)
        for lg, Fl in F_alt.items():
            rows = te[lang[te] == lg]
            oof_main[rows], oof_fine[rows] = own_proba(w, lg, np.hstack([cols(Fl, rows), prior_features(m, tr, rows, False)]))
    return oof_main, oof_fine


def main() -> None:
    root = need_data(DATA / "semeval2025-task10" / "train")
    m = semeval_mentions(root)
    languages = sorted(set(m.lang))
    cache = CACHE / "roles_features.npz"
    if cache.exists():
        z = np.load(cache)
        F, F_alt = z["F"], {"hi": z["F_hi"]}
    else:
        F = features(m, languages, print)
        F_alt = {"hi": features(m, languages, print, "e5", only="hi")}
        np.savez(cache, F=F, F_hi=F_alt["hi"])
    use = get_embedder("use")
    P = use.encode(list(ACTORS.values()))
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    ent = F[:, : P.shape[1]] / (np.linalg.norm(F[:, : P.shape[1]], axis=1, keepdims=True) + 1e-9)
    near = ent @ P.T  # (mentions, actors)
    N, has = narrative_scores(m.group)
    inter = (near[:, :, None] * N[:, None, :]).reshape(len(m.group), -1)
    variants = {"none": None, "narratives": np.hstack([N, (~has)[:, None].astype(np.float32)]),
                "narratives x actors": np.hstack([N, (~has)[:, None].astype(np.float32), inter])}
    stage = RolesStage()
    enc = load_encoder_oof(ENCODER_MODEL, m)
    out: dict = {"actors": ACTORS, "documents_with_scores": int(len({g for g, h in zip(m.group, has) if h}))}  # type: ignore[type-arg]
    # the extra columns' scale is their regularisation (the heads' C is fixed): smaller, more shrunk
    for name, extra in variants.items():
        for scale in ((1.0,) if extra is None else SCALES):
            pm, pf = heads_oof(m, F, F_alt, None if extra is None else scale * extra)
            heads = roles_cv_report({"mentions": m, "oof_main": pm, "oof_fine": pf})
            row = {"heads": {k: heads[k]["narrascope"] for k in ("all", "en", "bg", "pt", "ru", "hi")}}
            if enc is not None:
                ask = encoder_rows(pm, stage.cfg.heads_confident)
                bm, bf = blend_encoder(pm, pf, enc[0][ask], enc[1][ask], stage.encoder_weight, stage.encoder_fine_weight, ask)
                st = roles_cv_report({"mentions": m, "oof_main": bm, "oof_fine": bf})
                row["stage"] = {k: st[k]["narrascope"] for k in ("all", "en", "bg", "pt", "ru", "hi")}
            key = name if extra is None else f"{name} x{scale:g}"
            out[key] = row
            s = row.get("stage", row["heads"])
            print(f"{key:28s} heads all {row['heads']['all']['main_role_accuracy']:.4f} / {row['heads']['all']['exact_match_ratio']:.4f}"
                  f"  stage all {s['all']['main_role_accuracy']:.4f} / {s['all']['exact_match_ratio']:.4f}"
                  f"  en {s['en']['main_role_accuracy']:.4f} / {s['en']['exact_match_ratio']:.4f}", flush=True)
    write_result("roles_stance", out)


if __name__ == "__main__":
    main()
