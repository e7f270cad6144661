#!/usr/bin/python3
"""ONNX files from real exporters, for @rnnkit/onnx-import's tests.

Regenerate (needs PyTorch and the onnx package; Debian: apt-get install python3-torch
python3-onnx, then use the system python):

    /usr/bin/python3 packages/onnx-import/scripts/make_fixtures.py

Writes to packages/onnx-import/fixtures/:
    <name>.onnx   the model
    <name>.json   {"name", "source", "opset", "inputs": {onnx name: {"dtype", "shape", "data"}},
                   "expected": {onnx output name: {"shape", "data"}} (PyTorch's own float32
                   results for torch.onnx.export fixtures; null for hand-built graphs, whose
                   reference is onnxruntime in the tests), "train": {"loss", "target_output"}}
    index.json    the list of names

Two kinds of fixture:
  * torch.onnx.export of real torch.nn modules (the exporter's own glue: Shape/Gather/
    ConstantOfShape zero states, Transpose for batch_first, Squeeze / Transpose+Reshape of Y,
    Gather of the last step, Gemm or MatMul+Add heads, LogSoftmax), at opsets 9..17, with
    dynamic batch and time axes where the test says so.
  * Graphs built with onnx.helper in the form tf2onnx writes for Keras layers: Transpose around
    the recurrent node, GRU with linear_before_reset=0 (Keras reset_after=False), Expand-built
    zero states, Split/Squeeze/Concat of directions, MatMul+Add Dense heads, Softmax.

Everything is seeded; sizes are small so all files together stay well under 1 MB.
"""
import io
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')


def tensor_json(a, dtype=None):
    a = np.asarray(a)
    return {'dtype': dtype or str(a.dtype), 'shape': list(a.shape), 'data': [float(v) if a.dtype.kind == 'f' else int(v) for v in a.reshape(-1)]}


def write(name, model_bytes, source, opset, inputs, expected, train):
    with open(os.path.join(OUT, name + '.onnx'), 'wb') as f:
        f.write(model_bytes)
    doc = {
        'name': name,
        'source': source,
        'opset': opset,
        'inputs': {k: tensor_json(v) for k, v in inputs.items()},
        'expected': None if expected is None else {k: tensor_json(v) for k, v in expected.items()},
        'train': train,
    }
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump(doc, f)
    print(f'{name}: {len(model_bytes)} bytes, opset {opset}')
    return name


def torch_export(name, module, args, input_names, output_names, dynamic_axes, opset, train, fold=True):
    module.eval()
    f = io.BytesIO()
    torch.onnx.export(module, args, f, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=opset, do_constant_folding=fold)
    with torch.no_grad():
        outs = module(*args)
    if not isinstance(outs, tuple):
        outs = (outs,)
    flat = []
    for o in outs:
        flat.extend(o if isinstance(o, tuple) else (o,))
    expected = {n: o.numpy() for n, o in zip(output_names, flat)}
    inputs = {n: a.numpy() for n, a in zip(input_names, args)}
    onnx.checker.check_model(onnx.load_from_string(f.getvalue()))
    return write(name, f.getvalue(), f'torch {torch.__version__} torch.onnx.export', opset, inputs, expected, train)


