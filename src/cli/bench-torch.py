"""The same training step in PyTorch on one thread, for `grok bench --vs-torch`.

Reads a JSON spec (argv[1]): the model, its sizes and the training data; builds the model the way a
PyTorch user would (autograd, torch.optim.AdamW) with the same math as ours; then answers each line
"N" on stdin with one JSON line {cpuMs, wallMs} for N steps, so the caller can interleave it with
its own engines in one run.
"""
import json
import math
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
spec = json.load(open(sys.argv[1]))
m = spec["model"]
d = spec["dims"]
o = spec["optim"]


def param(*shape, std=0.02):
    return torch.nn.Parameter(torch.randn(*shape) * std)


if m == "mlp":
    p, E, D = d["p"], d["dEmb"], d["dModel"]
    a = torch.tensor(spec["tok"][0]); b = torch.tensor(spec["tok"][1]); y = torch.tensor(spec["labels"])
    U, Et, Ain, Bt = param(E, p), param(p, E), param(E, D), param(D, E)
    params = [U, Et, Ain, Bt]

    def loss():
        Pt = Et @ Ain
        H = torch.relu(Pt[a] + Pt[b])
        return torch.nn.functional.cross_entropy(H @ (Bt @ U), y)
elif m == "transformer":
    p, dm, dh, dmlp = d["p"], d["dModel"], d["dHead"], d["dMlp"]
    a = torch.tensor(spec["tok"][0]); b = torch.tensor(spec["tok"][1]); y = torch.tensor(spec["labels"])
    Et, WK, WQ, WV, WO, Win, Wout, WU = param(p, dm), param(dm, dh), param(dm, dh), param(dm, dh), param(dh, dm), param(dm, dmlp), param(dmlp, dm), param(dm, p)
    params = [Et, WK, WQ, WV, WO, Win, Wout, WU]

    def loss():
        # the factorised algebra of src/models/transformer.ts, through autograd
        Kp, Qp, Vp = Et @ WK, Et @ WQ, Et @ WV
        Op = Vp @ WO
        S = Qp @ Kp.T
        Ep = Et + Op
        delta = (S[b, a] - S[b, b]) / math.sqrt(dh)
        Aa = torch.sigmoid(delta)[:, None]
        r1 = Ep[b] + Aa * (Op[a] - Op[b])
        H = torch.relu(r1 @ Win)
        return torch.nn.functional.cross_entropy(r1 @ WU + H @ (Wout @ WU), y)
elif m == "mnist-mlp":
    dIn, D, C = d["dIn"], d["dModel"], d["classes"]
    X = torch.tensor(spec["x"], dtype=torch.float32).reshape(-1, dIn); T = torch.tensor(spec["targets"], dtype=torch.float32).reshape(-1, C)
    A1, A2, A3 = param(dIn, D), param(D, D), param(D, C)
    params = [A1, A2, A3]

    def loss():
        return torch.nn.functional.mse_loss(torch.relu(torch.relu(X @ A1) @ A2) @ A3, T)
elif m == "lstm":
    V, E, Hd = d["vocab"], d["dEmb"], d["dHidden"]
    n, T = spec["n"], spec["positions"]
    ids = torch.tensor(spec["tokT"]).reshape(n, T)
    y = torch.tensor(spec["labels"], dtype=torch.float32)
    emb = torch.nn.Embedding(V, E)
    lstm = torch.nn.LSTM(E, Hd, num_layers=2, batch_first=True)
    head = torch.nn.Linear(Hd, 1)
    params = list(emb.parameters()) + list(lstm.parameters()) + list(head.parameters())

    def loss():
        out, _ = lstm(emb(ids))
        return torch.nn.functional.binary_cross_entropy_with_logits(head(out[:, -1]).squeeze(1), y)
else:
    raise SystemExit(f"bench-torch: no twin for model {m}")

opt = torch.optim.AdamW(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["weightDecay"])


def step():
    opt.zero_grad(set_to_none=True)
    loss().backward()
    opt.step()


for _ in range(3):
    step()
print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    steps = int(line)
    c0, w0 = time.thread_time(), time.perf_counter()
    for _ in range(steps):
        step()
    print(json.dumps({"cpuMs": (time.thread_time() - c0) * 1e3, "wallMs": (time.perf_counter() - w0) * 1e3}), flush=True)
