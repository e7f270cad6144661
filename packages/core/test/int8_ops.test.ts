import { describe, expect, it } from 'vitest';
import type { Backend, QuantizedMatrix } from '../src/backend/index.js';
import { defineBackend, dequantizeRows, int8RowSums, quantizeActivationRow, quantizedMatmulHost, quantizeRows, roundHalfEven } from '../src/backend/index.js';
import { RnnkitError } from '../src/errors.js';
import { createReferenceBackend, referenceKernels, referenceMemory } from '../src/testing/index.js';
import { Rng } from '../src/util/rng.js';

const rand = (rng: Rng, n: number, s = 1) => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * s);

/** The reference backend without readSync: its int8 ops run on dequantized float32 weights. */
const dequantizingBackend = (): Backend =>
  defineBackend({
    name: 'reference',
    context: {},
    memory: { ...referenceMemory, readSync: undefined },
    kernels: referenceKernels,
    info: () => ({ engine: 'reference-js' }),
  });

describe('int8 scheme (composite/int8_impl.ts)', () => {
  it('rounds half to even, like f32.nearest', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [-0.5, -0],
      [-1.5, -2],
      [-2.5, -2],
      [-3.5, -4],
      [2.4999998, 2],
      [126.5, 126],
      [127.5, 128],
      [3.7, 4],
      [-3.7, -4],
    ];
    for (const [v, want] of cases) expect(roundHalfEven(v)).toBe(want);
  });

  it('quantizes weights per row, symmetric: |W − Wq·s| ≤ s/2 and each row reaches ±127', () => {
    const rng = new Rng(3);
    const [N, K] = [5, 9];
    const w = rand(rng, N * K, 2);
    w.fill(0, 2 * K, 3 * K); // an all-zero row: scale 0, values 0
    const q = quantizeRows(w, N, K);
    const back = dequantizeRows(q);
    for (let n = 0; n < N; n++) {
      const s = q.scales[n];
      if (n === 2) {
        expect(s).toBe(0);
        continue;
      }
      let peak = 0;
      for (let k = 0; k < K; k++) {
        expect(Math.abs(w[n * K + k] - back[n * K + k])).toBeLessThanOrEqual(s / 2 + 1e-7);
        peak = Math.max(peak, Math.abs(q.data[n * K + k]));
      }
      expect(peak).toBe(127);
    }
  });

  it('quantizes an activation row to 7 bits with 0 exactly representable', () => {
    const x = Float32Array.from([0.3, -1.2, 0, 2.5, 0.01]);
    const out = new Uint8Array(5);
    const { scale, zero } = quantizeActivationRow(x, 0, 5, out);
    expect(scale).toBe(Math.fround(Math.fround(2.5 - Math.fround(-1.2)) / 127));
    expect(out[2]).toBe(zero); // x = 0 ↦ the zero point
    for (const v of out) expect(v).toBeLessThanOrEqual(127);
    for (let k = 0; k < 5; k++) expect(Math.abs((out[k] - zero) * scale - x[k])).toBeLessThanOrEqual(scale / 2 + 1e-7);
    // positive-only row: lo = 0, z = 0
    const pos = quantizeActivationRow(Float32Array.from([1, 2]), 0, 2, out);
    expect(pos.zero).toBe(0);
    expect([out[0], out[1]]).toEqual([64, 127]); // rne(63.5) = 64
    expect(quantizeActivationRow(new Float32Array(3), 0, 3, out)).toEqual({ scale: 0, zero: 0 });
    expect(Number.isNaN(quantizeActivationRow(Float32Array.from([1, Number.NaN]), 0, 2, out).scale)).toBe(true);
  });

  it('quantizedMatmulHost: the integer sums, then three float32 steps', () => {
    const rng = new Rng(5);
    const [M, N, K] = [4, 6, 33];
    const x = rand(rng, M * K, 3);
    const q = quantizeRows(rand(rng, N * K), N, K);
    const bias = rand(rng, N);
    const y = quantizedMatmulHost(x, M, q, int8RowSums(q), bias);
    const xq = new Uint8Array(K);
    for (let m = 0; m < M; m++) {
      const { scale, zero } = quantizeActivationRow(x, m * K, K, xq);
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += q.data[n * K + k] * (xq[k] - zero);
        const f = Math.fround;
        expect(y[m * N + n]).toBe(f(f(f(scale * q.scales[n]) * f(acc)) + bias[n]));
      }
    }
    // and close to the float product
    const w = dequantizeRows(q);
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = bias[n];
        for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * K + k];
        expect(Math.abs(y[m * N + n] - s)).toBeLessThan(0.15);
      }
    const nan = quantizedMatmulHost(Float32Array.from([1, Number.POSITIVE_INFINITY]), 1, quantizeRows(Float32Array.from([1, 1]), 1, 2), Int32Array.of(254));
    expect(Number.isNaN(nan[0])).toBe(true);
  });
});

