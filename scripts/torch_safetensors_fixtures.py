#!/usr/bin/python3
"""PyTorch state_dicts as safetensors files, for rnnkit's loading tests.

Regenerate (needs PyTorch; use Debian's system python, which has torch 1.13):

    /usr/bin/python3 scripts/torch_safetensors_fixtures.py

and ``--load-check WEIGHTS CONFIG`` runs the other direction (see ``load_check``).

Writes to ``packages/core/fixtures/safetensors/``:

    <name>.safetensors   the module's ``state_dict()`` (float32 unless noted), exactly as
                         ``safetensors.torch.save_file(module.state_dict(), path,
                         metadata={"format": "pt"})`` would store it
    <name>.json          how the module was built, its input and PyTorch's outputs
    index.json           the list of fixtures

The Python ``safetensors`` package is not installed here (it is not in Debian bookworm and
only the npm and Debian registries are reachable), so the file is written by hand below:
an 8-byte little-endian header length, the JSON header ``{name: {dtype, shape,
data_offsets}, "__metadata__": {...}}`` padded with spaces to a multiple of 8 bytes, then
each tensor's raw little-endian bytes back to back. ``read_safetensors`` reads every file
back and the script checks the bytes match the state_dict before writing the JSON.

Fixtures
--------
* ``{rnn_tanh,lstm,gru}_l2_bi``: a bare ``nn.RNN/LSTM/GRU(3, 4, num_layers=2,
  bidirectional=True, batch_first=True)``; names like ``weight_ih_l0`` (no prefix).
  Two cases: full length, and ``lengths`` [5, 2, 4] through ``pack_padded_sequence
  (enforce_sorted=False)`` / ``pad_packed_sequence(total_length=T)``.
* ``rnn_tanh_l2_bi_f64``: the same weights as ``rnn_tanh_l2_bi`` stored as F64
  (``state_dict()`` after ``.double()``): loading must round them back to the same float32.
* ``lstm_sequential_head``: ``nn.Sequential(nn.LSTM(3, 5, batch_first=True), nn.Identity(),
  nn.Linear(5, 2))``; names ``0.weight_ih_l0`` … ``2.weight``, ``2.bias``. Output is the
  Linear applied to each sequence's last valid step (rnnkit: lstm → lastStep → linear).
* ``gru_module_prefixes``: a custom module with ``self.rnn = nn.GRU(3, 4, batch_first=True,
  bidirectional=True)`` and ``self.fc = nn.Linear(8, 3)`` applied at every step; names
  ``rnn.weight_ih_l0`` … ``fc.weight``: loaded with prefixes {"rnn.": "0.", "fc.": "1."}.

JSON schema (tensors are {"shape": [...], "data": [...]}, flat row-major, float32 values
written exactly as Python floats):

    name, torch_version, weights (file name), dtype, naming ("bare" | "sequential" |
    "prefixes"), prefixes (object or null),
    layers: rnnkit layer list (recurrent/select/linear with every size resolved),
    cases: [{ lengths (list or null), x [B,T,D], output, h_n, c_n (null unless LSTM) }]
      output is the whole model's output; h_n / c_n those of its recurrent layer.
"""

import json
import os
import struct
import sys

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "packages", "core", "fixtures", "safetensors")

DTYPES = {
    torch.float64: ("F64", 8),
    torch.float32: ("F32", 4),
    torch.float16: ("F16", 2),
    torch.bfloat16: ("BF16", 2),
    torch.int64: ("I64", 8),
    torch.int32: ("I32", 4),
    torch.uint8: ("U8", 1),
    torch.bool: ("BOOL", 1),
}


def tensor_bytes(t):
    """Raw little-endian bytes of a tensor, row-major."""
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits
        t = t.view(torch.int16)
    arr = t.numpy()
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, t in tensors.items():
        dtype, _ = DTYPES[t.dtype]
        b = tensor_bytes(t)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Minimal strict reader, to check what was written: {name: (dtype, shape, bytes)}, metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    out = {}
    cursor = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e = info["data_offsets"]
        assert b == cursor, (name, b, cursor)
        size = DTYPES_BY_NAME[info["dtype"]]
        numel = 1
        for d in info["shape"]:
            numel *= d
        assert e - b == numel * size, name
        out[name] = (info["dtype"], info["shape"], data[b:e])
        cursor = e
    assert cursor == len(data)
    return out, meta


DTYPES_BY_NAME = {v[0]: v[1] for v in DTYPES.values()}


