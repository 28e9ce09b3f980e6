"""Role decisions from the two role heads: main role by argmax; fine roles
restricted to the main role's own, the best one always, others only when
clearly likely (most mentions carry exactly one fine role)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..eval.roles import FINE_BY_MAIN, FINE_ROLES, MAIN_ROLES
from .multilabel import MultiLabelModel

EXTRA_FINE = 0.6


class RoleModel:
    def __init__(self, folder: Path) -> None:
        self.main = MultiLabelModel.load(folder / "main")
        self.fine = MultiLabelModel.load(folder / "fine")

    def predict(self, contexts: list[str]) -> list[tuple[str, float, list[tuple[str, float]]]]:
        if not contexts:
            return []
        pm = self.main.predict_proba(contexts)
        pf = self.fine.predict_proba(contexts)
        return decide(pm, pf)


def decide(pm: np.ndarray, pf: np.ndarray) -> list[tuple[str, float, list[tuple[str, float]]]]:
    out = []
    for rm, rf in zip(pm, pf):
        j = int(np.argmax(rm))
        main = MAIN_ROLES[j]
        conf = float(rm[j] / max(rm.sum(), 1e-9))
        allowed = [FINE_ROLES.index(r) for r in FINE_BY_MAIN[main]]
        best = max(allowed, key=lambda k: rf[k])
        fine = [(FINE_ROLES[best], float(rf[best]))]
        fine += [(FINE_ROLES[k], float(rf[k])) for k in allowed if k != best and rf[k] >= EXTRA_FINE]
        out.append((main, conf, fine))
    return out
