import { Rng } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/index.js';
import type { CpuTensor } from '../src/index.js';
import { WASM_ELEMENTWISE_MIN } from '../src/wasm/elementwise.js';
import { ENGINES } from './engines.js';
import { expectClose, expectError, randomArray } from './helpers.js';

const rng = new Rng(3);
const be = new CpuBackend();
const up = (shape: number[], lo = -2, hi = 2): CpuTensor => be.upload(randomArray(rng, shape.reduce((a, b) => a * b, 1), lo, hi), shape);
const map = (x: Float32Array, f: (v: number, i: number) => number): number[] => Array.from(x, f);

describe('elementwise', () => {
  const unary: [string, (a: CpuTensor) => CpuTensor, (v: number) => number][] = [
    ['tanh', (a) => be.tanh(a), Math.tanh],
    ['sigmoid', (a) => be.sigmoid(a), (v) => 1 / (1 + Math.exp(-v))],
    ['relu', (a) => be.relu(a), (v) => Math.max(v, 0)],
    ['affine', (a) => be.affine(a, -1.5, 0.25), (v) => v * -1.5 + 0.25],
    ['clip', (a) => be.clip(a, -0.5, 0.75), (v) => Math.min(0.75, Math.max(-0.5, v))],
  ];
  for (const [name, op, ref] of unary) {
    it(`${name} matches a loop and keeps the shape`, () => {
      const a = up([2, 3, 4]);
      const y = op(a);
      expect(y.shape).toEqual([2, 3, 4]);
      expectClose(be.readSync(y), map(a.data, ref), 1e-6, name);
    });
  }

  it('sqrt', () => {
    const a = up([5, 3], 0, 4);
    expectClose(be.readSync(be.sqrt(a)), map(a.data, Math.sqrt), 1e-6);
  });

  const binary: [string, (a: CpuTensor, b: CpuTensor) => CpuTensor, (x: number, y: number) => number][] = [
    ['add', (a, b) => be.add(a, b), (x, y) => x + y],
    ['sub', (a, b) => be.sub(a, b), (x, y) => x - y],
    ['mul', (a, b) => be.mul(a, b), (x, y) => x * y],
    ['div', (a, b) => be.div(a, b), (x, y) => x / y],
    ['tanhBackward', (y, dy) => be.tanhBackward(y, dy), (y, dy) => dy * (1 - y * y)],
    ['sigmoidBackward', (y, dy) => be.sigmoidBackward(y, dy), (y, dy) => dy * y * (1 - y)],
    ['reluBackward', (y, dy) => be.reluBackward(y, dy), (y, dy) => (y > 0 ? dy : 0)],
  ];
  for (const [name, op, ref] of binary) {
    it(`${name} matches a loop; a [T, B, H] pairs with its [T*B, H] view`, () => {
      const a = up([2, 3, 4]);
      const b = up([6, 4], 0.5, 2);
      const y = op(a, b);
      expect(y.shape).toEqual([2, 3, 4]);
      expectClose(be.readSync(y), map(a.data, (v, i) => ref(v, b.data[i])), 1e-6, name);
    });
    it(`${name} rejects another shape, naming it`, () => {
      const second = name.endsWith('Backward') ? 'dy' : 'b';
      expectError(() => op(up([2, 3]), up([3, 2])), 'SHAPE_MISMATCH', name, second, '[2, 3]', '[3, 2]');
    });
  }

  it('addRowVector adds v [N] to every row', () => {
    const a = up([4, 3]);
    const v = up([3]);
    expectClose(be.readSync(be.addRowVector(a, v)), map(a.data, (x, i) => x + v.data[i % 3]), 1e-6);
    expectError(() => be.addRowVector(a, up([4])), 'SHAPE_MISMATCH', 'addRowVector', 'v', '[3]', '[4]');
  });

  it('mulColumnVector scales row m by v[m]', () => {
    const a = up([4, 3]);
    const v = up([4]);
    expectClose(be.readSync(be.mulColumnVector(a, v)), map(a.data, (x, i) => x * v.data[Math.floor(i / 3)]), 1e-6);
    expectError(() => be.mulColumnVector(a, up([3])), 'SHAPE_MISMATCH', 'mulColumnVector', 'v', '[4]', '[3]');
  });

  it('clip rejects hi < lo', () => {
    expectError(() => be.clip(up([2]), 1, 0), 'INVALID_ARGUMENT', 'clip', 'hi');
  });
});

