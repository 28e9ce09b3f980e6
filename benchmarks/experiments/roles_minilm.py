"""Experiment (not shipped): English role heads over all-MiniLM-L6-v2
(English sentence embeddings) instead of, or averaged with, the shipped
English heads over USE, on the folds of ``benchmarks/roles.py``; then the
stage's blend with the role encoder's out-of-fold probabilities (as
``benchmarks/experiments/roles_decisions.py``). Needs the installs of
_minilm.py.

    python benchmarks/experiments/roles_minilm.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, need_data, roles_out_of_fold, write_result  # noqa: E402
from _minilm import register  # noqa: E402

from narrascope.eval.roles import FINE_ROLES, MAIN_ROLES  # noqa: E402
from narrascope.models.roles import blend_encoder, decide, encoder_rows, own_proba  # noqa: E402
from narrascope.train.roles import features, fit_heads, prior_features  # noqa: E402


def main() -> None:
    register()
    root = need_data(DATA / "semeval2025-task10" / "train")
    m, hm, hf, em, ef, fold = roles_out_of_fold(root)
    lang = np.array(m.lang)
    y = np.array([MAIN_ROLES.index(r) for r in m.main])
    Yf = np.array([[r in f for r in FINE_ROLES] for f in m.fine], np.float32)
    gold = [set(f) for f in m.fine]
    en = lang == "en"

    def scores(pm: np.ndarray, pf: np.ndarray) -> dict[str, float]:
        d = decide(pm[en], pf[en])
        ok = [MAIN_ROLES.index(x[0]) == t for x, t in zip(d, y[en])]
        exact = [{r for r, _ in x[2]} == g for x, g in zip(d, [gold[i] for i in np.flatnonzero(en)])]
        return {"en_main_role_accuracy": round(float(np.mean(ok)), 4), "en_exact_match_ratio": round(float(np.mean(exact)), 4)}

    def stage(pm: np.ndarray, pf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ask = encoder_rows(pm, 0.7)
        return blend_encoder(pm, pf, em[ask], ef[ask], 0.5, 0.0, ask)

    F = features(m, sorted(set(m.lang)), lambda s: None, "minilm", only="en")
    om, of = np.zeros_like(hm), np.zeros_like(hf)
    for f in range(5):
        tr, te, fit_all = np.flatnonzero((fold != f) & en), np.flatnonzero((fold == f) & en), np.flatnonzero(fold != f)
        w = fit_heads(np.hstack([F[tr], prior_features(m, fit_all, tr, True)]), y[tr], Yf[tr])
        om[te], of[te] = own_proba(w, "", np.hstack([F[te], prior_features(m, fit_all, te, False)]))
    res = {"shipped heads": scores(hm, hf), "stage": scores(*stage(hm, hf)), "minilm heads": scores(om, of)}
    for a in (0.3, 0.5, 0.7):
        bm, bf = hm.copy(), hf.copy()
        bm[en], bf[en] = a * om[en] + (1 - a) * hm[en], a * of[en] + (1 - a) * hf[en]
        res[f"heads averaged with minilm x{a}"] = scores(bm, bf)
        res[f"stage over those heads x{a}"] = scores(*stage(bm, bf))
    print("English main-role accuracy / EMR")
    for k, v in res.items():
        print(f"  {k:34s} {v['en_main_role_accuracy']:.4f} / {v['en_exact_match_ratio']:.4f}")
    write_result("roles_minilm", {"note": (__doc__ or "").split("\n\n")[0], "results": res})


if __name__ == "__main__":
    main()
