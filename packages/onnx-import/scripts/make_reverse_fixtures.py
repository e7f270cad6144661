#!/usr/bin/python3
"""Hand-built ONNX graphs with direction="reverse" recurrent nodes, for @rnnkit/onnx-import's tests.

PyTorch has no reverse-only layer, so torch.onnx.export never writes one; these graphs are built
with onnx.helper in the forms the other fixtures use (see make_fixtures.py, which calls this
module's `make_all` too). Needs only the onnx package (Debian: apt-get install python3-onnx):

    /usr/bin/python3 packages/onnx-import/scripts/make_reverse_fixtures.py

writes the three fixtures into packages/onnx-import/fixtures/ and adds their names to
index.json (keeping the names already there). No expected outputs: onnxruntime on the same
file is the reference in the tests. Seeded; each file is a few KB.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
NAMES = ['reverse_rnn_time_major_h0', 'reverse_lstm_tagger_lengths', 'reverse_gru_keras_style']


def tensor_json(a):
    a = np.asarray(a)
    return {'dtype': str(a.dtype), 'shape': list(a.shape), 'data': [float(v) if a.dtype.kind == 'f' else int(v) for v in a.reshape(-1)]}


def write(name, model_bytes, source, opset, inputs, expected, train):
    """The same files as make_fixtures.write (kept here so this script needs no PyTorch)."""
    with open(os.path.join(OUT, name + '.onnx'), 'wb') as f:
        f.write(model_bytes)
    doc = {'name': name, 'source': source, 'opset': opset, 'inputs': {k: tensor_json(v) for k, v in inputs.items()}, 'expected': expected, 'train': train}
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump(doc, f)
    print(f'{name}: {len(model_bytes)} bytes, opset {opset}')
    return name


def rnd(rng, *shape, scale=0.4):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def inits(pairs):
    return [numpy_helper.from_array(a, n) for a, n in pairs]


def finish(nodes, name, inputs, outputs, initializers, opset):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, producer_name='hand-built (reverse direction)', opset_imports=[helper.make_opsetid('', opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model.SerializeToString()


def reverse_rnn_time_major_h0(rng):
    """RNN(Tanh, direction="reverse") over time-major X [T, N, D] with initial_h as a graph input
    [1, N, H]; Y squeezed to [T, N, H] and Y_h (the state after step 0) both outputs. Opset 11:
    Squeeze takes its axes as an attribute."""
    N, T, D, H = 2, 6, 3, 5
    W, R, B = rnd(rng, 1, H, D), rnd(rng, 1, H, H), rnd(rng, 1, 2 * H)
    nodes = [
        helper.make_node('RNN', ['x', 'W', 'R', 'B', '', 'h0'], ['Y', 'h_n'], hidden_size=H, direction='reverse', activations=['Tanh'], name='rnn_reverse'),
        helper.make_node('Squeeze', ['Y'], ['out'], axes=[1]),
    ]
    model = finish(
        nodes,
        'reverse_rnn_time_major_h0',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['time', 'batch', D]), helper.make_tensor_value_info('h0', TensorProto.FLOAT, [1, 'batch', H])],
        [helper.make_tensor_value_info('out', TensorProto.FLOAT, ['time', 'batch', H]), helper.make_tensor_value_info('h_n', TensorProto.FLOAT, [1, 'batch', H])],
        inits([(W, 'W'), (R, 'R'), (B, 'B')]),
        11,
    )
    return write('reverse_rnn_time_major_h0', model, 'hand-built: RNN direction="reverse", time-major, initial_h input, Y and Y_h out', 11,
                 {'x': rnd(rng, T, N, D, scale=1.0), 'h0': rnd(rng, 1, N, H, scale=0.5)}, None, {'loss': 'mse'})


def reverse_lstm_tagger_lengths(rng):
    """Batch-first x [N, T, D] and int32 lengths [N]: Transpose → LSTM(direction="reverse",
    sequence_lens) → Squeeze (axes input, opset 14) → Transpose → MatMul + Add per step; the
    reverse direction reads each sequence from its own last valid step."""
    N, T, D, H, C = 3, 7, 4, 5, 3
    W, R, B = rnd(rng, 1, 4 * H, D), rnd(rng, 1, 4 * H, H), rnd(rng, 1, 8 * H)
    Wd, bd = rnd(rng, H, C), rnd(rng, C)
    nodes = [
        helper.make_node('Transpose', ['x'], ['x_tm'], perm=[1, 0, 2]),
        helper.make_node('LSTM', ['x_tm', 'W', 'R', 'B', 'lengths'], ['Y'], hidden_size=H, direction='reverse', name='lstm_reverse'),
        helper.make_node('Squeeze', ['Y', 'axis1'], ['y_tm']),
        helper.make_node('Transpose', ['y_tm'], ['y_bf'], perm=[1, 0, 2]),
        helper.make_node('MatMul', ['y_bf', 'Wd'], ['logits_nobias']),
        helper.make_node('Add', ['logits_nobias', 'bd'], ['y']),
    ]
    model = finish(
        nodes,
        'reverse_lstm_tagger_lengths',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 'time', D]), helper.make_tensor_value_info('lengths', TensorProto.INT32, ['batch'])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['batch', 'time', C])],
        inits([(W, 'W'), (R, 'R'), (B, 'B'), (Wd, 'Wd'), (bd, 'bd'), (np.array([1], np.int64), 'axis1')]),
        14,
    )
    return write('reverse_lstm_tagger_lengths', model, 'hand-built: LSTM direction="reverse" with sequence_lens, batch-first by Transpose, MatMul+Add per step', 14,
                 {'x': rnd(rng, N, T, D, scale=1.0), 'lengths': np.array([7, 3, 5], np.int32)}, None, {'loss': 'mse'})


def reverse_gru_keras_style(rng):
    """tf2onnx's glue around a GRU(linear_before_reset=0, direction="reverse"): Transpose to
    time-major, initial_h zeros built by Shape/Gather/Unsqueeze/Concat/Expand, Y squeezed and
    transposed back, MatMul + Add per step (TimeDistributed Dense); Y_h also an output. Opset 13."""
    N, T, D, H, C = 2, 5, 3, 4, 2
    W, R, B = rnd(rng, 1, 3 * H, D), rnd(rng, 1, 3 * H, H), rnd(rng, 1, 6 * H)
    Wd, bd = rnd(rng, H, C), rnd(rng, C)
    nodes = [
        helper.make_node('Transpose', ['seq_in'], ['gru/transpose'], perm=[1, 0, 2]),
        helper.make_node('Shape', ['seq_in'], ['gru/shape']),
        helper.make_node('Gather', ['gru/shape', 'const_idx0'], ['gru/batch'], axis=0),
        helper.make_node('Unsqueeze', ['gru/batch', 'const_axes0'], ['gru/batch_1d']),
        helper.make_node('Concat', ['const_dirs', 'gru/batch_1d', 'const_hidden'], ['gru/zeros_shape'], axis=0),
        helper.make_node('Expand', ['const_zero', 'gru/zeros_shape'], ['gru/zeros']),
        helper.make_node('GRU', ['gru/transpose', 'W', 'R', 'B', '', 'gru/zeros'], ['gru/Y', 'gru_h'], hidden_size=H, linear_before_reset=0, direction='reverse', name='gru/GRU'),
        helper.make_node('Squeeze', ['gru/Y', 'const_axes1'], ['gru/Y_sq']),
        helper.make_node('Transpose', ['gru/Y_sq'], ['gru/out'], perm=[1, 0, 2]),
        helper.make_node('MatMul', ['gru/out', 'td_kernel'], ['td/MatMul']),
        helper.make_node('Add', ['td/MatMul', 'td_bias'], ['td_out']),
    ]
    model = finish(
        nodes,
        'reverse_gru_keras_style',
        [helper.make_tensor_value_info('seq_in', TensorProto.FLOAT, ['N', 'T', D])],
        [helper.make_tensor_value_info('td_out', TensorProto.FLOAT, ['N', 'T', C]), helper.make_tensor_value_info('gru_h', TensorProto.FLOAT, [1, 'N', H])],
        inits([(W, 'W'), (R, 'R'), (B, 'B'), (Wd, 'td_kernel'), (bd, 'td_bias'), (np.array([0], np.int64), 'const_axes0'), (np.array([1], np.int64), 'const_axes1'),
               (np.array([1], np.int64), 'const_dirs'), (np.array([H], np.int64), 'const_hidden'), (np.array(0, np.float32), 'const_zero'), (np.array(0, np.int64), 'const_idx0')]),
        13,
    )
    return write('reverse_gru_keras_style', model, 'hand-built in the form tf2onnx writes around a GRU(reset_after=False), here with direction="reverse"', 13,
                 {'seq_in': rnd(rng, N, T, D, scale=1.0)}, None, {'loss': 'mse'})


def make_all():
    """The reverse fixtures, from their own seeded stream (independent of the other fixtures)."""
    rng = np.random.default_rng(16)
    return [reverse_rnn_time_major_h0(rng), reverse_lstm_tagger_lengths(rng), reverse_gru_keras_style(rng)]


def main():
    os.makedirs(OUT, exist_ok=True)
    made = make_all()
    path = os.path.join(OUT, 'index.json')
    names = json.load(open(path)) if os.path.exists(path) else []
    names += [n for n in made if n not in names]
    with open(path, 'w') as f:
        json.dump(names, f, indent=1)


if __name__ == '__main__':
    main()
