import type { Tensor } from '@rnnkit/core';
import { Rng } from '@rnnkit/core';
import { compositeAdamUpdate, compositeSgdUpdate } from '@rnnkit/core/backend';
import { ACCUMULATION_TOLERANCE, checkClose, PRIMITIVE_TOLERANCE, randomArray } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { noGpuErrors, requireAdapterInCi, startBackend } from './helpers.js';

/**
 * The WGSL kernels where the kit's small cases don't reach: sizes that span several workgroups
 * or fold the grid, rows wider than a softmax workgroup (64 lanes), the strided first pass of
 * the reduction (over 1024 workgroups' worth), the overflow-free sigmoid and clamped tanh, and
 * every branch of the optimizer kernels against core's composite updates.
 */
const started = await startBackend();
requireAdapterInCi(started);
const be = started.be!;
afterAll(() => be?.destroy());

const rng = new Rng(7);
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Uploads, runs, reads and disposes everything; the live tensor count must come back. */
async function run(inputs: [Float32Array, number[]][], op: (ts: Tensor[]) => Tensor | Tensor[]): Promise<Float32Array[]> {
  const live = be.liveTensors();
  const ts = inputs.map(([a, s]) => be.upload(a, s));
  const r = op(ts);
  const outs = Array.isArray(r) ? r : [r];
  const values = await Promise.all(outs.map((t) => be.read(t)));
  for (const t of [...ts, ...outs]) be.dispose(t);
  expect(be.liveTensors()).toBe(live);
  return values;
}

