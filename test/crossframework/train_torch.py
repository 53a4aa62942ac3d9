"""Trains one of the authors' models in PyTorch from one of our runs' θ0 and split (test/crossframework/torch.test.ts).

usage: python3 train_torch.py SPEC.json   (prints one JSON line: the per-epoch train loss and
accuracy before each update, t_mem, and how load_state_dict went)

SPEC = {"theta0": <checkpoints/0.safetensors of our run>, "p", "epochs",
        "model": our run's model group: {"name": "mlp", "dEmb", "dModel"}
                 or {"name": "transformer", "dModel", "dMlp", "dHead"},
        "optim": {"lr", "beta1", "beta2", "eps", "weightDecay"}, "train": {"a", "b", "y"}}

The models, loss, accuracy and loop are the authors' (reference spec §2.1, §2.2, §3.1–3.3):
OnlyMLP and the 1-layer Transformer with weight_mask buffers (all ones for a dense run), float64
cross-entropy, full-batch torch.optim.AdamW, metrics logged before each update. The checkpoint is
read with the standard library and torch alone (Debian has no python3-safetensors): safetensors is
an 8-byte header length, a JSON header and raw little-endian bytes.
"""
import hashlib
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "U8": torch.uint8}


def load_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    sha = meta["sha256"]  # ours: the whole file with these hex digits zeroed
    if hashlib.sha256(raw.replace(sha.encode(), b"0" * 64, 1)).hexdigest() != sha:
        raise SystemExit(f"{path}: sha256 checksum mismatch")
    data = bytearray(raw[8 + n :])
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        t = torch.frombuffer(data[begin:end], dtype=DTYPES[e["dtype"]]) if end > begin else torch.empty(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).clone()
    return out, meta


# The authors' modules (spec §2.1, §2.2): no biases; every weight has a same-shape weight_mask
# buffer. Parameters start at zero: every one of them is overwritten by load_state_dict.
class Embed(nn.Module):
    def __init__(self, d_vocab, d_emb):
        super().__init__()
        self.W_E = nn.Parameter(torch.zeros(d_emb, d_vocab))
        self.register_buffer("weight_mask", torch.ones(d_emb, d_vocab))

    def forward(self, x):
        return torch.einsum("dbp->bpd", (self.W_E * self.weight_mask)[:, x])


class Unembed(nn.Module):
    def __init__(self, d_vocab, d_emb):
        super().__init__()
        self.W_U = nn.Parameter(torch.zeros(d_emb, d_vocab))
        self.register_buffer("weight_mask", torch.ones(d_emb, d_vocab))

    def forward(self, x):
        return x @ (self.W_U * self.weight_mask)


