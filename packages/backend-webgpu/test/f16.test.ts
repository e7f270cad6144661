import { adam, fit, gru, isRnnkitError, linear, sequential } from '@rnnkit/core';
import { type ConformanceCase, conformanceCases, runConformanceCase } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHalfArray, fromHalfBits, toHalfArray, toHalfBits } from '../src/half.js';
import { createWebgpuBackend, F16_FORWARD_TOLERANCE, F16_GRADIENT_TOLERANCE, type WebgpuBackend } from '../src/index.js';
import { noGpuErrors, rejection, requireAdapterInCi, startBackend } from './helpers.js';

/**
 * Precision `f16`: f16 storage, f32 arithmetic. The host conversion and the option checks run
 * everywhere; the rest needs an adapter with `shader-f16` (Mesa lavapipe under Dawn has it) and
 * is skipped with the reason where the adapter lacks it — an optional feature, so also in CI,
 * where only a missing adapter fails (helpers.ts).
 */

describe('f16 host conversion (half.ts)', () => {
  it('every binary16 value survives a round trip; NaN stays NaN', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromHalfBits(h);
      if (Number.isNaN(v)) expect(Number.isNaN(fromHalfBits(toHalfBits(v))), `bits ${h}`).toBe(true);
      else expect(toHalfBits(v), `bits ${h.toString(16)}`).toBe(h);
    }
  });

  it('rounds to nearest with ties to even, overflows to ±Infinity past 65504, keeps subnormals', () => {
    const u = 2 ** -11;
    expect(fromHalfBits(toHalfBits(1 + u))).toBe(1); // tie: down to the even mantissa
    expect(fromHalfBits(toHalfBits(1 + 3 * u))).toBe(1 + 4 * u); // tie: up to the even mantissa
    expect(fromHalfBits(toHalfBits(1 + 1.01 * u))).toBe(1 + 2 * u);
    expect(fromHalfBits(toHalfBits(65504))).toBe(65504);
    expect(fromHalfBits(toHalfBits(65519))).toBe(65504);
    expect(fromHalfBits(toHalfBits(65520))).toBe(Number.POSITIVE_INFINITY); // the tie rounds to even: Infinity
    expect(fromHalfBits(toHalfBits(-1e6))).toBe(Number.NEGATIVE_INFINITY);
    expect(fromHalfBits(toHalfBits(2 ** -24))).toBe(2 ** -24); // smallest subnormal
    expect(fromHalfBits(toHalfBits(2 ** -25))).toBe(0); // tie with 0: even
    expect(fromHalfBits(toHalfBits(1.5 * 2 ** -24))).toBe(2 ** -23); // tie: up to even
    expect(fromHalfBits(toHalfBits(2 ** -14 - 2 ** -25))).toBe(2 ** -14); // carries into the smallest normal
    expect(Object.is(fromHalfBits(toHalfBits(-0)), -0)).toBe(true);
  });

  it('random float32 values land on the nearest binary16 value (within half a step)', () => {
    let seed = 12345;
    for (let i = 0; i < 20000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const x = Math.fround((seed / 2 ** 32 - 0.5) * 2 ** ((i % 40) - 24)); // |x| < 2^15: inside the f16 range
      const h = fromHalfBits(toHalfBits(x));
      const e = Math.max(Math.floor(Math.log2(Math.abs(x))), -14);
      expect(Math.abs(h - x), `${x}`).toBeLessThanOrEqual(2 ** (e - 11));
    }
  });

  it('arrays pad to an even count (4-byte writes) and widen back', () => {
    const x = new Float32Array([1, -2.5, Math.PI]);
    const h = toHalfArray(x);
    expect(h.length).toBe(4);
    expect([...fromHalfArray(h, 3)]).toEqual([1, -2.5, 3.140625]);
  });
});

describe('f16 option checks (no adapter needed)', () => {
  it('refuses an unknown precision (INVALID_ARGUMENT) and sequence kernels with f16 (UNSUPPORTED) before requesting a device', async () => {
    const bad = await rejection(() => createWebgpuBackend({ precision: 'f64' as 'f16' }));
    expect([bad.code, bad.argument]).toEqual(['INVALID_ARGUMENT', 'precision']);
    expect(bad.message).toContain("expected 'f32' or 'f16', got \"f64\"");
    const seq = await rejection(() => createWebgpuBackend({ precision: 'f16', recurrentPath: 'sequence' }));
    expect([seq.code, seq.argument]).toEqual(['UNSUPPORTED', 'recurrentPath']);
  });

  it("refuses f16 on a device without 'shader-f16' (UNSUPPORTED, argument precision) and touches nothing of it", async () => {
    // A stand-in device: the check reads only `features`; any other use would throw here.
    const device = { features: new Set<string>(['timestamp-query']) } as unknown as GPUDevice;
    const e = await rejection(() => createWebgpuBackend({ precision: 'f16', device }));
    expect([e.code, e.argument]).toEqual(['UNSUPPORTED', 'precision']);
    expect(e.message).toContain("'shader-f16'");
  });
});