describe.skipIf(!be)('webgpu kernels past the kit cases', () => {
  const SHAPE = [67, 129]; // odd, 34 workgroups of 256

  it('elementwise kernels on an odd shape spanning many workgroups', async () => {
    await noGpuErrors(be, async () => {
      const n = sizeOf(SHAPE);
      const a = randomArray(rng, n, -4, 4);
      const b = randomArray(rng, n, 0.5, 2);
      const unary: [string, (t: Tensor) => Tensor, (x: number) => number][] = [
        ['tanh', (t) => be.tanh(t), Math.tanh],
        ['sigmoid', (t) => be.sigmoid(t), (x) => 1 / (1 + Math.exp(-x))],
        ['affine', (t) => be.affine(t, 1.5, -0.25), (x) => x * 1.5 - 0.25],
        ['clip', (t) => be.clip(t, -0.2, 0.3), (x) => Math.min(0.3, Math.max(-0.2, x))],
      ];
      for (const [name, op, f] of unary) {
        const [out] = await run([[a, SHAPE]], ([t]) => op(t));
        checkClose(out, Array.from(a, f), PRIMITIVE_TOLERANCE, name);
      }
      const [q] = await run(
        [
          [a, SHAPE],
          [b, SHAPE],
        ],
        ([x, y]) => be.div(x, y),
      );
      checkClose(
        q,
        Array.from(a, (x, i) => Math.fround(x / b[i])),
        PRIMITIVE_TOLERANCE,
        'div',
      );
      const [M, N] = SHAPE;
      const v = randomArray(rng, N);
      const w = randomArray(rng, M);
      const [r1] = await run(
        [
          [a, SHAPE],
          [v, [N]],
        ],
        ([x, y]) => be.addRowVector(x, y),
      );
      checkClose(
        r1,
        Array.from(a, (x, i) => x + v[i % N]),
        PRIMITIVE_TOLERANCE,
        'addRowVector',
      );
      const [r2] = await run(
        [
          [a, SHAPE],
          [w, [M]],
        ],
        ([x, y]) => be.mulColumnVector(x, y),
      );
      checkClose(
        r2,
        Array.from(a, (x, i) => x * w[Math.floor(i / N)]),
        PRIMITIVE_TOLERANCE,
        'mulColumnVector',
      );
    });
  });

  it('tanh and sigmoid saturate without NaN at ±100', async () => {
    const a = Float32Array.from([-100, -30, 0, 30, 100]);
    const [t] = await run([[a, [5]]], ([x]) => be.tanh(x));
    const [s] = await run([[a, [5]]], ([x]) => be.sigmoid(x));
    checkClose(t, [-1, -1, 0, 1, 1], PRIMITIVE_TOLERANCE, 'tanh');
    checkClose(s, [0, 0, 0.5, 1, 1], PRIMITIVE_TOLERANCE, 'sigmoid');
  });

  it('sumRows, sum and sumSquares: one pass, two passes, and the strided first pass', async () => {
    await noGpuErrors(be, async () => {
      for (const [M, N] of [
        [1, 1],
        [1000, 7],
        [513, 300],
        [1100, 256], // 281,600 elements: more than 1024 workgroups of 256, so pass 1 strides
      ]) {
        const a = randomArray(rng, M * N);
        const cols = new Float64Array(N);
        let s = 0;
        let sq = 0;
        for (let i = 0; i < a.length; i++) {
          cols[i % N] += a[i];
          s += a[i];
          sq += a[i] * a[i];
        }
        const [c, t, q] = await run([[a, [M, N]]], ([x]) => [be.sumRows(x), be.sum(x), be.sumSquares(x)]);
        checkClose(c, cols, ACCUMULATION_TOLERANCE, `sumRows ${M}x${N}`);
        checkClose(t, [s], ACCUMULATION_TOLERANCE, `sum ${M}x${N}`);
        checkClose(q, [sq], ACCUMULATION_TOLERANCE, `sumSquares ${M}x${N}`);
      }
      const [empty] = await run([[new Float32Array(0), [0]]], ([x]) => be.sum(x));
      expect(Array.from(empty)).toEqual([0]);
    });
  });

  it('slices and concats of odd widths (strided copies), gather and scatter with repeats and empty rows', async () => {
    await noGpuErrors(be, async () => {
      const [M, N] = [37, 19];
      const a = randomArray(rng, M * N);
      const b = randomArray(rng, M * 3);
      const [sc, cc] = await run(
        [
          [a, [M, N]],
          [b, [M, 3]],
        ],
        ([x, y]) => {
          const s = be.sliceColumns(x, 5, 11);
          return [s, be.concatColumns([x, y, s])];
        },
      );
      checkClose(
        sc,
        Array.from({ length: M * 11 }, (_, i) => a[Math.floor(i / 11) * N + 5 + (i % 11)]),
        0,
        'sliceColumns',
      );
      const want = Array.from({ length: M }, (_, r) => [
        ...a.subarray(r * N, r * N + N),
        ...b.subarray(r * 3, r * 3 + 3),
        ...sc.subarray(r * 11, r * 11 + 11),
      ]).flat();
      checkClose(cc, want, 0, 'concatColumns');
      const idx = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % M);
      const [g] = await run([[a, [M, N]]], ([x]) => be.gatherRows(x, idx));
      checkClose(
        g,
        Array.from(idx).flatMap((r) => Array.from(a.subarray(r * N, r * N + N))),
        0,
        'gatherRows',
      );
      const src = randomArray(rng, idx.length * N);
      const [s] = await run([[src, [idx.length, N]]], ([x]) => be.scatterAddRows(x, idx, M + 5)); // rows M.. get nothing
      const sums = new Float64Array((M + 5) * N);
      idx.forEach((r, i) => {
        for (let c = 0; c < N; c++) sums[r * N + c] += src[i * N + c];
      });
      checkClose(s, sums, ACCUMULATION_TOLERANCE, 'scatterAddRows');
    });
  });

  it('softmax and softmaxCrossEntropy over rows wider than a workgroup (C = 200)', async () => {
    await noGpuErrors(be, async () => {
      const [R, C] = [9, 200];
      const z = randomArray(rng, R * C, -5, 5);
      const targets = Int32Array.from({ length: R }, (_, i) => (i === 1 ? -100 : (i * 37) % C));
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
      const [p] = await run([[z, [R, C]]], ([x]) => be.softmax(x));
      checkClose(p, sm, PRIMITIVE_TOLERANCE, 'softmax');
      const [l, g] = await run([[z, [R, C]]], ([x]) => {
        const o = be.softmaxCrossEntropy(x, targets, -100);
        return [o.loss, o.grad];
      });
      checkClose(l, loss, ACCUMULATION_TOLERANCE, 'loss');
      checkClose(g, grad, PRIMITIVE_TOLERANCE, 'grad');
    });
  });

  it('sgdUpdate and adamUpdate, every branch, against core composite updates on the same device', async () => {
    await noGpuErrors(be, async () => {
      const shape = [7, 13];
      const n = 91;
      const t = (lo = -1) => be.upload(randomArray(rng, n, lo, 1), shape);
      const [p, g, vel, m, v] = [t(), t(), t(), t(), t(0)];
      const live = be.liveTensors();
      for (const momentum of [0, 0.9])
        for (const velocity of [undefined, vel])
          for (const nesterov of [false, true]) {
            const a = { param: p, grad: g, ...(velocity ? { velocity } : {}), lr: 0.05, momentum, dampening: 0.2, nesterov, weightDecay: 0.01 };
            const f = be.sgdUpdate(a);
            const c = compositeSgdUpdate(be, a);
            expect(f.param.shape).toEqual(shape);
            checkClose(await be.read(f.param), await be.read(c.param), PRIMITIVE_TOLERANCE, 'sgd param');
            expect(f.velocity === undefined).toBe(c.velocity === undefined);
            if (f.velocity) checkClose(await be.read(f.velocity), await be.read(c.velocity!), PRIMITIVE_TOLERANCE, 'sgd velocity');
            for (const x of [f.param, f.velocity, c.param, c.velocity]) if (x) be.dispose(x);
          }
      for (const decoupled of [false, true])
        for (const weightDecay of [0, 0.1]) {
          const a = { param: p, grad: g, m, v, step: 4, lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay, decoupled };
          const f = be.adamUpdate(a);
          const c = compositeAdamUpdate(be, a);
          for (const k of ['param', 'm', 'v'] as const) checkClose(await be.read(f[k]), await be.read(c[k]), ACCUMULATION_TOLERANCE, `adam ${k}`);
          for (const x of [f.param, f.m, f.v, c.param, c.m, c.v]) be.dispose(x);
        }
      expect(be.liveTensors()).toBe(live);
      for (const x of [p, g, vel, m, v]) be.dispose(x);
    });
  });
});
