"""The PyTorch side of docs/guides/distributed-training.md: data-parallel training with
DistributedDataParallel (gloo backend, 2 processes on CPU via torch.multiprocessing.spawn).

Each process trains a replica on its shard of the data (DistributedSampler); DDP averages the
gradients across processes after every backward, so the replicas stay identical. Rank 0 saves
the trained weights (the wrapped module's state_dict: rnn.*, head.*) as safetensors, and a
probe input with the model's outputs, which tests/integration/test/guide_distributed.test.ts
reproduces in rnnkit on every backend.

Run: /usr/bin/python3 scripts/guides/ddp_train.py tests/integration/fixtures/guides
(Debian python3-torch 1.13, CPU).
"""
import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save_file  # noqa: E402

WORLD_SIZE = 2


class Forecaster(nn.Module):
    """Next value of a noisy sine from the last 16 steps: LSTM (batch-first) → last step → Linear."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(input_size=1, hidden_size=16, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x):  # x: [B, T, 1]
        out, _ = self.rnn(x)
        return self.head(out[:, -1])  # [B, 1]


def dataset():
    g = torch.Generator().manual_seed(1)
    t = torch.arange(0, 2000, dtype=torch.float32) / 8
    series = torch.sin(t) + 0.05 * torch.randn(t.shape, generator=g)
    x = torch.stack([series[i : i + 16] for i in range(0, 1900, 2)]).unsqueeze(-1)  # [950, 16, 1]
    y = torch.stack([series[i + 16] for i in range(0, 1900, 2)]).unsqueeze(-1)  # [950, 1]
    return TensorDataset(x, y)


def train(rank, out_dir):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29533")
    dist.init_process_group("gloo", rank=rank, world_size=WORLD_SIZE)
    torch.manual_seed(0)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    model = DDP(Forecaster())
    data = dataset()
    sampler = DistributedSampler(data, num_replicas=WORLD_SIZE, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(data, batch_size=32, sampler=sampler)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(4):
        sampler.set_epoch(epoch)
        total = 0.0
        for x, y in loader:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()  # DDP all-reduces (averages) the gradients here
            opt.step()
            total += float(loss) * len(x)
        mean = torch.tensor([total, len(sampler)], dtype=torch.float64)
        dist.all_reduce(mean)
        if rank == 0:
            print(f"epoch {epoch}: loss {float(mean[0] / mean[1]):.5f}")
    if rank == 0:
        module = model.module  # the plain Forecaster inside the DDP wrapper
        save_file(module.state_dict(), os.path.join(out_dir, "ddp_forecaster.safetensors"))
        with torch.no_grad():
            probe = data.tensors[0][:4]  # [4, 16, 1]
            save_file({"x": probe, "y": module(probe)}, os.path.join(out_dir, "ddp_probe.safetensors"), {"torch": torch.__version__})
    dist.destroy_process_group()


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    mp.spawn(train, args=(out_dir,), nprocs=WORLD_SIZE, join=True)