describe('reductions', () => {
  it('sumRows gives column sums [N]', () => {
    const a = up([5, 3]);
    const want = [0, 1, 2].map((j) => [0, 1, 2, 3, 4].reduce((s, i) => s + a.data[i * 3 + j], 0));
    const y = be.sumRows(a);
    expect(y.shape).toEqual([3]);
    expectClose(be.readSync(y), want, 1e-6);
  });
  it('sum and sumSquares give [1]', () => {
    const a = up([4, 5]);
    const s = be.sum(a);
    expect(s.shape).toEqual([1]);
    expectClose(be.readSync(s), [a.data.reduce((p, v) => p + v, 0)], 1e-6);
    expectClose(be.readSync(be.sumSquares(a)), [a.data.reduce((p, v) => p + v * v, 0)], 1e-6);
  });
});

describe('slicing and joining', () => {
  it('sliceColumns', () => {
    const a = be.upload(Float32Array.from({ length: 12 }, (_, i) => i), [3, 4]);
    const y = be.sliceColumns(a, 1, 2);
    expect(y.shape).toEqual([3, 2]);
    expect([...be.readSync(y)]).toEqual([1, 2, 5, 6, 9, 10]);
    expectError(() => be.sliceColumns(a, 3, 2), 'INVALID_ARGUMENT', 'sliceColumns', 'width');
    expectError(() => be.sliceColumns(a, 5, 0), 'INVALID_ARGUMENT', 'start');
  });

  it('sliceRows is a view of the same buffer', () => {
    const a = be.upload(Float32Array.from({ length: 12 }, (_, i) => i), [3, 4]);
    const y = be.sliceRows(a, 1, 2);
    expect(y.shape).toEqual([2, 4]);
    expect([...be.readSync(y)]).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(y.data.buffer).toBe(a.data.buffer);
    expectError(() => be.sliceRows(a, 2, 2), 'INVALID_ARGUMENT', 'sliceRows', 'count');
  });

  it('concatColumns and concatRows', () => {
    const a = be.upload(Float32Array.of(1, 2, 3, 4), [2, 2]);
    const b = be.upload(Float32Array.of(5, 6), [2, 1]);
    const c = be.concatColumns([a, b]);
    expect(c.shape).toEqual([2, 3]);
    expect([...be.readSync(c)]).toEqual([1, 2, 5, 3, 4, 6]);
    const d = be.upload(Float32Array.of(7, 8), [2]); // [2] views as [1, 2]
    const r = be.concatRows([a, d]);
    expect(r.shape).toEqual([3, 2]);
    expect([...be.readSync(r)]).toEqual([1, 2, 3, 4, 7, 8]);
    expectError(() => be.concatColumns([a, be.zeros([3, 1])]), 'SHAPE_MISMATCH', 'concatColumns', 'parts[1]', '[2, *]', '[3, 1]');
    expectError(() => be.concatRows([a, be.zeros([1, 3])]), 'SHAPE_MISMATCH', 'concatRows', 'parts[1]', '[*, 2]', '[1, 3]');
    expectError(() => be.concatRows([]), 'INVALID_ARGUMENT', 'parts');
  });

  it('gatherRows and scatterAddRows are adjoint', () => {
    const a = up([4, 3]);
    const idx = Int32Array.of(2, 0, 2, 3);
    const g = be.gatherRows(a, idx);
    expect(g.shape).toEqual([4, 3]);
    expect([...be.readSync(g)]).toEqual([...idx].flatMap((i) => [...a.data.subarray(i * 3, i * 3 + 3)]));
    const d = up([4, 3]);
    const s = be.scatterAddRows(d, idx, 5);
    expect(s.shape).toEqual([5, 3]);
    const want = new Float64Array(15);
    idx.forEach((row, i) => {
      for (let j = 0; j < 3; j++) want[row * 3 + j] += d.data[i * 3 + j];
    });
    expectClose(be.readSync(s), want, 1e-6);
    // <gather(a), d> = <a, scatter(d)>
    const lhs = be.readSync(g).reduce((p, v, i) => p + v * d.data[i], 0);
    const rhs = be.readSync(be.scatterAddRows(d, idx, 4)).reduce((p, v, i) => p + v * a.data[i], 0);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5);
    expectError(() => be.gatherRows(a, Int32Array.of(0, 4)), 'INVALID_ARGUMENT', 'gatherRows', 'indices[1]', '[0, 4)');
    expectError(() => be.scatterAddRows(d, Int32Array.of(0, 1), 5), 'SHAPE_MISMATCH', 'scatterAddRows', 'a', '[2, N]', '[4, 3]');
    expectError(() => be.scatterAddRows(d, idx, 3), 'INVALID_ARGUMENT', 'indices[3]');
  });
});

