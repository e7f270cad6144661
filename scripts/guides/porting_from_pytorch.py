"""The PyTorch side of docs/guides/porting-from-pytorch.md.

Trains a small nn.LSTM (time-major, PyTorch's default layout) and makes an nn.GRU inside a
module with a head (batch_first=True), saves their weights as safetensors with PyTorch's own
names, and saves a fixed input with its outputs and final states. The LSTM runs over padded
sequences with int64 lengths (pack_padded_sequence). tests/integration/test/guide_porting.test.ts
loads these files in rnnkit on every backend and checks the same numbers.

Run: /usr/bin/python3 scripts/guides/porting_from_pytorch.py tests/integration/fixtures/guides
(Debian python3-torch 1.13, CPU).
"""
import os
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save_file  # noqa: E402

out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out_dir, exist_ok=True)
torch.manual_seed(0)

# 1. A plain nn.LSTM, time-major ([T, B, D]), trained a little to predict the next step of a sine.
lstm = nn.LSTM(input_size=3, hidden_size=5, num_layers=2)
head = nn.Linear(5, 3)
opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-2)
t = torch.arange(0, 200, dtype=torch.float32) / 10
series = torch.stack([torch.sin(t), torch.cos(t), torch.sin(2 * t)], dim=1)  # [200, 3]
for step in range(30):
    starts = torch.randint(0, 180, (8,))
    x = torch.stack([series[s : s + 12] for s in starts], dim=1)  # [12, 8, 3]
    y = torch.stack([series[s + 1 : s + 13] for s in starts], dim=1)
    out, _ = lstm(x)
    loss = ((head(out) - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
save_file(lstm.state_dict(), os.path.join(out_dir, "lstm.safetensors"))  # bare names: weight_ih_l0, …

# 2. A module with a batch-first, bidirectional GRU and a head; its checkpoint holds both.
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(input_size=3, hidden_size=4, batch_first=True, bidirectional=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        out, h_n = self.gru(x)
        return self.head(out), out, h_n


tagger = Tagger()
save_file(tagger.state_dict(), os.path.join(out_dir, "tagger.safetensors"))  # gru.weight_ih_l0, …, head.weight

# 3. Fixed inputs and what PyTorch computes for them.
with torch.no_grad():
    x_tm = torch.randn(6, 3, 3)  # [T=6, B=3, D=3], time-major
    lengths = torch.tensor([6, 4, 2], dtype=torch.int64)  # PyTorch lengths are int64
    packed = pack_padded_sequence(x_tm, lengths, enforce_sorted=False)
    out_packed, (h_n, c_n) = lstm(packed)
    lstm_out, _ = pad_packed_sequence(out_packed, total_length=6)  # zeros past each length
    x_bf = torch.randn(2, 5, 3)  # [B=2, T=5, D=3], batch-first
    _, gru_out, gru_h_n = tagger(x_bf)
save_file(
    {
        "x_tm": x_tm,
        "lengths": lengths,
        "lstm_output": lstm_out,
        "lstm_h_n": h_n,
        "lstm_c_n": c_n,
        "x_bf": x_bf,
        "gru_output": gru_out,
        "gru_h_n": gru_h_n,
    },
    os.path.join(out_dir, "porting_io.safetensors"),
    {"torch": torch.__version__},
)
print("wrote", out_dir, "final training loss", float(loss))
