import { Rng } from '@rnnkit/core';
import type { Tensor } from '@rnnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose, expectError, noGpuErrors, randomArray, requireAdapterInCi, startBackend } from './helpers.js';

const started = await startBackend();
requireAdapterInCi(started);
const be = started.be!;
afterAll(() => be?.destroy());

const TOL = 1e-6;
const rng = new Rng(7);
const up = (a: Float32Array, shape: number[]) => be.upload(a, shape);
const read = (t: Tensor) => be.read(t);

type Case = { name: string; shape: number[] };
const SHAPES: Case[] = [
  { name: '[1]', shape: [1] },
  { name: '[3, 5]', shape: [3, 5] },
  { name: '[2, 3, 7]', shape: [2, 3, 7] },
  { name: '[67, 129] (odd, several workgroups)', shape: [67, 129] },
];
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe.skipIf(!be)('webgpu primitives against plain JS loops', () => {
  describe('memory', () => {
    it('upload/read round-trips, zeros, fill, reshape shares data', async () => {
      await noGpuErrors(be, async () => {
        const a = randomArray(rng, 1000);
        const t = up(a, [10, 100]);
        expect(Array.from(await read(t))).toEqual(Array.from(a));
        const r = be.reshape(t, [1000]);
        expect(r.shape).toEqual([1000]);
        expect(Array.from(await read(r))).toEqual(Array.from(a));
        be.dispose(t); // the view keeps the data alive
        expect(Array.from(await read(r))).toEqual(Array.from(a));
        be.dispose(r);
        expect(Array.from(await read(be.zeros([3, 4])))).toEqual(new Array(12).fill(0));
        expect(Array.from(await read(be.fill([2, 2], -2.5)))).toEqual([-2.5, -2.5, -2.5, -2.5]);
        expect(Array.from(await read(be.fill([0, 3], 1)))).toEqual([]);
      });
    });
    it('rejects bad shapes, sizes and foreign or disposed tensors', async () => {
      expectError(() => be.upload(new Float32Array(3), [2, 2]), 'SHAPE_MISMATCH', 'upload', 'data', '4', '3');
      expectError(() => be.upload([1, 2] as unknown as Float32Array, [2]), 'INVALID_ARGUMENT', 'Float32Array');
      expectError(() => be.zeros([2, -1]), 'INVALID_ARGUMENT', 'shape');
      const t = be.zeros([2, 3]);
      expectError(() => be.reshape(t, [4]), 'SHAPE_MISMATCH', 'reshape', '6');
      const foreign = { shape: [2, 3], backend: 'cpu' };
      expectError(() => be.add(t, foreign), 'BACKEND_MISMATCH', 'add', 'b', 'cpu');
      be.dispose(t);
      be.dispose(t); // idempotent
      expectError(() => be.tanh(t), 'DISPOSED', 'tanh', 'a');
      await expect(be.read(t)).rejects.toMatchObject({ code: 'DISPOSED' });
    });
  });

  const unary: [string, (x: number) => number, (t: Tensor) => Tensor][] = [
    ['tanh', Math.tanh, (t) => be.tanh(t)],
    ['sigmoid', (x) => 1 / (1 + Math.exp(-x)), (t) => be.sigmoid(t)],
    ['relu', (x) => Math.max(0, x), (t) => be.relu(t)],
    ['affine', (x) => x * 1.5 - 0.25, (t) => be.affine(t, 1.5, -0.25)],
    ['clip', (x) => Math.min(0.3, Math.max(-0.2, x)), (t) => be.clip(t, -0.2, 0.3)],
  ];
  for (const [name, f, run] of unary) {
    it(`${name} on every shape`, async () => {
      await noGpuErrors(be, async () => {
        for (const { shape } of SHAPES) {
          const a = randomArray(rng, sizeOf(shape), -4, 4);
          const out = run(up(a, shape));
          expect(out.shape).toEqual(shape);
          expectClose(await read(out), Array.from(a, f), TOL, `${name} ${shape}`);
        }
      });
    });
  }
  it('sqrt', async () => {
    const a = randomArray(rng, 300, 0, 9);
    expectClose(await read(be.sqrt(up(a, [300]))), Array.from(a, Math.sqrt), TOL, 'sqrt');
  });
  it('tanh and sigmoid saturate without NaN at ±100', async () => {
    const a = Float32Array.from([-100, -30, 0, 30, 100]);
    expectClose(await read(be.tanh(up(a, [5]))), [-1, -1, 0, 1, 1], TOL, 'tanh');
    expectClose(await read(be.sigmoid(up(a, [5]))), [0, 0, 0.5, 1, 1], TOL, 'sigmoid');
  });

  const binary: [string, (x: number, y: number) => number, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', (x, y) => x + y, (a, b) => be.add(a, b)],
    ['sub', (x, y) => x - y, (a, b) => be.sub(a, b)],
    ['mul', (x, y) => x * y, (a, b) => be.mul(a, b)],
    ['div', (x, y) => x / y, (a, b) => be.div(a, b)],
    ['tanhBackward', (y, dy) => dy * (1 - y * y), (a, b) => be.tanhBackward(a, b)],
    ['sigmoidBackward', (y, dy) => dy * y * (1 - y), (a, b) => be.sigmoidBackward(a, b)],
    ['reluBackward', (y, dy) => (y > 0 ? dy : 0), (a, b) => be.reluBackward(a, b)],
  ];
  for (const [name, f, run] of binary) {
    it(`${name} on every shape`, async () => {
      await noGpuErrors(be, async () => {
        for (const { shape } of SHAPES) {
          const n = sizeOf(shape);
          const a = randomArray(rng, n, -2, 2);
          const b = randomArray(rng, n, 0.5, 2);
          const out = run(up(a, shape), up(b, shape));
          expectClose(await read(out), Array.from(a, (x, i) => Math.fround(f(x, b[i]))), TOL, `${name} ${shape}`);
        }
      });
    });
  }
  it('elementwise ops check shapes', () => {
    expectError(() => be.add(be.zeros([2, 3]), be.zeros([3, 2])), 'SHAPE_MISMATCH', 'add', 'b', '[2, 3]', '[3, 2]');
    expectError(() => be.tanhBackward(be.zeros([2]), be.zeros([3])), 'SHAPE_MISMATCH', 'tanhBackward', 'dy');
  });

  it('addRowVector and mulColumnVector', async () => {
    await noGpuErrors(be, async () => {
      const [M, N] = [37, 19];
      const a = randomArray(rng, M * N);
      const v = randomArray(rng, N);
      const w = randomArray(rng, M);
      const r1 = await read(be.addRowVector(up(a, [M, N]), up(v, [N])));
      expectClose(r1, Array.from(a, (x, i) => x + v[i % N]), TOL, 'addRowVector');
      const r2 = await read(be.mulColumnVector(up(a, [M, N]), up(w, [M])));
      expectClose(r2, Array.from(a, (x, i) => Math.fround(x * w[Math.floor(i / N)])), TOL, 'mulColumnVector');
      expectError(() => be.addRowVector(up(a, [M, N]), up(w, [M])), 'SHAPE_MISMATCH', 'addRowVector', 'v', `[${N}]`);
      expectError(() => be.mulColumnVector(up(a, [M, N]), up(v, [N])), 'SHAPE_MISMATCH', 'mulColumnVector', 'v', `[${M}]`);
    });
  });

  it('sumRows, sum, sumSquares (small and large: multi-pass reductions)', async () => {
    await noGpuErrors(be, async () => {
      for (const [M, N] of [
        [1, 1],
        [3, 5],
        [1000, 7],
        [513, 300],
      ]) {
        const a = randomArray(rng, M * N);
        const t = up(a, [M, N]);
        const cols = new Float64Array(N);
        let s = 0;
        let sq = 0;
        for (let i = 0; i < a.length; i++) {
          cols[i % N] += a[i];
          s += a[i];
          sq += a[i] * a[i];
        }
        expectClose(await read(be.sumRows(t)), cols, 1e-5, `sumRows ${M}x${N}`);
        expect(Math.abs((await read(be.sum(t)))[0] - s) / Math.max(1, Math.abs(s))).toBeLessThan(1e-5);
        expect(Math.abs((await read(be.sumSquares(t)))[0] - sq) / Math.max(1, sq)).toBeLessThan(1e-5);
      }
      expect(Array.from(await read(be.sum(be.zeros([0]))))).toEqual([0]);
    });
  });

  it('slice and concat rows and columns', async () => {
    await noGpuErrors(be, async () => {
      const [M, N] = [7, 9];
      const a = randomArray(rng, M * N);
      const t = up(a, [M, N]);
      const at = (r: number, c: number) => a[r * N + c];
      const sc = be.sliceColumns(t, 2, 4);
      expect(sc.shape).toEqual([M, 4]);
      expect(Array.from(await read(sc))).toEqual(Array.from({ length: M * 4 }, (_, i) => at(Math.floor(i / 4), 2 + (i % 4))));
      const sr = be.sliceRows(t, 3, 2);
      expect(Array.from(await read(sr))).toEqual(Array.from(a.subarray(3 * N, 5 * N)));
      const b = randomArray(rng, M * 3);
      const cc = be.concatColumns([t, up(b, [M, 3]), sc]);
      expect(cc.shape).toEqual([M, N + 3 + 4]);
      const ccr = await read(cc);
      for (let r = 0; r < M; r++) {
        expect(Array.from(ccr.subarray(r * 16, r * 16 + 9))).toEqual(Array.from(a.subarray(r * N, r * N + N)));
        expect(Array.from(ccr.subarray(r * 16 + 9, r * 16 + 12))).toEqual(Array.from(b.subarray(r * 3, r * 3 + 3)));
        expect(Array.from(ccr.subarray(r * 16 + 12, r * 16 + 16))).toEqual([2, 3, 4, 5].map((c) => at(r, c)));
      }
      const cr = be.concatRows([sr, t]);
      expect(cr.shape).toEqual([2 + M, N]);
      expect(Array.from(await read(cr))).toEqual([...a.subarray(3 * N, 5 * N), ...a]);
      expectError(() => be.sliceColumns(t, 7, 3), 'INVALID_ARGUMENT', 'sliceColumns', 'width');
      expectError(() => be.sliceRows(t, -1, 2), 'INVALID_ARGUMENT', 'sliceRows', 'start');
      expectError(() => be.concatRows([t, up(b, [M, 3])]), 'SHAPE_MISMATCH', 'concatRows', 'parts[1]');
      expectError(() => be.concatColumns([t, sr]), 'SHAPE_MISMATCH', 'concatColumns', 'parts[1]');
    });
  });

  it('gatherRows and scatterAddRows (repeated indices add up)', async () => {
    await noGpuErrors(be, async () => {
      const [M, N] = [6, 5];
      const a = randomArray(rng, M * N);
      const idx = Int32Array.from([5, 0, 0, 3, 5, 5, 1]);
      const g = await read(be.gatherRows(up(a, [M, N]), idx));
      expect(Array.from(g)).toEqual(Array.from(idx).flatMap((r) => Array.from(a.subarray(r * N, r * N + N))));
      const src = randomArray(rng, idx.length * N);
      const s = await read(be.scatterAddRows(up(src, [idx.length, N]), idx, 8));
      const want = new Float64Array(8 * N);
      idx.forEach((r, i) => {
        for (let c = 0; c < N; c++) want[r * N + c] += src[i * N + c];
      });
      expectClose(s, want, TOL, 'scatterAddRows');
      expectError(() => be.gatherRows(up(a, [M, N]), Int32Array.from([0, 6])), 'INVALID_ARGUMENT', 'gatherRows', 'indices[1]');
      expectError(() => be.scatterAddRows(up(a, [M, N]), Int32Array.from([0, 1]), 3), 'SHAPE_MISMATCH', 'scatterAddRows', 'indices');
    });
  });

  it('softmax and softmaxCrossEntropy (with ignored rows)', async () => {
    await noGpuErrors(be, async () => {
      for (const [R, C] of [
        [4, 3],
        [9, 200],
      ]) {
        const z = randomArray(rng, R * C, -5, 5);
        const targets = Int32Array.from({ length: R }, (_, i) => (i === 1 ? -100 : (i * 7) % C));
        const sm = new Float64Array(R * C);
        const loss = new Float64Array(R);
        const grad = new Float64Array(R * C);
        for (let r = 0; r < R; r++) {
          const row = z.subarray(r * C, r * C + C);
          const mx = Math.max(...row);
          const se = row.reduce((s, v) => s + Math.exp(v - mx), 0);
          for (let c = 0; c < C; c++) sm[r * C + c] = Math.exp(row[c] - mx) / se;
          if (targets[r] === -100) continue;
          loss[r] = Math.log(se) + mx - row[targets[r]];
          for (let c = 0; c < C; c++) grad[r * C + c] = sm[r * C + c] - (c === targets[r] ? 1 : 0);
        }
        expectClose(await read(be.softmax(up(z, [R, C]))), sm, 1e-6, 'softmax');
        const out = be.softmaxCrossEntropy(up(z, [R, C]), targets, -100);
        expectClose(await read(out.loss), loss, 1e-5, 'loss');
        expectClose(await read(out.grad), grad, 1e-6, 'grad');
      }
      expectError(() => be.softmaxCrossEntropy(be.zeros([2, 3]), Int32Array.from([0, 3]), -100), 'INVALID_ARGUMENT', 'targets[1]');
      expectError(() => be.softmaxCrossEntropy(be.zeros([2, 3]), Int32Array.from([0]), -100), 'SHAPE_MISMATCH', 'targets');
    });
  });

  it('sgdUpdate and adamUpdate match torch.optim formulas', async () => {
    await noGpuErrors(be, async () => {
      const n = 300;
      const p = randomArray(rng, n);
      const g = randomArray(rng, n);
      const v = randomArray(rng, n);
      const m0 = randomArray(rng, n);
      const v0 = randomArray(rng, n, 0, 1);
      for (const nesterov of [false, true]) {
        const [lr, mom, damp, wd] = [0.1, 0.9, 0.1, 0.01];
        const r = be.sgdUpdate({ param: up(p, [n]), grad: up(g, [n]), velocity: up(v, [n]), lr, momentum: mom, dampening: damp, nesterov, weightDecay: wd });
        const gg = Array.from(g, (x, i) => x + wd * p[i]);
        const buf = gg.map((x, i) => mom * v[i] + (1 - damp) * x);
        const step = nesterov ? gg.map((x, i) => x + mom * buf[i]) : buf;
        expectClose(await read(r.velocity!), buf, 1e-6, 'velocity');
        expectClose(await read(r.param), Array.from(p, (x, i) => x - lr * step[i]), 1e-6, 'sgd param');
      }
      const plain = be.sgdUpdate({ param: up(p, [n]), grad: up(g, [n]), lr: 0.5, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
      expect(plain.velocity).toBeUndefined();
      expectClose(await read(plain.param), Array.from(p, (x, i) => x - 0.5 * g[i]), 1e-6, 'plain sgd');
      for (const decoupled of [false, true]) {
        const a = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3, decoupled };
        const r = be.adamUpdate({ param: up(p, [n]), grad: up(g, [n]), m: up(m0, [n]), v: up(v0, [n]), ...a });
        const pp = Array.from(p, (x) => (decoupled ? x * (1 - a.lr * a.weightDecay) : x));
        const gg = Array.from(g, (x, i) => (decoupled ? x : x + a.weightDecay * p[i]));
        const m = gg.map((x, i) => a.beta1 * m0[i] + (1 - a.beta1) * x);
        const vv = gg.map((x, i) => a.beta2 * v0[i] + (1 - a.beta2) * x * x);
        const bc1 = 1 - a.beta1 ** a.step;
        const bc2 = 1 - a.beta2 ** a.step;
        const want = pp.map((x, i) => x - (a.lr / bc1) * (m[i] / (Math.sqrt(vv[i]) / Math.sqrt(bc2) + a.eps)));
        expectClose(await read(r.m), m, 1e-6, 'adam m');
        expectClose(await read(r.v), vv, 1e-6, 'adam v');
        expectClose(await read(r.param), want, 1e-5, `adam param (decoupled ${decoupled})`);
      }
    });
  });
});

describe.skipIf(!be)('fused optimizer updates match core composite updates on the same device', () => {
  it('sgdUpdate and adamUpdate', async () => {
    const { compositeAdamUpdate, compositeSgdUpdate } = await import('@rnnkit/core');
    await noGpuErrors(be, async () => {
      const shape = [7, 13];
      const n = 91;
      const t = () => be.upload(randomArray(rng, n), shape);
      const p = t();
      const g = t();
      const vel = t();
      const m = t();
      const v = be.upload(randomArray(rng, n, 0, 1), shape);
      for (const momentum of [0, 0.9])
        for (const velocity of [undefined, vel])
          for (const nesterov of [false, true]) {
            const a = { param: p, grad: g, ...(velocity ? { velocity } : {}), lr: 0.05, momentum, dampening: 0.2, nesterov, weightDecay: 0.01 };
            const f = be.sgdUpdate(a);
            const c = compositeSgdUpdate(be, a);
            expect(f.param.shape).toEqual(shape);
            expectClose(await read(f.param), await read(c.param), 1e-6, 'sgd param');
            expect(f.velocity === undefined).toBe(c.velocity === undefined);
            if (f.velocity) expectClose(await read(f.velocity), await read(c.velocity!), 1e-6, 'sgd velocity');
          }
      for (const decoupled of [false, true])
        for (const weightDecay of [0, 0.1]) {
          const a = { param: p, grad: g, m, v, step: 4, lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay, decoupled };
          const f = be.adamUpdate(a);
          const c = compositeAdamUpdate(be, a);
          for (const k of ['param', 'm', 'v'] as const) expectClose(await read(f[k]), await read(c[k]), 1e-5, `adam ${k}`);
        }
      expectError(() => be.adamUpdate({ param: p, grad: g, m, v, step: 0, lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-8, weightDecay: 0, decoupled: false }), 'INVALID_ARGUMENT', 'step');
      expectError(() => be.sgdUpdate({ param: p, grad: be.zeros([3]), lr: 1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }), 'SHAPE_MISMATCH', 'grad');
    });
  });
});
