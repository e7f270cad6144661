#!/usr/bin/python3
"""PyTorch reference fixtures for rnnkit's RNN / LSTM / GRU kernels.

Regenerate (needs PyTorch; use Debian's system python, which has torch 1.13):

    /usr/bin/python3 scripts/torch_fixtures.py

Writes one JSON file per configuration to ``packages/core/fixtures/torch/``
plus ``index.json`` listing them, and prints sanity checks (gradient vs.
central finite differences, zero padding past each length, h_n vs. output
consistency for packed bidirectional runs). CI has no PyTorch: the generated
JSON is committed and read by the TypeScript tests.

Options:
    --check-only   run the sanity checks but write nothing
    --no-fd        skip the (slow-ish, ~15 s) finite-difference gradient check

What each fixture contains
--------------------------
Every computation is float64 on CPU, using real ``torch.nn.RNN`` /
``torch.nn.LSTM`` / ``torch.nn.GRU`` with torch's default parameter init.
Each configuration is seeded with ``torch.manual_seed(seed)``; then, in this
order, the module is built (params drawn), x ~ N(0,1), h0 ~ N(0,0.5),
c0 ~ N(0,0.5) (LSTM), Ry, Rh, Rc ~ N(0,1).  ("N(0,0.5)" = std 0.5.)

With ``lengths`` the input goes through
``pack_padded_sequence(enforce_sorted=False)`` and the output through
``pad_packed_sequence(total_length=T)``, so output is exactly zero past each
sequence's length, and h_n / c_n hold each sequence's state at its own last
valid step (forward direction) / at step 0 (reverse direction).  All batch
indices are in the caller's original (unsorted) order.

Scalar loss used for the gradients:

    L = sum(output * Ry) + sum(h_n * Rh) [+ sum(c_n * Rc) for LSTM]

Padded output positions are included in the sum (they are zero in output, so
they contribute nothing, and the gradient of x at padded steps is zero).

JSON schema (every tensor is {"shape": [...], "data": [...]}, data flat and
row-major, float64 written with Python's shortest round-trip repr):

    name, torch_version, cell ("rnn_tanh" | "rnn_relu" | "lstm" | "gru"),
    inputSize, hiddenSize, numLayers, bidirectional, batchFirst, bias, T, B,
    lengths (list or null),
    x        [B,T,I] if batchFirst else [T,B,I]
    h0, c0   [numLayers*dirs, B, H] or null
    params   {torch state_dict name: tensor}, in state_dict order
    Ry       same shape as output; Rh as h_n; Rc as c_n or null
    output   [B,T,dirs*H] if batchFirst else [T,B,dirs*H]
    h_n, c_n [numLayers*dirs, B, H] (c_n null unless LSTM)
    grads    {"x", "h0", "c0", <every param name>} (null where input is null)

Torch gate layout reminders (rows of weight_ih / weight_hh / biases):
    LSTM: i, f, g, o     GRU: r, z, n  (n = tanh(W_in x + b_in + r*(W_hn h + b_hn)))
"""

import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "packages", "core", "fixtures", "torch")

DTYPE = torch.float64
CELLS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def make_configs():
    """Return the list of configurations (dicts), each with a fixed seed."""
    base = dict(inputSize=3, hiddenSize=4, T=5, B=3)
    variants = [
        # (a) 1 layer, unidirectional, batch_first, no lengths, no state
        dict(suffix="l1_uni_bf", numLayers=1, bidirectional=False,
             batchFirst=True, bias=True, lengths=None, state=False),
        # (b) 2 layers, bidirectional, batch_first, unsorted lengths, state
        dict(suffix="l2_bi_bf_lengths_state", numLayers=2, bidirectional=True,
             batchFirst=True, bias=True, lengths=[5, 2, 4], state=True),
        # (c) 2 layers, bidirectional, time-major, lengths, state
        dict(suffix="l2_bi_tm_lengths_state", numLayers=2, bidirectional=True,
             batchFirst=False, bias=True, lengths=[3, 5, 1], state=True),
        # (d) 1 layer, bias=False, unidirectional, state
        dict(suffix="l1_uni_bf_nobias_state", numLayers=1, bidirectional=False,
             batchFirst=True, bias=False, lengths=None, state=True),
        # long: T=40, B=2, H=8, bidirectional, lengths [40, 23]
        dict(suffix="l1_bi_bf_lengths_long", numLayers=1, bidirectional=True,
             batchFirst=True, bias=True, lengths=[40, 23], state=False,
             T=40, B=2, hiddenSize=8),
    ]
    configs = []
    for ci, cell in enumerate(CELLS):
        for vi, v in enumerate(variants):
            cfg = dict(base)
            cfg.update(v)
            cfg["cell"] = cell
            cfg["name"] = "%s_%s" % (cell, cfg.pop("suffix"))
            cfg["seed"] = 1000 + 100 * ci + vi
            configs.append(cfg)
    return configs


