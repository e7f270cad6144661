import type { Backend } from '../../backend/backend.js';
import type { RnnkitErrorCode } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { check, expectRnnkitError } from './expect.js';
import type { KitCase } from './primitive_cases.js';

/**
 * The same bad call gives the same RnnkitError — code, argument and the whole message — on every
 * backend, and leaves the backend as it was (no tensor made, none released). `{be}` in a message
 * stands for the backend's name.
 */
interface BadCall {
  name: string;
  call(be: Backend, t: (shape: number[]) => Tensor, other: Backend): unknown;
  code: RnnkitErrorCode;
  argument: string;
  message: string;
}

const BAD_CALLS: BadCall[] = [
  {
    name: 'upload: too few values',
    call: (be) => be.upload(new Float32Array(5), [2, 3]),
    code: 'SHAPE_MISMATCH',
    argument: 'data',
    message: 'upload: data: expected 6 values for shape [2, 3], got 5',
  },
  {
    name: 'upload: not a Float32Array',
    call: (be) => be.upload([1, 2] as unknown as Float32Array, [2]),
    code: 'INVALID_ARGUMENT',
    argument: 'data',
    message: 'upload: data: expected a Float32Array, got [1, 2]',
  },
  {
    name: 'zeros: a negative extent',
    call: (be) => be.zeros([2, -1]),
    code: 'INVALID_ARGUMENT',
    argument: 'shape',
    message: 'zeros: shape: expected a list of non-negative integers, got [2, -1]',
  },
  {
    name: 'reshape: another size',
    call: (be, t) => be.reshape(t([2, 3]), [4, 2]),
    code: 'SHAPE_MISMATCH',
    argument: 'shape',
    message: 'reshape: shape: expected shape 6 elements (x is [2, 3]), got [4, 2]',
  },
  {
    name: 'add: shapes differ',
    call: (be, t) => be.add(t([2, 3]), t([3, 2])),
    code: 'SHAPE_MISMATCH',
    argument: 'b',
    message: 'add: b: expected shape [2, 3] (the shape of a), got [3, 2]',
  },
  {
    name: 'tanhBackward: shapes differ',
    call: (be, t) => be.tanhBackward(t([2, 3]), t([2, 2])),
    code: 'SHAPE_MISMATCH',
    argument: 'dy',
    message: 'tanhBackward: dy: expected shape [2, 3] (the shape of y), got [2, 2]',
  },
  {
    name: 'matmul: inner sizes differ',
    call: (be, t) => be.matmul(t([2, 3]), t([4, 5])),
    code: 'SHAPE_MISMATCH',
    argument: 'b',
    message: 'matmul: b: expected shape [3, N] (K = 3 from a [2, 3]), got [4, 5]',
  },
  {
    name: 'matmul: rank 3',
    call: (be, t) => be.matmul(t([2, 3, 1]), t([1, 5])),
    code: 'SHAPE_MISMATCH',
    argument: 'a',
    message: 'matmul: a: expected shape [rows, cols] (rank 2), got [2, 3, 1]',
  },
  {
    name: 'matmul: c of another shape',
    call: (be, t) => be.matmul(t([2, 3]), t([3, 4]), { c: t([4, 2]) }),
    code: 'SHAPE_MISMATCH',
    argument: 'c',
    message: 'matmul: c: expected shape [2, 4], got [4, 2]',
  },
  {
    name: 'matmul: alpha NaN',
    call: (be, t) => be.matmul(t([2, 3]), t([3, 4]), { alpha: Number.NaN }),
    code: 'INVALID_ARGUMENT',
    argument: 'alpha',
    message: 'matmul: alpha: expected a finite number, got NaN',
  },
  {
    name: 'affine: s not a number',
    call: (be, t) => be.affine(t([2]), '2' as unknown as number, 0),
    code: 'INVALID_ARGUMENT',
    argument: 's',
    message: 'affine: s: expected a number, got "2"',
  },
  {
    name: 'clip: hi below lo',
    call: (be, t) => be.clip(t([2]), 1, 0),
    code: 'INVALID_ARGUMENT',
    argument: 'hi',
    message: 'clip: hi: expected a number ≥ lo (1), got 0',
  },
  {
    name: 'addRowVector: wrong length',
    call: (be, t) => be.addRowVector(t([4, 3]), t([4])),
    code: 'SHAPE_MISMATCH',
    argument: 'v',
    message: 'addRowVector: v: expected shape [3], got [4]',
  },
  {
    name: 'mulColumnVector: wrong length',
    call: (be, t) => be.mulColumnVector(t([4, 3]), t([3])),
    code: 'SHAPE_MISMATCH',
    argument: 'v',
    message: 'mulColumnVector: v: expected shape [4], got [3]',
  },
  {
    name: 'sliceRows: start past the end',
    call: (be, t) => be.sliceRows(t([2, 3]), 3, 0),
    code: 'INVALID_ARGUMENT',
    argument: 'start',
    message: 'sliceRows: start: expected an integer in [0, 2], got 3',
  },
  {
    name: 'sliceColumns: too wide',
    call: (be, t) => be.sliceColumns(t([2, 3]), 1, 3),
    code: 'INVALID_ARGUMENT',
    argument: 'width',
    message: 'sliceColumns: width: expected an integer in [0, 2], got 3',
  },
  {
    name: 'concatRows: no parts',
    call: (be) => be.concatRows([]),
    code: 'INVALID_ARGUMENT',
    argument: 'parts',
    message: 'concatRows: parts: expected at least one tensor, got 0',
  },
  {
    name: 'concatColumns: rows differ',
    call: (be, t) => be.concatColumns([t([2, 3]), t([3, 3])]),
    code: 'SHAPE_MISMATCH',
    argument: 'parts[1]',
    message: 'concatColumns: parts[1]: expected shape [2, *] (the rows of parts[0] [2, 3]), got [3, 3]',
  },
  {
    name: 'gatherRows: an index out of range',
    call: (be, t) => be.gatherRows(t([2, 3]), Int32Array.from([0, 5])),
    code: 'INVALID_ARGUMENT',
    argument: 'indices[1]',
    message: 'gatherRows: indices[1]: expected a row index in [0, 2), got 5',
  },
  {
    name: 'gatherRows: indices not an Int32Array',
    call: (be, t) => be.gatherRows(t([2, 3]), [0] as unknown as Int32Array),
    code: 'INVALID_ARGUMENT',
    argument: 'indices',
    message: 'gatherRows: indices: expected an Int32Array, got [0]',
  },
  {
    name: 'scatterAddRows: one index per row',
    call: (be, t) => be.scatterAddRows(t([3, 2]), Int32Array.from([0, 1]), 4),
    code: 'SHAPE_MISMATCH',
    argument: 'a',
    message: 'scatterAddRows: a: expected shape [2, N] (one row per index), got [3, 2]',
  },
  {
    name: 'softmaxCrossEntropy: a class id out of range',
    call: (be, t) => be.softmaxCrossEntropy(t([2, 3]), Int32Array.from([1, 3]), -100),
    code: 'INVALID_ARGUMENT',
    argument: 'targets[1]',
    message: 'softmaxCrossEntropy: targets[1]: expected a class id in [0, 3) or ignoreIndex -100, got 3',
  },
  {
    name: 'squaredErrorGrad: shapes differ',
    call: (be, t) => be.squaredErrorGrad(t([2, 3]), t([3, 3]), 1),
    code: 'SHAPE_MISMATCH',
    argument: 'target',
    message: 'squaredErrorGrad: target: expected shape [2, 3] (the shape of output), got [3, 3]',
  },
  {
    name: 'sgdUpdate: grad of another shape',
    call: (be, t) => be.sgdUpdate({ param: t([2, 3]), grad: t([3, 2]), lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }),
    code: 'SHAPE_MISMATCH',
    argument: 'grad',
    message: 'sgdUpdate: grad: expected shape [2, 3] (the shape of param), got [3, 2]',
  },
  {
    name: 'adamUpdate: step 0',
    call: (be, t) =>
      be.adamUpdate({
        param: t([2]),
        grad: t([2]),
        m: t([2]),
        v: t([2]),
        step: 0,
        lr: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        decoupled: false,
      }),
    code: 'INVALID_ARGUMENT',
    argument: 'step',
    message: 'adamUpdate: step: expected an integer ≥ 1, got 0',
  },
  {
    name: 'recurrentForward: h0 of another shape',
    call: (be, t) =>
      be.recurrentForward({ cell: 'lstm', gruResetAfter: true, x: t([3, 2, 4]), weightIh: t([20, 4]), weightHh: t([20, 5]), h0: t([2, 4]), training: false }),
    code: 'SHAPE_MISMATCH',
    argument: 'h0',
    message: 'recurrentForward: h0: expected shape [2, 5], got [2, 4]',
  },
  {
    name: 'recurrentForward: batch-first x of rank 2',
    call: (be, t) =>
      be.recurrentForward({
        cell: 'rnn_tanh',
        gruResetAfter: true,
        batchFirst: true,
        x: t([3, 4]),
        weightIh: t([5, 4]),
        weightHh: t([5, 5]),
        h0: t([2, 5]),
        training: false,
      }),
    code: 'SHAPE_MISMATCH',
    argument: 'x',
    message: 'recurrentForward: x: expected shape [B, T, D] (batchFirst, rank 3), got [3, 4]',
  },
  {
    name: 'recurrentForward: no steps',
    call: (be, t) =>
      be.recurrentForward({ cell: 'rnn_tanh', gruResetAfter: true, x: t([0, 2, 4]), weightIh: t([5, 4]), weightHh: t([5, 5]), h0: t([2, 5]), training: false }),
    code: 'SHAPE_MISMATCH',
    argument: 'x',
    message: 'recurrentForward: x: expected shape [T, B, D] with T ≥ 1 and B ≥ 1, got [0, 2, 4]',
  },
  {
    name: 'recurrentForward: an unknown cell',
    call: (be, t) =>
      be.recurrentForward({
        cell: 'peephole' as 'lstm',
        gruResetAfter: true,
        x: t([3, 2, 4]),
        weightIh: t([20, 4]),
        weightHh: t([20, 5]),
        h0: t([2, 5]),
        training: false,
      }),
    code: 'UNKNOWN_CELL',
    argument: 'cell',
    message: 'recurrentForward: cell: expected one of rnn_tanh, rnn_relu, lstm, gru, got "peephole"',
  },
  {
    name: 'recurrentForward: a length past T',
    call: (be, t) =>
      be.recurrentForward({
        cell: 'gru',
        gruResetAfter: true,
        x: t([3, 2, 4]),
        weightIh: t([15, 4]),
        weightHh: t([15, 5]),
        h0: t([2, 5]),
        lengths: Int32Array.from([3, 4]),
        training: false,
      }),
    code: 'INVALID_LENGTHS',
    argument: 'lengths[1]',
    message: 'recurrentForward: lengths[1]: expected an integer in [0, 3], got 4',
  },
  {
    name: "recurrentBackward: a saved value that isn't one",
    call: (be, t) =>
      be.recurrentBackward({
        forward: { cell: 'rnn_tanh', gruResetAfter: true, x: t([3, 2, 4]), weightIh: t([5, 4]), weightHh: t([5, 5]), h0: t([2, 5]), training: true },
        saved: { dispose() {} },
      }),
    code: 'INVALID_ARGUMENT',
    argument: 'saved',
    message: "recurrentBackward: saved: expected the value returned by this {be} backend's recurrentForward, got object",
  },
  {
    name: 'a disposed tensor',
    call: (be, t) => {
      const a = t([2, 3]);
      be.dispose(a);
      return be.tanh(a);
    },
    code: 'DISPOSED',
    argument: 'a',
    message: "tanh: a: the tensor [2, 3] can't be used: it was disposed",
  },
  {
    name: 'disposing twice',
    call: (be, t) => {
      const a = t([2]);
      be.dispose(a);
      be.dispose(a);
    },
    code: 'DISPOSED',
    argument: 'x',
    message: "dispose: x: the tensor [2] can't be used: it was disposed",
  },
  {
    name: 'not a tensor',
    call: (be) => be.relu({ shape: [2] } as unknown as Tensor),
    code: 'INVALID_ARGUMENT',
    argument: 'a',
    message: 'relu: a: expected a tensor of the {be} backend, got object',
  },
  {
    name: 'a tensor of another instance of the same backend',
    call: (be, t, other) => be.add(t([2]), other.zeros([2])),
    code: 'BACKEND_MISMATCH',
    argument: 'b',
    message: 'add: b: expected a tensor of this {be} backend, got one of another {be} backend instance',
  },
];