class Forecaster(torch.nn.Module):
    """LSTM forecaster: 2-layer LSTM over [B, T, 1], Linear on the last step (out[:, -1])."""

    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(1, 8, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(8, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


class ForecasterFromState(torch.nn.Module):
    """The same shape of model reading h_n[-1] instead of out[:, -1] (identical for a forward LSTM)."""

    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(2, 6, batch_first=True)
        self.head = torch.nn.Linear(6, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


class Tagger(torch.nn.Module):
    """Embedding → 2-layer bidirectional GRU → Linear per step → LogSoftmax."""

    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(20, 6)
        self.gru = torch.nn.GRU(6, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(10, 4)

    def forward(self, ids):
        out, _ = self.gru(self.emb(ids))
        return torch.log_softmax(self.head(out), dim=-1)


class ReluRnn(torch.nn.Module):
    """2-layer ReLU RNN, time-major, h0 as an input; returns the sequence and h_n."""

    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.RNN(3, 5, num_layers=2, nonlinearity='relu')

    def forward(self, x, h0):
        return self.rnn(x, h0)


class Streaming(torch.nn.Module):
    """LSTM with state in and out, for chunk-by-chunk streaming."""

    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(2, 7, batch_first=True)
        self.head = torch.nn.Linear(7, 2)

    def forward(self, x, h0, c0):
        out, (h, c) = self.lstm(x, (h0, c0))
        return self.head(out), h, c


class TimeMajorGru(torch.nn.Module):
    """Time-major GRU with a per-step linear head, exported with fixed shapes and without constant
    folding, so the weights reach the GRU node through the exporter's Slice/Concat/Unsqueeze of
    the PyTorch tensors (opset 10; torch's opset 7/8 exports use the non-standard ConstantFill)."""

    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(3, 4)
        self.head = torch.nn.Linear(4, 2)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out)


class PackedTagger(torch.nn.Module):
    """Bidirectional GRU over a padded batch through pack_padded_sequence (lengths as an input, in
    decreasing order as enforce_sorted=True exports), per-step Linear, h_n out: sequence_lens, and
    the reverse direction starting at each sequence's own last step."""

    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(3, 4, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(8, 2)

    def forward(self, x, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=True)
        out, h = self.gru(packed)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.head(out), h


def rnd(rng, *shape, scale=0.4):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def keras_gru_classifier(rng):
    """tf2onnx's form of Keras GRU(reset_after=False) → Dense(softmax): Transpose to time-major,
    GRU(linear_before_reset=0) with initial_h zeros built by Shape/Gather/Unsqueeze/Concat/Expand,
    the final state Y_h squeezed to [B, H], MatMul + Add, Softmax."""
    B, T, D, H, C = 3, 6, 4, 5, 3
    W, R, Bias = rnd(rng, 1, 3 * H, D), rnd(rng, 1, 3 * H, H), rnd(rng, 1, 6 * H)
    Wd, bd = rnd(rng, H, C), rnd(rng, C)
    inits = [numpy_helper.from_array(a, n) for a, n in [(W, 'gru_W'), (R, 'gru_R'), (Bias, 'gru_B'), (Wd, 'dense_kernel'), (bd, 'dense_bias'),
                                                         (np.array([0], np.int64), 'const_axes0'), (np.array([1], np.int64), 'const_dirs'), (np.array([H], np.int64), 'const_hidden'),
                                                         (np.array(0, np.float32), 'const_zero'), (np.array(0, np.int64), 'const_idx0')]]
    nodes = [
        helper.make_node('Transpose', ['input_1'], ['gru/transpose'], perm=[1, 0, 2]),
        helper.make_node('Shape', ['input_1'], ['gru/shape']),
        helper.make_node('Gather', ['gru/shape', 'const_idx0'], ['gru/batch'], axis=0),
        helper.make_node('Unsqueeze', ['gru/batch', 'const_axes0'], ['gru/batch_1d']),
        helper.make_node('Concat', ['const_dirs', 'gru/batch_1d', 'const_hidden'], ['gru/zeros_shape'], axis=0),
        helper.make_node('Expand', ['const_zero', 'gru/zeros_shape'], ['gru/zeros']),
        helper.make_node('GRU', ['gru/transpose', 'gru_W', 'gru_R', 'gru_B', '', 'gru/zeros'], ['gru/Y', 'gru/Y_h'], hidden_size=H, linear_before_reset=0, name='gru/GRU'),
        helper.make_node('Squeeze', ['gru/Y_h', 'const_axes0'], ['gru/last']),
        helper.make_node('MatMul', ['gru/last', 'dense_kernel'], ['dense/MatMul']),
        helper.make_node('Add', ['dense/MatMul', 'dense_bias'], ['dense/BiasAdd']),
        helper.make_node('Softmax', ['dense/BiasAdd'], ['dense'], axis=-1),
    ]
    graph = helper.make_graph(nodes, 'keras_gru_classifier',
                              [helper.make_tensor_value_info('input_1', TensorProto.FLOAT, ['unk__batch', 'unk__time', D])],
                              [helper.make_tensor_value_info('dense', TensorProto.FLOAT, ['unk__batch', C])], inits)
    model = helper.make_model(graph, producer_name='tf2onnx-style (hand-built)', opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    x = rnd(rng, B, T, D, scale=1.0)
    return write('keras_gru_classifier', model.SerializeToString(), 'hand-built in the form tf2onnx writes for Keras GRU(reset_after=False) + Dense(softmax)', 13,
                 {'input_1': x}, None, {'loss': 'crossEntropy'})


def keras_bidirectional_sequence(rng):
    """tf2onnx's form of Keras Bidirectional(GRU(return_sequences=True, reset_after=False)) →
    TimeDistributed(Dense): opset 12 (Squeeze/Split axes as attributes), directions split,
    squeezed and concatenated on the feature axis, transposed back to batch-first."""
    B, T, D, H, C = 2, 5, 3, 4, 2
    W, R, Bias = rnd(rng, 2, 3 * H, D), rnd(rng, 2, 3 * H, H), rnd(rng, 2, 6 * H)
    Wd, bd = rnd(rng, 2 * H, C), rnd(rng, C)
    inits = [numpy_helper.from_array(a, n) for a, n in [(W, 'W'), (R, 'R'), (Bias, 'B'), (Wd, 'td_kernel'), (bd, 'td_bias')]]
    nodes = [
        helper.make_node('Transpose', ['seq_in'], ['bidi/transpose'], perm=[1, 0, 2]),
        helper.make_node('GRU', ['bidi/transpose', 'W', 'R', 'B'], ['bidi/Y', ''], hidden_size=H, linear_before_reset=0, direction='bidirectional', name='bidi/GRU'),
        helper.make_node('Split', ['bidi/Y'], ['bidi/fw', 'bidi/bw'], axis=1, split=[1, 1]),
        helper.make_node('Squeeze', ['bidi/fw'], ['bidi/fw_sq'], axes=[1]),
        helper.make_node('Squeeze', ['bidi/bw'], ['bidi/bw_sq'], axes=[1]),
        helper.make_node('Concat', ['bidi/fw_sq', 'bidi/bw_sq'], ['bidi/concat'], axis=-1),
        helper.make_node('Transpose', ['bidi/concat'], ['bidi/out'], perm=[1, 0, 2]),
        helper.make_node('MatMul', ['bidi/out', 'td_kernel'], ['td/MatMul']),
        helper.make_node('Add', ['td/MatMul', 'td_bias'], ['td_out']),
    ]
    graph = helper.make_graph(nodes, 'keras_bidirectional_sequence',
                              [helper.make_tensor_value_info('seq_in', TensorProto.FLOAT, ['N', 'T', D])],
                              [helper.make_tensor_value_info('td_out', TensorProto.FLOAT, ['N', 'T', C])], inits)
    model = helper.make_model(graph, producer_name='tf2onnx-style (hand-built)', opset_imports=[helper.make_opsetid('', 12)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    x = rnd(rng, B, T, D, scale=1.0)
    return write('keras_bidirectional_sequence', model.SerializeToString(), 'hand-built in the form tf2onnx writes for Keras Bidirectional(GRU(reset_after=False)) + TimeDistributed(Dense)', 12,
                 {'seq_in': x}, None, {'loss': 'mse'})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    names = []
    names.append(torch_export('torch_lstm_forecaster', Forecaster(), (torch.randn(3, 12, 1),), ['x'], ['y'],
                              {'x': {0: 'batch', 1: 'time'}, 'y': {0: 'batch'}}, 14, {'loss': 'mse'}))
    names.append(torch_export('torch_lstm_forecaster_hn', ForecasterFromState(), (torch.randn(2, 9, 2),), ['x'], ['y'],
                              {'x': {0: 'batch', 1: 'time'}, 'y': {0: 'batch'}}, 17, {'loss': 'mse'}))
    names.append(torch_export('torch_gru_tagger', Tagger(), (torch.randint(0, 20, (2, 7)),), ['tokens'], ['log_probs'],
                              {'tokens': {0: 'batch', 1: 'time'}, 'log_probs': {0: 'batch', 1: 'time'}}, 15, {'loss': 'crossEntropy'}))
    names.append(torch_export('torch_rnn_relu_h0', ReluRnn(), (torch.randn(6, 2, 3), torch.randn(2, 2, 5) * 0.5), ['x', 'h0'], ['out', 'h_n'],
                              {'x': {0: 'time', 1: 'batch'}, 'h0': {1: 'batch'}, 'out': {0: 'time', 1: 'batch'}, 'h_n': {1: 'batch'}}, 9, {'loss': 'mse'}))
    names.append(torch_export('torch_lstm_streaming', Streaming(), (torch.randn(2, 5, 2), torch.randn(1, 2, 7) * 0.5, torch.randn(1, 2, 7) * 0.5),
                              ['x', 'h0', 'c0'], ['y', 'h_n', 'c_n'],
                              {'x': {0: 'batch', 1: 'time'}, 'h0': {1: 'batch'}, 'c0': {1: 'batch'}, 'y': {0: 'batch', 1: 'time'}, 'h_n': {1: 'batch'}, 'c_n': {1: 'batch'}}, 13, {'loss': 'mse'}))
    names.append(torch_export('torch_gru_time_major_unfolded', TimeMajorGru(), (torch.randn(5, 2, 3),), ['x'], ['y'], None, 10, {'loss': 'mse'}, fold=False))
    names.append(torch_export('torch_gru_packed', PackedTagger(), (torch.randn(3, 6, 3), torch.tensor([6, 4, 2])), ['x', 'lengths'], ['y', 'h_n'],
                              {'x': {0: 'batch', 1: 'time'}, 'lengths': {0: 'batch'}, 'y': {0: 'batch', 1: 'time'}, 'h_n': {1: 'batch'}}, 14, {'loss': 'mse'}))
    names.append(keras_gru_classifier(rng))
    names.append(keras_bidirectional_sequence(rng))
    # direction="reverse" graphs (no PyTorch needed: make_reverse_fixtures.py also runs alone).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_reverse_fixtures
    names += make_reverse_fixtures.make_all()
    with open(os.path.join(OUT, 'index.json'), 'w') as f:
        json.dump(names, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f'{len(names)} fixtures, {total} bytes in total')
    if total > 1_000_000:
        sys.exit('fixtures exceed 1 MB: make them smaller')


if __name__ == '__main__':
    main()