def build_module(cfg):
    kw = dict(input_size=cfg["inputSize"], hidden_size=cfg["hiddenSize"],
              num_layers=cfg["numLayers"], bias=cfg["bias"],
              batch_first=cfg["batchFirst"], bidirectional=cfg["bidirectional"],
              dtype=DTYPE)
    cell = cfg["cell"]
    if cell == "rnn_tanh":
        return nn.RNN(nonlinearity="tanh", **kw)
    if cell == "rnn_relu":
        return nn.RNN(nonlinearity="relu", **kw)
    if cell == "lstm":
        return nn.LSTM(**kw)
    if cell == "gru":
        return nn.GRU(**kw)
    raise ValueError(cell)


def draw_inputs(cfg):
    """Seed, build the module and draw all random tensors (fixed order)."""
    torch.manual_seed(cfg["seed"])
    mod = build_module(cfg)
    T, B, I, H = cfg["T"], cfg["B"], cfg["inputSize"], cfg["hiddenSize"]
    D = 2 if cfg["bidirectional"] else 1
    L = cfg["numLayers"]
    lstm = cfg["cell"] == "lstm"
    x_shape = (B, T, I) if cfg["batchFirst"] else (T, B, I)
    y_shape = (B, T, D * H) if cfg["batchFirst"] else (T, B, D * H)
    s_shape = (L * D, B, H)
    x = torch.randn(x_shape, dtype=DTYPE)
    h0 = c0 = None
    if cfg["state"]:
        h0 = torch.randn(s_shape, dtype=DTYPE) * 0.5
        if lstm:
            c0 = torch.randn(s_shape, dtype=DTYPE) * 0.5
    Ry = torch.randn(y_shape, dtype=DTYPE)
    Rh = torch.randn(s_shape, dtype=DTYPE)
    Rc = torch.randn(s_shape, dtype=DTYPE) if lstm else None
    return mod, dict(x=x, h0=h0, c0=c0, Ry=Ry, Rh=Rh, Rc=Rc)


def forward(mod, cfg, x, h0, c0):
    """Run the module; returns (output, h_n, c_n or None)."""
    lstm = cfg["cell"] == "lstm"
    hx = None
    if h0 is not None:
        hx = (h0, c0) if lstm else h0
    elif lstm and c0 is not None:
        raise ValueError("c0 without h0")
    if cfg["lengths"] is not None:
        packed = pack_padded_sequence(
            x, torch.tensor(cfg["lengths"], dtype=torch.int64),
            batch_first=cfg["batchFirst"], enforce_sorted=False)
        out_p, st = mod(packed, hx)
        out, _ = pad_packed_sequence(out_p, batch_first=cfg["batchFirst"],
                                     total_length=cfg["T"])
    else:
        out, st = mod(x, hx)
    if lstm:
        h_n, c_n = st
    else:
        h_n, c_n = st, None
    return out, h_n, c_n


def loss_of(out, h_n, c_n, R):
    L = (out * R["Ry"]).sum() + (h_n * R["Rh"]).sum()
    if c_n is not None:
        L = L + (c_n * R["Rc"]).sum()
    return L


