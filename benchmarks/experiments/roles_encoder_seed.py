"""Does a third role-encoder member help? The shipped encoder averages two
fine-tunings of e5's top four layers that differ in what their head reads
(``--pool mean``, ``--pool mention``); averaged they gained +0.015 main-role
accuracy in the stage over the first alone. A third member of the second's
pool with another init seed (``--pool mention:1``: another head
initialisation, dropout and batch order, the same folds) is the cheapest
further member: one more pass through the top four layers per mention.

Its out-of-fold probabilities (the folds of ``benchmarks/roles.py``), the
linear heads' (``train_roles``) and the shipped encoder's (its ``oof.npz``)
are blended as the stage does (encoder x 0.5 + heads x 0.5 where the heads'
main role is below 0.7), with the shipped two members and with the three
averaged, on the folds the new member has finished (``--folds 0,1``: a fold
is about 11 minutes on 2 idle cores; ``--work``: finished folds are reused).

``--side N``: the member reads N context tokens each side of the mention
(and N of the title) instead of the shipped members' 60: a wider context at
about twice the tokens (``results/roles_encoder_side120.json``).

    python benchmarks/experiments/roles_encoder_seed.py --folds 0,1 --work /tmp/renc3
    python benchmarks/experiments/roles_encoder_seed.py --folds 0 --init 0 --side 120 --work /tmp/renc-side
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, need_data, roles_out_of_fold, write_result  # noqa: E402

from narrascope.eval.roles import MAIN_ROLES  # noqa: E402
from narrascope.models.roles import blend_encoder, decide, encoder_rows  # noqa: E402
from narrascope.train.role_encoder import train_role_encoder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", default="0,1,2,3,4", help="folds of the new member to score")
    ap.add_argument("--init", type=int, default=1)
    ap.add_argument("--side", type=int, default=60, help="context tokens each side of the mention (the shipped members: 60)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/narrascope-encoder-seed"))
    a = ap.parse_args()
    root = need_data(DATA / "semeval2025-task10" / "train")
    wanted = [int(x) for x in a.folds.split(",")]
    m, hm, hf, em, ef, fold = roles_out_of_fold(root)
    # the new member's folds (a fold file in --work is a finished fold), no fit on every mention
    res = train_role_encoder(root, 5, pool="mention", init=a.init, side=a.side, work=a.work, only_folds=wanted, fit_all=False,
                             log=lambda s: print(s, flush=True))
    rows = np.isin(fold, wanted)
    nm, nf = em.copy(), ef.copy()
    nm[rows], nf[rows] = res["oof_main"][rows], res["oof_fine"][rows]
    y = np.array([MAIN_ROLES.index(r) for r in m.main])
    gold = [set(f) for f in m.fine]
    lang = np.array(m.lang)
    ask = encoder_rows(hm, 0.7)

    def scores(pm: np.ndarray, pf: np.ndarray) -> dict[str, float]:
        d = decide(pm[rows], pf[rows])
        ok = np.array([MAIN_ROLES.index(x[0]) == t for x, t in zip(d, y[rows])])
        exact = np.array([{r for r, _ in x[2]} == g for x, g in zip(d, [g for g, r in zip(gold, rows) if r])])
        out = {"main_role_accuracy": round(float(ok.mean()), 4), "exact_match_ratio": round(float(exact.mean()), 4)}
        for code in sorted(set(lang)):
            sel = lang[rows] == code
            out[f"{code}_main_role_accuracy"] = round(float(ok[sel].mean()), 4)
        return out

    def stage(pm: np.ndarray, pf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return blend_encoder(hm, hf, pm[ask], pf[ask], 0.5, 0.0, ask)

    three = ((2 * em + nm) / 3, (2 * ef + nf) / 3)
    res = {"shipped encoder (2 members) alone": scores(em, ef), "new member alone": scores(nm, nf),
           "3 members alone": scores(*three), "heads alone": scores(hm, hf),
           "stage, 2 members (shipped)": scores(*stage(em, ef)), "stage, 3 members": scores(*stage(*three))}
    print(f"folds {wanted}: {int(rows.sum())} mentions; main-role accuracy / EMR (English, Hindi)")
    for name, r in res.items():
        print(f"  {name:36s} {r['main_role_accuracy']:.4f} / {r['exact_match_ratio']:.4f}"
              f"   ({r['en_main_role_accuracy']:.3f}, {r['hi_main_role_accuracy']:.3f})")
    write_result("roles_encoder_seed" if a.side == 60 else f"roles_encoder_side{a.side}",
                 {"note": (__doc__ or "").split("\n\n")[0], "folds": wanted, "mentions": int(rows.sum()), "init": a.init,
                  "side": a.side, "scores": res})


if __name__ == "__main__":
    main()