def tj(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def recurrent_layer(cell, mod):
    return {
        "type": "recurrent",
        "cell": cell,
        "inputSize": mod.input_size,
        "hiddenSize": mod.hidden_size,
        "numLayers": mod.num_layers,
        "bidirectional": mod.bidirectional,
        "dropout": 0,
        "batchFirst": mod.batch_first,
        "bias": mod.bias,
        "gruResetAfter": True,
    }


def run_rnn(mod, x, lengths):
    """Returns output [B,T,dirs*H], h_n, c_n (or None) with torch's packed-sequence semantics."""
    T = x.shape[1]
    if lengths is None:
        out, st = mod(x)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        pout, st = mod(packed)
        out, _ = pad_packed_sequence(pout, batch_first=True, total_length=T)
    h_n, c_n = st if isinstance(st, tuple) else (st, None)
    return out, h_n, c_n


def last_valid(out, lengths):
    B, T = out.shape[0], out.shape[1]
    idx = [T - 1] * B if lengths is None else [L - 1 for L in lengths]
    return out[torch.arange(B), torch.tensor(idx)]


def make_module(cell, **kw):
    if cell == "lstm":
        return nn.LSTM(**kw)
    if cell == "gru":
        return nn.GRU(**kw)
    return nn.RNN(nonlinearity="tanh" if cell == "rnn_tanh" else "relu", **kw)


B, T, D = 3, 5, 3
LENGTHS = [5, 2, 4]


def bare_fixture(cell, seed):
    torch.manual_seed(seed)
    mod = make_module(cell, input_size=D, hidden_size=4, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(B, T, D)
    cases = []
    with torch.no_grad():
        for lengths in (None, LENGTHS):
            out, h_n, c_n = run_rnn(mod, x, lengths)
            cases.append({"lengths": lengths, "x": tj(x), "output": tj(out), "h_n": tj(h_n), "c_n": tj(c_n) if c_n is not None else None})
    return mod, {"naming": "bare", "prefixes": None, "layers": [recurrent_layer(cell, mod)], "cases": cases}


def sequential_fixture(seed):
    torch.manual_seed(seed)
    seq = nn.Sequential(nn.LSTM(D, 5, batch_first=True), nn.Identity(), nn.Linear(5, 2))
    x = torch.randn(B, T, D)
    cases = []
    with torch.no_grad():
        for lengths in (None, LENGTHS):
            out, h_n, c_n = run_rnn(seq[0], x, lengths)
            y = seq[2](last_valid(out, lengths))
            cases.append({"lengths": lengths, "x": tj(x), "output": tj(y), "h_n": tj(h_n), "c_n": tj(c_n)})
    layers = [recurrent_layer("lstm", seq[0]), {"type": "select", "steps": "last"}, {"type": "linear", "inFeatures": 5, "outFeatures": 2, "bias": True}]
    return seq, {"naming": "sequential", "prefixes": None, "layers": layers, "cases": cases}


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(D, 4, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        out, h_n = self.rnn(x)
        return self.fc(out), h_n


def prefixes_fixture(seed):
    torch.manual_seed(seed)
    m = Tagger()
    x = torch.randn(B, T, D)
    with torch.no_grad():
        y, h_n = m(x)
    layers = [recurrent_layer("gru", m.rnn), {"type": "linear", "inFeatures": 8, "outFeatures": 3, "bias": True}]
    cases = [{"lengths": None, "x": tj(x), "output": tj(y), "h_n": tj(h_n), "c_n": None}]
    return m, {"naming": "prefixes", "prefixes": {"rnn.": "0.", "fc.": "1."}, "layers": layers, "cases": cases}


def save(name, module, info, state=None):
    state = module.state_dict() if state is None else state
    path = os.path.join(OUT_DIR, name + ".safetensors")
    write_safetensors(path, state, {"format": "pt"})
    back, meta = read_safetensors(path)
    assert meta == {"format": "pt"}
    assert list(back.keys()) == list(state.keys()), (list(back.keys()), list(state.keys()))
    for k, t in state.items():
        dtype, shape, b = back[k]
        assert dtype == DTYPES[t.dtype][0] and shape == list(t.shape) and b == tensor_bytes(t), k
    dtype = sorted({DTYPES[t.dtype][0] for t in state.values()})
    doc = {"name": name, "torch_version": torch.__version__, "weights": name + ".safetensors", "dtype": ",".join(dtype), **info}
    with open(os.path.join(OUT_DIR, name + ".json"), "w") as f:
        f.write(json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n")
    print("wrote %-24s %d tensors, %d bytes" % (name, len(state), os.path.getsize(path)))
    return name


def load_check(weights_path, config_path):
    """The other direction: loads a safetensors file written by rnnkit into a bare torch module.

    ``config_path`` is JSON {layers: [one recurrent layer spec], x: {shape, data}, lengths};
    prints JSON {output, h_n, c_n} computed by torch. Names may carry rnnkit's ``0.`` prefix.
    Used by tests/integration (io_torch.test.ts) when /usr/bin/python3 has torch.
    """
    with open(config_path) as f:
        cfg = json.load(f)
    rec = cfg["layers"][0]
    mod = make_module(rec["cell"], input_size=rec["inputSize"], hidden_size=rec["hiddenSize"],
                      num_layers=rec["numLayers"], bidirectional=rec["bidirectional"],
                      batch_first=rec["batchFirst"], bias=rec["bias"])
    tensors, meta = read_safetensors(weights_path)
    state = {}
    for name, (dtype, shape, b) in tensors.items():
        assert dtype == "F32", (name, dtype)
        t = torch.frombuffer(bytearray(b), dtype=torch.float32).reshape(shape)
        state[name[2:] if name.startswith("0.") else name] = t
    mod.load_state_dict(state, strict=True)
    x = torch.tensor(cfg["x"]["data"], dtype=torch.float32).reshape(cfg["x"]["shape"])
    with torch.no_grad():
        out, h_n, c_n = run_rnn(mod, x, cfg.get("lengths"))
    print(json.dumps({"format": meta.get("format"), "output": tj(out), "h_n": tj(h_n), "c_n": tj(c_n) if c_n is not None else None}))
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--load-check":
        return load_check(sys.argv[2], sys.argv[3])
    os.makedirs(OUT_DIR, exist_ok=True)
    names = []
    for i, cell in enumerate(["rnn_tanh", "lstm", "gru"]):
        mod, info = bare_fixture(cell, 1000 + i)
        names.append(save(cell + "_l2_bi", mod, info))
        if cell == "rnn_tanh":
            f64 = {k: v.double() for k, v in mod.state_dict().items()}
            names.append(save(cell + "_l2_bi_f64", mod, info, f64))
    seq, info = sequential_fixture(2000)
    names.append(save("lstm_sequential_head", seq, info))
    m, info = prefixes_fixture(3000)
    names.append(save("gru_module_prefixes", m, info))
    with open(os.path.join(OUT_DIR, "index.json"), "w") as f:
        f.write(json.dumps({"torch_version": torch.__version__, "fixtures": names}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
