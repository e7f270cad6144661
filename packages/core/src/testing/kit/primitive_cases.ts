import type { Backend } from '../../backend/backend.js';
import type { Tensor } from '../../tensor.js';
import { rowsCols, sizeOf } from '../../tensor.js';
import { Rng } from '../../util/rng.js';
import { randomArray } from '../numeric.js';
import { check, checkClose, checkShape } from './expect.js';

/**
 * Cases for memory and every primitive and fused op, each against float64 formulas computed
 * here from the float32 inputs (independent of any backend, the reference one included). Every
 * case also checks the result's shape, that inputs are unchanged and that nothing leaked.
 */
export interface KitCase {
  /** Test name, e.g. `add [3,1000]`: the op and the input shape. */
  name: string;
  /** Runs the case on `be`; rejects with a `KitAssertionError` (or the backend's error) on failure. */
  run(be: Backend): Promise<void>;
}

/** Elementwise and reduction results within this many units of max(1, |expected|). */
export const PRIMITIVE_TOLERANCE = 1e-6;
/** Sums and products of many terms (GEMM, reductions over thousands of elements). */
export const ACCUMULATION_TOLERANCE = 1e-5;

type Op = (be: Backend, ins: Tensor[]) => Tensor | { readonly [k: string]: Tensor | undefined } | object;
type Ref = (
  ins: Float32Array[],
) => { values: ArrayLike<number>; shape: readonly number[] } | Record<string, { values: ArrayLike<number>; shape: readonly number[] }>;

interface InputSpec {
  shape: number[];
  lo?: number;
  hi?: number;
}

/** Uploads seeded inputs, runs op, compares with ref, checks inputs unchanged and no leaks. */
function opCase(name: string, inputs: InputSpec[], op: Op, ref: Ref, tol = PRIMITIVE_TOLERANCE): KitCase {
  return {
    name,
    async run(be) {
      const rng = new Rng(name.length * 7919 + inputs.length);
      const host = inputs.map((s) => randomArray(rng, sizeOf(s.shape), s.lo ?? -2, s.hi ?? 2));
      const before = be.liveTensors();
      const ts = host.map((h, i) => be.upload(h, inputs[i].shape));
      const out = op(be, ts);
      const expected = ref(host);
      const results: [string, Tensor, { values: ArrayLike<number>; shape: readonly number[] }][] =
        'values' in expected
          ? [[name, out as Tensor, expected as { values: ArrayLike<number>; shape: readonly number[] }]]
          : Object.entries(expected as Record<string, { values: ArrayLike<number>; shape: readonly number[] }>).map(([k, e]) => {
              const t = (out as Record<string, Tensor | undefined>)[k];
              check(t !== undefined, `${name}: no ${k} in the result`);
              return [`${name}.${k}`, t, e];
            });
      for (const [label, t, e] of results) {
        checkShape(t.shape, e.shape, label);
        checkClose(await be.read(t), e.values, tol, label);
      }
      for (let i = 0; i < ts.length; i++) checkClose(await be.read(ts[i]), host[i], 0, `${name}: input ${i} unchanged`);
      for (const [, t] of results) be.dispose(t);
      for (const t of ts) be.dispose(t);
      check(be.liveTensors() === before, `${name}: ${be.liveTensors() - before} tensors leaked`);
    },
  };
}

const map1 = (f: (v: number) => number) => (ins: Float32Array[]) => Array.from(ins[0], f);
const zip2 = (f: (x: number, y: number) => number) => (ins: Float32Array[]) => Array.from(ins[0], (v, i) => f(v, ins[1][i]));

function gemmRef(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  o: { ta?: boolean; tb?: boolean; alpha?: number; beta?: number; c?: Float32Array },
) {
  const [M, K] = o.ta ? [aShape[1], aShape[0]] : [aShape[0], aShape[1]];
  const N = o.tb ? bShape[0] : bShape[1];
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += (o.ta ? a[k * M + i] : a[i * K + k]) * (o.tb ? b[j * K + k] : b[k * N + j]);
      out[i * N + j] = (o.alpha ?? 1) * acc + (o.c ? (o.beta ?? 1) * o.c[i * N + j] : 0);
    }
  return { values: out, shape: [M, N] };
}

