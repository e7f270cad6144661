import { Rng } from '@rnnkit/core';
import { randomArray } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import type { CpuTensor } from '../src/index.js';
import { CpuBackend } from '../src/index.js';
import { WASM_ELEMENTWISE_MIN } from '../src/wasm/elementwise.js';
import { ENGINES } from './engines.js';

// Where the engines part ways: from WASM_ELEMENTWISE_MIN elements some primitives run in
// WebAssembly, and the fused MSE pass must equal its composite form bit for bit on each engine.
// Every primitive against float64 formulas is the kit's (kit.test.ts).

const be = new CpuBackend();

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
      k.destroy();
    });
  }
});