class Linear(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.W = nn.Parameter(torch.zeros(d_out, d_in))
        self.register_buffer("weight_mask", torch.ones(d_out, d_in))

    def forward(self, x):
        return x @ (self.W * self.weight_mask).T


class OnlyMLP(nn.Module):
    def __init__(self, p, d_emb, d_model):
        super().__init__()
        self.unembed = Unembed(p, d_emb)  # registration order as the authors'
        self.embed = Embed(p, d_emb)
        self.inproj = Linear(d_emb, d_model)
        self.outproj = Linear(d_model, d_emb)

    def forward(self, x):
        z = self.inproj(self.embed(x)).sum(dim=1)
        return self.unembed(self.outproj(F.relu(z)))


class Attention(nn.Module):
    """Nanda's attention with one head (i = 1) and the authors' masks: causal, scaled by 1/√d_head."""

    def __init__(self, d_model, d_head, n_ctx):
        super().__init__()
        self.W_K = nn.Parameter(torch.zeros(1, d_head, d_model))
        self.W_Q = nn.Parameter(torch.zeros(1, d_head, d_model))
        self.W_V = nn.Parameter(torch.zeros(1, d_head, d_model))
        self.W_O = nn.Parameter(torch.zeros(d_model, d_head))
        self.register_buffer("mask", torch.tril(torch.ones(n_ctx, n_ctx)))
        for k in "KQV":
            self.register_buffer(f"weight_mask{k}", torch.ones(1, d_head, d_model))
        self.register_buffer("weight_maskO", torch.ones(d_model, d_head))
        self.d_head = d_head

    def forward(self, x):
        k = torch.einsum("ihd,bpd->biph", self.W_K * self.weight_maskK, x)
        q = torch.einsum("ihd,bpd->biph", self.W_Q * self.weight_maskQ, x)
        v = torch.einsum("ihd,bpd->biph", self.W_V * self.weight_maskV, x)
        scores = torch.einsum("biph,biqh->biqp", k, q)
        n = x.shape[-2]
        scores = torch.tril(scores) - 1e10 * (1 - self.mask[:n, :n])
        attn = F.softmax(scores / math.sqrt(self.d_head), dim=-1)
        z = torch.einsum("biph,biqp->biqh", v, attn)
        z_flat = z.permute(0, 2, 1, 3).reshape(z.shape[0], n, -1)  # b i q h -> b q (i h)
        return torch.einsum("df,bqf->bqd", self.W_O * self.weight_maskO, z_flat)


class MLP(nn.Module):
    def __init__(self, d_model, d_mlp):
        super().__init__()
        self.W_in = nn.Parameter(torch.zeros(d_mlp, d_model))
        self.W_out = nn.Parameter(torch.zeros(d_model, d_mlp))
        self.register_buffer("weight_mask_in", torch.ones(d_mlp, d_model))
        self.register_buffer("weight_mask_out", torch.ones(d_model, d_mlp))

    def forward(self, x):
        h = F.relu(torch.einsum("md,bpd->bpm", self.W_in * self.weight_mask_in, x))
        return torch.einsum("dm,bpm->bpd", self.W_out * self.weight_mask_out, h)


class TransformerBlock(nn.Module):
    def __init__(self, d_model, d_mlp, d_head, n_ctx):
        super().__init__()
        self.attn = Attention(d_model, d_head, n_ctx)
        self.mlp = MLP(d_model, d_mlp)

    def forward(self, x):
        x = x + self.attn(x)
        return x + self.mlp(x)


class Transformer(nn.Module):
    """No positional embedding, LayerNorm or biases; n_ctx = 2 (tokens a, b, no "=")."""

    def __init__(self, p, d_model, d_mlp, d_head):
        super().__init__()
        self.embed = Embed(p, d_model)
        self.blocks = nn.ModuleList([TransformerBlock(d_model, d_mlp, d_head, n_ctx=2)])
        self.unembed = Unembed(p, d_model)

    def forward(self, x):
        x = self.embed(x)
        for block in self.blocks:
            x = block(x)
        # the authors return logits[:, -1].unsqueeze(1) and train on model(data)[:, -1]: the same rows
        return self.unembed(x)[:, -1]


def build(p, m):
    if m["name"] == "mlp":
        return OnlyMLP(p, m["dEmb"], m["dModel"])
    if m["name"] == "transformer":
        return Transformer(p, m["dModel"], m["dMlp"], m["dHead"])
    raise SystemExit(f"train_torch.py: model {m['name']!r} has no PyTorch version here (mlp, transformer)")


def cross_entropy_high_precision(logits, labels):
    logprobs = F.log_softmax(logits.to(torch.float64), dim=-1)
    return -torch.gather(logprobs, index=labels[:, None], dim=-1).mean()


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    state, meta = load_safetensors(spec["theta0"])
    model = build(spec["p"], spec["model"])
    result = model.load_state_dict(state, strict=False)
    o = spec["optim"]
    opt = torch.optim.AdamW(model.parameters(), lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["weightDecay"])
    tr = spec["train"]
    x = torch.tensor([tr["a"], tr["b"]], dtype=torch.long).T
    y = torch.tensor(tr["y"], dtype=torch.long)
    losses, accs = [], []
    for _ in range(spec["epochs"]):
        logits = model(x)
        loss = cross_entropy_high_precision(logits, y)
        losses.append(loss.item())
        accs.append((logits.argmax(dim=-1) == y).double().mean().item())
        loss.backward()
        opt.step()
        opt.zero_grad()
    t_mem = next((e for e, a in enumerate(accs) if a > 0.95), None)
    print(json.dumps({
        "torch": torch.__version__, "epochFromFile": meta.get("epoch"),
        "missingKeys": result.missing_keys, "unexpectedKeys": result.unexpected_keys,
        "trainLoss": losses, "trainAcc": accs, "tMem": t_mem,
    }))


main()