def tensor_json(t):
    if t is None:
        return None
    t = t.detach().to(DTYPE).contiguous()
    data = [float(v) for v in t.reshape(-1).tolist()]
    for v in data:
        if not math.isfinite(v):
            raise ValueError("non-finite value in fixture")
    return {"shape": list(t.shape), "data": data}


def compute(cfg):
    mod, R = draw_inputs(cfg)
    x = R["x"].clone().requires_grad_(True)
    h0 = R["h0"].clone().requires_grad_(True) if R["h0"] is not None else None
    c0 = R["c0"].clone().requires_grad_(True) if R["c0"] is not None else None
    mod.zero_grad()
    out, h_n, c_n = forward(mod, cfg, x, h0, c0)
    loss = loss_of(out, h_n, c_n, R)
    loss.backward()
    return mod, R, dict(x=x, h0=h0, c0=c0), out, h_n, c_n, loss


def fixture(cfg):
    mod, R, leaves, out, h_n, c_n, _ = compute(cfg)
    sd = mod.state_dict()
    named = dict(mod.named_parameters())
    assert list(sd.keys()) == list(named.keys())
    grads = {
        "x": tensor_json(leaves["x"].grad),
        "h0": tensor_json(leaves["h0"].grad) if leaves["h0"] is not None else None,
        "c0": tensor_json(leaves["c0"].grad) if leaves["c0"] is not None else None,
    }
    for k in sd.keys():
        grads[k] = tensor_json(named[k].grad)
    return {
        "name": cfg["name"],
        "torch_version": torch.__version__,
        "cell": cfg["cell"],
        "inputSize": cfg["inputSize"],
        "hiddenSize": cfg["hiddenSize"],
        "numLayers": cfg["numLayers"],
        "bidirectional": cfg["bidirectional"],
        "batchFirst": cfg["batchFirst"],
        "bias": cfg["bias"],
        "T": cfg["T"],
        "B": cfg["B"],
        "lengths": cfg["lengths"],
        "seed": cfg["seed"],
        "x": tensor_json(R["x"]),
        "h0": tensor_json(R["h0"]),
        "c0": tensor_json(R["c0"]),
        "params": {k: tensor_json(v) for k, v in sd.items()},
        "Ry": tensor_json(R["Ry"]),
        "Rh": tensor_json(R["Rh"]),
        "Rc": tensor_json(R["Rc"]),
        "output": tensor_json(out),
        "h_n": tensor_json(h_n),
        "c_n": tensor_json(c_n),
        "grads": grads,
    }


# --------------------------------------------------------------------------
# Serialisation: one key per line, each tensor's data on a single line.

