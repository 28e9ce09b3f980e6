"""Experiment (not shipped): other decision rules over the roles stage's
out-of-fold probabilities, the linear heads' (``train_roles``) and the
fine-tuned encoder's (its training run's ``oof.npz``), on the folds of
``benchmarks/roles.py``. Each rule that has a setting chooses it nested: in
each fold, on the other four.

- ``stage``: what ships (the encoder x 0.5 + heads x 0.5 where the heads'
  main role is below 0.7, fine roles from the heads);
- ``same_name_a``: each mention's probabilities averaged at weight ``a`` with
  those of the mentions of the same name in the same article;
- ``language_offsets``: an offset per language and role added to the main
  roles' log-probabilities;
- ``encoder_weight_per_language``: the blend's weight per language;
- ``joint_b``: a main role scored with its best fine role,
  log p(main) + b log max p(fine of main);
- ``stacker``: a logistic regression on both models' log-probabilities
  (``+language``: and the language).

    python benchmarks/experiments/roles_decisions.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, need_data, roles_out_of_fold, write_result  # noqa: E402

from narrascope.eval.roles import FINE_BY_MAIN, FINE_ROLES, MAIN_ROLES  # noqa: E402
from narrascope.models.roles import blend_encoder, decide, encoder_rows, normalise_name  # noqa: E402


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    root = need_data(DATA / "semeval2025-task10" / "train")
    m, hm, hf, em, ef, fold = roles_out_of_fold(root)
    lang = np.array(m.lang)
    y = np.array([MAIN_ROLES.index(r) for r in m.main])
    gold = [set(f) for f in m.fine]

    def scores(pm: np.ndarray, pf: np.ndarray) -> dict[str, float]:
        d = decide(pm, pf)
        ok = np.array([MAIN_ROLES.index(x[0]) == t for x, t in zip(d, y)])
        exact = np.array([{r for r, _ in x[2]} == g for x, g in zip(d, gold)])
        en = lang == "en"
        return {"main_role_accuracy": round(float(ok.mean()), 4), "exact_match_ratio": round(float(exact.mean()), 4),
                "en_main_role_accuracy": round(float(ok[en].mean()), 4), "en_exact_match_ratio": round(float(exact[en].mean()), 4)}

    def blend(w: float) -> np.ndarray:
        ask = encoder_rows(hm, 0.7)
        return blend_encoder(hm, hf, em[ask], ef[ask], w, 0.0, ask)[0]

    def normalised(logp: np.ndarray) -> np.ndarray:
        e = np.exp(logp - logp.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def nested(candidates: dict, pick_by_language: bool = False) -> np.ndarray:  # type: ignore[type-arg]
        """Main-role probabilities with, per fold (and language), the
        candidate most accurate on the other folds."""
        out = np.zeros_like(hm)
        for f in range(5):
            for group in (sorted(set(lang)) if pick_by_language else [None]):
                rows = np.ones(len(y), bool) if group is None else lang == group
                tr, te = rows & (fold != f), rows & (fold == f)
                best = max(candidates, key=lambda k: (candidates[k][tr].argmax(1) == y[tr]).mean())
                out[te] = candidates[best][te]
        return out

    stage = blend(0.5)
    res: dict = {"stage": scores(stage, hf)}  # type: ignore[type-arg]
    key = np.array([f"{g}|{normalise_name(m.docs[g][s:e])}" for g, s, e in zip(m.group, m.start, m.end)])
    for a in (0.25, 0.5, 1.0):
        pm, pf = stage.copy(), hf.copy()
        for k in set(key):
            idx = np.flatnonzero(key == k)
            if len(idx) > 1:
                pm[idx] = (1 - a) * stage[idx] + a * stage[idx].mean(0)
                pf[idx] = (1 - a) * hf[idx] + a * hf[idx].mean(0)
        res[f"same_name_{a:g}"] = scores(pm, pf)
    offsets = {v: normalised(np.log(stage + 1e-9) + np.array([0.0, *v]))
               for v in itertools.product((-0.6, -0.3, 0.0, 0.3, 0.6), repeat=2)}
    res["language_offsets"] = scores(nested(offsets, pick_by_language=True), hf)
    res["encoder_weight_per_language"] = scores(nested({w: blend(w) for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)},
                                                       pick_by_language=True), hf)
    for b in (0.25, 0.5, 1.0):
        s = np.log(stage + 1e-9)
        for j, main in enumerate(MAIN_ROLES):
            s[:, j] += b * np.log(hf[:, [FINE_ROLES.index(r) for r in FINE_BY_MAIN[main]]].max(1) + 1e-9)
        res[f"joint_{b:g}"] = scores(normalised(s), hf)
    L = np.array([[x == code for code in sorted(set(lang))] for x in lang], np.float64)
    for name, X in (("stacker", np.hstack([np.log(hm + 1e-6), np.log(em + 1e-6)])),
                    ("stacker+language", np.hstack([np.log(hm + 1e-6), np.log(em + 1e-6), L]))):
        pm = np.zeros_like(hm)
        for f in range(5):
            tr, te = fold != f, fold == f
            pm[te] = LogisticRegression(C=1.0, max_iter=2000).fit(X[tr], y[tr]).predict_proba(X[te])
        res[name] = scores(pm, hf)
    print("rule: main-role accuracy / EMR (English)")
    for name, r in res.items():
        print(f"  {name:30s} {r['main_role_accuracy']:.4f} / {r['exact_match_ratio']:.4f}"
              f"   ({r['en_main_role_accuracy']:.4f} / {r['en_exact_match_ratio']:.4f})")
    write_result("roles_decisions", {"note": (__doc__ or "").split("\n\n")[0], "rules": res})


if __name__ == "__main__":
    main()