const probe = await startBackend();
requireAdapterInCi(probe);
probe.be?.destroy();
let f16: WebgpuBackend | undefined;
let f16Missing: string | undefined;
if (probe.be) {
  try {
    f16 = await createWebgpuBackend({ precision: 'f16' });
  } catch (e) {
    if (!(isRnnkitError(e) && e.code === 'UNSUPPORTED' && e.argument === 'precision')) throw e;
    f16Missing = e.message;
  }
}
const f32 = f16 ? await createWebgpuBackend() : undefined;
afterAll(() => {
  f16?.destroy();
  f32?.destroy();
});

if (!f16) {
  const reason = f16Missing ?? `no WebGPU adapter here (${probe.reason})`;
  console.log(`skipped: webgpu f16 on the device: ${reason}`);
  describe.skip(`webgpu f16 on the device — skipped: ${reason}`, () => {
    it('needs an adapter with the shader-f16 feature', () => {});
  });
} else {
  const be = f16;
  const ref = f32!;
  console.log(`webgpu f16 on ${be.info().engine}`);

  describe('webgpu f16: storage', () => {
    it('reports its precision and the per-step path', () => {
      expect(be.precision).toBe('f16');
      expect(ref.precision).toBe('f32');
      expect(be.recurrentPath).toBe('step');
      expect(be.info().engine).toContain('[f16 storage, f32 compute; per-step recurrence]');
      expect(ref.info().engine).not.toContain('f16');
      expect(be.device.features.has('shader-f16')).toBe(true);
    });

    it('stores half the bytes per tensor', async () => {
      const bytes = (b: WebgpuBackend) => b.gpuBuffers().storage.allocatedBytes;
      const n = 1 << 16;
      const data = new Float32Array(n).fill(0.5);
      // No parked buffer to reuse: each upload allocates its own.
      be.trimPool();
      ref.trimPool();
      const b16 = bytes(be);
      const t16 = be.upload(data, [n]);
      const b32 = bytes(ref);
      const t32 = ref.upload(data, [n]);
      expect(bytes(be) - b16).toBe(2 * n);
      expect(bytes(ref) - b32).toBe(4 * n);
      be.dispose(t16);
      ref.dispose(t32);
    });

    it('upload rounds as the host conversion does, odd lengths included; read widens', async () => {
      const x = new Float32Array([0.1, -1 / 3, 1e-6, 70000, -65519, 2.5, Math.PI]);
      const t = be.upload(x, [7]);
      const back = await be.read(t);
      expect([...back]).toEqual([...fromHalfArray(toHalfArray(x), 7)]);
      expect(back[3]).toBe(Number.POSITIVE_INFINITY);
      be.dispose(t);
    });

    it('copies and fills at odd element offsets (the unaligned kernel path) exactly', async () => {
      await noGpuErrors(be, async () => {
        const a = be.upload(
          Float32Array.from({ length: 9 }, (_, i) => i + 1),
          [3, 3],
        );
        const b = be.upload(new Float32Array([10, 11, 12]), [1, 3]);
        const joined = be.concatRows([b, a, b]); // b then a start at element 3 (byte 6)
        expect([...(await be.read(joined))]).toEqual([10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        const row = be.sliceRows(joined, 2, 1); // from element 6: aligned; then element 9
        const rows = be.sliceRows(joined, 3, 1);
        expect([...(await be.read(row))]).toEqual([4, 5, 6]);
        expect([...(await be.read(rows))]).toEqual([7, 8, 9]);
        const z = be.zeros([3, 1]);
        const f = be.fill([5], -0.75);
        expect([...(await be.read(z))]).toEqual([0, 0, 0]);
        expect([...(await be.read(f))]).toEqual([-0.75, -0.75, -0.75, -0.75, -0.75]);
        for (const t of [a, b, joined, row, rows, z, f]) be.dispose(t);
      });
    });

    it('accumulates in f32: a K = 2048 product and a 100k-element sum are within storage rounding of the exact result', async () => {
      // Every partial sum here is in the hundreds (GEMM) or tens of thousands (sum): summed in
      // f16 (step 0.25–32), the error would be hundreds of ulps; in f32 only the stored result rounds.
      let seed = 7;
      const rand = () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        return seed / 2 ** 32;
      };
      const K = 2048;
      const a = fromHalfArray(toHalfArray(Float32Array.from({ length: 4 * K }, rand)), 4 * K);
      const b = fromHalfArray(toHalfArray(Float32Array.from({ length: K * 3 }, rand)), K * 3);
      const ta = be.upload(a, [4, K]);
      const tb = be.upload(b, [K, 3]);
      const prod = await be.read(be.matmul(ta, tb));
      for (let m = 0; m < 4; m++)
        for (let n = 0; n < 3; n++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += a[m * K + k] * b[k * 3 + n];
          // One f16 rounding of the result (u = 2⁻¹¹), f32 sums far below it.
          expect(Math.abs(prod[m * 3 + n] - s) / s, `out[${m}, ${n}]`).toBeLessThanOrEqual(2 ** -11 * 1.05);
        }
      const n = 100_000;
      const v = fromHalfArray(toHalfArray(Float32Array.from({ length: n }, rand)), n);
      const tv = be.upload(v, [n]);
      const total = (await be.read(be.sum(tv)))[0];
      const exact = v.reduce((s, x) => s + x, 0);
      // Two roundings: each workgroup's partial is stored as f16, then the total.
      expect(Math.abs(total - exact) / exact).toBeLessThanOrEqual(2 * 2 ** -11 * 1.05);
      be.dispose(ta);
      be.dispose(tb);
      be.dispose(tv);
    });

    it('refuses optimizer updates (UNSUPPORTED, argument precision) and leaves the backend as it was', async () => {
      const param = be.upload(new Float32Array([1, 2, 3]), [3]);
      const grad = be.upload(new Float32Array([0.5, 0.5, 0.5]), [3]);
      const m = be.zeros([3]);
      const v = be.zeros([3]);
      const live = be.liveTensors();
      const buffers = be.liveGpuBuffers();
      const sgd = await rejection(() => be.sgdUpdate({ param, grad, lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }));
      expect([sgd.code, sgd.argument]).toEqual(['UNSUPPORTED', 'precision']);
      expect(sgd.message).toContain('sgdUpdate');
      const adam = await rejection(() =>
        be.adamUpdate({ param, grad, m, v, step: 1, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }),
      );
      expect([adam.code, adam.argument]).toEqual(['UNSUPPORTED', 'precision']);
      expect(be.liveTensors()).toBe(live);
      expect(be.liveGpuBuffers()).toBe(buffers);
      expect([...(await be.read(param))]).toEqual([1, 2, 3]);
      for (const t of [param, grad, m, v]) be.dispose(t);
    });
  });

  describe('webgpu f16: a model', () => {
    it('trained weights run on f16 within the f16 bound of f32; fit on f16 is refused and leaves the model as it was', async () => {
      let seed = 11;
      const rand = () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        return seed / 2 ** 32 - 0.5;
      };
      const x = { data: Float32Array.from({ length: 6 * 7 * 3 }, rand), shape: [6, 7, 3] };
      const y = { data: Float32Array.from({ length: 6 * 7 * 2 }, rand), shape: [6, 7, 2] };
      const model = sequential([gru({ inputSize: 3, hiddenSize: 16 }), linear({ outFeatures: 2 })], { seed: 5 }).to(ref);
      await fit(model, { x, y }, { loss: 'mse', optimizer: adam({ lr: 1e-2 }), epochs: 2, batchSize: 3 });
      const onF32 = await model.predict(x);
      await model.toAsync(be);
      const onF16 = await model.predict(x);
      let err = 0;
      let scale = 1;
      for (let i = 0; i < onF32.data.length; i++) {
        err = Math.max(err, Math.abs(onF16.data[i] - onF32.data[i]));
        scale = Math.max(scale, Math.abs(onF32.data[i]));
      }
      console.log(`f16 vs f32 predict after training: scaled error ${(err / scale).toExponential(2)}`);
      expect(err / scale).toBeLessThanOrEqual(F16_FORWARD_TOLERANCE);
      const e = await rejection(() => fit(model, { x, y }, { loss: 'mse', optimizer: adam({ lr: 1e-2 }), epochs: 1, batchSize: 3 }));
      expect([e.code, e.argument]).toEqual(['UNSUPPORTED', 'precision']);
      expect([...(await model.predict(x)).data]).toEqual([...onF16.data]);
      model.dispose();
    });
  });

  describe('webgpu f16: conformance', () => {
    /** Worst errors per cell variant (T = 300 apart): the figures the README quotes. */
    const worst = new Map<string, { forward: number; gradient: number }>();
    const family = (c: ConformanceCase) => `${c.name.split(' ')[0]}${c.T === 300 ? ' T=300' : ''}`;
    afterAll(() => {
      const lines = [...worst].map(([k, w]) => `${k}: forward ${w.forward.toExponential(2)}, gradient ${w.gradient.toExponential(2)}`);
      console.log(`f16 conformance, worst scaled errors (bounds ${F16_FORWARD_TOLERANCE}, ${F16_GRADIENT_TOLERANCE}):\n  ${lines.join('\n  ')}`);
    });
    const cases = conformanceCases();
    it('runs all 230 cases', () => expect(cases.length).toBe(230));
    for (const c of cases) {
      it(c.name, async () => {
        const r = await runConformanceCase(be, c);
        const w = worst.get(family(c)) ?? { forward: 0, gradient: 0 };
        worst.set(family(c), { forward: Math.max(w.forward, r.forwardError), gradient: Math.max(w.gradient, r.gradError) });
        expect(r.forwardError, 'forward error').toBeLessThanOrEqual(F16_FORWARD_TOLERANCE);
        expect(r.gradError, `gradient error (${r.worstGradient})`).toBeLessThanOrEqual(F16_GRADIENT_TOLERANCE);
        expect(r.leakedTensors).toBe(0);
      });
    }
    it('took the per-step path every time', () => {
      const { recurrent } = be.counters();
      expect(recurrent.sequence).toBe(0);
      expect(recurrent.step).toBeGreaterThan(0);
    });
  });
}