describe('softmax', () => {
  const softmaxRow = (row: ArrayLike<number>): number[] => {
    const m = Math.max(...Array.from(row));
    const e = Array.from(row, (v) => Math.exp(v - m));
    const s = e.reduce((p, v) => p + v, 0);
    return e.map((v) => v / s);
  };

  it('softmax is row-wise and stable for large logits', () => {
    const a = be.upload(Float32Array.of(1, 2, 3, 1000, 1001, 999), [2, 3]);
    const y = be.readSync(be.softmax(a));
    expectClose(y, [...softmaxRow([1, 2, 3]), ...softmaxRow([1000, 1001, 999])], 1e-6);
  });

  it('softmaxCrossEntropy gives per-row losses and softmax − one-hot, skipping ignoreIndex', () => {
    const N = 4, C = 5;
    const logits = up([N, C], -3, 3);
    const targets = Int32Array.of(1, -100, 4, 0);
    const { loss, grad } = be.softmaxCrossEntropy(logits, targets, -100);
    expect(loss.shape).toEqual([N]);
    expect(grad.shape).toEqual([N, C]);
    const wantLoss: number[] = [];
    const wantGrad: number[] = [];
    for (let i = 0; i < N; i++) {
      const p = softmaxRow(logits.data.subarray(i * C, i * C + C));
      if (targets[i] === -100) {
        wantLoss.push(0);
        wantGrad.push(...new Array(C).fill(0));
      } else {
        wantLoss.push(-Math.log(p[targets[i]]));
        wantGrad.push(...p.map((v, j) => v - (j === targets[i] ? 1 : 0)));
      }
    }
    expectClose(be.readSync(loss), wantLoss, 1e-6);
    expectClose(be.readSync(grad), wantGrad, 1e-6);
    expectError(() => be.softmaxCrossEntropy(logits, Int32Array.of(1, 2, 5, 0), -100), 'INVALID_ARGUMENT', 'targets[2]', '[0, 5)');
    expectError(() => be.softmaxCrossEntropy(logits, Int32Array.of(1, 2), -100), 'INVALID_ARGUMENT', 'targets', '4 class ids');
  });
});

describe('immutability', () => {
  it('no primitive writes into its inputs', () => {
    const a = up([3, 4]);
    const b = up([3, 4]);
    const v = up([4]);
    const w = up([3]);
    const before = [a, b, v, w].map((t) => t.data.slice());
    const outs = [
      be.add(a, b), be.sub(a, b), be.mul(a, b), be.div(a, b), be.affine(a, 2, 1), be.addRowVector(a, v),
      be.mulColumnVector(a, w), be.tanh(a), be.sigmoid(a), be.relu(a), be.clip(a, 0, 1), be.tanhBackward(a, b),
      be.sigmoidBackward(a, b), be.reluBackward(a, b), be.sumRows(a), be.sum(a), be.sumSquares(a), be.softmax(a),
      be.sliceColumns(a, 1, 2), be.sliceRows(a, 1, 1), be.concatColumns([a, b]), be.concatRows([a, b]),
      be.gatherRows(a, Int32Array.of(1, 1)), be.scatterAddRows(a, Int32Array.of(0, 0, 1), 2),
    ];
    for (const o of outs) {
      // Scribble on every output: inputs must not change (views included, since read copies).
      be.readSync(o).fill(123);
    }
    [a, b, v, w].forEach((t, i) => expect(t.data).toEqual(before[i]));
  });
});

