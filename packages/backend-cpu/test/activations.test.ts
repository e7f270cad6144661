import { describe, expect, it } from 'vitest';
import { loadWasmKernels, wasmSupport } from '../src/wasm/load.js';

/**
 * The SIMD gate math's sigmoid (Cephes exp) and tanh (Eigen's rational function) against Math in
 * double, on a dense grid over [-20, 20] plus the edges, through the step kernels themselves:
 * rnnStep gives tanh(xp + hp), and an LSTM step's first gate block is σ(xp + hp). The bounds are
 * the README's measured figures rounded up (2.4e-7 and 1.7e-7 measured, both builds).
 */
const N = 1 << 16;
const grid = (): Float32Array => {
  const xs = new Float32Array(N);
  for (let i = 0; i < N - 4; i++) xs[i] = -20 + (40 * i) / (N - 5);
  xs.set([0, -0, 1e-30, -88.5], N - 4); // the last stays last: the sigmoid check treats it apart
  return xs;
};

const builds = [false, ...(wasmSupport().relaxedSimd ? [true] : [])];
describe.skipIf(!wasmSupport().simd)('SIMD activations', () => {
  for (const fma of builds) {
    it(`${fma ? 'relaxed SIMD (FMA)' : 'SIMD128'}: tanh within 3e-7 absolute, sigmoid within 2e-7 relative`, async () => {
      const w = (await loadWasmKernels({ fma }))!;
      expect(w.fma).toBe(fma);
      const { k, arena: A } = w;
      const xs = grid();
      A.reset();
      const xp = A.put(xs);
      const zeros = A.zeros(4 * N * 4);
      const h = A.alloc(N * 4);
      k.rnnStep(1, N, false, xp, zeros, zeros, h, 0, 0, 0);
      const th = A.take(h, N);
      let tanhErr = 0;
      for (let i = 0; i < N; i++) tanhErr = Math.max(tanhErr, Math.abs(th[i] - Math.tanh(xs[i])));
      expect(tanhErr).toBeLessThan(3e-7);
      expect(Object.is(th[N - 3], -0) || th[N - 3] === 0).toBe(true);

      A.reset();
      const xp4 = A.zeros(4 * N * 4);
      A.f32(xp4, N).set(xs);
      const hp4 = A.zeros(4 * N * 4);
      const c0 = A.zeros(N * 4);
      const h0 = A.zeros(N * 4);
      const [c1, h1, gates, tanhC] = [A.alloc(N * 4), A.alloc(N * 4), A.alloc(4 * N * 4), A.alloc(N * 4)];
      k.lstmStep(1, N, xp4, hp4, c0, c1, h0, h1, gates, tanhC, 0, 0, 0);
      const sg = A.take(gates, N);
      let sigRel = 0;
      for (let i = 0; i < N - 1; i++) {
        const ref = 1 / (1 + Math.exp(-xs[i]));
        sigRel = Math.max(sigRel, Math.abs(sg[i] - ref) / ref);
      }
      expect(sigRel).toBeLessThan(2e-7);
      // σ(-88.5) ≈ 3.7e-39 is subnormal, where e^x is clamped: only tiny in absolute terms.
      expect(Math.abs(sg[N - 1] - 1 / (1 + Math.exp(88.5)))).toBeLessThan(1e-38);
      w.close();
    });
  }

  it('a NaN input gives NaN from both', async () => {
    const w = (await loadWasmKernels({ fma: false }))!;
    const { k, arena: A } = w;
    A.reset();
    const H = 4;
    const xp = A.put(Float32Array.from([NaN, NaN, NaN, NaN, ...new Array(12).fill(0)]));
    const zeros = A.zeros(16 * 4);
    const [h, c1, gates, tanhC] = [A.alloc(H * 4), A.alloc(H * 4), A.alloc(4 * H * 4), A.alloc(H * 4)];
    k.rnnStep(1, H, false, xp, zeros, zeros, h, 0, 0, 0);
    expect(Array.from(A.f32(h, H)).every(Number.isNaN)).toBe(true);
    k.lstmStep(1, H, xp, zeros, zeros, c1, zeros, h, gates, tanhC, 0, 0, 0);
    expect(Array.from(A.f32(gates, H)).every(Number.isNaN)).toBe(true);
    w.close();
  });
});
