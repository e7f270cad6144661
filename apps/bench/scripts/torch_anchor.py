#!/usr/bin/env python3
"""PyTorch's nn.RNN / nn.LSTM / nn.GRU (cuDNN on CUDA) on the bench's shapes: the GPU anchor of
apps/bench/scripts/gpu-run.sh.

Per cell and shape (D, H, T, B), batch-first, one layer, float32, the same two tasks as the
bench's rows:
  forward        inference under no_grad, output copied back to the host (as rnnkit's read);
  training step  forward, MSE against a target, backward, SGD update, loss read back (.item()).
Each figure is the median over --repeats timed runs after --warmup runs (CUDA synchronized
around each). Writes JSON: {"device", "torch", "cudnn", "rows": [...], "skipped": reason?}.

Without CUDA: with --cpu-fallback the same runs go on the CPU (labelled so); without it the
anchor is skipped, saying "no CUDA: anchor skipped", and the JSON says why (exit 0 either way).
"""
import argparse
import json
import statistics
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", required=True, help="space-separated D,H,T,B")
    p.add_argument("--cells", default="rnn_tanh,lstm,gru")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads on the CPU fallback (0: torch's default)")
    p.add_argument("--cpu-fallback", action="store_true")
    p.add_argument("--no-train", action="store_true")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    out = {"rows": []}
    try:
        import torch
    except ImportError as e:  # no PyTorch at all
        out["skipped"] = f"no PyTorch: anchor skipped ({e})"
        print(out["skipped"])
        json.dump(out, open(a.out, "w"), indent=2)
        return 0
    out["torch"] = torch.__version__
    cuda = torch.cuda.is_available()
    if cuda:
        dev = torch.device("cuda")
        out["device"] = f"cuda: {torch.cuda.get_device_name(0)}"
        out["cudnn"] = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
        torch.backends.cudnn.benchmark = True
        label = f"pytorch {torch.__version__} cuda (cuDNN {out['cudnn']})"
    elif a.cpu_fallback:
        dev = torch.device("cpu")
        if a.threads > 0:
            torch.set_num_threads(a.threads)
        out["device"] = f"cpu ({torch.get_num_threads()} threads; no CUDA)"
        label = f"pytorch {torch.__version__} cpu (no CUDA)"
    else:
        out["skipped"] = "no CUDA: anchor skipped (torch.cuda.is_available() is False; --cpu-fallback times the CPU instead)"
        print(out["skipped"])
        json.dump(out, open(a.out, "w"), indent=2)
        return 0
    print(f"torch anchor on {out['device']}, torch {torch.__version__}", flush=True)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def timed(fn):
        for _ in range(a.warmup):
            fn()
        ms = []
        for _ in range(a.repeats):
            sync()
            t0 = time.perf_counter()
            fn()
            sync()
            ms.append((time.perf_counter() - t0) * 1000)
        return {"medianMs": statistics.median(ms), "minMs": min(ms), "maxMs": max(ms), "repeats": len(ms), "warmup": a.warmup}

    modules = {"rnn_tanh": lambda D, H: torch.nn.RNN(D, H, batch_first=True, nonlinearity="tanh"), "lstm": lambda D, H: torch.nn.LSTM(D, H, batch_first=True), "gru": lambda D, H: torch.nn.GRU(D, H, batch_first=True)}
    torch.manual_seed(1234)
    for cell in a.cells.split(","):
        for s in a.shapes.split():
            D, H, T, B = (int(v) for v in s.split(","))
            m = modules[cell](D, H).to(dev)
            x = torch.randn(B, T, D, device=dev)
            y = 0.5 * torch.randn(B, T, H, device=dev)
            opt = torch.optim.SGD(m.parameters(), lr=1e-3)

            def forward():
                with torch.no_grad():
                    m(x)[0].cpu()

            def train():
                opt.zero_grad(set_to_none=True)
                loss = torch.nn.functional.mse_loss(m(x)[0], y)
                loss.backward()
                opt.step()
                loss.item()

            for task, fn in [("forward", forward)] + ([] if a.no_train else [("train", train)]):
                r = timed(fn)
                row = {"cell": cell, "shape": {"D": D, "H": H, "T": T, "B": B}, "task": task, "engine": label, **r}
                out["rows"].append(row)
                print(f"  {cell} {s} {task}: {r['medianMs']:.3f} ms", flush=True)
    json.dump(out, open(a.out, "w"), indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