/**
 * One case per bad call: requires the exact RnnkitError (code, argument, whole message) and an
 * unchanged live tensor count. `createOther` starts a second instance of the same backend, for
 * the cross-instance cases; each case destroys the one it made.
 */
export function errorCases(createOther: () => Promise<Backend>): KitCase[] {
  return BAD_CALLS.map((c) => ({
    name: c.name,
    async run(be) {
      const other = await createOther();
      try {
        const made: Tensor[] = [];
        const t = (shape: number[]) => {
          const x = be.zeros(shape);
          made.push(x);
          return x;
        };
        const before = be.liveTensors();
        const err = await expectRnnkitError(() => c.call(be, t, other), c.code);
        const message = c.message.replaceAll('{be}', be.name);
        check(err.message === message, `message: ${JSON.stringify(err.message)}, expected ${JSON.stringify(message)}`);
        check(err.argument === c.argument, `argument: ${String(err.argument)}, expected ${c.argument}`);
        const expectedLive = before + made.length - (c.code === 'DISPOSED' ? 1 : 0);
        check(be.liveTensors() === expectedLive, `the failed call changed the live tensor count: ${be.liveTensors()}, expected ${expectedLive}`);
        for (const x of made) if (!(c.code === 'DISPOSED' && x === made[0])) be.dispose(x);
        check(be.liveTensors() === before, 'tensors left behind');
      } finally {
        other.destroy();
      }
    },
  }));
}
