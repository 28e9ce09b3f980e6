"""Small model pieces with numpy-only inference: featurisers and linear heads.

Training uses scikit-learn (``pip install 'narrascope[train]'``); what ships
is arrays in ``.npz`` files plus a JSON model card, so predicting needs no
scikit-learn and no pickles.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Code, NarrascopeError


def artifact_digest(folder: str | Path) -> str:
    """Short content hash of a trained artifact's ``model.json`` (its card
    records the training run and thresholds): stored with each stage result,
    so results of a retrained or upgraded model are recomputed."""
    f = Path(folder) / "model.json"
    try:
        st = f.stat()
    except OSError:
        return "missing"
    # Stages stamp every result with it: hash a file once per version of it, not once per article.
    return _digest(str(f.resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


def read_artifact(folder: str | Path, what: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A trained artifact's ``model.json`` and ``weights.npz`` (no pickles), or
    NS407 naming the folder."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        arrays = dict(np.load(folder / "weights.npz", allow_pickle=False))
    except (OSError, ValueError, KeyError) as e:
        raise NarrascopeError(Code.MODEL, f"cannot load the {what} model: {e}", input=str(folder)) from e
    return meta, arrays