def dump(obj, indent=0):
    pad = "  " * indent
    if isinstance(obj, dict):
        if "shape" in obj and "data" in obj and len(obj) == 2:
            return json.dumps(obj, separators=(",", ":"), allow_nan=False)
        if not obj:
            return "{}"
        items = ["%s  %s: %s" % (pad, json.dumps(k), dump(v, indent + 1))
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


# --------------------------------------------------------------------------
# Sanity checks

def fd_check(cfg, eps=1e-6):
    """Max |autograd - central FD| over every gradient of the loss."""
    mod, R, leaves, out, h_n, c_n, _ = compute(cfg)
    targets = [("x", R["x"], leaves["x"].grad)]
    if R["h0"] is not None:
        targets.append(("h0", R["h0"], leaves["h0"].grad))
    if R["c0"] is not None:
        targets.append(("c0", R["c0"], leaves["c0"].grad))
    for k, p in mod.named_parameters():
        targets.append((k, p, p.grad.clone()))

    def L_now():
        with torch.no_grad():
            o, hn, cn = forward(mod, cfg, R["x"], R["h0"], R["c0"])
            return loss_of(o, hn, cn, R).item()

    worst = 0.0
    worst_rel = 0.0
    with torch.no_grad():
        for name, t, g in targets:
            flat = t.view(-1)
            gflat = g.reshape(-1)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + eps
                lp = L_now()
                flat[i] = old - eps
                lm = L_now()
                flat[i] = old
                fd = (lp - lm) / (2 * eps)
                err = abs(fd - gflat[i].item())
                worst = max(worst, err)
                worst_rel = max(worst_rel, err / max(1.0, abs(fd)))
    return worst, worst_rel


def structural_checks(cfg, fx):
    """Zero padding past lengths; h_n consistent with output for packed runs."""
    msgs = []
    T, B, H = cfg["T"], cfg["B"], cfg["hiddenSize"]
    D = 2 if cfg["bidirectional"] else 1
    L = cfg["numLayers"]
    out = torch.tensor(fx["output"]["data"], dtype=DTYPE).view(fx["output"]["shape"])
    h_n = torch.tensor(fx["h_n"]["data"], dtype=DTYPE).view(fx["h_n"]["shape"])
    gx = torch.tensor(fx["grads"]["x"]["data"], dtype=DTYPE).view(fx["grads"]["x"]["shape"])
    if not cfg["batchFirst"]:
        out = out.transpose(0, 1)  # -> [B, T, D*H]
        gx = gx.transpose(0, 1)
    lengths = cfg["lengths"] or [T] * B
    pad_max = 0.0
    gpad_max = 0.0
    fwd_err = 0.0
    rev_err = 0.0
    for b, n in enumerate(lengths):
        if n < T:
            pad_max = max(pad_max, out[b, n:].abs().max().item())
            gpad_max = max(gpad_max, gx[b, n:].abs().max().item())
        # forward direction of the last layer: h_n == output at last valid step
        fwd_err = max(fwd_err, (h_n[(L - 1) * D, b] - out[b, n - 1, :H]).abs().max().item())
        if D == 2:
            # reverse direction of the last layer: h_n == output at step 0
            rev_err = max(rev_err, (h_n[(L - 1) * D + 1, b] - out[b, 0, H:]).abs().max().item())
    msgs.append("max|output past length|=%g" % pad_max)
    msgs.append("max|grad x past length|=%g" % gpad_max)
    msgs.append("max|h_n fwd - out[b,len-1,:H]|=%g" % fwd_err)
    if D == 2:
        msgs.append("max|h_n rev - out[b,0,H:]|=%g" % rev_err)
    ok = pad_max == 0.0 and gpad_max == 0.0 and fwd_err == 0.0 and rev_err == 0.0
    return ok, msgs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--no-fd", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(1)
    configs = make_configs()
    names = [c["name"] for c in configs]
    assert len(set(names)) == len(names)

    fd_names = set() if args.no_fd else set(names)

    if not args.check_only:
        os.makedirs(OUT_DIR, exist_ok=True)
    all_ok = True
    files = []
    total = 0
    for cfg in configs:
        fx = fixture(cfg)
        # determinism: regenerating gives identical numbers
        assert dump(fixture(cfg)) == dump(fx), "non-deterministic: " + cfg["name"]
        ok, msgs = structural_checks(cfg, fx)
        all_ok &= ok
        line = "%-34s %s" % (cfg["name"], "  ".join(msgs))
        if cfg["name"] in fd_names:
            err, rel = fd_check(cfg)
            line += "  FD max abs err=%.3g (rel %.3g)" % (err, rel)
            all_ok &= err < 1e-6
        print(line + ("" if ok else "  <-- FAIL"))
        fname = cfg["name"] + ".json"
        files.append(fname)
        if not args.check_only:
            text = dump(fx) + "\n"
            total += len(text)
            with open(os.path.join(OUT_DIR, fname), "w") as f:
                f.write(text)
    if not args.check_only:
        index = {
            "generator": "scripts/torch_fixtures.py",
            "regenerate": "/usr/bin/python3 scripts/torch_fixtures.py",
            "torch_version": torch.__version__,
            "files": files,
        }
        with open(os.path.join(OUT_DIR, "index.json"), "w") as f:
            f.write(json.dumps(index, indent=2) + "\n")
        print("wrote %d fixtures (%.1f KB) to %s" % (len(files), total / 1024.0,
                                                      os.path.relpath(OUT_DIR, ROOT)))
    if not all_ok:
        print("SANITY CHECKS FAILED", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