describe('int8 ops through defineBackend', () => {
  const setup = (be: Backend) => {
    const rng = new Rng(9);
    const [M, N, K] = [3, 5, 7];
    const xs = rand(rng, M * K, 2);
    const host = quantizeRows(rand(rng, N * K), N, K);
    const bs = rand(rng, N);
    return { M, N, K, xs, host, bs, x: be.upload(xs, [M, K]), bias: be.upload(bs, [N]) };
  };

  it('host mode (readSync): the exact integer scheme, and handles count as live', async () => {
    const be = createReferenceBackend();
    expect(be.info().quantized).toBe('host');
    expect(be.info().fusedOps.quantizedMatmul).toBe('composite');
    const before = be.liveTensors();
    const { M, xs, host, bs, x, bias } = setup(be);
    const w = be.uploadQuantized(host);
    expect(w.dtype).toBe('int8');
    const y = be.quantizedMatmul({ x, weight: w, bias });
    expect(await be.read(y)).toEqual(quantizedMatmulHost(xs, M, host, int8RowSums(host), bs));
    for (const t of [x, bias, y]) be.dispose(t);
    be.disposeQuantized(w);
    expect(be.liveTensors()).toBe(before);
  });

  it('dequantized mode (no readSync): a float32 product on the dequantized weights', async () => {
    const be = dequantizingBackend();
    expect(be.info().quantized).toBe('dequantized');
    const before = be.liveTensors();
    const { host, x, bias } = setup(be);
    const w = be.uploadQuantized(host);
    const y = be.quantizedMatmul({ x, weight: w, bias });
    const wf = be.upload(dequantizeRows(host), host.shape);
    const p = be.matmul(x, wf, { transposeB: true });
    const want = be.addRowVector(p, bias);
    expect(await be.read(y)).toEqual(await be.read(want));
    for (const t of [x, bias, y, wf, p, want]) be.dispose(t);
    be.disposeQuantized(w); // and the float32 copy it made on first use
    expect(be.liveTensors()).toBe(before);
  });

  it('refuses bad int8 input with RnnkitError and allocates nothing', () => {
    const be = createReferenceBackend();
    const before = be.liveTensors();
    const good: QuantizedMatrix = { data: new Int8Array(6), scales: new Float32Array(2), shape: [2, 3] };
    const bad = (q: unknown, re: RegExp) => {
      try {
        be.uploadQuantized(q as QuantizedMatrix);
      } catch (e) {
        expect(e).toBeInstanceOf(RnnkitError);
        expect((e as Error).message).toMatch(re);
        return;
      }
      throw new Error('expected a refusal');
    };
    bad({ ...good, data: Int8Array.of(0, 0, -128, 0, 0, 0) }, /q\.data\[2\]: expected a value in \[-127, 127\]/);
    bad({ ...good, scales: Float32Array.of(1, Number.NaN) }, /q\.scales\[1\]/);
    bad({ ...good, shape: [3, 3] }, /q\.data: expected 9 values/);
    bad({ ...good, shape: [1, 70000], data: new Int8Array(70000), scales: new Float32Array(1) }, /at most 65536 columns/);
    expect(be.liveTensors()).toBe(before);
    const w = be.uploadQuantized(good);
    const x = be.upload(new Float32Array(8), [2, 4]);
    expect(() => be.quantizedMatmul({ x, weight: w })).toThrow(/quantizedMatmul: x: expected shape \[M, 3\]/);
    expect(() => be.quantizedMatmul({ x: w as never, weight: w })).toThrow(RnnkitError);
    expect(() => be.quantizedMatmul({ x, weight: x as never })).toThrow(/weight: expected an int8 weight/);
    be.disposeQuantized(w);
    expect(() => be.disposeQuantized(w)).toThrow(/disposed/);
  });

  it('defineBackend refuses a partial int8 kernel table', () => {
    expect(() =>
      defineBackend({
        name: 'x',
        context: {},
        memory: referenceMemory,
        kernels: { ...referenceKernels, quantizedMatmul: () => undefined as never },
        info: () => ({ engine: 'x' }),
      }),
    ).toThrow(/uploadQuantized, disposeQuantized and quantizedMatmul together/);
  });

  it('quantizedRecurrentForward (composite) tracks the float forward on dequantized weights', async () => {
    for (const cell of ['rnn_tanh', 'lstm', 'gru'] as const) {
      for (const gruResetAfter of cell === 'gru' ? [true, false] : [true]) {
        const be = createReferenceBackend();
        const before = be.liveTensors();
        const rng = new Rng(21);
        const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
        const [T, B, D, H] = [5, 2, 4, 6];
        const qIh = quantizeRows(rand(rng, G * H * D, 0.5), G * H, D);
        const qHh = quantizeRows(rand(rng, G * H * H, 0.5), G * H, H);
        const x = be.upload(rand(rng, T * B * D), [T, B, D]);
        const h0 = be.upload(rand(rng, B * H, 0.3), [B, H]);
        const biasIh = be.upload(rand(rng, G * H, 0.2), [G * H]);
        const biasHh = be.upload(rand(rng, G * H, 0.2), [G * H]);
        const wIh = be.uploadQuantized(qIh);
        const wHh = be.uploadQuantized(qHh);
        const lengths = Int32Array.of(5, 3);
        const q = be.quantizedRecurrentForward({ cell, gruResetAfter, x, weightIh: wIh, weightHh: wHh, biasIh, biasHh, h0, lengths });
        const fIh = be.upload(dequantizeRows(qIh), qIh.shape);
        const fHh = be.upload(dequantizeRows(qHh), qHh.shape);
        const f = be.recurrentForward({ cell, gruResetAfter, x, weightIh: fIh, weightHh: fHh, biasIh, biasHh, h0, lengths, training: false });
        const [qy, fy] = [await be.read(q.y), await be.read(f.y)];
        let worst = 0;
        for (let i = 0; i < qy.length; i++) worst = Math.max(worst, Math.abs(qy[i] - fy[i]));
        expect(worst, `${cell} reset-after ${gruResetAfter}`).toBeLessThan(0.03);
        expect(worst).toBeGreaterThan(0); // activations really were quantized
        expect(q.saved).toBeUndefined();
        for (const t of [x, h0, biasIh, biasHh, fIh, fHh, q.y, q.hN, f.y, f.hN]) be.dispose(t);
        if (q.cN) be.dispose(q.cN);
        if (f.cN) be.dispose(f.cN);
        be.disposeQuantized(wIh);
        be.disposeQuantized(wHh);
        expect(be.liveTensors()).toBe(before);
      }
    }
  });
});