describe('large elementwise ops on the SIMD kernels', () => {
  // From WASM_ELEMENTWISE_MIN elements add, sub, mul, affine and sumSquares run in WebAssembly;
  // they must give the TypeScript kernels' results: bit for bit, except sumSquares's summation order.
  const engines = ENGINES.filter((e) => e.engine !== 'cpu-js');
  const sizes = [WASM_ELEMENTWISE_MIN - 1, WASM_ELEMENTWISE_MIN, WASM_ELEMENTWISE_MIN + 3, 70_001];
  for (const e of engines) {
    it(`${e.engine}: same results as the TypeScript kernels at ${sizes.join(', ')} elements, and on a row view`, async () => {
      const simd = await e.create();
      const r = new Rng(11);
      for (const n of sizes) {
        const xa = randomArray(r, n + 8, -3, 3);
        const xb = randomArray(r, n + 8, -3, 3);
        // Rows 8.. of an [n + 8, 1] tensor: an offset subarray, as sliceRows hands out.
        const view = (k: CpuBackend, x: Float32Array) => k.sliceRows(k.upload(x, [n + 8, 1]), 8, n);
        const pairs: [string, (k: CpuBackend, a: CpuTensor, b: CpuTensor) => CpuTensor][] = [
          ['add', (k, a, b) => k.add(a, b)],
          ['sub', (k, a, b) => k.sub(a, b)],
          ['mul', (k, a, b) => k.mul(a, b)],
          ['affine', (k, a) => k.affine(a, -1.7, 0.3)],
        ];
        for (const [name, op] of pairs) {
          const want = be.readSync(op(be, view(be, xa), view(be, xb)));
          const got = simd.readSync(op(simd, view(simd, xa), view(simd, xb)));
          expect(got.length, `${name} n=${n}`).toBe(n);
          expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${name} n=${n} bit-identical`).toBe(true);
        }
        const ss = simd.readSync(simd.sumSquares(view(simd, xa)))[0];
        const ref = be.readSync(be.sumSquares(view(be, xa)))[0];
        expect(Math.abs(ss - ref) / ref, `sumSquares n=${n}`).toBeLessThan(1e-6);
      }
      simd.destroy();
    });
  }
});

describe('squaredErrorGrad (the fused MSE pass)', () => {
  for (const e of ENGINES) {
    it(`${e.engine}: equals sub, then sumSquares and affine, bit for bit, below and above the SIMD size`, async () => {
      const k = await e.create();
      const r = new Rng(23);
      for (const n of [7, WASM_ELEMENTWISE_MIN + 5, 40_003]) {
        const o = k.upload(randomArray(r, n, -3, 3), [n, 1]);
        const t = k.upload(randomArray(r, n, -3, 3), [n, 1]);
        const fused = k.squaredErrorGrad(o, t, 2 / n);
        const diff = k.sub(o, t);
        expect(k.readSync(fused.sumSquares)).toEqual(k.readSync(k.sumSquares(diff)));
        expect(Buffer.from(k.readSync(fused.grad).buffer).equals(Buffer.from(k.readSync(k.affine(diff, 2 / n, 0)).buffer)), `n=${n}`).toBe(true);
        expect(fused.grad.shape).toEqual([n, 1]);
      }
      expectError(() => k.squaredErrorGrad(k.zeros([2, 3]), k.zeros([3, 2]), 1), 'SHAPE_MISMATCH', 'squaredErrorGrad', 'target', '[2, 3]', '[3, 2]');
      k.destroy();
    });
  }
});