function softmaxRef(x: Float32Array, N: number, C: number): Float64Array {
  const out = new Float64Array(N * C);
  for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, x[i * C + j]);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(x[i * C + j] - m);
    for (let j = 0; j < C; j++) out[i * C + j] = Math.exp(x[i * C + j] - m) / s;
  }
  return out;
}

/** Sizes below and above the thresholds where backends switch kernels (cpu's SIMD from 1024 elements). */
const SMALL = [2, 3, 4];
const LARGE = [3, 1000];

/**
 * One case per primitive op (and per size class: small, and large enough for a backend's SIMD
 * paths), each against float64 formulas within `PRIMITIVE_TOLERANCE` (GEMMs and long sums within `ACCUMULATION_TOLERANCE`).
 */
export function primitiveCases(): KitCase[] {
  const cases: KitCase[] = [];
  const unary: [string, Op, (v: number) => number, number?, number?][] = [
    ['tanh', (be, [a]) => be.tanh(a), Math.tanh],
    ['sigmoid', (be, [a]) => be.sigmoid(a), (v) => 1 / (1 + Math.exp(-v))],
    ['relu', (be, [a]) => be.relu(a), (v) => Math.max(v, 0)],
    ['sqrt', (be, [a]) => be.sqrt(a), Math.sqrt, 0, 4],
    ['affine', (be, [a]) => be.affine(a, -1.5, 0.25), (v) => v * -1.5 + 0.25],
    ['clip', (be, [a]) => be.clip(a, -0.5, 0.75), (v) => Math.min(0.75, Math.max(-0.5, v))],
  ];
  for (const shape of [SMALL, LARGE]) {
    for (const [op, f, r, lo, hi] of unary) {
      cases.push(opCase(`${op} ${JSON.stringify(shape)}`, [{ shape, lo, hi }], f, (ins) => ({ values: map1(r)(ins), shape })));
    }
    const binary: [string, Op, (x: number, y: number) => number][] = [
      ['add', (be, [a, b]) => be.add(a, b), (x, y) => x + y],
      ['sub', (be, [a, b]) => be.sub(a, b), (x, y) => x - y],
      ['mul', (be, [a, b]) => be.mul(a, b), (x, y) => x * y],
      ['div', (be, [a, b]) => be.div(a, b), (x, y) => x / y],
      ['tanhBackward', (be, [y, dy]) => be.tanhBackward(y, dy), (y, dy) => dy * (1 - y * y)],
      ['sigmoidBackward', (be, [y, dy]) => be.sigmoidBackward(y, dy), (y, dy) => dy * y * (1 - y)],
      ['reluBackward', (be, [y, dy]) => be.reluBackward(y, dy), (y, dy) => (y > 0 ? dy : 0)],
    ];
    // The second operand has the 2-D view of the first ([T, B, H] pairs with [T·B, H]).
    const [rows, cols] = rowsCols(shape);
    for (const [op, f, r] of binary) {
      cases.push(
        opCase(`${op} ${JSON.stringify(shape)} with [${rows}, ${cols}]`, [{ shape }, { shape: [rows, cols], lo: 0.5, hi: 2 }], f, (ins) => ({
          values: zip2(r)(ins),
          shape,
        })),
      );
    }
    const n = sizeOf(shape);
    const sumOf = (x: Float32Array, g: (v: number) => number) => x.reduce((s, v) => s + g(v), 0);
    cases.push(
      opCase(
        `sum ${JSON.stringify(shape)}`,
        [{ shape }],
        (be, [a]) => be.sum(a),
        ([a]) => ({ values: [sumOf(a, (v) => v)], shape: [1] }),
        ACCUMULATION_TOLERANCE,
      ),
    );
    cases.push(
      opCase(
        `sumSquares ${JSON.stringify(shape)}`,
        [{ shape }],
        (be, [a]) => be.sumSquares(a),
        ([a]) => ({ values: [sumOf(a, (v) => v * v)], shape: [1] }),
        ACCUMULATION_TOLERANCE,
      ),
    );
    cases.push(
      opCase(
        `sumRows ${JSON.stringify(shape)}`,
        [{ shape }],
        (be, [a]) => be.sumRows(a),
        ([a]) => {
          const out = new Float64Array(cols);
          for (let i = 0; i < n; i++) out[i % cols] += a[i];
          return { values: out, shape: [cols] };
        },
        ACCUMULATION_TOLERANCE,
      ),
    );
    cases.push(
      opCase(
        `squaredErrorGrad ${JSON.stringify(shape)}`,
        [{ shape }, { shape }],
        (be, [o, t]) => be.squaredErrorGrad(o, t, 0.125),
        ([o, t]) => {
          const d = Float32Array.from(o, (v, i) => v - t[i]); // as sub rounds it
          return { sumSquares: { values: [d.reduce((s, v) => s + v * v, 0)], shape: [1] }, grad: { values: Array.from(d, (v) => v * 0.125), shape } };
        },
        ACCUMULATION_TOLERANCE,
      ),
    );
  }
  cases.push(
    opCase(
      'addRowVector',
      [{ shape: [4, 3] }, { shape: [3] }],
      (be, [a, v]) => be.addRowVector(a, v),
      ([a, v]) => ({ values: Array.from(a, (x, i) => x + v[i % 3]), shape: [4, 3] }),
    ),
  );
  cases.push(
    opCase(
      'addRowVector [2, 2, 3] + [3]',
      [{ shape: [2, 2, 3] }, { shape: [3] }],
      (be, [a, v]) => be.addRowVector(a, v),
      ([a, v]) => ({ values: Array.from(a, (x, i) => x + v[i % 3]), shape: [4, 3] }),
    ),
  );
  cases.push(
    opCase(
      'mulColumnVector',
      [{ shape: [4, 3] }, { shape: [4] }],
      (be, [a, v]) => be.mulColumnVector(a, v),
      ([a, v]) => ({ values: Array.from(a, (x, i) => x * v[Math.floor(i / 3)]), shape: [4, 3] }),
    ),
  );
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const aShape = ta ? [5, 3] : [3, 5];
    const bShape = tb ? [4, 5] : [5, 4];
    cases.push(
      opCase(
        `matmul transposeA=${ta} transposeB=${tb}`,
        [{ shape: aShape }, { shape: bShape }],
        (be, [a, b]) => be.matmul(a, b, { transposeA: ta, transposeB: tb }),
        ([a, b]) => gemmRef(a, aShape, b, bShape, { ta, tb }),
        ACCUMULATION_TOLERANCE,
      ),
    );
  }
  cases.push(
    opCase(
      'matmul alpha, beta and c',
      [{ shape: [3, 5] }, { shape: [4, 5] }, { shape: [3, 4] }],
      (be, [a, b, c]) => be.matmul(a, b, { transposeB: true, alpha: 0.5, c, beta: -2 }),
      ([a, b, c]) => gemmRef(a, [3, 5], b, [4, 5], { tb: true, alpha: 0.5, beta: -2, c }),
      ACCUMULATION_TOLERANCE,
    ),
  );
  cases.push(
    opCase(
      'matmul large (GEMM kernels)',
      [{ shape: [33, 70] }, { shape: [70, 65] }],
      (be, [a, b]) => be.matmul(a, b),
      ([a, b]) => gemmRef(a, [33, 70], b, [70, 65], {}),
      ACCUMULATION_TOLERANCE,
    ),
  );
  cases.push(
    opCase(
      'matmul one row (GEMV)',
      [{ shape: [1, 96] }, { shape: [128, 96] }],
      (be, [a, b]) => be.matmul(a, b, { transposeB: true }),
      ([a, b]) => gemmRef(a, [1, 96], b, [128, 96], { tb: true }),
      ACCUMULATION_TOLERANCE,
    ),
  );
  cases.push(
    opCase(
      'sliceColumns',
      [{ shape: [3, 5] }],
      (be, [a]) => be.sliceColumns(a, 1, 3),
      ([a]) => ({ values: Array.from({ length: 9 }, (_, k) => a[Math.floor(k / 3) * 5 + 1 + (k % 3)]), shape: [3, 3] }),
    ),
  );
  cases.push(
    opCase(
      'sliceRows',
      [{ shape: [4, 3] }],
      (be, [a]) => be.sliceRows(a, 1, 2),
      ([a]) => ({ values: a.slice(3, 9), shape: [2, 3] }),
    ),
  );
  cases.push(
    opCase(
      'concatColumns',
      [{ shape: [2, 2] }, { shape: [2, 3] }],
      (be, [a, b]) => be.concatColumns([a, b]),
      ([a, b]) => ({ values: [a[0], a[1], b[0], b[1], b[2], a[2], a[3], b[3], b[4], b[5]], shape: [2, 5] }),
    ),
  );
  cases.push(
    opCase(
      'concatRows',
      [{ shape: [1, 3] }, { shape: [2, 3] }],
      (be, [a, b]) => be.concatRows([a, b]),
      ([a, b]) => ({ values: [...a, ...b], shape: [3, 3] }),
    ),
  );
  const idx = Int32Array.from([2, 0, 2, 1]);
  cases.push(
    opCase(
      'gatherRows with repeats',
      [{ shape: [3, 2] }],
      (be, [a]) => be.gatherRows(a, idx),
      ([a]) => ({ values: Array.from(idx).flatMap((r) => [a[r * 2], a[r * 2 + 1]]), shape: [4, 2] }),
    ),
  );
  cases.push(
    opCase(
      'scatterAddRows with repeats',
      [{ shape: [4, 2] }],
      (be, [a]) => be.scatterAddRows(a, idx, 5),
      ([a]) => {
        const out = new Float64Array(10);
        idx.forEach((r, i) => {
          out[r * 2] += a[i * 2];
          out[r * 2 + 1] += a[i * 2 + 1];
        });
        return { values: out, shape: [5, 2] };
      },
    ),
  );
  cases.push(
    opCase(
      'softmax',
      [{ shape: [3, 7], lo: -30, hi: 30 }],
      (be, [a]) => be.softmax(a),
      ([a]) => ({ values: softmaxRef(a, 3, 7), shape: [3, 7] }),
    ),
  );
  const targets = Int32Array.from([2, -100, 0, 4]);
  cases.push(
    opCase(
      'softmaxCrossEntropy with an ignored row',
      [{ shape: [4, 5], lo: -20, hi: 20 }],
      (be, [a]) => be.softmaxCrossEntropy(a, targets, -100),
      ([a]) => {
        const p = softmaxRef(a, 4, 5);
        const loss = new Float64Array(4);
        const grad = new Float64Array(20);
        targets.forEach((t, i) => {
          if (t === -100) return;
          loss[i] = -Math.log(p[i * 5 + t]);
          for (let j = 0; j < 5; j++) grad[i * 5 + j] = p[i * 5 + j] - (j === t ? 1 : 0);
        });
        return { loss: { values: loss, shape: [4] }, grad: { values: grad, shape: [4, 5] } };
      },
      ACCUMULATION_TOLERANCE,
    ),
  );
  cases.push(
    opCase(
      'sgdUpdate with momentum, Nesterov and weight decay',
      [{ shape: [3, 4] }, { shape: [3, 4] }, { shape: [3, 4] }],
      (be, [param, grad, velocity]) => be.sgdUpdate({ param, grad, velocity, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true, weightDecay: 0.01 }),
      ([p, g, v]) => {
        const d = Array.from(p, (x, i) => g[i] + 0.01 * x);
        const buf = d.map((x, i) => 0.9 * v[i] + 0.9 * x);
        return { param: { values: p.map((x, i) => x - 0.1 * (d[i] + 0.9 * buf[i])), shape: [3, 4] }, velocity: { values: buf, shape: [3, 4] } };
      },
    ),
  );
  for (const decoupled of [false, true]) {
    cases.push(
      opCase(
        `adamUpdate ${decoupled ? '(AdamW)' : '(Adam, L2)'}`,
        [{ shape: [12] }, { shape: [12] }, { shape: [12] }, { shape: [12], lo: 0, hi: 1 }],
        (be, [param, grad, m, v]) => be.adamUpdate({ param, grad, m, v, step: 3, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled }),
        ([p, g, m0, v0]) => {
          const pp = Array.from(p, (x) => (decoupled ? x * (1 - 0.01 * 0.1) : x));
          const gg = Array.from(g, (x, i) => (decoupled ? x : x + 0.1 * p[i]));
          const m = gg.map((x, i) => 0.9 * m0[i] + 0.1 * x);
          const v = gg.map((x, i) => 0.999 * v0[i] + 0.001 * x * x);
          const bc1 = 1 - 0.9 ** 3;
          const bc2 = 1 - 0.999 ** 3;
          return {
            param: { values: pp.map((x, i) => x - (0.01 / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8))), shape: [12] },
            m: { values: m, shape: [12] },
            v: { values: v, shape: [12] },
          };
        },
        ACCUMULATION_TOLERANCE,
      ),
    );
  }
  return cases;
}

/** Memory: upload copies, read gives the bits back, reshape keeps values, dispose is counted. */
export function memoryCases(): KitCase[] {
  return [
    {
      name: 'upload copies its input and read gives the same bits back',
      async run(be) {
        const before = be.liveTensors();
        const src = Float32Array.from([1.5, -0, Number.MIN_VALUE, 3.4028234663852886e38, -7.25, 1e-30]);
        const t = be.upload(src, [2, 3]);
        const copy = src.slice();
        src.fill(9);
        checkShape(t.shape, [2, 3], 'upload');
        const back = await be.read(t);
        check(
          back.length === 6 && back.every((v, i) => Object.is(v, copy[i]) || (v === 0 && copy[i] === 0)),
          `read: ${Array.from(back)} != ${Array.from(copy)}`,
        );
        check(be.liveTensors() === before + 1, 'liveTensors counts the upload');
        be.dispose(t);
        check(be.liveTensors() === before, 'dispose is counted');
      },
    },
    {
      name: 'zeros, fill, reshape and empty tensors',
      async run(be) {
        const before = be.liveTensors();
        const z = be.zeros([2, 2, 3]);
        const f = be.fill([5], -2.5);
        const e = be.zeros([0, 4]);
        const r = be.reshape(f, [1, 5]);
        checkClose(await be.read(z), new Float32Array(12), 0, 'zeros');
        checkClose(await be.read(f), new Float32Array(5).fill(-2.5), 0, 'fill');
        checkClose(await be.read(r), new Float32Array(5).fill(-2.5), 0, 'reshape');
        checkShape(r.shape, [1, 5], 'reshape');
        check((await be.read(e)).length === 0, 'an empty tensor reads as no values');
        be.dispose(f); // a reshape stays valid after its source is disposed
        checkClose(await be.read(r), new Float32Array(5).fill(-2.5), 0, 'reshape after its source was disposed');
        for (const t of [z, e, r]) be.dispose(t);
        check(be.liveTensors() === before, `${be.liveTensors() - before} tensors leaked`);
      },
    },
    {
      name: 'info reports name, engine and every fused op',
      async run(be) {
        const i = be.info();
        check(i.name === be.name && typeof i.engine === 'string' && i.engine.length > 0, `info: ${JSON.stringify(i)}`);
        for (const op of ['recurrentForward', 'recurrentBackward', 'squaredErrorGrad', 'sgdUpdate', 'adamUpdate'] as const) {
          check(i.fusedOps[op] === 'native' || i.fusedOps[op] === 'composite', `info().fusedOps.${op}: ${String(i.fusedOps[op])}`);
        }
      },
    },
  ];
}
